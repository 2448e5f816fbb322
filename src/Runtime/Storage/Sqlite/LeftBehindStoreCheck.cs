using ApiRoutes.Diagnostics;
using ApiRoutes.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Storage;

/// <summary>
/// With a store other than SQLite, a SQLite store file at the configured path (<c>ApiRoutes:Store:Path</c>) or at the
/// default one may hold work that was queued or running when the app was switched to it, which this store never runs
/// (review 25b F11: said only for a configured path, and not how much; a switch from the default file said nothing).
/// Once the <see cref="StartupWorkGate"/> opens, off the start-up path (SQLite's library is loaded only then), the file
/// is read, never written, and what it holds unfinished is counted: event 4012 when there is any.
/// </summary>
internal sealed class LeftBehindStoreCheck(IOptions<ApiRoutesOptions> options, IHostEnvironment environment, StartupWorkGate gate, ILoggerFactory loggerFactory)
    : IHostedService, IDisposable
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(Log.Category);
    private readonly CancellationTokenSource _stopping = new();
    private Task _check = Task.CompletedTask;

    /// <summary>Completes when the check is over (or was stopped).</summary>
    internal Task Checked => _check;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var store = options.Value.Store;
        if (store.Provider != StoreProvider.Sqlite && FileOf(store) is { } path && new FileInfo(path) is { Exists: true, Length: > 0 })
        {
            _check = Task.Run(() => CheckAsync(path, store.Provider), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _check.WaitAsync(cancellationToken);
    }

    public void Dispose() => _stopping.Cancel();

    /// <summary>How many executions the SQLite store file holds queued or running (read-only).</summary>
    /// <exception cref="SqliteException">It cannot be read as a store.</exception>
    internal static long CountUnfinished(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM executions WHERE status IN ('Queued', 'Running')";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task CheckAsync(string path, StoreProvider provider)
    {
        try
        {
            await gate.WaitAsync(_stopping.Token);
            string? what = null;
            try
            {
                if (CountUnfinished(path) is var count and > 0)
                {
                    what = $"holds {count} execution(s) queued or running";
                }
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
            {
                what = $"cannot be read to count the work it holds ({e.Message})";
            }

            if (what is not null)
            {
                _logger.StoreLeftBehind(path, what, provider.ToString());
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Stopped before the gate opened.
        }
    }

    private string? FileOf(StoreOptions store)
    {
        if (!string.IsNullOrWhiteSpace(store.Path))
        {
            return store.Path;
        }

        try
        {
            return DefaultStorePath.For(environment);
        }
        catch (ExecutionStoreUnavailableException)
        {
            return null;   // no home: no default file either
        }
    }
}
