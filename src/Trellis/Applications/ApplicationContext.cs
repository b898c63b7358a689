namespace Trellis;

/// <summary>What an application's callbacks are given.</summary>
public sealed class ApplicationContext
{
    internal ApplicationContext(ApplicationController controller, string name, ApplicationStartType type)
    {
        Controller = controller;
        Name = name;
        StartType = type;
    }

    /// <summary>The controller running the application.</summary>
    public ApplicationController Controller { get; }

    /// <summary>The node.</summary>
    public Node Node => Controller.Node;

    /// <summary>The application's name.</summary>
    public string Name { get; }

    /// <summary>How it was started.</summary>
    public ApplicationStartType StartType { get; }

    /// <summary>The application's top supervisor, once started (for the stop callbacks).</summary>
    public Pid TopSupervisor { get; internal set; }

    /// <summary>A value of the application's environment, or null.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The value.</returns>
    public object? GetEnv(string key) => Controller.GetEnv(Name, key);
}
