using Trellis.Internal;

namespace Trellis.Distribution.Internal;

/// <summary>Starting an exposed function or server on request of another node.</summary>
internal sealed partial class Router
{
    public void StartExposed(Peer peer, long id, RemotePid? parent, bool link, bool server, string function, object? argument, string? name)
    {
        if (!_exposed.TryGetValue(function, out var exposed) || (server ? exposed.Server is null : exposed.Body is null))
        {
            Log.UnknownFunction(peer.Name, function);
            peer.ReplyStart(id, Pid.None, ExitReason.Of(Terms.TupleTerm(new Atom("undef"), function)));
            return;
        }

        var linkTo = link ? parent : null;
        if (server)
        {
            Tasks.Run(async () =>
            {
                var options = name is null ? null : new GenServerOptions { Name = name };
                StartResult result;
                try
                {
                    result = await GenServer.StartCoreAsync(null, linkTo, Node, exposed.Server!, argument, options, _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is ArgumentException or OperationCanceledException)
                {
                    result = StartResult.Fail(ExitReason.FromException(ex));
                }

                if (result.IsOk && result.Pid.Process is { } started)
                {
                    Export(started);
                }

                peer.ReplyStart(id, result.IsOk ? result.Pid : Pid.None, result.IsOk ? null : result.Error ?? ExitReason.Of(new Atom("ignore")));
            });
            return;
        }

        var body = exposed.Body!;
        var process = Node.CreateRoot(ctx => body(ctx, argument));
        if (name is not null && !Node.TryRegister(name, process.Self))
        {
            process.Terminate(ExitReason.Normal);
            peer.ReplyStart(id, Pid.None, ExitReason.Of(new AlreadyStarted(Node.WhereIs(name))));
            return;
        }

        if (linkTo is not null)
        {
            process.AddRemoteLink(linkTo);
            peer.Link(process, linkTo);
        }

        Export(process);
        process.Start();
        peer.ReplyStart(id, process.Self, null);
    }
}
