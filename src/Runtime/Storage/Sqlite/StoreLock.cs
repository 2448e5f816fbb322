using System.Globalization;

namespace ApiRoutes.Storage;

/// <summary>
/// Holds a SQLite store for one process. Two processes on one file (say <c>dotnet run</c> and a published copy, or two
/// copies of one app) would both recover, and run, the same unfinished work; so the file is held with an exclusive
/// lock (<c>executions.db.lock</c>, an advisory lock the operating system releases when the process dies), and a
/// second process stops at start-up naming the first (recorded in <c>executions.db.owner</c>).
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private readonly FileStream _lock;

    private StoreLock(FileStream @lock) => _lock = @lock;

    /// <exception cref="ExecutionStoreUnavailableException">Another process holds the store.</exception>
    /// <exception cref="IOException">The lock file cannot be created.</exception>
    /// <exception cref="UnauthorizedAccessException">The lock file cannot be created.</exception>
    public static StoreLock Acquire(string databasePath)
    {
        FileStream held;
        try
        {
            held = new FileStream(databasePath + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (File.Exists(databasePath + ".lock"))
        {
            throw new ExecutionStoreUnavailableException(
                $"The execution store '{databasePath}' is in use by another process ({Holder(databasePath)}). Two processes on one "
                + "store would run the same work twice: stop the other one, or give this one its own ApiRoutes:Store:Path.",
                e);
        }

        File.WriteAllText(databasePath + ".owner", string.Create(CultureInfo.InvariantCulture,
            $"process {Environment.ProcessId} on {Environment.MachineName}, '{Environment.CommandLine}', since {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm:ss}Z"));
        return new StoreLock(held);
    }

    public void Dispose() => _lock.Dispose();

    private static string Holder(string databasePath)
    {
        try
        {
            var owner = File.ReadAllText(databasePath + ".owner").Trim();
            return owner.Length is > 0 and <= 500 ? owner : "unknown";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
