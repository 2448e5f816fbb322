using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;

namespace ApiRoutes.Storage;

/// <summary>
/// Whether configuration watches the folder of the SQLite store's file. A configuration file reloaded on change
/// (appsettings.json, from ASP.NET Core's content root) is watched through its file provider, whose watch covers the
/// provider's whole root with every folder below it (<c>PhysicalFilesWatcher</c> turns on the file system watcher's
/// subfolders): the kernel wakes that watch for a write to any file there, whatever its name. A store there wakes it
/// at every commit, which took 17–30 % of the durable 202's accepted requests a second on a 2-core machine
/// (bench/load/README.md, "Durable 202, ninth pass"). Start-up says so (event 4006) and how to avoid it.
/// </summary>
internal static class StoreFolderWatch
{
    // Configuration chained into configuration (a host's into the app's): followed this deep at most.
    private const int MaxChainDepth = 8;

    /// <summary>
    /// The root of a configuration file watch that sees every write to the store at <paramref name="storePath"/>
    /// (relative to the working folder, a link followed to the file it leads to, as the store's lock does); null when
    /// none does, or when the path cannot be told.
    /// </summary>
    public static string? WatchedBy(IConfiguration? configuration, string storePath)
    {
        string store;
        try
        {
            store = StoreLock.FileItself(Path.GetFullPath(storePath));
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return null;
        }

        return WatchedBy(configuration, store, depth: 0);
    }

    private static string? WatchedBy(IConfiguration? configuration, string store, int depth)
    {
        if (configuration is not IConfigurationRoot root || depth > MaxChainDepth)
        {
            return null;
        }

        foreach (var provider in root.Providers)
        {
            switch (provider)
            {
                // Active polling (DOTNET_USE_POLLING_FILE_WATCHER, which turns on UsePollingFileWatcher too) reads the
                // watched files' times every few seconds, with no kernel watch to wake. UsePollingFileWatcher itself
                // reads false once the provider watches, so it cannot tell here.
                case FileConfigurationProvider { Source: { ReloadOnChange: true, FileProvider: PhysicalFileProvider { UseActivePolling: false } files } }
                    when Holds(files.Root, store):
                    return files.Root;
                case ChainedConfigurationProvider chained when WatchedBy(chained.Configuration, store, depth + 1) is { } folder:
                    return folder;
            }
        }

        return null;
    }

    private static bool Holds(string folder, string file)
    {
        var prefix = Path.EndsInDirectorySeparator(folder) ? folder : folder + Path.DirectorySeparatorChar;
        return file.StartsWith(prefix, OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }
}
