namespace ApiRoutes.Bundling;

/// <summary>Checks an unpacked bundle against its <c>apiroutes.bundle.json</c>.</summary>
internal static class BundleVerifier
{
    /// <returns>Every problem found, one sentence each; empty when the folder matches the bundle manifest.</returns>
    public static IReadOnlyList<string> Verify(string root)
    {
        var manifestPath = Path.Combine(root, BundleManifest.FileName);
        if (!File.Exists(manifestPath))
        {
            return [$"'{manifestPath}' does not exist, so the files cannot be checked. Serve the app from its deploy bundle."];
        }

        BundleManifest manifest;
        try
        {
            manifest = BundleManifest.Deserialize(File.ReadAllText(manifestPath));
        }
        catch (InvalidDataException e)
        {
            return [$"'{manifestPath}' is not usable: {e.Message}"];
        }

        var problems = new List<string>();
        foreach (var file in manifest.Files)
        {
            var path = Path.GetFullPath(Path.Combine(root, file.Path));
            if (!path.StartsWith(Path.GetFullPath(root), StringComparison.Ordinal))
            {
                problems.Add($"'{file.Path}' points outside the bundle.");
                continue;
            }

            if (!File.Exists(path))
            {
                problems.Add($"'{file.Path}' is missing.");
                continue;
            }

            using var stream = File.OpenRead(path);
            if (stream.Length != file.Size || BundleManifest.Sha256(stream) != file.Sha256)
            {
                problems.Add($"'{file.Path}' has been changed (its SHA-256 differs from the bundle manifest).");
            }
        }

        return problems;
    }
}
