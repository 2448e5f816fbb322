using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace ApiRoutes.Testing;

/// <summary>
/// A real PostgreSQL server on 127.0.0.1: the one named by <c>APIROUTES_TEST_POSTGRES</c> (a connection string; .ci/run
/// starts one), else one this fixture starts from Debian's <c>postgresql</c> package with <c>eng/postgres.sh</c> in a
/// temp folder, and stops when the test process exits. Each test gets a database of its own.
/// </summary>
public sealed class PostgresServer
{
    public const string EnvironmentVariable = "APIROUTES_TEST_POSTGRES";

    private static readonly Lazy<Task<PostgresServer>> Instance = new(StartAsync);

    private readonly string? _dataFolder;

    private PostgresServer(string connectionString, string? dataFolder)
    {
        ConnectionString = connectionString;
        _dataFolder = dataFolder;
    }

    /// <summary>The server's maintenance database, as the superuser.</summary>
    public string ConnectionString { get; }

    public int Port => new NpgsqlConnectionStringBuilder(ConnectionString).Port;

    /// <summary>The one server of this test process, started on first use.</summary>
    public static Task<PostgresServer> SharedAsync() => Instance.Value;

    private static async Task<PostgresServer> StartAsync()
    {
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } given)
        {
            return new PostgresServer(given, null);
        }

        var folder = Path.Combine(Path.GetTempPath(), "apiroutes-pg-" + Guid.NewGuid().ToString("N")[..8]);
        var output = await ScriptAsync("start", folder, FreePort().ToString(CultureInfo.InvariantCulture));
        var server = new PostgresServer(output.Trim(), folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }

    /// <summary>Creates an empty database (UTF8 unless <paramref name="encoding"/> says otherwise) and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? encoding = null)
    {
        var name = "apiroutes_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            var encoded = encoding is null ? "" : $" ENCODING '{encoding}' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0";
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}{encoded}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name, Pooling = false }.ConnectionString;
    }

    /// <summary>
    /// Completes once <paramref name="count"/> statements of the database wait for a lock — only those whose text starts
    /// with <paramref name="statement"/>, when given (a take-over's claim waiting on the same lock is not counted) — and
    /// fails after 10 s.
    /// </summary>
    public static async Task WaitingForLocksAsync(string connectionString, int count, string? statement = null)
    {
        var sql = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            + (statement is null ? "" : $" AND starts_with(query, '{statement.Replace("'", "''", StringComparison.Ordinal)}')");
        for (var deadline = DateTime.UtcNow.AddSeconds(10); DateTime.UtcNow < deadline; await Task.Delay(20))
        {
            if (await ScalarAsync<long>(connectionString, sql) >= count)
            {
                return;
            }
        }

        throw new TimeoutException($"{count} statement(s){(statement is null ? "" : $" '{statement}…'")} did not come to wait for a lock within 10 s");
    }

    /// <summary>Runs one query on a database and returns the first column of the first row.</summary>
    public static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private void Stop()
    {
        ScriptAsync("stop", _dataFolder!).GetAwaiter().GetResult();
    }

    /// <summary>
    /// A port on 127.0.0.1 that nothing listens on now, for a server started later or a port that must stay closed. Below
    /// the kernel's ephemeral range (32768-60999 by default), as .ci/run picks PostgreSQL's: a port of that range, once
    /// released, can become the local end of any client's connection meanwhile (helper 37a's suspect: a proxy's listener
    /// re-opened, a "closed" port that answers, a server that cannot bind). Another test may still pick it: the ports
    /// are random, 12,000 of them.
    /// </summary>
    public static int FreePort()
    {
        var low = EphemeralLow();
        for (var attempt = 0; attempt < 100 && low > 21000; attempt++)
        {
            var candidate = Random.Shared.Next(20000, low);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, candidate));
                return candidate;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    // The first port of the kernel's ephemeral range (Linux); 32768, its default, where it cannot be read.
    private static int EphemeralLow()
    {
        try
        {
            return int.TryParse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], out var low) ? low : 32768;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or IndexOutOfRangeException)
        {
            return 32768;
        }
    }

    private static async Task<string> ScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(Repository.Root, "eng", "postgres.sh");
        using var process = Process.Start(new ProcessStartInfo(script, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"eng/postgres.sh {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error}");
        }

        return await output;
    }
}
