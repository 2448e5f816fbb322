using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.Text;
using Microsoft.Extensions.Configuration;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// <c>ApiRoutes:VerifyBundle</c> at start-up: the app's folder is exactly its published bundle (the verifier that
/// <c>apiroutes serve</c> uses), the route manifest served is the bundle's own, and the app running is the bundle's
/// entry assembly — not a program elsewhere that points at a verified folder.
/// </summary>
internal static class BundleStartupCheck
{
    private const string Key = ApiRoutesOptions.SectionName + ":" + nameof(ApiRoutesOptions.VerifyBundle);

    // The check that passed in this process (the folder, the manifest, the entry assembly) and the route manifest's
    // listed size and hash: the generated entry point's early check is not repeated, file by file, when the manifest is
    // loaded, and the manifest is still read against its listed hash then.
    private static (string Root, string Manifest, string? Entry, BundleFile? Listed)? s_passed;

    /// <summary>
    /// Whether configuration asks for the check. One way: once any of its sources says <c>true</c>, no later one turns it
    /// off — an unlisted <c>appsettings.{Environment}.json</c> put in the folder would otherwise switch the check off, and
    /// with it the check of that very file (review 15). A value that is not a boolean is left to the options' validation.
    /// </summary>
    public static bool Requested(IConfiguration configuration)
    {
        if (configuration is IConfigurationRoot root)
        {
            foreach (var provider in root.Providers)
            {
                if (provider.TryGet(Key, out var value) && bool.TryParse(value, out var on) && on)
                {
                    return true;
                }
            }
        }

        return bool.TryParse(configuration[Key], out var final) && final;
    }

    /// <summary>
    /// The generated entry point's first check, before the folder's: the folder must be the content root, where the app's
    /// configuration files are read, else an <c>appsettings.json</c> of the current folder, which no list covers, would
    /// configure it. Not a difference in the bundle, which is not looked at: the refusal says how to start it instead
    /// (review 28c F5: it said the bundle did not match and to deploy it again).
    /// </summary>
    /// <returns>Why the app may not start so, with the absolute folder to start it in; null when the content root is the folder.</returns>
    public static string? ContentRootProblem(string root, string contentRoot)
    {
        if (SameFolder(contentRoot, root))
        {
            return null;
        }

        var folder = ShellWord(Path.TrimEndingDirectorySeparator(root));
        return $"The app was started with the content root {BundlePath.Quote(contentRoot)}, not its bundle's folder {BundlePath.Quote(root)}: "
            + "with ApiRoutes:VerifyBundle its configuration files are read from the verified folder only. Start it in that folder "
            + $"(cd {folder}), or pass --contentRoot {folder}.";
    }

    // One folder however written: '…/v1//', or a link to it ('current' → 'releases/v1'), as the host resolves the app's
    // own path (review 29a F8).
    private static bool SameFolder(string path, string expected)
    {
        if (SamePath(Path.TrimEndingDirectorySeparator(path), Path.TrimEndingDirectorySeparator(expected)))
        {
            return true;
        }

        if (OperatingSystem.IsWindows())
        {
            return false;
        }

        try
        {
            return string.Equals(RealPaths.Of(path), RealPaths.Of(expected), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    // The folder as a POSIX shell takes it as one word, whole (not cut at 200 characters), so that the advice runs as
    // written; in the display form when it has a character a terminal would act on.
    private static string ShellWord(string path) =>
        BundlePath.Printable(path, int.MaxValue) != path ? BundlePath.Quote(path) : ShellWords.Quote(path);

    /// <param name="root">The app's folder, <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="manifestPath">The route manifest that is about to be loaded.</param>
    /// <param name="entryAssemblyPath">Where the running app's entry assembly is, when known.</param>
    /// <returns>Every problem, one sentence each; empty when the app may start.</returns>
    public static IReadOnlyList<string> Problems(string root, string manifestPath, string? entryAssemblyPath) =>
        Problems(root, manifestPath, entryAssemblyPath, out _);

    /// <param name="root">The app's folder, <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="manifestPath">The route manifest that is about to be loaded.</param>
    /// <param name="entryAssemblyPath">Where the running app's entry assembly is, when known.</param>
    /// <param name="routeManifest">
    /// The route manifest as the bundle lists it (null when there are problems, or when the bundle has none): what is
    /// read of it later must have this size and hash, as the folder may be written after the check.
    /// </param>
    /// <returns>Every problem, one sentence each; empty when the app may start.</returns>
    public static IReadOnlyList<string> Problems(string root, string manifestPath, string? entryAssemblyPath, out BundleFile? routeManifest)
    {
        routeManifest = null;
        if (s_passed is { } passed && (passed.Root, passed.Manifest, passed.Entry) == (root, manifestPath, entryAssemblyPath))
        {
            routeManifest = passed.Listed;
            return [];
        }

        var problems = BundleVerifier.Verify(root, out var bundle);
        if (bundle is null)
        {
            return problems;
        }

        var found = new List<string>();
        if (!SamePath(manifestPath, Path.Join(root, RouteManifest.FileName)))
        {
            found.Add($"ApiRoutes:ManifestPath is {BundlePath.Quote(manifestPath)}, not the bundle's {RouteManifest.FileName}; with "
                + "ApiRoutes:VerifyBundle only the verified manifest is served. Remove ApiRoutes:ManifestPath.");
        }

        if (!string.IsNullOrEmpty(entryAssemblyPath) && !SamePath(entryAssemblyPath, Path.Join(root, bundle.EntryAssembly)))
        {
            found.Add($"The running app is {BundlePath.Quote(entryAssemblyPath)}, not the bundle's entry assembly {BundlePath.Quote(bundle.EntryAssembly)}.");
        }

        if (found.Count == 0)
        {
            routeManifest = bundle.Files.FirstOrDefault(file => file.Path == RouteManifest.FileName);
            s_passed = (root, manifestPath, entryAssemblyPath, routeManifest);
        }

        return found;
    }

    private static bool SamePath(string path, string expected)
    {
        try
        {
            return string.Equals(Path.GetFullPath(path), Path.GetFullPath(expected), StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
