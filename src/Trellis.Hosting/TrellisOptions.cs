namespace Trellis.Hosting;

/// <summary>The root supervisor's settings, bound from the <c>Trellis</c> configuration section.</summary>
public sealed class TrellisOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string Section = "Trellis";

    /// <summary>The node's name.</summary>
    public string NodeName { get; set; } = "trellis";

    /// <summary>Whether the node keeps a table of every live process, for an Observer's full view (<see cref="NodeOptions.TrackProcesses"/>).</summary>
    public bool TrackProcesses { get; set; }

    /// <summary>The root supervisor's strategy.</summary>
    public Strategy Strategy { get; set; } = Strategy.OneForOne;

    /// <summary>Restarts the root allows within <see cref="Period"/> before it gives up and the host stops with exit code 1.</summary>
    public int Intensity { get; set; } = 3;

    /// <summary>The restart intensity window.</summary>
    public TimeSpan Period { get; set; } = TimeSpan.FromSeconds(5);
}
