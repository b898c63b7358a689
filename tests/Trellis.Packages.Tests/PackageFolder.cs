using System.Text.RegularExpressions;

namespace Trellis.Packages.Tests;

/// <summary>
/// The packages `dotnet pack Trellis.slnx -c Release -o artifacts/packages` made (test.sh makes them before the tests),
/// and a scratch directory with its own NuGet cache, so a fresh project restores these packages and nothing older of
/// the same version.
/// </summary>
public sealed partial class PackageFolder : IDisposable
{
    public PackageFolder()
    {
        Root = FindRoot();
        Folder = Environment.GetEnvironmentVariable("TRELLIS_PACKAGES") is { Length: > 0 } p ? p : Path.Combine(Root, "artifacts", "packages");
        var props = File.ReadAllText(Path.Combine(Root, "Directory.Build.props"));
        Version = VersionPrefix().Match(props) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("Directory.Build.props sets no VersionPrefix");
        if (!File.Exists(Path.Combine(Folder, $"Trellis.{Version}.nupkg")))
        {
            throw new InvalidOperationException($"no Trellis.{Version}.nupkg in {Folder}: run `dotnet pack Trellis.slnx -c Release -o artifacts/packages` first (test.sh does)");
        }

        Scratch = Directory.CreateTempSubdirectory("trellis-pkg-").FullName;
        Env = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(Scratch, "nuget-cache"),
            // Keep the scratch projects away from the repository's build settings and from any solution above /tmp.
            ["MSBUILDDISABLENODEREUSE"] = "1",
        };
    }

    /// <summary>The repository root (where Trellis.slnx is).</summary>
    public string Root { get; }

    /// <summary>The folder of packed packages.</summary>
    public string Folder { get; }

    /// <summary>The one version every package carries.</summary>
    public string Version { get; }

    /// <summary>A directory for fresh projects, deleted at the end.</summary>
    public string Scratch { get; }

    /// <summary>Environment for the dotnet commands: the scratch NuGet cache.</summary>
    public IDictionary<string, string> Env { get; }

    /// <summary>A new, empty project directory whose nuget.config adds the package folder to the machine's sources.</summary>
    public string NewProjectDirectory(string name)
    {
        var dir = Path.Combine(Scratch, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="trellis-local" value="{Folder}" />
              </packageSources>
            </configuration>
            """);
        return dir;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Scratch, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Trellis.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("the repository root (Trellis.slnx) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("<VersionPrefix>([^<]+)</VersionPrefix>")]
    private static partial Regex VersionPrefix();
}
