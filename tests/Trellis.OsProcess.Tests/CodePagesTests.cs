namespace Trellis.OsProcess.Tests;

/// <summary>Which mappings supervise may give back, and giving them back in a running process.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CodePagesTests
{
    private const string Exe = "/opt/bin/supervise";

    private static string Mapping(string range, string perms, string name, int rssKb, int anonymousKb) =>
        $"{range} {perms} 00000000 fe:00 11657220                   {name}\n" +
        $"Size:               3756 kB\nKernelPageSize:        4 kB\nRss:                {rssKb} kB\nPss:                {rssKb} kB\n" +
        $"Private_Clean:      {rssKb - anonymousKb} kB\nPrivate_Dirty:      {anonymousKb} kB\nReferenced:         {rssKb} kB\n" +
        $"Anonymous:          {anonymousKb} kB\nSwap:                  0 kB\nLocked:                0 kB\nVmFlags: rd mr mw me dw\n";

    [Fact]
    public void Only_the_executables_read_only_pages_that_are_all_its_own_are_chosen()
    {
        var smaps =
            Mapping("5586c4463000-5586c4470000", "r--p", Exe, 52, 0) +
            Mapping("5586c4470000-5586c481b000", "r-xp", Exe, 3116, 0) +
            // A page written once at start (the stack-protector cookie) and made read-only again: private, kept.
            Mapping("5586c499f000-5586c49a0000", "r--p", Exe, 4, 4) +
            // Relocated at load, then read-only: kept.
            Mapping("5586c4af5000-5586c4af7000", "r--p", Exe, 8, 8) +
            Mapping("5586c4af7000-5586c4b0b000", "rw-p", Exe, 80, 44) +
            // Not resident: nothing to give back.
            Mapping("5586c4b0b000-5586c4b0c000", "r--p", Exe, 0, 0) +
            Mapping("5586c4c00000-5586c4d54000", "rw-p", string.Empty, 1300, 1300) +
            Mapping("7fdc2826a000-7fdc283c0000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 984, 0) +
            Mapping("7fdc28500000-7fdc28510000", "r-xp", Exe + " (deleted)", 64, 0) +
            Mapping("7fdc28600000-7fdc28610000", "r-xs", Exe, 64, 0);

        var chosen = CodeMappings.Select(smaps, Exe);

        Assert.Equal(
            [
                new CodeMapping(0x5586c4463000, 0xd000, 52 * 1024),
                new CodeMapping(0x5586c4470000, 0x3ab000, 3116 * 1024),
            ],
            chosen);
    }

    [Fact]
    public void Without_a_path_every_files_read_only_pages_that_are_all_its_own_are_chosen()
    {
        const string CoreLib = "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/System.Private.CoreLib.dll";
        var smaps =
            Mapping("5586c4463000-5586c4470000", "r--p", Exe, 52, 0) +
            Mapping("5586c4af5000-5586c4af7000", "r--p", Exe, 8, 8) +
            Mapping("5586c4af7000-5586c4b0b000", "rw-p", Exe, 80, 44) +
            Mapping("5586c4c00000-5586c4d54000", "rw-p", string.Empty, 1300, 1300) +
            Mapping("5586c4e00000-5586c4e10000", "r--p", "[vvar]", 8, 0) +
            Mapping("7fdc2826a000-7fdc283c0000", "r-xp", "/usr/lib/x86_64-linux-gnu/libc.so.6", 984, 0) +
            Mapping("7fdc28400000-7fdc28500000", "r--p", CoreLib, 7392, 0) +
            // The runtime's double-mapped code, a replaced file and a shared mapping: kept.
            Mapping("7fdc28500000-7fdc28510000", "r-xp", "/memfd:doublemapper (deleted)", 64, 0) +
            Mapping("7fdc28600000-7fdc28610000", "r-xp", "/opt/lib/old.so (deleted)", 64, 0) +
            Mapping("7fdc28700000-7fdc28710000", "r--s", "/dev/shm/x", 64, 0);

        Assert.Equal(
            [
                new CodeMapping(0x5586c4463000, 0xd000, 52 * 1024),
                new CodeMapping(0x7fdc2826a000, 0x156000, 984 * 1024),
                new CodeMapping(0x7fdc28400000, 0x100000, 7392 * 1024),
            ],
            CodeMappings.Select(smaps, null));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage\nRss: 12 kB\nAnonymous: 0 kB\n")]
    [InlineData("5586c4463000-5586c4470000 r--p\nRss: 12 kB\nAnonymous: 0 kB\n")]
    [InlineData("zz-5586c4470000 r--p 00000000 fe:00 1 /opt/bin/supervise\nRss: 12 kB\nAnonymous: 0 kB\n")]
    // Anonymous before Rss would be a kernel we do not know: the mapping is not resident as far as we read.
    [InlineData("5586c4463000-5586c4470000 r--p 00000000 fe:00 1 /opt/bin/supervise\nAnonymous: 0 kB\nRss: 12 kB\n")]
    public void Text_that_is_not_a_mapping_chooses_nothing(string smaps) =>
        Assert.Empty(CodeMappings.Select(smaps, Exe));

    [Fact]
    public void An_empty_path_chooses_nothing() =>
        Assert.Empty(CodeMappings.Select(Mapping("5586c4463000-5586c4470000", "r--p", string.Empty, 52, 0), string.Empty));

    [Fact]
    public void Giving_the_pages_back_unmaps_them_and_the_process_runs_on()
    {
        var exe = new FileInfo("/proc/self/exe").LinkTarget!;
        static long Resident(string exe) => CodeMappings.Select(File.ReadAllText("/proc/self/smaps"), exe).Sum(m => m.ResidentBytes);

        var before = Resident(exe);
        Assert.True(before > 0, "the test host's executable has code resident");
        var pages = CodePages.Find();
        Assert.True(pages.ResidentBytes > 0, "some of it may be given back");
        Assert.Equal(pages.ResidentBytes, pages.Release());
        Assert.True(Resident(exe) < before, "the executable's resident pages shrank");

        // The process runs on through code whose pages were given back, and a second release is harmless.
        var stat = ProcessStat.Of(Environment.ProcessId);
        Assert.NotNull(stat);
        Assert.True(CodePages.Find().Release() >= 0);
    }
}

/// <summary>
/// Runs alone, after the others: giving back every file's pages of the test host also gives back the pages of its
/// executable that <see cref="CodePagesTests"/> counts.
/// </summary>
[CollectionDefinition(nameof(AllFilePagesTests), DisableParallelization = true)]
public sealed class RunsAlone;

/// <summary>Giving back the pages of every mapped file (the daemon does it once its tree has started).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Collection(nameof(AllFilePagesTests))]
public sealed class AllFilePagesTests
{
    [Fact]
    public void Giving_back_every_files_pages_leaves_a_dotnet_process_running()
    {
        // The test host is a .NET process: its runtime, libraries and assemblies are mapped files.
        var pages = CodePages.FindFiles();
        Assert.True(pages.ResidentBytes > 1024 * 1024, $"only {pages.ResidentBytes} bytes of mapped files were resident");
        Assert.Equal(pages.ResidentBytes, pages.Release());

        // The runtime goes on from pages read back from the cache: it compiles new code, collects, and runs the code.
        var x = System.Linq.Expressions.Expression.Parameter(typeof(int), "x");
        var times6 = System.Linq.Expressions.Expression.Lambda<Func<int, int>>(
            System.Linq.Expressions.Expression.Multiply(System.Linq.Expressions.Expression.Constant(6), x), x).Compile();
        GC.Collect();
        Assert.Equal(42, times6(7));
    }
}
