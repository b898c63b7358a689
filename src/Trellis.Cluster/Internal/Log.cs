using Microsoft.Extensions.Logging;

namespace Trellis.Cluster.Internal;

/// <summary>The cluster's log events, ids 700 to 799.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Node {Node} joined cluster {Cluster} (lease {Lease}, time to live {Ttl}, fence margin {Margin})")]
    public static partial void Joined(this ILogger logger, string node, string cluster, long lease, TimeSpan ttl, TimeSpan margin);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Could not renew the lease of node {Node}: {Reason}")]
    public static partial void RenewFailed(this ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 702, Level = LogLevel.Error, Message = "Node {Node} fences itself: {Reason}; its {Children} cluster children stop now, before its lease can expire")]
    public static partial void Fencing(this ILogger logger, string node, string reason, int children);

    [LoggerMessage(EventId = 703, Level = LogLevel.Information, Message = "Node {Node} is a member again (lease {Lease})")]
    public static partial void Rejoined(this ILogger logger, string node, long lease);

    [LoggerMessage(EventId = 704, Level = LogLevel.Warning, Message = "Node {Node} could not rejoin the cluster: {Reason}")]
    public static partial void RejoinFailed(this ILogger logger, string node, string reason);

    [LoggerMessage(EventId = 705, Level = LogLevel.Information, Message = "Member {Member} is up (lease {Lease})")]
    public static partial void MemberUp(this ILogger logger, string member, long lease);

    [LoggerMessage(EventId = 706, Level = LogLevel.Warning, Message = "Member {Member} is down: its lease {Lease} ended")]
    public static partial void MemberDown(this ILogger logger, string member, long lease);

    [LoggerMessage(EventId = 707, Level = LogLevel.Warning, Message = "The cluster watch was interrupted: {Reason}; it resumes from revision {Revision}")]
    public static partial void WatchInterrupted(this ILogger logger, string reason, long revision);

    [LoggerMessage(EventId = 708, Level = LogLevel.Warning, Message = "The cluster watch missed compacted revisions (compacted at {Compacted}); re-listed at revision {Revision}: {Changes} changes made up")]
    public static partial void Relisted(this ILogger logger, long compacted, long revision, int changes);

    [LoggerMessage(EventId = 709, Level = LogLevel.Warning, Message = "Ignored the value of {Key}: it is not a record this version reads")]
    public static partial void BadRecord(this ILogger logger, string key);

    [LoggerMessage(EventId = 710, Level = LogLevel.Error, Message = "A cluster task failed")]
    public static partial void TaskFailed(this ILogger logger, Exception exception);

    [LoggerMessage(EventId = 711, Level = LogLevel.Information, Message = "Node {Node} left the cluster")]
    public static partial void Left(this ILogger logger, string node);

    [LoggerMessage(EventId = 720, Level = LogLevel.Information, Message = "Cluster supervisor {Sup} is owned by {Node} with epoch {Epoch}")]
    public static partial void Owning(this ILogger logger, string sup, string node, long epoch);

    [LoggerMessage(EventId = 721, Level = LogLevel.Information, Message = "Cluster supervisor {Sup} started child {Child} on {Host} as {Pid}")]
    public static partial void ChildStarted(this ILogger logger, string sup, string child, string host, Pid pid);

    [LoggerMessage(EventId = 722, Level = LogLevel.Warning, Message = "Cluster supervisor {Sup}: child {Child} on {Host} exited: {Reason}")]
    public static partial void ChildExited(this ILogger logger, string sup, string child, string host, string reason);

    [LoggerMessage(EventId = 723, Level = LogLevel.Warning, Message = "Cluster supervisor {Sup} could not start child {Child}: {Reason}")]
    public static partial void ChildStartFailed(this ILogger logger, string sup, string child, string reason);

    [LoggerMessage(EventId = 724, Level = LogLevel.Error, Message = "Cluster supervisor {Sup} reached its restart intensity ({Intensity} in {Period}) and stops")]
    public static partial void IntensityReached(this ILogger logger, string sup, int intensity, TimeSpan period);

    [LoggerMessage(EventId = 725, Level = LogLevel.Warning, Message = "Cluster supervisor {Sup} stops: {Reason}")]
    public static partial void SupervisorStops(this ILogger logger, string sup, string reason);

    [LoggerMessage(EventId = 730, Level = LogLevel.Warning, Message = "Refused to {Action} child {Child} of {Sup}: epoch {Epoch} is older than {Seen}")]
    public static partial void StaleEpoch(this ILogger logger, string action, string sup, string child, long epoch, long seen);

    [LoggerMessage(EventId = 731, Level = LogLevel.Warning, Message = "The owner of cluster supervisor {Sup} is gone; its {Count} children here stop")]
    public static partial void OwnerGone(this ILogger logger, string sup, int count);

    [LoggerMessage(EventId = 732, Level = LogLevel.Warning, Message = "Could not delete {Key} after its process exited: {Reason} (it ends with this node's lease)")]
    public static partial void CleanupFailed(this ILogger logger, string key, string reason);

    [LoggerMessage(EventId = 733, Level = LogLevel.Information, Message = "The owner of cluster supervisor {Sup} is gone and a standby lives: its {Count} children here wait up to {Grace} to be adopted")]
    public static partial void AwaitingAdoption(this ILogger logger, string sup, int count, TimeSpan grace);

    [LoggerMessage(EventId = 734, Level = LogLevel.Warning, Message = "No new owner of cluster supervisor {Sup} adopted its {Count} children here in time; they stop")]
    public static partial void NotAdopted(this ILogger logger, string sup, int count);

    [LoggerMessage(EventId = 735, Level = LogLevel.Information, Message = "Child {Child} of cluster supervisor {Sup} is adopted by the owner of epoch {Epoch}")]
    public static partial void Adopted(this ILogger logger, string sup, string child, long epoch);

    [LoggerMessage(EventId = 726, Level = LogLevel.Information, Message = "Cluster supervisor {Sup} stands by on {Node} (owned by {Owner})")]
    public static partial void StandingBy(this ILogger logger, string sup, string node, string owner);

    [LoggerMessage(EventId = 727, Level = LogLevel.Warning, Message = "Cluster supervisor {Sup} is taken over by {Node} with epoch {Epoch}: {Adopted} children adopted, {Started} started")]
    public static partial void TookOver(this ILogger logger, string sup, string node, long epoch, int adopted, int started);

    [LoggerMessage(EventId = 728, Level = LogLevel.Information, Message = "Cluster supervisor {Sup} hands over to a standby; its children keep running")]
    public static partial void HandingOver(this ILogger logger, string sup);

    [LoggerMessage(EventId = 729, Level = LogLevel.Warning, Message = "Child {Child} of cluster supervisor {Sup} waits for a node: {Reason}")]
    public static partial void ChildWaitsForNode(this ILogger logger, string sup, string child, string reason);
}
