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

    /// <summary>Creates the node's <see cref="Meter"/>. Defaults to a meter the node owns.</summary>
    public IMeterFactory? MeterFactory { get; set; }
}
