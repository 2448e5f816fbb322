using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// Where the SQLite store's file is, told at start-up when the place costs what the store promises:
/// <list type="bullet">
/// <item>A file system held in memory (tmpfs, a RAM disk; event 4007): every execution accepted with a 202 is lost when
/// the machine restarts, which nothing else would say.</item>
/// <item>A folder that configuration watches (event 4006). A configuration file reloaded on change (appsettings.json,
/// from ASP.NET Core's content root) is watched through its file provider, whose watch covers the provider's whole root
/// with every folder below it (<c>PhysicalFilesWatcher</c> turns on the file system watcher's subfolders): the kernel
/// wakes that watch for a write to any file there, whatever its name. A store there wakes it at every commit, which
/// took 17–30 % of the durable 202's accepted requests a second on a 2-core machine (bench/load/README.md, "Durable
/// 202, ninth pass").</item>
/// <item>Files users other than the app's can read or change, or a folder they can write to (event 4008, Unix:
/// <see cref="SqliteStoreAccess"/>).</item>
/// </list>
/// The path is taken as the store takes it: relative to the working folder, a link followed to the file it leads to;
/// on Unix it is compared with a watched folder with every link resolved on both sides (.NET's watcher follows a link at
/// its root, not one to a folder below it, which it does not watch).
/// </summary>
internal static class SqliteStorePlace
{
    // Configuration chained into configuration (a host's into the app's): followed this deep at most.
    private const int MaxChainDepth = 8;

    /// <summary>Logs what is wrong with the place of the store at <paramref name="storePath"/>, if anything.</summary>
    public static void Report(IConfiguration? configuration, string storePath, ILogger logger)
    {
        // Walked once, for the three checks.
        if (Resolve(storePath) is not { } resolved)
        {
            return;
        }

        if (FileSystemInMemory(resolved.File) is { } format)
        {
            logger.StoreHeldInMemory(storePath, format);
        }

        if (WatchedBy(configuration, resolved.File, depth: 0) is { } folder)
        {
            logger.StoreInWatchedFolder(storePath, folder);
        }

        if (!OperatingSystem.IsWindows() && OpenToOthers(resolved, user: null) is { } open)
        {
            logger.StoreOpenToOthers(storePath, open.Found, open.Remedy);
        }
    }

    /// <summary>
    /// What of the store at <paramref name="storePath"/> users other than <paramref name="user"/> (the app's, by default)
    /// can read or change, with the way to close it (<see cref="SqliteStoreAccess"/>); null when nothing is, or when that
    /// cannot be told.
    /// </summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public static (string Found, string Remedy)? OpenToOthers(string storePath, SqliteStoreAccess.User? user = null) =>
        Resolve(storePath) is { } resolved ? OpenToOthers(resolved, user) : null;

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static (string Found, string Remedy)? OpenToOthers(StorePath.Resolved store, SqliteStoreAccess.User? user)
    {
        try
        {
            return SqliteStoreAccess.OpenToOthers(store, user ?? SqliteStoreAccess.User.Current());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)   // cannot tell: start-up goes on
        {
            return null;
        }
    }

    /// <summary>
    /// The root of a configuration file watch that sees every write to the store at <paramref name="storePath"/>; null
    /// when none does, or when the path cannot be told.
    /// </summary>
    public static string? WatchedBy(IConfiguration? configuration, string storePath) =>
        Resolve(storePath) is { } store ? WatchedBy(configuration, store.File, depth: 0) : null;

    /// <summary>
    /// The file system's name (tmpfs) when the store at <paramref name="storePath"/> would be on one held in memory;
    /// null when it is not, or when that cannot be told.
    /// </summary>
    public static string? HeldInMemory(string storePath) => Resolve(storePath) is { } store ? FileSystemInMemory(store.File) : null;

    // Of the store's file as Resolve gave it. Its folder may not be there yet (the store makes it): the nearest one
    // above it that is.
    private static string? FileSystemInMemory(string store)
    {
        try
        {
            var drive = Path.GetDirectoryName(store) is { } folder ? new DriveInfo(NearestExisting(folder)) : null;
            return drive?.DriveType == DriveType.Ram ? drive.DriveFormat : null;
        }
        catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // The path itself when it exists, else the nearest folder above it that does (the root at last).
    private static string NearestExisting(string path)
    {
        var existing = path;
        while (!Path.Exists(existing) && Path.GetDirectoryName(existing) is { } above)
        {
            existing = above;
        }

        return existing;
    }

    // The file the store writes, found as the store finds it (StorePath): every link on the way followed, so that it
    // compares with a watched folder's resolved path whatever names reach either; with the folders holding those links.
    private static StorePath.Resolved? Resolve(string storePath)
    {
        try
        {
            return StorePath.Resolve(storePath);
        }
        catch (Exception e) when (e is ArgumentException or IOException or NotSupportedException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // A watch's root as the kernel watches it: .NET's watcher follows a link at its root, not below it.
    private static string Root(PhysicalFileProvider files)
    {
        if (OperatingSystem.IsWindows())
        {
            return files.Root;
        }

        try
        {
            return Bundling.RealPaths.Of(files.Root);
        }
        catch (Exception e) when (e is IOException or DllNotFoundException or EntryPointNotFoundException)
        {
            return files.Root;
        }
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
                    when Holds(Root(files), store):
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
