namespace Trellis.Internal;

/// <summary>
/// What the core asks of a node's distribution (Trellis.Distribution implements it): everything done to a pid of
/// another node, or to a name registered there. Each method returns at once; a failure arrives as OTP would deliver
/// it (an exit signal or DOWN with <c>noconnection</c>, a call failed with <c>noconnection</c> or <c>noproc</c>).
/// </summary>
internal interface IRemoteRouter
{
    /// <summary>The clock of the node this router serves (call timeouts for remote servers use it).</summary>
    TimeProvider TimeProvider { get; }

    /// <summary>Whether the pid's node is connected now and the pid's incarnation is the one connected.</summary>
    bool IsReachable(RemotePid pid);

    /// <summary>Sends a message; false when it is known at once that it cannot arrive.</summary>
    bool Send(RemotePid to, object message);

    /// <summary>Sends a message to the process registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    bool SendNamed(string node, string name, object message);

    /// <summary><paramref name="from"/> has added <paramref name="to"/> to its links: tell the other side.</summary>
    void Link(LocalProcess from, RemotePid to);

    /// <summary><paramref name="from"/> has removed its link to <paramref name="to"/>.</summary>
    void Unlink(LocalProcess from, RemotePid to);

    /// <summary><paramref name="from"/> exited with <paramref name="reason"/> while linked to <paramref name="to"/>.</summary>
    void LinkExited(LocalProcess from, RemotePid to, ExitReason reason);

    /// <summary>exit/2 of a remote process.</summary>
    void Exit(Pid from, RemotePid to, ExitReason reason);

    /// <summary>Starts the monitor (its <see cref="MonitorRef.RemoteTarget"/> is set); DOWN comes to its watcher.</summary>
    void Monitor(MonitorRef monitor);

    /// <summary>Ends a monitor started by <see cref="Monitor"/>.</summary>
    void Demonitor(MonitorRef monitor);

    /// <summary>Carries a call to a remote server; the reply or failure completes <paramref name="call"/>.</summary>
    void Call(RemotePid to, CallRequest call);

    /// <summary>Carries a call to the server registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    void CallNamed(string node, string name, CallRequest call);

    /// <summary>Carries a cast; false when it is known at once that it cannot arrive.</summary>
    bool Cast(RemotePid to, object request);

    /// <summary>Carries a cast to the server registered as <paramref name="name"/> on <paramref name="node"/>.</summary>
    bool CastNamed(string node, string name, object request);

    /// <summary>A process whose pid went to another node (<see cref="LocalProcess.Exported"/>) has exited.</summary>
    void ProcessExited(LocalProcess process);
}

/// <summary>The distribution's side of a <see cref="CallRequest"/> that crossed a connection.</summary>
internal interface IRemoteCalls
{
    /// <summary>Server side: the server replied to a call that came from another node.</summary>
    void Replied(CallRequest call, object? reply);

    /// <summary>Server side: the call failed here (the server died, or was not there).</summary>
    void Failed(CallRequest call, ExitReason reason);

    /// <summary>Caller side: the call is finished (replied, failed, timed out or cancelled); forget it.</summary>
    void Released(CallRequest call);
}
