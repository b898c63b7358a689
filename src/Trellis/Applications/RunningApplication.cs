namespace Trellis;

/// <summary>An application that is running (a row of <c>which_applications</c>, with its top supervisor).</summary>
/// <param name="Name">Its name.</param>
/// <param name="Description">Its description.</param>
/// <param name="Version">Its version.</param>
/// <param name="StartType">How it was started.</param>
/// <param name="TopSupervisor">Its top supervisor.</param>
public sealed record RunningApplication(string Name, string Description, string Version, ApplicationStartType StartType, Pid TopSupervisor);
