namespace Trellis;

/// <summary>Whether a supervisor shuts itself down when significant children exit (OTP 24's <c>auto_shutdown</c>).</summary>
public enum AutoShutdown
{
    /// <summary>Never; significant children are not allowed.</summary>
    Never,

    /// <summary>When any significant child exits by itself without being restarted.</summary>
    AnySignificant,

    /// <summary>When a significant child exits by itself and no other significant child is running.</summary>
    AllSignificant,
}
