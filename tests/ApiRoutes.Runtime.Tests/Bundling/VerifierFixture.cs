using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>An unpacked bundle as <c>dotnet publish</c> writes it for a small app, and ways to rewrite its list.</summary>
internal static class VerifierFixture
{
    public static readonly (string Path, string Content)[] Files =
    [
        ("App.dll", "MZ the app"),
        ("App.runtimeconfig.json", """{"runtimeOptions":{}}"""),
        ("apiroutes.manifest.json", """{"schemaVersion":1}"""),
        ("appsettings.json", """{"Logging":{}}"""),
        ("wwwroot/site.css", "body{}"),
    ];

    public static BundleManifest Manifest => new()
    {
        EntryAssembly = "App.dll",
        Files = [.. Files.Select(file => Describe(file.Path, file.Content))],
    };

    public static void WriteBundle(string root)
    {
        foreach (var (path, content) in Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, path))!);
            File.WriteAllText(Path.Combine(root, path), content);
        }

        WriteManifest(root, BundleManifest.Serialize(Manifest));
    }

    public static void WriteManifest(string root, string json) => File.WriteAllText(Path.Combine(root, BundleManifest.FileName), json);

    public static BundleFile Describe(string path, string content) =>
        new(path, Encoding.UTF8.GetByteCount(content), BundleManifest.Sha256(new MemoryStream(Encoding.UTF8.GetBytes(content))));
}
