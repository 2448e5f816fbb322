using Microsoft.Data.Sqlite;

namespace ApiRoutes.Storage;

/// <summary>
/// A store file SQLite itself finds damaged: "database disk image is malformed" (SQLITE_CORRUPT) or "file is not a
/// database" (SQLITE_NOTADB). No retry mends it, and the work recorded in the damaged pages can be neither taken up nor
/// recorded as failed, so the app says so once and stops (<see cref="StoreDamage"/>) rather than listen on over it.
/// </summary>
internal static class SqliteDamage
{
    private const int Corrupt = 11;
    private const int NotADatabase = 26;

    /// <summary>Whether SQLite failed because the file is damaged (its primary result code, extended codes included).</summary>
    public static bool Is(Exception e) => e is SqliteException { SqliteErrorCode: var code } && (code & 0xFF) is Corrupt or NotADatabase;

    /// <summary>How to mend a store file this version cannot use, said by each refusal of one that names no other way.</summary>
    public const string Mend = "Stop every process that uses it, then restore the file from a backup, or move it aside with its '-wal' and '-shm' "
        + "files: the app then starts with an empty store, and the work recorded in this file is not run.";

    /// <summary>What is wrong and how to mend it, in one message.</summary>
    public static string Describe(string path, SqliteException e) =>
        $"The execution store '{path}' is damaged: {e.Message} Stop every process that uses it, then restore the file from a "
        + "backup, or move it aside with its '-wal' and '-shm' files: the app then starts with an empty store, and the work "
        + "recorded in the damaged file is not run (sqlite3's '.recover' command copies what can still be read into a new file).";
}
