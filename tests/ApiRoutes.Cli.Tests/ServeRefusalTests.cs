using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// <c>apiroutes serve</c> on crafted bundles: every one is refused with one line on standard error and exit code 1,
/// and leaves nothing behind — nothing is run, nothing is written outside the cache, the cache stays empty.
/// </summary>
public sealed class ServeRefusalTests : IDisposable
{
    private static readonly string Absolute = Path.Combine(Path.GetTempPath(), "apiroutes-absolute-entry.txt");

    private static readonly Dictionary<string, (Func<CraftedBundle> Craft, string[] Arguments, string Message)> Attacks = new()
    {
        // The observed attack: a settings file that turns the dashboard on with the attacker's token.
        ["unlisted settings"] = (() => CraftedBundle.Good().Add("appsettings.Production.json", """{"ApiRoutes":{"Dashboard":{"Enabled":true,"Token":"attacker"}}}""", listed: false), [],
            "'appsettings.Production.json' is in the zip but not listed in apiroutes.bundle.json."),
        ["unlisted DLL"] = (() => CraftedBundle.Good().Add("Evil.dll", "MZ evil", listed: false), [], "'Evil.dll' is in the zip but not listed in apiroutes.bundle.json."),
        ["empty list"] = (() => new CraftedBundle(), [], "apiroutes.bundle.json lists no files."),
        ["entry assembly outside the bundle"] = (() => CraftedBundle.Good().With(b => b.EntryAssembly = "/usr/lib/Outside.dll"), [],
            "The entry assembly '/usr/lib/Outside.dll' is not a safe bundle path: it is absolute."),
        ["entry assembly not listed"] = (() => CraftedBundle.Good().With(b => b.EntryAssembly = "Other.dll"), [], "The entry assembly 'Other.dll' is not a listed file."),
        ["entry assembly not a DLL at the root"] = (() => CraftedBundle.Good().With(b => b.EntryAssembly = "wwwroot/site.css"), [],
            "The entry assembly 'wwwroot/site.css' is not a .dll at the bundle's root."),
        ["route manifest not listed"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files.Where(f => f.Path != "apiroutes.manifest.json")] }), [],
            "apiroutes.bundle.json does not list apiroutes.manifest.json"),
        ["zip-slip entry"] = (() => CraftedBundle.Good().Add("../escape.txt", "x", listed: false), [], "The zip entry '../escape.txt' is not a safe bundle path: it has a '..' segment."),
        ["zip-slip listed"] = (() => CraftedBundle.Good().Add("wwwroot/../../escape.txt", "x"), [], "'wwwroot/../../escape.txt' is not a safe bundle path: it has a '..' segment."),
        ["absolute entry"] = (() => CraftedBundle.Good().Add(Absolute, "x", listed: false), [], $"The zip entry '{Absolute}' is not a safe bundle path: it is absolute."),
        ["NUL in a listed path"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files, CraftedBundle.Describe("x\0.txt", [])] }), [],
            @"'x\u0000.txt' is not a safe bundle path: it has the control character U+0000."),
        ["format character outside the BMP"] = (() => CraftedBundle.Good().Add("x\U000E0001y.txt", "x"), [],
            @"'x\U000E0001y.txt' is not a safe bundle path: it has the invisible formatting character U+E0001."),
        ["line separator in an entry"] = (() => CraftedBundle.Good().Add("x\u2028y.txt", "x", listed: false), [],
            @"The zip entry 'x\u2028y.txt' is not a safe bundle path: it has the line separator U+2028."),
        ["lookalike slash in an entry"] = (() => CraftedBundle.Good().Add("wwwroot\uFF0F..\uFF0F..\uFF0Fx.txt", "x", listed: false), [],
            @"The zip entry 'wwwroot\uFF0F..\uFF0F..\uFF0Fx.txt' is not a safe bundle path: it has U+FF0F, which looks like a slash; bundle paths use '/'."),
        ["device name entry"] = (() => CraftedBundle.Good().Add("wwwroot/nul.txt", "x", listed: false), [],
            "The zip entry 'wwwroot/nul.txt' is not a safe bundle path: its segment 'nul.txt' is the Windows device name NUL, which Windows opens as a device, not a file."),
        ["symbolic link entry"] = (() => CraftedBundle.Good().Add("wwwroot/passwd", "/etc/passwd", attributes: CraftedBundle.SymbolicLink), [],
            "The zip entry 'wwwroot/passwd' is a symbolic link; a bundle holds regular files only."),
        // Review 28c F15: zipped again with zip -r, whose folder entries were each "not a safe bundle path: it has an empty
        // segment", 20 lines that hid the change that mattered.
        ["zipped again with folder entries and an edit"] = (() => CraftedBundle.Good()
            .Add("wwwroot/", [], listed: false, attributes: CraftedBundle.Folder).Add("runtimes/", [], listed: false, attributes: CraftedBundle.Folder)
            .Add("runtimes/x/", [], listed: false, attributes: 0).Add("runtimes/x/native/", [], listed: false, attributes: CraftedBundle.Folder)
            .DeclareSize("appsettings.json", 3), [],
            "the zip has 4 folder entries ('wwwroot/', 'runtimes/', 'runtimes/x/', …): a bundle holds files only, as 'dotnet publish' writes it, and zipping it again "
            + "(zip -r) adds them. Serve the bundle as published. The zip entry 'appsettings.json' declares 3 bytes, but apiroutes.bundle.json lists 14."),
        // Helper 37c F1: the bundle's own runtimeconfig.json names code outside the bundle, which the .NET host loads
        // before any check of the app runs (a standalone GC's constructor; a startup hook).
        ["runtimeconfig names a GC outside the bundle"] = (() => WithRuntimeConfig("""{"runtimeOptions":{"configProperties":{"System.GC.Path":"/tmp/libevil.so"}}}"""), [],
            "System.GC.Path"),
        ["runtimeconfig names a startup hook outside the bundle"] = (() => WithRuntimeConfig("""{"runtimeOptions":{"configProperties":{"STARTUP_HOOKS":"/tmp/Hook.dll"}}}"""), [],
            "STARTUP_HOOKS"),
        ["runtimeconfig adds a probing path outside the bundle"] = (() => WithRuntimeConfig("""{"runtimeOptions":{"additionalProbingPaths":["/tmp/probe"]}}"""), [],
            "additionalProbingPaths"),
        ["duplicate entry"] = (() => CraftedBundle.Good().Add("appsettings.json", """{"Logging":{}}""", listed: false), [], "The zip entry 'appsettings.json' is in the zip twice."),
        // A lying size in the headers and the list: the zip reader inflates only what the headers declare...
        ["zip bomb with a lying size"] = (() => Bomb(stored: false), [], "'wwwroot/bomb.bin' has been changed: its SHA-256 differs from apiroutes.bundle.json."),
        // ...except for a stored entry, which it copies whole: the extractor stops one byte past the listed size.
        ["stored zip bomb with a lying size"] = (() => Bomb(stored: true), [], "The zip entry 'wwwroot/bomb.bin' inflates beyond its listed size of 10 bytes."),
        ["listed size over the ceiling"] = (() => CraftedBundle.Good().Add("wwwroot/bomb.bin", "x").DeclareSize("wwwroot/bomb.bin", 1u << 31)
            .With(b => b.EditManifest = m => m with { Files = [.. m.Files.Select(f => f.Path == "wwwroot/bomb.bin" ? f with { Size = 1L << 31 } : f)] }), [],
            "over the ceiling of 1073741824 bytes (--max-size)."),
        // Found from the zip's end record, before the archive (and its whole central directory) is read.
        ["more files than the ceiling"] = (CraftedBundle.Good, ["--max-files", "3"], "the zip has 6 entries: more than the list and the ceiling of 3 files (--max-files)."),
        // The list is read before the files are counted again (the zip may hold fewer entries than it lists).
        ["more files listed than the ceiling"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files, CraftedBundle.Describe("zzz.txt", [1])] }), ["--max-files", "5"],
            "apiroutes.bundle.json lists 6 files, over the ceiling of 5 (--max-files)."),
        ["declared size differs from the list"] = (() => CraftedBundle.Good().DeclareSize("appsettings.json", 3), [],
            "The zip entry 'appsettings.json' declares 3 bytes, but apiroutes.bundle.json lists 14."),
        ["listed file missing from the zip"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files, CraftedBundle.Describe("zzz.txt", [1])] }), [],
            "'zzz.txt' is listed in apiroutes.bundle.json but not in the zip."),
        ["changed file of the same size"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files.Select(f => f.Path == "App.dll" ? CraftedBundle.Describe("App.dll", Encoding.UTF8.GetBytes("MZ THE APP")) : f)] }), [],
            "'App.dll' has been changed: its SHA-256 differs from apiroutes.bundle.json."),
        ["malformed list"] = (() => CraftedBundle.Good().With(b => b.ManifestJson = """{"schemaVersion":1,"entryAssembly":"App.dll","files":[{"path":"App.dll"}]}"""), [],
            "apiroutes.bundle.json is not valid:"),
        ["unsorted list"] = (() => CraftedBundle.Good().With(b => b.EditManifest = m => m with { Files = [.. m.Files.Reverse()] }), [],
            "apiroutes.bundle.json lists 'wwwroot/site.css' before 'appsettings.json'; paths must be in ordinal order, each once."),
    };

    // 1 MiB inflating from a header and a list that both say 10 bytes (a real bomb says gigabytes; the bound is the same).
    private static CraftedBundle Bomb(bool stored) => CraftedBundle.Good()
        .Add("wwwroot/bomb.bin", new byte[1 << 20], stored: stored)
        .DeclareSize("wwwroot/bomb.bin", 10)
        .With(b => b.EditManifest = m => m with { Files = [.. m.Files.Select(f => f.Path == "wwwroot/bomb.bin" ? f with { Size = 10 } : f)] });

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-serve-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    public static TheoryData<string> AttackNames => [.. Attacks.Keys];

    [Theory]
    [MemberData(nameof(AttackNames))]
    public async Task A_crafted_bundle_is_refused_in_one_line_and_leaves_nothing_behind(string attack)
    {
        var (craft, arguments, message) = Attacks[attack];
        File.Delete(Absolute);
        var bundle = craft().Write(Path.Combine(_folder, "App.bundle.zip"));
        var cache = Path.Combine(_folder, "cache");

        var exitCode = await Run(["serve", bundle, "--cache", cache, .. arguments]);

        Assert.Equal(1, exitCode);
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"apiroutes: '{bundle}' will not be served: ", line, StringComparison.Ordinal);
        Assert.Contains(message, line, StringComparison.Ordinal);
        Assert.Equal("", _output.ToString());
        Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFileSystemEntries(cache) : []);
        Assert.False(File.Exists(Path.Combine(_folder, "escape.txt")));
        Assert.False(File.Exists(Absolute));
    }

    [Fact]
    public async Task A_file_that_is_not_a_zip_is_refused()
    {
        var bundle = Path.Combine(_folder, "App.bundle.zip");
        File.WriteAllText(bundle, "not a zip");

        Assert.Equal(1, await Run("serve", bundle, "--cache", Path.Combine(_folder, "cache")));
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"apiroutes: '{bundle}' will not be served: it is not a valid zip file", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-size", "0")]
    [InlineData("--max-files", "-1")]
    public async Task A_ceiling_that_is_not_positive_is_refused(string option, string value)
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        Assert.Equal(1, await Run("serve", bundle, option, value));
        Assert.Equal("apiroutes: --max-size and --max-files must be positive numbers.", _error.ToString().Trim());
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<int> Run(params string[] args)
    {
        var root = Program.CreateRootCommand(_output, _error);
        return root.Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = _output, Error = _error });
    }

    private static CraftedBundle WithRuntimeConfig(string json) => new CraftedBundle()
        .Add("App.dll", "MZ the app")
        .Add("App.runtimeconfig.json", json)
        .Add("apiroutes.manifest.json", """{"schemaVersion":1}""")
        .Add("appsettings.json", """{"Logging":{}}""");
}
