using System.Runtime.ExceptionServices;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Storage;

/// <summary>
/// The SQLite store's file opened on a thread-pool thread while the main thread builds the app (the generated entry
/// point, <see cref="ApiRoutesApplication"/>), from the path configuration gives: its lock taken, its schema checked,
/// SQLite's native library loaded and its paths JIT-compiled on the way (what <see cref="SqliteWarmUp"/> does
/// otherwise). Without it the open started only once the app was built and the main thread waited for it before
/// listening (bench/load/README.md, "JIT start-up, fourth pass"). The store's registration takes the file only when the
/// options name the same provider and path (code may have changed them since); otherwise it is closed first and the
/// store opens as always. A file that cannot be opened fails with the same <see cref="ExecutionStoreUnavailableException"/>,
/// from the same place (<c>MapApiRoutes</c>), as without the preload; a failure nobody asks for is dropped.
/// </summary>
internal sealed class SqliteStorePreload : IDisposable
{
    private readonly Task<OpenedFile?> _open;
    private readonly Lock _gate = new();
    private ExceptionDispatchInfo? _error;
    private bool _released;
    private Task? _closed;   // completed when the file is closed, or at once when the store took it

    private SqliteStorePreload(string path)
    {
        Path = path;
        _open = Task.Run(OpenFile);
    }

    /// <summary>The file being opened.</summary>
    public string Path { get; }

    /// <summary>Completes when the open is over, opened or failed (it never faults: <see cref="TakeFor"/> throws the failure).</summary>
    public Task Opened => _open;

    /// <summary>
    /// Starts opening the file configuration names (<c>ApiRoutes:Store:Path</c>), or the default file when it exists
    /// already (a new one is left to the store's own open: code may still choose another store, and a preload must not
    /// leave a file behind); null when configuration names another provider, or there is no file to preload.
    /// </summary>
    public static SqliteStorePreload? Start(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!Configured(configuration))
        {
            return null;
        }

        var key = $"{ApiRoutesOptions.SectionName}:Store:{nameof(StoreOptions.Path)}";
        if (configuration[key] is { Length: > 0 } configured)
        {
            // A path the options' validation refuses is neither made nor opened here: that runs later, and stops the app
            // (review 33b F8). SQLite is warmed up instead.
            return ConfiguredStorePath.Refusal(key, configured) is null ? new SqliteStorePreload(configured) : null;
        }

        try
        {
            var path = DefaultStorePath.For(environment);
            return File.Exists(path) ? new SqliteStorePreload(path) : null;
        }
        catch (ExecutionStoreUnavailableException)
        {
            return null;   // the store's own open reports it
        }
    }

    /// <summary>
    /// Whether configuration leaves SQLite the store: it names no provider, or SQLite (code may still choose another).
    /// </summary>
    public static bool Configured(IConfiguration configuration) =>
        configuration[$"{ApiRoutesOptions.SectionName}:Store:{nameof(StoreOptions.Provider)}"] is not { Length: > 0 } provider
        || string.Equals(provider, nameof(StoreProvider.Sqlite), StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The store on the preloaded file when it is <paramref name="path"/> (once only); otherwise null, once the
    /// preloaded file is closed (so that the store may open any file, that one included).
    /// </summary>
    /// <exception cref="ExecutionStoreUnavailableException">The file cannot be opened.</exception>
    public SqliteExecutionStore? TakeFor(string path, TimeProvider time, ILogger? logger = null, Action<string>? damaged = null)
    {
        bool take;
        Task closed;
        lock (_gate)
        {
            take = !_released && string.Equals(path, Path, StringComparison.Ordinal);
            _released = true;
            closed = _closed ??= take ? Task.CompletedTask : CloseWhenOpened();
        }

        if (!take)
        {
            closed.GetAwaiter().GetResult();
            return null;
        }

        var opened = _open.GetAwaiter().GetResult();
        _error?.Throw();
        return SqliteExecutionStore.Open(Path, (opened!.Connection, opened.Held), time, logger, damaged);
    }

    /// <summary>Closes the preloaded file (once it is open) unless a store took it.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _released = true;
            _closed ??= CloseWhenOpened();
        }
    }

    private Task CloseWhenOpened() =>
        _open.ContinueWith(static opened => Close(opened.Result), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private static void Close(OpenedFile? opened)
    {
        opened?.Connection.Dispose();
        opened?.Held.Dispose();
    }

    // Every failure is kept for TakeFor to throw on the thread that opens the store; none is left unobserved.
    private OpenedFile? OpenFile()
    {
        try
        {
            var (connection, held) = SqliteSchema.Open(Path);
            return new OpenedFile(connection, held);
        }
#pragma warning disable CA1031 // rethrown, as it was, where the store is asked for
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error = ExceptionDispatchInfo.Capture(e);
            return null;
        }
    }

    // A class, not a tuple: the task's code over a reference type is the framework's shared precompiled code.
    private sealed record OpenedFile(SqliteConnection Connection, StoreLock Held);
}
