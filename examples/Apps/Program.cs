using Trellis;
using Trellis.Examples.Apps;

return args switch
{
    [] or ["demo"] => await AppsDemo.RunAsync(Console.Out, Path.Combine(Path.GetTempPath(), $"trellis-kv-{Environment.ProcessId}.log")),
    ["crash", var type] => await AppsDemo.CrashAsync(Console.Out, type),
    ["durable-writer", var path] => await AppsDemo.DurableWriterAsync(Console.Out, path),
    ["observe"] => await ObserveDemo.RunAsync(Console.Out, 8080),
    ["observe", "--port", var port] when int.TryParse(port, out var p) && p is >= 0 and <= 65535 => await ObserveDemo.RunAsync(Console.Out, p),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Apps [demo | crash permanent|transient|temporary | durable-writer <store-file> | observe [--port N]]");
    return 100;
}
