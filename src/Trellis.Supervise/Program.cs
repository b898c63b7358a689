using Trellis.OsProcess;
using Trellis.OsProcess.StatusFiles;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]

namespace Trellis.Supervise;

/// <summary><c>supervise -p DIR -f "COMMAND" [-F supervise.conf]</c>: keeps one program running.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var options = SuperviseOptions.Parse(args, out var error);
        if (options is null)
        {
            Console.Error.WriteLine("supervise: " + error);
            Console.Error.WriteLine(SuperviseOptions.Usage);
            return ExitCodes.Usage;
        }

        if (options.Help)
        {
            Console.WriteLine(SuperviseOptions.Usage);
            return ExitCodes.Ok;
        }

        if (options.Version)
        {
            var assembly = typeof(Program).Assembly;
            var version = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(assembly)?.InformationalVersion
                ?? assembly.GetName().Version?.ToString() ?? "unknown";
            Console.WriteLine("supervise (trellis) " + version);
            return ExitCodes.Ok;
        }

        if (!options.Foreground)
        {
            return Background.Start(args);
        }

        return RunAsync(options).GetAwaiter().GetResult();
    }

    /// <summary>The settings the command line gives before supervise.conf is read.</summary>
    public static SuperviseConfig Defaults(SuperviseOptions options) => ApplyOptions(new SuperviseConfig(), options);

    /// <summary>Command-line settings win over supervise.conf.</summary>
    public static SuperviseConfig ApplyOptions(SuperviseConfig config, SuperviseOptions o) => config with
    {
        RestartDelay = o.RestartDelay ?? config.RestartDelay,
        ShutdownTimeout = o.ShutdownTimeout ?? config.ShutdownTimeout,
        StopSignal = o.StopSignal ?? config.StopSignal,
        StatusLayout = o.Layout ?? config.StatusLayout,
    };

    private static async Task<int> RunAsync(SuperviseOptions options)
    {
        var program = options.Program(out var error);
        if (program is null)
        {
            return Fail(options, ExitCodes.Usage, "-f: " + error);
        }

        var dir = StatusDirectory.Create(options.StatusDir!, out error);
        if (dir is null)
        {
            return Fail(options, ExitCodes.Usage, error!);
        }

        using (dir)
        {
            var warnings = new List<string>();
            var config = Defaults(options);
            if (options.ConfigFile is { } file)
            {
                var loaded = ConfigParser.Load(file, dir.Module, config, warnings, out error);
                if (loaded is null)
                {
                    return Fail(options, ExitCodes.Usage, error!);
                }

                config = ApplyOptions(loaded, options);
            }

            if (!dir.TryLock(out error))
            {
                return Fail(options, ExitCodes.Temporary, error!);
            }

            var time = TimeProvider.System;
            using var log = new FileLog(dir.Log, dir.WarningLog, time, options.ReportReady ? null : Console.Error);
            var logger = log.CreateLogger("supervise");
            foreach (var w in warnings)
            {
                Log.ConfigWarning(logger, w);
            }

            if (Leftover.Find(dir.ReadStatus(config.StatusLayout)) is var leftover and > 0)
            {
                Log.Leftover(logger, leftover);
                if (!ProcessGroups.Stop(leftover, config.StopSignal, config.ShutdownTimeout))
                {
                    return Fail(options, ExitCodes.Temporary, $"pid {leftover}, left by a previous supervise, would not stop");
                }
            }

            if (!dir.OpenControl(out error))
            {
                return Fail(options, ExitCodes.Temporary, error!);
            }

            dir.WriteStatus(new StatusRecord(time.GetUtcNow(), 0, false, 'u', false, false), config.StatusLayout);
            if (!dir.OpenOk(out error))
            {
                return Fail(options, ExitCodes.Temporary, error!);
            }

            Log.Started(logger, Environment.ProcessId, dir.Path, program.CommandText());
            await using var node = new Node(new NodeOptions { Name = "supervise", TimeProvider = time, LoggerFactory = log });

            var setup = new ServiceSetup(dir, options, config, program, logger, new Alarmer(node, logger, dir.Module, dir.Path), time);
            var start = await GenServer.StartAsync(node, () => new ServiceServer(setup));
            if (!start.IsOk)
            {
                return Fail(options, ExitCodes.Temporary, "unable to start: " + start);
            }

            var service = start.Pid;
            using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            var control = new ControlReader(dir, setup.Control, b => GenServer.Cast(service, b));
            ReportReady(options);
            var reason = await Node.WaitForExitAsync(service);
            await control.StopAsync();
            return reason == ExitCodes.GaveUpReason ? ExitCodes.GaveUp : reason.IsOrderly ? ExitCodes.Ok : ExitCodes.Temporary;

            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                GenServer.Cast(service, new TerminateRequest(context.Signal.ToString()));
            }
        }
    }

    private static int Fail(SuperviseOptions options, int code, string message)
    {
        if (options.ReportReady)
        {
            // The waiting foreground supervise prints it and exits with the code.
            Console.Out.WriteLine($"{code} {message}");
            Console.Out.Flush();
        }
        else
        {
            Console.Error.WriteLine("supervise: " + message);
        }

        return code;
    }

    private static void ReportReady(SuperviseOptions options)
    {
        if (!options.ReportReady)
        {
            return;
        }

        Console.Out.WriteLine(Background.ReadyLine);
        Console.Out.Flush();

        // Console.Out writes through its own dup of fd 1: close it, or the waiting command never sees EOF.
        Console.Out.Dispose();
        Console.SetOut(TextWriter.Null);
        Console.SetError(TextWriter.Null);

        // Detached from here on: standard output and error go to /dev/null, like a daemon's.
        _ = StandardStreams.DetachOutput();
    }
}
