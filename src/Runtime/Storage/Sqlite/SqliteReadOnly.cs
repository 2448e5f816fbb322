using ApiRoutes.Bundling;
using ApiRoutes.Text;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// A store file this process may not write. SQLite opens a file it cannot open for writing read-only, without a word
/// (its log and shared memory likewise), and a store whose tables are there needs no write to open: the app started,
/// listened, and refused every background request with 503 until a restart, its liveness healthy (review 33b F4: a
/// store made by an earlier run as root, then run as a service user; its '-wal' and '-shm' left root's; an immutable
/// file). At open SQLite is asked whether it holds the file read-only, and a write transaction is begun and rolled back,
/// which it refuses when the log or shared memory is; the refusal names the files this process cannot write, whose
/// they are, and what to do.
/// </summary>
internal static class SqliteReadOnly
{
    private const int ReadOnly = 8;   // SQLITE_READONLY, extended codes included

    /// <summary>Whether SQLite failed because it holds the store read-only.</summary>
    public static bool Is(Exception e) => e is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) == ReadOnly;

    /// <summary>
    /// Throws SQLite's own refusal (<see cref="Is"/>) when it holds the store read-only: the database file (which a write
    /// transaction in WAL mode does not tell: it is begun in the log), or its log or shared memory (which it does).
    /// </summary>
    public static void Probe(SqliteConnection connection)
    {
        if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
        {
            throw new SqliteException("SQLite Error 8: 'attempt to write a readonly database'.", ReadOnly);
        }

        using var command = connection.CreateCommand();
        command.CommandText = "BEGIN IMMEDIATE; ROLLBACK;";
        command.ExecuteNonQuery();
    }

    /// <summary>What cannot be written, by whom, and how to mend it, in one message.</summary>
    public static string Describe(string path, string file, SqliteException e)
    {
        var files = new[] { file, file + "-wal", file + "-shm" }.Where(static each => File.Exists(each) && !Writable(each)).ToList();
        var user = OperatingSystem.IsWindows() ? Environment.UserName : $"{Environment.UserName}, id {UnixFiles.CurrentUser}";
        var start = $"The execution store '{path}' cannot be written by this process (user {user}): ";
        var end = " SQLite would open it read-only, and every background request would be refused (503) until a restart.";
        if (files.Count == 0)
        {
            return start + e.Message + end + " Let this user write the store's files, or set ApiRoutes:Store:Path to a file it may write.";
        }

        var quoted = string.Join(' ', files.Select(ShellWords.Quote));
        if (OperatingSystem.IsWindows())
        {
            return $"{start}{string.Join(", ", files)} cannot be written.{end} Let this user write them, or set ApiRoutes:Store:Path to a file it may write.";
        }

        return OnUnix(start, end, files, quoted);
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static string OnUnix(string start, string end, List<string> files, string quoted)
    {
        // Owned by someone else (an earlier run as root, sudo): chmod would open the store to others, and not help this
        // user where the owner's bits alone grant writing; the files must become this user's.
        var statuses = files.Select(static each => (File: each, Status: Status(each))).ToList();
        var user = UnixFiles.CurrentUser;
        if (statuses.Exists(each => each.Status is { } status && status.Owner != user))
        {
            var whose = string.Join(", ", statuses.Select(static each => $"'{each.File}' is {(each.Status is { } status ? $"user {status.Owner}'s ({UnixFiles.Octal(status.Mode)})" : "not this user's")}"));
            return $"{start}{whose}.{end} Make them this user's (chown {user} {quoted}), or set ApiRoutes:Store:Path to a file it may write.";
        }

        // The user's own and still refused: without its write bit, or marked immutable (which root cannot write either).
        return $"{start}{string.Join(", ", files.Select(static each => $"'{each}'"))} cannot be written (no write permission, or marked immutable).{end} "
            + $"Let this user write them (chmod u+w {quoted}; chattr -i {quoted} where lsattr shows 'i'), or set ApiRoutes:Store:Path to a file it may write.";
    }

    // Opened for writing without changing it: what the kernel says, whoever the user (root too, for an immutable file).
    private static bool Writable(string file)
    {
        try
        {
            // Shared, so that .NET takes no flock of its own (StoreLock's note).
            using var probe = new FileStream(file, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return e is not UnauthorizedAccessException;   // gone meanwhile, or refused for another reason: not the one to name
        }
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static (uint Owner, UnixFileMode Mode)? Status(string file)
    {
        try
        {
            return UnixFiles.Status(file) is ({ } owner, _, var mode) ? (owner, mode) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }
}
