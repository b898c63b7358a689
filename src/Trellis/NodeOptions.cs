using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace Trellis;

/// <summary>Settings of a <see cref="Node"/>.</summary>
public sealed class NodeOptions
{
    /// <summary>The node's name, shown in logs and metrics. Defaults to <c>trellis</c>.</summary>
    public string Name { get; set; } = "trellis";

    /// <summary>The clock for timeouts and restart intensity. Tests pass a manual one. Defaults to <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Where supervisors and processes log. Defaults to no logging.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Whether the node keeps a table of every live process, so <see cref="Node.GetProcesses"/> lists even processes
    /// that nothing links to (an Observer's full view); it costs one table update per spawn and per exit. Off by
    /// default: <see cref="Node.GetProcesses"/> then finds the processes started from outside any process and,
    /// through their links, everything linked to them (every supervision tree).
    /// </summary>
    public bool TrackProcesses { get; set; }

    /// <summary>Creates the node's <see cref="Meter"/>. Defaults to a meter the node owns.</summary>
    public IMeterFactory? MeterFactory { get; set; }
}
