// The demo tree's programs, in one executable: `http` (a small HTTP service that reports ready on $NOTIFY_SOCKET),
// `worker` (polls the HTTP service and fails when it is gone), `flaky` (crashes every few seconds). The daemon
// also loads this assembly for its in-process workers (Ticker, Heartbeat).
using System.Globalization;
using Trellis.Examples.DemoServices;

var mode = args.Length > 0 ? args[0] : string.Empty;
var rest = args.Skip(1).ToArray();
return mode switch
{
    "http" => await HttpService.RunAsync(Option(rest, "--port", 8089)),
    "worker" => await PollingWorker.RunAsync(Option(rest, "--port", 8089)),
    "flaky" => await Flaky.RunAsync(Option(rest, "--after", 4)),
    _ => Usage(),
};

static int Option(string[] args, string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
}

static int Usage()
{
    Console.Error.WriteLine("usage: DemoServices http|worker [--port N] | flaky [--after SECONDS]");
    return 2;
}
