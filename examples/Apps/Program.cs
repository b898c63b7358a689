using Trellis;
using Trellis.Examples.Apps;

return args switch
{
    [] or ["demo"] => await AppsDemo.RunAsync(Console.Out, Path.Combine(Path.GetTempPath(), $"trellis-kv-{Environment.ProcessId}.log")),
    ["crash", var type] => await AppsDemo.CrashAsync(Console.Out, type),
    ["durable-writer", var path] => await AppsDemo.DurableWriterAsync(Console.Out, path),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: Apps [demo | crash permanent|transient|temporary | durable-writer <store-file>]");
    return 100;
}
