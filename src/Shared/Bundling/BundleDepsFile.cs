using System.Text.Json;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// What the bundle's own <c>&lt;App&gt;.deps.json</c> tells the .NET host to load: its assets (<c>runtime</c>,
/// <c>native</c>, <c>resources</c>, <c>runtimeTargets</c>) are paths the host joins to the app's folder, and a path
/// that leaves it (<c>../../tmp/x/ApiRoutes.dll</c>, <c>/tmp/x.dll</c>) put an assembly from outside on the list the runtime
/// loads from, before any code of the app, and so any check of it, ran (review 46c F2: under <c>apiroutes serve</c> the
/// ApiRoutes that checked the bundle was the outside copy). The file is listed and verified byte for byte; what it names
/// is checked here, as is each library's path, which the host joins to a package store's folder for a file missing from
/// the app's (review 48C F3). A publish writes only relative paths inside the folder. Never throws: every problem is a sentence.
/// </summary>
internal static class BundleDepsFile
{
    /// <summary>Larger deps files are not read: refused (a publish of a large app writes a few hundred kilobytes).</summary>
    public const int MaxBytes = 16 * 1024 * 1024;

    private static readonly string[] AssetKinds = ["runtime", "native", "resources", "runtimeTargets"];

    /// <summary>Adds to <paramref name="problems"/> each asset of the entry assembly's deps file that lies outside the folder.</summary>
    /// <param name="root">The folder the deps file is in: the bundle's, or the publish folder.</param>
    /// <param name="manifest">The list, whose entry assembly names the deps file.</param>
    /// <param name="problems">Where the problems go.</param>
    public static void Check(string root, BundleManifest manifest, BundleProblems problems)
    {
        var name = $"{manifest.EntryAssembly[..^".dll".Length]}.deps.json";
        // In any case, as the runtime configuration (review 48B F2): a file system that ignores case gives the host a listed 'APP.DEPS.JSON'.
        var file = manifest.Files.FirstOrDefault(file => string.Equals(file.Path, name, StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            return;   // without one, the host loads the folder's own files
        }

        using var document = HostJson.Read(root, file, MaxBytes, problems);
        if (document is null)
        {
            return;
        }

        foreach (var (library, asset) in Assets(document.RootElement))
        {
            if (problems.IsFull)
            {
                return;
            }

            if (!IsInside(asset))
            {
                problems.Add($"{Quote(file.Path)} names the file {Quote(asset)} of {Quote(library)}, which is not a "
                    + "path inside the app's folder (it is rooted, or has an empty, '.' or '..' part): the .NET host would load it from outside the "
                    + "bundle before any check of the app runs. Publish the app again.");
            }
        }

        foreach (var (library, path) in LibraryPaths(document.RootElement))
        {
            if (problems.IsFull)
            {
                return;
            }

            if (!IsInside(path))
            {
                problems.Add($"{Quote(file.Path)} gives the library {Quote(library)} the path "
                    + $"{Quote(path)}, which is not a path inside a folder (it is rooted, or has an empty, '.' or '..' part): "
                    + "where the .NET installation has a package store (<dotnet>/store/<arch>/<tfm>), the host joins it to the store's folder to look for the "
                    + "library's files missing from the app's folder, and would load them from outside the bundle and the store. Publish the app again.");
            }
        }
    }

    /// <summary>Whether the host, joining the asset's path to the app's folder, stays in it: relative, '/'-separated, no empty, '.' or '..' part.</summary>
    public static bool IsInside(string asset) =>
        asset.Length > 0
        && !Path.IsPathRooted(asset)
        && !asset.Contains('\\')
        && !asset.Contains(':')
        && !asset.Contains('\0')
        && asset.Split('/').All(part => part is not ("" or "." or ".."));

    // Every asset path of every library of every target: "targets": { "<framework>[/<rid>]": { "<library>": { "runtime": { "<path>": {} } } } }.
    private static IEnumerable<(string Library, string Asset)> Assets(JsonElement root)
    {
        foreach (var targets in Objects(root, "targets"))
        {
            foreach (var target in targets.EnumerateObject().Where(target => target.Value.ValueKind == JsonValueKind.Object))
            {
                foreach (var library in target.Value.EnumerateObject().Where(library => library.Value.ValueKind == JsonValueKind.Object))
                {
                    foreach (var assets in AssetKinds.SelectMany(kind => Objects(library.Value, kind)))
                    {
                        foreach (var asset in assets.EnumerateObject())
                        {
                            yield return (library.Name, asset.Name);
                        }
                    }
                }
            }
        }
    }

    // Review 48C F3: the path the host joins to a package store's folder (deps_entry_t::to_library_package_path) for each
    // library: "libraries": { "<name>/<version>": { "path": "<name>/<version>" } }, or, without a path (or an empty one),
    // the library's name and version, which the host gets by splitting its key at the first '/' (so the key as a path).
    // hashPath is read by the host but never joined to a folder: not checked.
    private static IEnumerable<(string Library, string Path)> LibraryPaths(JsonElement root)
    {
        foreach (var libraries in Objects(root, "libraries"))
        {
            foreach (var library in libraries.EnumerateObject().Where(library => library.Value.ValueKind == JsonValueKind.Object))
            {
                var paths = HostJson.Properties(library.Value, "path")
                    .Select(HostJson.Text)
                    .Where(path => path.Length > 0)
                    .ToList();
                foreach (var path in paths.Count > 0 ? paths : [library.Name])
                {
                    yield return (library.Name, path);
                }
            }
        }
    }

    // The object values of an object's properties of that name.
    private static IEnumerable<JsonElement> Objects(JsonElement element, string name) =>
        HostJson.Properties(element, name).Where(value => value.ValueKind == JsonValueKind.Object);
}
