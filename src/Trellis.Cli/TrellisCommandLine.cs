using System.CommandLine;
using System.CommandLine.Parsing;
using Trellis.Daemon.Runtime;

namespace Trellis.Daemon.Cli;

/// <summary>
/// The <c>trellis</c> command line, on System.CommandLine: options in any position and in every usual spelling
/// (<c>-n 5</c>, <c>-n5</c>, <c>--lines=5</c>, <c>--lines 5</c>), <c>--help</c> on every command, <c>--version</c>, and
/// completion through the <c>[suggest]</c> directive that <c>trellis completion bash|zsh</c> wires into the shell.
/// </summary>
internal static class TrellisCommandLine
{
    /// <summary>The command line; <paramref name="daemon"/> runs <c>up</c> and <c>check</c> (in process, or by handing over to the daemon).</summary>
    public static RootCommand Build(IDaemonCommands daemon)
    {
        var socket = new Option<string?>("--socket")
        {
            Description = "The daemon's control socket (default: $TRELLIS_SOCKET, else the per-user socket, else /run/trellis/trellis.sock)",
            HelpName = "PATH",
            Recursive = true,
        };
        var json = new Option<bool>("--json") { Description = "Print the daemon's JSON instead of a table" };

        var root = new RootCommand("trellis: one daemon for a whole supervision tree of services, and its client.")
        {
            socket,
        };

        // The command is trellis, whichever binary answers (the native client, or the daemon's apphost under that name).
        root.HelpName = "trellis";
        root.Add(Up(socket, daemon));
        root.Add(Check(daemon));
        root.Add(Status(socket, json));
        root.Add(Tree(socket, json));
        root.Add(Nodes(socket, json));
        foreach (var (name, what) in new[]
        {
            ("start", "Start nodes an operator stopped (their supervisors start them in place)"),
            ("stop", "Stop nodes and keep them down until started"),
            ("restart", "Stop and start nodes (a supervisor restarts its whole subtree)"),
            ("kill", "Send SIGKILL to services (their supervisors restart them as for a crash)"),
        })
        {
            root.Add(NodeCommand(name, what, socket));
        }

        root.Add(Signal(socket));
        root.Add(Logs(socket, json));
        root.Add(Reload(socket));
        root.Add(Dashboard(socket));
        root.Add(Completion());
        return root;
    }

    /// <summary>The socket the command names, or the client's default.</summary>
    public static string SocketOf(ParseResult parse, Option<string?> socket) =>
        parse.GetValue(socket) is { Length: > 0 } s ? Path.GetFullPath(s) : SocketPath.ForClient();

    private static Argument<string[]> Names(string description, Option<string?> socket, ArgumentArity arity)
    {
        var names = new Argument<string[]>("NAME") { Description = description, Arity = arity };
        names.CompletionSources.Add(ctx => NodeNames.Complete(SocketOf(ctx.ParseResult, socket), ctx.WordToComplete));
        return names;
    }

    /// <summary>A whole number in a range; anything else is a parse error that names the option and the value.</summary>
    private static int? WholeNumber(ArgumentResult r, string option, int min, int max)
    {
        var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        r.AddError($"{option} must be a whole number from {min} to {max}, not '{text}'");
        return null;
    }

    private static Argument<string?> OneName(string description, Option<string?> socket, ArgumentArity arity)
    {
        var name = new Argument<string?>("NAME") { Description = description, Arity = arity };
        name.CompletionSources.Add(ctx => NodeNames.Complete(SocketOf(ctx.ParseResult, socket), ctx.WordToComplete));
        return name;
    }

    private static Command Up(Option<string?> socket, IDaemonCommands daemon)
    {
        var file = new Argument<string>("FILE") { Description = "The tree file (YAML)" };
        var port = new Option<int?>("--port")
        {
            Description = "The dashboard's TCP port (0: any free port); overrides dashboard.port",
            HelpName = "N",
            CustomParser = r => WholeNumber(r, "--port", 0, 65535),
        };
        var noDashboard = new Option<bool>("--no-dashboard") { Description = "No TCP listener: the control socket only" };
        var stateDir = new Option<string?>("--state-dir")
        {
            Description = "Where status directories and logs live; overrides the file's state_dir (several daemons on one machine each take their own)",
            HelpName = "DIR",
        };
        var cluster = new Option<string?>("--cluster")
        {
            Description = "Join the cluster on these etcd endpoints (comma-separated URLs): services with placement: cluster run on one of its nodes",
            HelpName = "ENDPOINTS",
        };
        var node = new Option<string?>("--node")
        {
            Description = "This daemon's node name in the cluster, name@host (the host is where the others reach it); with --cluster",
            HelpName = "NAME",
        };
        var up = new Command("up", "Run the tree in FILE until SIGTERM or SIGINT (SIGHUP reloads it)") { file, port, noDashboard, stateDir, cluster, node };
        up.Validators.Add(r =>
        {
            if ((r.GetValue(cluster) is null) != (r.GetValue(node) is null))
            {
                r.AddError("--cluster and --node go together: the etcd endpoints, and this daemon's name@host");
            }
            else if (r.GetValue(node) is { } n && (n.Split('@') is not [{ Length: > 0 }, { Length: > 0 }]))
            {
                r.AddError($"--node must be name@host, not '{n}'");
            }
        });
        up.SetAction((parse, cancel) => daemon.UpAsync(new UpOptions(
            parse.GetRequiredValue(file), parse.GetValue(socket), parse.GetValue(port), parse.GetValue(noDashboard),
            parse.GetValue(stateDir), parse.GetValue(cluster), parse.GetValue(node))));
        return up;
    }

    private static Command Check(IDaemonCommands daemon)
    {
        var file = new Argument<string>("FILE") { Description = "The tree file (YAML)" };
        var check = new Command("check", "Check a tree file without starting anything (exit 5 when it has errors)") { file };
        check.SetAction(parse => daemon.Check(parse.GetRequiredValue(file)));
        return check;
    }

    private static Command Status(Option<string?> socket, Option<bool> json)
    {
        var names = Names("Nodes to show (a supervisor shows its subtree); all when none", socket, ArgumentArity.ZeroOrMore);
        var status = new Command("status", "Show nodes; exit 0 when all shown are running, 3 when one is not, 4 for an unknown name") { names, json };
        status.SetAction((parse, cancel) => CtlCommand.StatusAsync(SocketOf(parse, socket), parse.GetValue(names) ?? [], parse.GetValue(json), cancel));
        return status;
    }

    private static Command Tree(Option<string?> socket, Option<bool> json)
    {
        var tree = new Command("tree", "Show the supervision tree") { json };
        tree.SetAction((parse, cancel) => CtlCommand.TreeAsync(SocketOf(parse, socket), parse.GetValue(json), cancel));
        return tree;
    }

    private static Command Nodes(Option<string?> socket, Option<bool> json)
    {
        var nodes = new Command("nodes", "Show the cluster's members (by their etcd leases) and the cluster services each runs (with up --cluster)") { json };
        nodes.SetAction((parse, cancel) => CtlCommand.NodesAsync(SocketOf(parse, socket), parse.GetValue(json), cancel));
        return nodes;
    }

    private static Command NodeCommand(string name, string description, Option<string?> socket)
    {
        var names = Names("The nodes, in order", socket, ArgumentArity.OneOrMore);
        var command = new Command(name, description) { names };
        command.SetAction((parse, cancel) => CtlCommand.NodeActionAsync(SocketOf(parse, socket), name, parse.GetValue(names)!, cancel));
        return command;
    }

    private static Command Signal(Option<string?> socket)
    {
        var name = OneName("The service", socket, ArgumentArity.ExactlyOne);
        var signal = new Argument<string>("SIGNAL") { Description = "A signal: HUP, SIGHUP or 1" };
        signal.CompletionSources.Add("HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP", "WINCH");
        signal.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string>() is { } s && !OsProcess.Signals.TryParse(s, out _))
            {
                r.AddError($"'{s}' is not a signal (write HUP, SIGHUP or 1)");
            }
        });
        var command = new Command("signal", "Send a signal to a service's program") { name, signal };
        command.SetAction((parse, cancel) => CtlCommand.SignalAsync(SocketOf(parse, socket), parse.GetValue(name)!, parse.GetRequiredValue(signal), cancel));
        return command;
    }

    private static Command Logs(Option<string?> socket, Option<bool> json)
    {
        var name = OneName("A service or .NET worker, or a supervisor for its whole subtree; every node when left out", socket, ArgumentArity.ZeroOrOne);
        var lines = new Option<int>("--lines", "-n")
        {
            Description = "How many recent lines",
            HelpName = "N",
            DefaultValueFactory = _ => 50,
            CustomParser = r => WholeNumber(r, "--lines", 0, ApiLimits.MaxLines) ?? 0,
        };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing lines as they come (Ctrl-C ends)" };
        var since = new Option<string?>("--since") { Description = "Only lines from this long ago (10m, 2h, 30s) or since a time (2026-12-01T10:00:00Z)", HelpName = "WHEN" };
        since.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } s && Since.Parse(s, DateTimeOffset.UtcNow) is null)
            {
                r.AddError($"--since takes a duration (10m, 2h, 30s) or a time (2026-12-01T10:00:00Z), not '{s}'");
            }
        });
        var daemon = new Option<bool>("--daemon") { Description = "The daemon's own log (its events, audit lines and refusals) instead" };
        var command = new Command("logs", "Show recent output of services and .NET workers (from the last 100 lines each keeps in memory)")
        {
            name, lines, follow, since, daemon, json,
        };
        command.Validators.Add(r =>
        {
            if (r.GetValue(daemon) && r.GetValue(name) is not null)
            {
                r.AddError("--daemon shows the daemon's own log: name no node with it");
            }
        });
        command.SetAction((parse, cancel) => CtlCommand.LogsAsync(
            SocketOf(parse, socket),
            parse.GetValue(name),
            parse.GetValue(daemon),
            parse.GetValue(lines),
            parse.GetValue(follow),
            parse.GetValue(since) is { } s ? Since.Parse(s, DateTimeOffset.UtcNow) : null,
            parse.GetValue(json),
            cancel));
        return command;
    }

    private static Command Reload(Option<string?> socket)
    {
        var file = new Argument<string?>("FILE") { Description = "A tree file to load instead of the daemon's own (it becomes the daemon's)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("reload", "Re-read the tree file and apply what changed (only changed nodes restart)") { file };
        command.SetAction((parse, cancel) => CtlCommand.ReloadAsync(SocketOf(parse, socket), parse.GetValue(file), cancel));
        return command;
    }

    private static Command Dashboard(Option<string?> socket)
    {
        var command = new Command("dashboard", "Print a link to the dashboard that signs the browser in (it carries the token: keep it to yourself)");
        command.SetAction((parse, cancel) => CtlCommand.DashboardAsync(SocketOf(parse, socket), cancel));
        return command;
    }

    private static Command Completion()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Print a completion script: source <(trellis completion bash), or for zsh add it to your fpath") { shell };
        command.SetAction(parse =>
        {
            Console.Out.Write(CompletionScripts.For(parse.GetRequiredValue(shell)));
            return ExitCodes.Ok;
        });
        return command;
    }
}
