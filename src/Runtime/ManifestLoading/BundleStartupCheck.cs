using ApiRoutes.Bundling;
using ApiRoutes.Manifest;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// <c>ApiRoutes:VerifyBundle</c> at start-up: the app's folder is exactly its published bundle (the verifier that
/// <c>apiroutes serve</c> uses), the route manifest served is the bundle's own, and the app running is the bundle's
/// entry assembly — not a program elsewhere that points at a verified folder.
/// </summary>
internal static class BundleStartupCheck
{
    /// <param name="root">The app's folder, <see cref="AppContext.BaseDirectory"/>.</param>
    /// <param name="manifestPath">The route manifest that is about to be loaded.</param>
    /// <param name="entryAssemblyPath">Where the running app's entry assembly is, when known.</param>
    /// <returns>Every problem, one sentence each; empty when the app may start.</returns>
    public static IReadOnlyList<string> Problems(string root, string manifestPath, string? entryAssemblyPath)
    {
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
