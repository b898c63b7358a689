namespace Trellis.Examples.DemoServices;

/// <summary>A worker that depends on the HTTP service: it asks it every second, and gives up after three failures.</summary>
public static class PollingWorker
{
    /// <summary>Polls http://127.0.0.1:<paramref name="port"/>/ until SIGTERM or three failures in a row.</summary>
    /// <param name="port">The HTTP service's port.</param>
    /// <returns>The exit code: 1 when the service is gone.</returns>
    public static async Task<int> RunAsync(int port)
    {
        using var stop = new CancellationTokenSource();
        using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var failures = 0;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                try
                {
                    var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/"), stop.Token);
                    failures = 0;
                    Console.WriteLine("worker: " + text.Trim());
                }
                catch (HttpRequestException ex)
                {
                    failures++;
                    Console.Error.WriteLine($"worker: the HTTP service did not answer ({ex.Message}), {failures} in a row");
                    if (failures >= 3)
                    {
                        return 1;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stop.Token));
        }
        catch (OperationCanceledException)
        {
        }

        return 0;
    }
}
