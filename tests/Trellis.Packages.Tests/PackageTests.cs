using System.IO.Compression;
using System.Xml.Linq;

namespace Trellis.Packages.Tests;

/// <summary>
/// What a new user gets: the packed packages (exactly the libraries and the tools, with their metadata), the README's
/// code compiled against those packages in fresh projects, its first example run, and both tools installed and run.
/// </summary>
public sealed class PackageTests(PackageFolder packages) : IClassFixture<PackageFolder>
{
    private static readonly string[] Expected =
        ["Trellis", "Trellis.OsProcess", "Trellis.Distribution", "Trellis.Cluster", "Trellis.Hosting", "Trellis.Hosting.AspNetCore", "Trellis.Testing", "Trellis.Tool", "Trellis.Supervise"];

    private static string[] Args(params string[] args) => args;

    [Fact]
    public void The_solution_packs_exactly_the_libraries_and_tools_each_with_licence_readme_repository_and_symbols()
    {
        var found = Directory.GetFiles(packages.Folder, "*.nupkg").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(Expected.Select(id => $"{id}.{packages.Version}.nupkg").Order(StringComparer.Ordinal), found);
        foreach (var id in Expected)
        {
            Assert.True(File.Exists(Path.Combine(packages.Folder, $"{id}.{packages.Version}.snupkg")), $"{id} has no symbols package");
            using var zip = ZipFile.OpenRead(Path.Combine(packages.Folder, $"{id}.{packages.Version}.nupkg"));
            Assert.NotNull(zip.GetEntry("README.md"));
            var meta = Nuspec(zip).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            string? Field(string name) => meta.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
            Assert.Equal(packages.Version, Field("version"));
            Assert.Equal("Apache-2.0", Field("license"));
            Assert.Equal("README.md", Field("readme"));
            Assert.False(string.IsNullOrWhiteSpace(Field("description")), $"{id} has no description");
            Assert.StartsWith("https://", Field("projectUrl"), StringComparison.Ordinal);
            var repository = meta.Elements().Single(e => e.Name.LocalName == "repository");
            Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? string.Empty);
        }

        // A worker service takes Trellis.Hosting without ASP.NET Core; the web part brings it.
        Assert.Empty(FrameworkReferences("Trellis.Hosting"));
        Assert.Contains("Microsoft.AspNetCore.App", FrameworkReferences("Trellis.Hosting.AspNetCore"));
    }

    [Fact]
    public async Task The_READMEs_first_example_runs_from_the_packages_and_prints_what_its_comments_say()
    {
        var program = ReadmeBlocks.Read(Path.Combine(packages.Root, "README.md")).First(b => !b.Fragment);
        var dir = packages.NewProjectDirectory("first-example");
        await File.WriteAllTextAsync(Path.Combine(dir, "Program.cs"), program.Code);
        await File.WriteAllTextAsync(Path.Combine(dir, "FirstExample.csproj"), Project("Exe", ("Trellis", packages.Version)));
        var (code, output) = await Shell.RunAsync("dotnet", Args("run", "-c", "Release"), dir, packages.Env);
        Assert.True(code == 0, output);

        // The comments in the block: hello, world, the crash, then hello again from the restarted stack.
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["hello", "world", "crashed: Exception", "hello"], lines[^4..]);
    }

    [Fact]
    public async Task Every_csharp_block_of_the_README_compiles_against_the_packages()
    {
        var blocks = ReadmeBlocks.Read(Path.Combine(packages.Root, "README.md"));
        Assert.Contains(blocks, b => b.Fragment);
        var dir = packages.NewProjectDirectory("readme-blocks");
        await File.WriteAllTextAsync(Path.Combine(dir, "ReadmeBlocks.csproj"), Project(
            "Library",
            ("Trellis", packages.Version),
            ("Trellis.OsProcess", packages.Version),
            ("Trellis.Distribution", packages.Version),
            ("Trellis.Cluster", packages.Version),
            ("Trellis.Hosting.AspNetCore", packages.Version)));
        await File.WriteAllTextAsync(Path.Combine(dir, "Stubs.cs"), Stubs);
        var programs = 0;
        for (var i = 0; i < blocks.Count; i++)
        {
            var b = blocks[i];
            if (b.Fragment)
            {
                await File.WriteAllTextAsync(Path.Combine(dir, $"Fragment{i}.cs"), Wrap(b, i));
                continue;
            }

            // A whole program compiles on its own (one file of top-level statements per project).
            var own = packages.NewProjectDirectory($"readme-program-{i}");
            await File.WriteAllTextAsync(Path.Combine(own, "Program.cs"), $"#line {b.Line} \"README.md\"\n{b.Code}");
            await File.WriteAllTextAsync(Path.Combine(own, "Program.csproj"), Project("Exe", ("Trellis", packages.Version), ("Trellis.OsProcess", packages.Version)));
            var (pc, po) = await Shell.RunAsync("dotnet", Args("build", "-c", "Release"), own, packages.Env);
            Assert.True(pc == 0, $"README block at line {b.Line} does not compile:\n{po}");
            programs++;
        }

        var (code, output) = await Shell.RunAsync("dotnet", Args("build", "-c", "Release"), dir, packages.Env);
        Assert.True(code == 0, $"a README fragment does not compile:\n{output}");
        Assert.True(programs >= 1, "the README has no whole program");
    }

    [Theory]
    [InlineData("Trellis.Tool", "trellis")]
    [InlineData("Trellis.Supervise", "supervise")]
    public async Task The_tool_installs_from_the_packages_and_answers_its_version(string id, string command)
    {
        var tools = Path.Combine(packages.Scratch, "tools-" + command);
        var (code, output) = await Shell.RunAsync(
            "dotnet", Args("tool", "install", "--tool-path", tools, "--add-source", packages.Folder, id, "--version", packages.Version), packages.Scratch, packages.Env);
        Assert.True(code == 0, output);
        (code, output) = await Shell.RunAsync(Path.Combine(tools, command), Args("--version"), packages.Scratch, packages.Env, TimeSpan.FromSeconds(60));
        Assert.True(code == 0, output);
        Assert.Contains(packages.Version, output, StringComparison.Ordinal);
    }

    private string[] FrameworkReferences(string id)
    {
        using var zip = ZipFile.OpenRead(Path.Combine(packages.Folder, $"{id}.{packages.Version}.nupkg"));
        return Nuspec(zip).Descendants().Where(e => e.Name.LocalName == "frameworkReference").Select(e => e.Attribute("name")!.Value).ToArray();
    }

    private static XDocument Nuspec(ZipArchive zip)
    {
        using var stream = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream);
    }

    private static string Project(string outputType, params (string Id, string Version)[] references) => $"""
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup>
            <OutputType>{outputType}</OutputType>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
            <NoWarn>$(NoWarn);CS0162;CS1998;CS8321</NoWarn>
          </PropertyGroup>
          <ItemGroup>
        {string.Join('\n', references.Select(r => $"    <PackageReference Include=\"{r.Id}\" Version=\"{r.Version}\" />"))}
          </ItemGroup>
        </Project>
        """;

    /// <summary>A fragment inside a method that gives it the names the README's text assumes.</summary>
    private static string Wrap(ReadmeBlock block, int index) => $$"""
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;
        using Microsoft.Extensions.Diagnostics.HealthChecks;
        using Microsoft.Extensions.Hosting;
        using Trellis;
        using Trellis.Cluster;
        using Trellis.Distribution;
        using Trellis.Hosting;
        using Trellis.Hosting.AspNetCore;
        using Trellis.OsProcess;
        using static ReadmeStubs.Helpers;

        namespace ReadmeStubs;

        internal static class Fragment{{index}}
        {
            public static async Task<int> RunAsync(Node node, IReadOnlyList<ChildSpec> children, HostApplicationBuilder builder, WebApplication app)
            {
                await Task.CompletedTask;
        #line {{block.Line}} "README.md"
        {{block.Code}}
        #line default
                return 0;
            }
        }
        """;

    private const string Stubs = """
        using Microsoft.Extensions.Hosting;
        using Trellis;

        namespace ReadmeStubs;

        /// <summary>A BackgroundService the hosting block names.</summary>
        internal sealed class Ingest : BackgroundService
        {
            protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
        }

        /// <summary>A GenServer the program-children block names.</summary>
        internal sealed class Cache : GenServer
        {
        }

        /// <summary>A message the distribution block registers.</summary>
        internal sealed record Order(string Id, Pid ReplyTo);

        internal static class Helpers
        {
            /// <summary>The spec of a session the durable-children block rebuilds.</summary>
            public static ChildSpec SessionSpec(string name) => ChildSpec.ForServer(name, static () => new Cache());
        }
        """;
}
