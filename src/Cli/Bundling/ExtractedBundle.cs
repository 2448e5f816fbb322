using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Bundling;

/// <summary>A bundle unpacked into its private folder and verified; disposing removes the folder.</summary>
internal sealed class ExtractedBundle(string folder, BundleFolderLock held, BundleManifest manifest) : IDisposable
{
    public string Folder => folder;

    public BundleManifest Manifest => manifest;

    /// <summary>The full path, so that <c>dotnet</c> runs this file and never takes it for a command or an option.</summary>
    public string EntryAssemblyPath => Path.Join(folder, manifest.EntryAssembly);

    /// <returns>Why the folder could not be removed, or null when it is gone.</returns>
    public string? Remove()
    {
        var problem = PrivateFolder.TryDelete(folder);
        held.Release(folderRemoved: problem is null);
        return problem;
    }

    public void Dispose() => Remove();
}
