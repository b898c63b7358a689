namespace Trellis.Cluster;

/// <summary>etcd could not be reached (or refused the request) when joining the cluster; the message says which endpoints and why.</summary>
public sealed class ClusterUnavailableException : Exception
{
    /// <summary>Makes one.</summary>
    public ClusterUnavailableException()
    {
    }

    /// <summary>Makes one with a message.</summary>
    /// <param name="message">What failed.</param>
    public ClusterUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Makes one with a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ClusterUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
