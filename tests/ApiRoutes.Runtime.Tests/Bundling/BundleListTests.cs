using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>
/// <c>apiroutes.bundle.json</c> itself: an empty, malformed or unsafe list is refused with one specific sentence
/// before any file is looked at. The folder is the untouched fixture, so each problem comes from the list alone.
/// </summary>
public sealed class BundleListTests : IDisposable
{
    private static readonly string LongPath = new('a', 1025);

    private static readonly Dictionary<string, (Func<BundleManifest, BundleManifest> Edit, string Problem)> Lists = new()
    {
        ["empty list"] = (m => m with { Files = [] }, "apiroutes.bundle.json lists no files."),
        ["unsorted"] = (m => m with { Files = [.. m.Files.Reverse()] }, "apiroutes.bundle.json lists 'wwwroot/site.css' before 'appsettings.json'; paths must be in ordinal order, each once."),
        ["duplicate"] = (m => With(m, m.Files[0]), "apiroutes.bundle.json lists 'App.dll' twice."),
        // On a case-insensitive file system the two are one file.
        ["duplicate in another case"] = (m => With(m, m.Files[0] with { Path = "app.dll" }), "apiroutes.bundle.json lists 'App.dll' and 'app.dll', which differ only in case."),
        ["file and folder"] = (m => With(m, m.Files[0] with { Path = "wwwroot" }), "'wwwroot' is listed both as a file and as the folder of 'wwwroot/site.css'."),
        ["lists itself"] = (m => With(m, m.Files[0] with { Path = "apiroutes.bundle.json" }), "apiroutes.bundle.json lists itself; it is the one file that is not in its own list."),
        ["negative size"] = (m => Replace(m, m.Files[0] with { Size = -1 }), "'App.dll' has the negative size -1."),
        ["uppercase hash"] = (m => Replace(m, m.Files[0] with { Sha256 = m.Files[0].Sha256.ToUpperInvariant() }), "'App.dll' has a SHA-256 that is not 64 lowercase hexadecimal digits."),
        ["short hash"] = (m => Replace(m, m.Files[0] with { Sha256 = "abc" }), "'App.dll' has a SHA-256 that is not 64 lowercase hexadecimal digits."),
        ["absolute path"] = (m => With(m, m.Files[0] with { Path = "/etc/passwd" }), "'/etc/passwd' is not a safe bundle path: it is absolute."),
        ["drive path"] = (m => With(m, m.Files[0] with { Path = "C:/Windows/win.ini" }), "'C:/Windows/win.ini' is not a safe bundle path: it is absolute."),
        ["parent segment"] = (m => With(m, m.Files[0] with { Path = "wwwroot/../../x" }), "'wwwroot/../../x' is not a safe bundle path: it has a '..' segment."),
        ["dot segment"] = (m => With(m, m.Files[0] with { Path = "a/./b" }), "'a/./b' is not a safe bundle path: it has a '.' segment."),
        ["empty segment"] = (m => With(m, m.Files[0] with { Path = "a//b" }), "'a//b' is not a safe bundle path: it has an empty segment."),
        ["trailing slash"] = (m => With(m, m.Files[0] with { Path = "a/" }), "'a/' is not a safe bundle path: it has an empty segment."),
        ["empty path"] = (m => With(m, m.Files[0] with { Path = "" }), "'' is not a safe bundle path: it is empty."),
        ["backslash"] = (m => With(m, m.Files[0] with { Path = @"..\x" }), @"'..\x' is not a safe bundle path: it has a backslash; bundle paths use '/'."),
        ["NUL"] = (m => With(m, m.Files[0] with { Path = "x\0.dll" }), @"'x\u0000.dll' is not a safe bundle path: it has the control character U+0000."),
        ["escape"] = (m => With(m, m.Files[0] with { Path = "x\u001B[2J" }), @"'x\u001B[2J' is not a safe bundle path: it has the control character U+001B."),
        ["right-to-left override"] = (m => With(m, m.Files[0] with { Path = "x\u202Egnp.exe" }), @"'x\u202Egnp.exe' is not a safe bundle path: it has the invisible formatting character U+202E."),
        // The review's examples: a format character outside the BMP (two UTF-16 chars, each harmless alone)...
        ["tag character"] = (m => With(m, m.Files[0] with { Path = "x\U000E0001y.txt" }), @"'x\U000E0001y.txt' is not a safe bundle path: it has the invisible formatting character U+E0001."),
        // ...line and paragraph separators, which also broke the one-line message...
        ["line separator"] = (m => With(m, m.Files[0] with { Path = "x\u2028y.txt" }), @"'x\u2028y.txt' is not a safe bundle path: it has the line separator U+2028."),
        ["paragraph separator"] = (m => With(m, m.Files[0] with { Path = "x\u2029y.txt" }), @"'x\u2029y.txt' is not a safe bundle path: it has the paragraph separator U+2029."),
        // ...spaces that look like U+0020 but are other names...
        ["no-break space"] = (m => With(m, m.Files[0] with { Path = "my\u00A0file.txt" }), @"'my\u00A0file.txt' is not a safe bundle path: it has the space U+00A0; the only space a bundle path may hold is U+0020."),
        ["ideographic space"] = (m => With(m, m.Files[0] with { Path = "my\u3000file.txt" }), @"'my\u3000file.txt' is not a safe bundle path: it has the space U+3000; the only space a bundle path may hold is U+0020."),
        // ...slashes that are not '/' but look like it in a message or a listing...
        ["fullwidth slash"] = (m => With(m, m.Files[0] with { Path = "wwwroot\uFF0Fx.js" }), @"'wwwroot\uFF0Fx.js' is not a safe bundle path: it has U+FF0F, which looks like a slash; bundle paths use '/'."),
        ["division slash"] = (m => With(m, m.Files[0] with { Path = "wwwroot\u2215x.js" }), @"'wwwroot\u2215x.js' is not a safe bundle path: it has U+2215, which looks like a slash; bundle paths use '/'."),
        // ...characters with no meaning of their own...
        ["private use"] = (m => With(m, m.Files[0] with { Path = "x\uE000.txt" }), @"'x\uE000.txt' is not a safe bundle path: it has the private-use character U+E000."),
        ["unassigned"] = (m => With(m, m.Files[0] with { Path = "x\u0378.txt" }), @"'x\u0378.txt' is not a safe bundle path: it has the unassigned character U+0378."),
        // ...and names that Windows opens as devices, with any extension and in any case.
        ["device CON"] = (m => With(m, m.Files[0] with { Path = "CON" }), "'CON' is not a safe bundle path: its segment 'CON' is the Windows device name CON, which Windows opens as a device, not a file."),
        ["device nul.txt"] = (m => With(m, m.Files[0] with { Path = "wwwroot/nul.txt" }), "'wwwroot/nul.txt' is not a safe bundle path: its segment 'nul.txt' is the Windows device name NUL, which Windows opens as a device, not a file."),
        ["device COM1.dll"] = (m => With(m, m.Files[0] with { Path = "COM1.dll" }), "'COM1.dll' is not a safe bundle path: its segment 'COM1.dll' is the Windows device name COM1, which Windows opens as a device, not a file."),
        ["device as a folder"] = (m => With(m, m.Files[0] with { Path = "Lpt1/x.txt" }), "'Lpt1/x.txt' is not a safe bundle path: its segment 'Lpt1' is the Windows device name LPT1, which Windows opens as a device, not a file."),
        ["device CONOUT$"] = (m => With(m, m.Files[0] with { Path = "conout$.tar.gz" }), "'conout$.tar.gz' is not a safe bundle path: its segment 'conout$.tar.gz' is the Windows device name CONOUT$, which Windows opens as a device, not a file."),
        ["colon"] = (m => With(m, m.Files[0] with { Path = "x.txt:stream" }), "'x.txt:stream' is not a safe bundle path: it has the character ':', which file names on Windows cannot hold."),
        ["trailing dot"] = (m => With(m, m.Files[0] with { Path = "wwwroot./x" }), "'wwwroot./x' is not a safe bundle path: its segment 'wwwroot.' ends with a dot or a space, which Windows drops."),
        ["too long"] = (m => With(m, m.Files[0] with { Path = LongPath }), $"'{LongPath[..200]}…' is not a safe bundle path: it is longer than 1024 characters."),
        ["entry assembly absolute"] = (m => m with { EntryAssembly = "/usr/lib/Outside.dll" }, "The entry assembly '/usr/lib/Outside.dll' is not a safe bundle path: it is absolute."),
        ["entry assembly outside"] = (m => m with { EntryAssembly = "../Outside.dll" }, "The entry assembly '../Outside.dll' is not a safe bundle path: it has a '..' segment."),
        ["entry assembly not listed"] = (m => m with { EntryAssembly = "Other.dll" }, "The entry assembly 'Other.dll' is not a listed file."),
        ["entry assembly not a DLL"] = (m => m with { EntryAssembly = "App.runtimeconfig.json" }, "The entry assembly 'App.runtimeconfig.json' is not a .dll at the bundle's root."),
        ["entry assembly in a folder"] = (m => m with { EntryAssembly = "wwwroot/site.css" }, "The entry assembly 'wwwroot/site.css' is not a .dll at the bundle's root."),
        ["entry assembly empty"] = (m => m with { EntryAssembly = "" }, "The entry assembly '' is not a safe bundle path: it is empty."),
        ["route manifest not listed"] = (m => m with { Files = [.. m.Files.Where(f => f.Path != "apiroutes.manifest.json")] },
            "apiroutes.bundle.json does not list apiroutes.manifest.json, the route manifest the app serves."),
        ["schema version"] = (m => m with { SchemaVersion = 2 }, "apiroutes.bundle.json has schemaVersion 2; this version of ApiRoutes reads schemaVersion 1."),
    };

    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-list-").FullName;

    public BundleListTests() => VerifierFixture.WriteBundle(_root);

    public static TheoryData<string> ListNames => [.. Lists.Keys];

    [Theory]
    [MemberData(nameof(ListNames))]
    public void A_bad_list_is_one_specific_problem(string name)
    {
        var (edit, problem) = Lists[name];
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(edit(VerifierFixture.Manifest)));

        Assert.Equal([problem], BundleVerifier.Verify(_root));
    }

    [Theory]
    [InlineData("{ not json")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("""{"schemaVersion":1,"files":[]}""")] // no entry assembly
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[{"path":"App.dll","sha256":"00"}]}""")] // no size
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[{"path":null,"size":1,"sha256":"00"}]}""")]
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[{"path":"App.dll","size":"10","sha256":"00"}]}""")]
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[{"path":"App.dll","size":1e400,"sha256":"00"}]}""")]
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","entryAssembly":"Other.dll","files":[]}""")] // the same key twice
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[]} trailing""")]
    public void A_list_that_is_not_a_bundle_manifest_is_refused(string json)
    {
        VerifierFixture.WriteManifest(_root, json);

        Assert.StartsWith("apiroutes.bundle.json is not valid: ", Assert.Single(BundleVerifier.Verify(_root)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("null", "apiroutes.bundle.json is not valid: it is null.")]
    [InlineData("""{"schemaVersion":1,"entryAssembly":"App.dll","files":[null]}""", "apiroutes.bundle.json has null at files[0], where a file belongs.")]
    public void A_null_list_or_entry_is_refused(string json, string problem)
    {
        VerifierFixture.WriteManifest(_root, json);

        Assert.Equal(problem, BundleVerifier.Verify(_root)[0]);
    }

    [Fact]
    public void A_list_nested_past_the_reader_depth_is_refused()
    {
        VerifierFixture.WriteManifest(_root, new string('[', 100_000) + new string(']', 100_000));

        Assert.StartsWith("apiroutes.bundle.json is not valid: ", Assert.Single(BundleVerifier.Verify(_root)), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static BundleManifest With(BundleManifest manifest, BundleFile file) =>
        manifest with { Files = [.. manifest.Files.Append(file).OrderBy(f => f.Path, StringComparer.Ordinal)] };

    private static BundleManifest Replace(BundleManifest manifest, BundleFile file) =>
        manifest with { Files = [.. manifest.Files.Select(f => f.Path == file.Path ? file : f)] };
}
