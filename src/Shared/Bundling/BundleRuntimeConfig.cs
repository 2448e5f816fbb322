using System.Text.Json;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// What the bundle's own <c>&lt;App&gt;.runtimeconfig.json</c> tells the .NET host and the runtime to load before any
/// code of the app runs: a garbage collector from a library (<c>System.GC.Path</c>, or <c>System.GC.Name</c> with a
/// folder in it), ICU's libraries through a folder in <c>System.Globalization.AppLocalIcu</c> (review 48B F1), startup
/// hooks from outside the folder (<c>STARTUP_HOOKS</c>), package folders to probe
/// (<c>additionalProbingPaths</c>), or the host's own lists of what to load. The file is listed and verified byte for
/// byte, but what it names is not: under <c>apiroutes serve</c> a library outside the bundle was loaded into the app
/// (helper 37c F1: <c>System.GC.Path</c>; F1b: <c>STARTUP_HOOKS</c>, which the start-up check saw only after the hook
/// had run). Nothing of this is written by a publish unless the project asks for it. A development runtimeconfig
/// (<c>runtimeconfig.dev.json</c>, read by the host for its probing paths) is never published: one in the bundle is
/// refused too. Never throws: every problem is a sentence.
/// </summary>
internal static class BundleRuntimeConfig
{
    /// <summary>Larger runtime configurations are not read: refused (a publish writes under a kilobyte).</summary>
    public const int MaxBytes = 1024 * 1024;

    // Properties the host sets itself from the deps file and the folders; one in the file would add to what is loaded.
    private static readonly string[] HostProperties =
    [
        "TRUSTED_PLATFORM_ASSEMBLIES", "NATIVE_DLL_SEARCH_DIRECTORIES", "PLATFORM_RESOURCE_ROOTS", "APP_PATHS", "APP_NI_PATHS",
        "APP_CONTEXT_DEPS_FILES", "PROBING_DIRECTORIES", "HOST_RUNTIME_CONTRACT",
    ];

    /// <summary>Adds to <paramref name="problems"/> what the entry assembly's runtime configuration would load from outside.</summary>
    /// <param name="root">The bundle's folder, already verified against <paramref name="manifest"/>.</param>
    /// <param name="manifest">The bundle's list, whose entry assembly names the runtime configuration.</param>
    /// <param name="problems">Where the problems go.</param>
    public static void Check(string root, BundleManifest manifest, BundleProblems problems)
    {
        var name = manifest.EntryAssembly[..^".dll".Length];
        var development = $"{name}.runtimeconfig.dev.json";
        if (manifest.Files.Any(file => string.Equals(file.Path, development, StringComparison.OrdinalIgnoreCase)))
        {
            problems.Add($"{Quote(development)} is a development file, which a publish does not write: the .NET host would probe the package "
                + "folders it names for the app's assemblies, outside the bundle. Publish the app again.");
        }

        // In any case (review 48B F2): on a file system that ignores case the host opens a listed 'app.RuntimeConfig.json'
        // by its own name. The list never holds two paths that differ only in case.
        var file = manifest.Files.FirstOrDefault(file => string.Equals(file.Path, $"{name}.runtimeconfig.json", StringComparison.OrdinalIgnoreCase));
        if (file is null)
        {
            return;   // a self-contained or single-file app, or one that cannot start: nothing named to load
        }

        // As the host reads it (HostJson).
        using var document = HostJson.Read(root, file, MaxBytes, problems);
        if (document is null)
        {
            return;
        }

        foreach (var options in HostJson.Properties(document.RootElement, "runtimeOptions"))
        {
            if (HostJson.Properties(options, "additionalProbingPaths").Any())
            {
                problems.Add($"{Quote(file.Path)} names additionalProbingPaths: the .NET host would look for the app's assemblies in package folders "
                    + "outside the bundle. Publish without them (they belong to runtimeconfig.dev.json, which a publish leaves out).");
            }

            // Review 48C F3: the host joins the tfm to its package store's folder (<dotnet>/store/<arch>/<tfm>, probed where it
            // exists) and loads from there the app's files missing from its folder; a publish writes a name such as net10.0.
            foreach (var tfm in HostJson.Properties(options, "tfm"))
            {
                var text = HostJson.Text(tfm);
                if (NamesAFolder(text))
                {
                    problems.Add($"{Quote(file.Path)} names the target framework {Quote(text)} (tfm), which names a folder: "
                        + "the .NET host joins it to its package store's folder (<dotnet>/store/<arch>/<tfm>), where it looks for the app's files missing from "
                        + "the app's folder, and would load them from outside the bundle and the store. Publish the app again.");
                }
            }

            // Review 46c F1: the host joins a framework's name to its shared folder as written, so '../../../tmp/fx' ran
            // ASP.NET Core from /tmp under apiroutes serve.
            foreach (var framework in Frameworks(options))
            {
                foreach (var frameworkName in HostJson.Properties(framework, "name"))
                {
                    var text = HostJson.Text(frameworkName);
                    if (!IsFrameworkName(text))
                    {
                        problems.Add($"{Quote(file.Path)} names the shared framework {Quote(text)}, which is not a framework's "
                            + "name (such as 'Microsoft.AspNetCore.App'): the .NET host would take it as a folder, and load a framework from outside its "
                            + "installation. Publish the app again.");
                    }
                }
            }

            foreach (var configuration in HostJson.Properties(options, "configProperties").Where(value => value.ValueKind == JsonValueKind.Object))
            {
                foreach (var property in configuration.EnumerateObject())
                {
                    // Review 48B F3: the host takes each name as a C string, cut at its first NUL, so "System.GC.Path\u0000x"
                    // reached the runtime as System.GC.Path, past a check of the whole name. A publish writes no such name.
                    if (property.Name.IndexOf('\0', StringComparison.Ordinal) is var nul and >= 0)
                    {
                        problems.Add($"{Quote(file.Path)} sets the property {Quote(property.Name)}, whose name holds a NUL character: the .NET host cuts the "
                            + $"name there and gives the runtime {Quote(property.Name[..nul])}, which the check of its whole name does not see. Publish the app "
                            + "again (a publish writes no such name).");
                        continue;
                    }

                    if (Problem(root, file.Path, property) is { } problem)
                    {
                        problems.Add(problem);
                    }
                }
            }
        }
    }

    // The frameworks the app runs on ("framework", "frameworks") and, for a self-contained app, the ones it carries.
    private static IEnumerable<JsonElement> Frameworks(JsonElement options) =>
        HostJson.Properties(options, "framework")
            .Concat(HostJson.Properties(options, "frameworks").Concat(HostJson.Properties(options, "includedFrameworks"))
                .Where(list => list.ValueKind == JsonValueKind.Array)
                .SelectMany(list => list.EnumerateArray()));

    /// <summary>Whether the text is a framework's name as the host finds it in its shared folder: one folder name, no path.</summary>
    public static bool IsFrameworkName(string name) =>
        name.Length is > 0 and <= 200
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_')
        && char.IsAsciiLetterOrDigit(name[0])
        && !name.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// Whether a library's name, which the runtime joins to a folder or to a prefix of its own, holds a folder: a separator
    /// or '..' (<c>System.GC.Name</c>, <c>System.Globalization.AppLocalIcu</c>).
    /// </summary>
    public static bool NamesAFolder(string name) =>
        name.Contains('/') || name.Contains('\\') || name.Contains("..", StringComparison.Ordinal);

    // Why one runtime property would load code from outside the folder; null when it does not.
    private static string? Problem(string root, string file, JsonProperty property)
    {
        var value = HostJson.Text(property.Value);
        var shown = Quote(value);
        var key = property.Name;
        if (key.Equals("System.GC.Path", StringComparison.OrdinalIgnoreCase)
            || (key.Equals("System.GC.Name", StringComparison.OrdinalIgnoreCase) && NamesAFolder(value)))
        {
            return $"{Quote(file)} sets {key} to {shown}: the runtime would load that library as its garbage collector before any check of the app can run. "
                + "Publish without it (a standalone GC is named without a folder, and comes with the runtime).";
        }

        // Review 48B F1: the runtime makes ICU's library names of the app-local ICU's value ('libicuuc' + suffix + '.so.' +
        // version) and opens them; a folder in it loaded /tmp/48b/e.so.72 through a folder 'libicuuc/' of the bundle.
        if (key.Equals("System.Globalization.AppLocalIcu", StringComparison.OrdinalIgnoreCase) && NamesAFolder(value))
        {
            return $"{Quote(file)} sets {key} to {shown}, which names a folder: the runtime joins it to the names of ICU's libraries (libicuuc, libicui18n, "
                + "libicudata) and loads what that path names, from outside the bundle, before any check of the app can run. Publish with the ICU version "
                + "alone (such as '72.1.0.3', or 'suffix:72.1.0.3' for a build with a suffix), and ICU's libraries in the app.";
        }

        if (key.Equals("STARTUP_HOOKS", StringComparison.OrdinalIgnoreCase) && OutsideStartupHook(value, hook => Inside(hook, root)) is { } outside)
        {
            return $"{Quote(file)} names the startup hook {Quote(outside)} (STARTUP_HOOKS), outside the bundle's folder: it would run before the app, "
                + "code that was not verified. Put the hook in the app, or publish without it.";
        }

        return HostProperties.Contains(key, StringComparer.OrdinalIgnoreCase)
            ? $"{Quote(file)} sets {key}, which the .NET host sets itself from the app's folder: it would add what the host loads. Publish without it."
            : null;
    }

    /// <summary>
    /// The first startup hook of <paramref name="hooks"/> (<c>STARTUP_HOOKS</c>: full paths or assembly names, separated
    /// by the path separator) named by a full path that <paramref name="inside"/> does not take for the bundle's; null
    /// when there is none. An assembly name is the app's own (found among its assemblies).
    /// </summary>
    public static string? OutsideStartupHook(string? hooks, Func<string, bool> inside) =>
        (hooks ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(hook => Path.IsPathRooted(hook) && !inside(hook));

    private static bool Inside(string path, string root)
    {
        try
        {
            var (full, folder) = (Path.TrimEndingDirectorySeparator(Path.GetFullPath(path)), Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)));
            var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            return full.StartsWith(folder + Path.DirectorySeparatorChar, comparison);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return false;
        }
    }
}
