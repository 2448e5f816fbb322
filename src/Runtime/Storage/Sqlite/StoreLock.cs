using System.Globalization;
using ApiRoutes.Locking;

namespace ApiRoutes.Storage;

/// <summary>
/// Holds a SQLite store for one process. Two processes on one file (say <c>dotnet run</c> and a published copy, or two
/// copies of one app) would both recover, and run, the same unfinished work; so the file is held with an exclusive
/// lock (<c>executions.db.lock</c>, an advisory lock the operating system releases when the process dies; on Unix an
/// <c>flock(2)</c> taken by a call of its own, see <see cref="ExclusiveFileLock"/>), and a
/// second process stops at start-up naming the first (recorded in <c>executions.db.owner</c>).
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly FileStream? _database;

    // The database file's name, as the lock was taken for it (StorePath.OnDisk's).
    private readonly string _file;

    // The kernel's link to the held database file (Lost reads it at every batch of new work): made once.
    private readonly string? _databaseDescriptor;

    // The kernel's link to the write-ahead log SQLite's write connection holds open (FollowLog), and the log's path.
    private (string Descriptor, string Path)? _log;

    private StoreLock(FileStream @lock, FileStream? database, string file)
    {
        (_lock, _database, _file) = (@lock, database, file);
        _databaseDescriptor = database is null ? null : $"/proc/self/fd/{database.SafeFileHandle.DangerousGetHandle()}";
    }

    /// <summary>Holds the store's file <paramref name="databasePath"/>, as <see cref="StorePath"/> found it.</summary>
    /// <param name="databasePath">The database file.</param>
    /// <param name="beforeMaking">Told, once the store is held, whether the database file is there, before it is made when it is not (it may throw to refuse the store).</param>
    /// <exception cref="ExecutionStoreUnavailableException">Another process holds the store, or the lock cannot be taken here.</exception>
    /// <exception cref="IOException">The lock file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The lock file cannot be created.</exception>
    public static StoreLock Acquire(string databasePath, Action<bool>? beforeMaking = null)
    {
        // Held by the file's own name, which the caller found (StorePath: every link on the way followed): two processes
        // that reach one file through a symbolic link (and so two lock files) would both open it (review 16b F4). Hard
        // links, two names of one file, are told apart by the lock of the file itself (LockDatabase), on Linux only.
        var held = Open(databasePath);
        FileStream? database = null;
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                Lock(held, databasePath);
            }

            // Before the empty file is made: a refused start that made it left the next start a store it told as emptied
            // while the app ran (review 37b F1).
            beforeMaking?.Invoke(File.Exists(databasePath));
            CreateOwnerOnly(databasePath);
            database = LockDatabase(databasePath);

            // Who holds it, for the second process's message: never the command line, whose arguments may be secrets
            // (--ApiRoutes:Dashboard:Token=…) that the message would print and the file keep.
            var program = Path.GetFileName(Environment.ProcessPath) ?? "unknown";
            WriteOwnerOnly(databasePath + ".owner", string.Create(CultureInfo.InvariantCulture,
                $"process {Environment.ProcessId} on {Environment.MachineName}, {program} running the app in {AppContext.BaseDirectory}, since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z"));
            return new StoreLock(held, database, databasePath);
        }
        catch
        {
            database?.Dispose();
            held.Dispose();   // not held for a store that does not open
            throw;
        }
    }

    public void Dispose()
    {
        _database?.Dispose();
        _lock.Dispose();
    }

    /// <summary>
    /// Why the store's file on disk (the path <see cref="StorePath.OnDisk"/> resolved, which SQLite's connections open) no
    /// longer names the file this process holds open, or null while it does (or
    /// where that cannot be told: outside Linux, or without the hold of the file itself). SQLite goes on writing an open
    /// file that was deleted, or replaced by another under its name; what it writes there is gone when the process ends,
    /// and the next start opens what the name holds then (review 25d F4).
    /// </summary>
    /// <remarks>
    /// Also the file emptied in place (truncate -s 0), and its write-ahead log deleted: SQLite goes on writing the log it
    /// has open, the next connection that finds the file empty (a readiness probe) removes the log, and what was accepted
    /// meanwhile is gone at the next start (review 32b F1, F2).
    /// </remarks>
    public string? Lost()
    {
        if (_databaseDescriptor is null)
        {
            return null;
        }

        string? target;
        try
        {
            // The kernel's name of the open file; " (deleted)" follows it once no name leads to the file any more.
            target = new FileInfo(_databaseDescriptor).LinkTarget;
            if (_database is { Length: 0 })
            {
                return "was emptied (truncated to 0 bytes) while the app ran";
            }

            if (_log is { } log && string.Equals(new FileInfo(log.Descriptor).LinkTarget, log.Path + " (deleted)", StringComparison.Ordinal))
            {
                return $"lost its write-ahead log '{log.Path}' (deleted while the app ran), which holds the latest work until it is copied into the file";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)   // disposed: a read that raced the store's close (review 44c)
        {
            return null;
        }

        // The resolved path, not the one configured: relative, or through a symbolic link, it never equals the kernel's
        // name of the file (review 44c F1: a replaced file was not told, and read, damaging it; a working folder changed
        // after start made a healthy store "no longer there").
        return Gone(_file, target);
    }

    // Why the name no longer leads to the held file (deleted, replaced, moved away), or null.
    private static string? Gone(string databasePath, string? target) =>
        string.Equals(target, databasePath + " (deleted)", StringComparison.Ordinal) ? "was deleted, or replaced by another file, while the app ran"
        : File.Exists(databasePath) ? null
        : $"is no longer there (moved to '{target}', or its folder removed) while the app ran";

    /// <summary>
    /// The write-ahead log and shared-memory files under the store's names (<c>-wal</c>, <c>-shm</c>) that this process
    /// has open, with why, when the database file it holds is no longer under its name (Linux): called before SQLite's
    /// connection closes. Empty while the file is there, or where that cannot be told.
    /// </summary>
    /// <remarks>
    /// SQLite leaves the log of a file that moved as it is when it closes (no checkpoint into a file no name leads to),
    /// and the next start read it beside no file, or beside another one put in its place, into which SQLite would copy
    /// the pages of the file that is gone (review 37b F1). Only the ones open here: a log and shared memory that came
    /// with a file put in its place are that file's.
    /// </remarks>
    public (IReadOnlyList<string> Files, string? Why) Orphaned()
    {
        if (_databaseDescriptor is null)
        {
            return ([], null);
        }

        var open = new List<string>();
        try
        {
            if (Gone(_file, new FileInfo(_databaseDescriptor).LinkTarget) is not { } why)
            {
                return ([], null);
            }

            foreach (var descriptor in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                try
                {
                    if (new FileInfo(descriptor).LinkTarget is { } target && (target == _file + "-wal" || target == _file + "-shm") && !open.Contains(target))
                    {
                        open.Add(target);
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A descriptor closed meanwhile.
                }
            }

            return (open, why);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ([], null);   // no /proc: left as they are
        }
    }

    /// <summary>
    /// Moves <paramref name="files"/> (<see cref="Orphaned"/>'s) aside, to <c>&lt;name&gt;.orphaned-&lt;UTC time&gt;</c>,
    /// once SQLite's connection closed and while the store is still held: no other process of the app opens them meanwhile.
    /// </summary>
    /// <returns>The new names of the files moved.</returns>
    public static IReadOnlyList<string> SetAside(IReadOnlyList<string> files, DateTimeOffset now)
    {
        var moved = new List<string>();
        foreach (var file in files)
        {
            var aside = string.Create(CultureInfo.InvariantCulture, $"{file}.orphaned-{now.UtcDateTime:yyyyMMdd'T'HHmmss'Z'}");
            try
            {
                File.Move(file, aside);
                moved.Add(aside);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left as it is: the next start names it and what to do.
            }
        }

        return moved;
    }

    /// <summary>
    /// Finds the write-ahead log the store's write connection holds open (Linux), for <see cref="Lost"/>: called once the
    /// connection has written it, before any other connection opens. Not found: the log is not followed.
    /// </summary>
    public void FollowLog(string databasePath)
    {
        if (_databaseDescriptor is null)
        {
            return;
        }

        var log = databasePath + "-wal";
        try
        {
            foreach (var descriptor in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
            {
                try
                {
                    if (string.Equals(new FileInfo(descriptor).LinkTarget, log, StringComparison.Ordinal))
                    {
                        _log = (descriptor, log);
                        return;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // A descriptor closed meanwhile.
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: the log is not followed.
        }
    }

    // Linux: the database file itself is held too, by a lock of one byte far past SQLite's (RangeFileLock). The lock
    // file alone was disarmed by deleting it (a cleanup of stale-looking lock files, an operator), and a second name for
    // the file that no path shows (a single-file bind mount, docker's -v /host/executions.db:/data/executions.db) took
    // a lock file of its own: both let a second process run the first one's work at the same time (review 24d F1).
    // Where the lock cannot be taken (an older kernel, a file system without it), the lock file holds alone, as before.
    private static FileStream? LockDatabase(string databasePath)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        FileStream database;
        try
        {
            // Shared and for writing, so that .NET takes no flock of its own (ExclusiveFileLock's note).
            database = new FileStream(databasePath, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;   // SQLite's open says what is wrong with the file
        }

        var (result, _) = RangeFileLock.TryTake(database.SafeFileHandle);
        if (result == FileLockResult.HeldElsewhere)
        {
            // This name's own lock was free: its lock file deleted under a process that holds the file by this name (whose
            // owner file is here), or another name of the same file (review 44b F3: the line said "unknown").
            database.Dispose();
            throw InUse(databasePath, null, "through another name of this very file (a hard link, or a bind mount of its folder), beside which its "
                + ".owner file names it");
        }

        if (result == FileLockResult.Taken)
        {
            return database;
        }

        database.Dispose();
        return null;
    }

    // The database file, empty (an empty SQLite database), owner only, when it is not there: SQLite gives its log and
    // shared-memory files the database file's mode. Made at the file a link leads to, as the lock is. A file that is
    // there keeps the mode it has.
    private static void CreateOwnerOnly(string databasePath)
    {
        if (Path.Exists(databasePath))
        {
            return;   // the usual start, told without the exception below (issue 15: a start-up's first exception costs 15-20 ms)
        }

        try
        {
            using var created = new FileStream(databasePath, OwnerOnly(FileMode.CreateNew, FileAccess.Write));
        }
        catch (IOException) when (Path.Exists(databasePath) || new FileInfo(databasePath).LinkTarget is not null)
        {
            // There already, or a link whose end could not be told (O_EXCL does not follow it): SQLite opens or refuses it.
        }
    }

    // Owner only (0600) on Unix, whatever the umask allows more; Windows files take their folder's access rules.
    private static FileStreamOptions OwnerOnly(FileMode mode, FileAccess access, FileShare share = FileShare.Read)
    {
        var options = new FileStreamOptions { Mode = mode, Access = access, Share = share };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return options;
    }

    private static void WriteOwnerOnly(string path, string text)
    {
        using var file = new FileStream(path, OwnerOnly(FileMode.Create, FileAccess.Write));
        using var writer = new StreamWriter(file);
        writer.Write(text);
    }

    // Without sharing: Windows always holds the file so; .NET on Unix takes an flock(LOCK_EX) for it where it chooses.
    private static FileStream Open(string databasePath)
    {
        try
        {
            return new FileStream(databasePath + ".lock", OwnerOnly(FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (File.Exists(databasePath + ".lock") && HeldElsewhere(databasePath + ".lock"))
        {
            throw InUse(databasePath, e);
        }
    }

    // Whether the lock file that could not be opened for writing is held by a process: any other failure (a file system
    // mounted read-only, say) was reported as "in use by another process", naming one long gone (review 25b F6), and is
    // left to the caller's message, with the system's reason.
    private static bool HeldElsewhere(string lockPath)
    {
        try
        {
            using var probe = new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return OperatingSystem.IsWindows() || ExclusiveFileLock.TryTake(probe.SafeFileHandle).Result == FileLockResult.HeldElsewhere;
        }
        catch (IOException)
        {
            return true;   // .NET's own lock of the file refused even reading it: held
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    // Unix: the flock(LOCK_EX) taken by a call of its own, which .NET cannot skip (the same lock again where .NET took
    // it). Where it cannot be taken at all (a file system without locks), the process does not start: it could not tell.
    private static void Lock(FileStream held, string databasePath)
    {
        var (result, error) = ExclusiveFileLock.TryTake(held.SafeFileHandle);
        if (result == FileLockResult.Taken)
        {
            return;
        }

        held.Dispose();
        throw result == FileLockResult.HeldElsewhere
            ? InUse(databasePath, null)
            : new ExecutionStoreUnavailableException(
                $"The execution store '{databasePath}' cannot be locked for this process: flock on '{databasePath}.lock' failed with "
                + $"{ExclusiveFileLock.Describe(error)}. Without the lock two processes could run the same work twice: put "
                + "ApiRoutes:Store:Path on a file system that supports locks (a local disk, not a network share without them).");
    }

    // Named by the owner file beside this name; else "unknown", or, when the file itself is held, how it can be held.
    private static ExecutionStoreUnavailableException InUse(string databasePath, Exception? inner, string? unnamed = null) => new(
        $"The execution store '{databasePath}' is in use by another process ({Holder(databasePath) ?? unnamed ?? "unknown"}). Two processes on one "
        + "store would run the same work twice: stop the other one, or give this one its own ApiRoutes:Store:Path.",
        inner);

    private static string? Holder(string databasePath)
    {
        try
        {
            var owner = File.ReadAllText(databasePath + ".owner").Trim();
            return owner.Length is > 0 and <= 500 ? owner : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
