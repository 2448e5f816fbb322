using System.Data.Common;
using Npgsql;

namespace ApiRoutes.Storage;

/// <summary>
/// One PostgreSQL database shared by the replicas of an app, as this replica sees it: the connection pool, where it
/// is (for messages; never the password), this replica's name, and one command at a time on a pooled connection with
/// "cannot be reached" turned into <see cref="ExecutionStoreUnavailableException"/> (a 503 for new work).
/// </summary>
internal sealed class PostgresDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private volatile bool _closed;

    private PostgresDatabase(NpgsqlDataSource dataSource, string description, string replica, long registeredAt)
    {
        _dataSource = dataSource;
        Description = description;
        Replica = replica;
        RegisteredAt = registeredAt;
    }

    /// <summary>Host, port and database.</summary>
    public string Description { get; }

    /// <summary>This process's name among the replicas: host, process id and a random part.</summary>
    public string Replica { get; }

    /// <summary>
    /// When this replica's registration was sent (a timestamp of the clock given to <see cref="Open"/>): after the connect
    /// and the schema's migration, which may take long at an upgrade, so the lease counts from a moment after this.
    /// </summary>
    public long RegisteredAt { get; }

    /// <summary>Connects, creates or migrates the schema, and registers this replica with a lease.</summary>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="lease">This replica's lease.</param>
    /// <param name="time">The clock of the registration's timestamp.</param>
    /// <param name="key">Where the connection string was set, for messages.</param>
    /// <exception cref="ExecutionStoreUnavailableException">The connection string is invalid, or the database cannot be reached or migrated.</exception>
    public static PostgresDatabase Open(string connectionString, TimeSpan lease, TimeProvider? time = null, string key = "ApiRoutes:Store:ConnectionString")
    {
        var builder = Parse(connectionString, key);
        // Fail in seconds, not the default 15, when the server is gone: requests wait on it before their 503.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Timeout"))
        {
            builder.Timeout = 5;
        }

        // And a command that gets no answer (a network partition drops packets without a reset) fails in seconds, not
        // Npgsql's 30 plus its cancellation: a background request waited 45-50 s for its 503 (review 32b F7). The few
        // commands that may take long on a big database (the schema's migration, retention's deletes) set their own.
        if (!given.ContainsKey("Command Timeout") && !given.ContainsKey("CommandTimeout"))
        {
            builder.CommandTimeout = DefaultCommandTimeout;
        }

        if (!given.ContainsKey("Application Name") && !given.ContainsKey("ApplicationName"))
        {
            builder.ApplicationName = "ApiRoutes";
        }

        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 16;
        }

        // No session state to reset when a connection goes back to the pool: the store sets none (no SET, LISTEN,
        // temporary table or session lock; its one lock is a transaction's). The reset cost seven statements and a
        // transaction on the server each time, more than the store's own write of a batch.
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        var description = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(builder);
        }
        catch (ArgumentException e)
        {
            // Npgsql's own check of the settings together (review 25b F17: it crashed start-up). Its message is not
            // repeated: it may quote a value.
            throw new ExecutionStoreUnavailableException(
                $"{key} is not a valid PostgreSQL connection string: the value of {e.ParamName ?? "one of its settings"} is not allowed with the others. {HowToWrite}");
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            // Nor kept as the inner exception (review 46e F1): an exception printed whole (an app's own Program.cs, a
            // logger given it) showed "The input string 's3cret' was not in a correct format".
            // Npgsql splits each host of Host at its last ':' here, and parses the rest as a port (review 38b F1:
            // 'Host=db:s3cret' crashed start-up with "The input string 's3cret' was not in a correct format").
            throw new ExecutionStoreUnavailableException(
                $"{key} is not a valid PostgreSQL connection string: a host of its Host ends in ':' and what is not a port number (1 to 65535). Give the port as 'Host=db:5432' or 'Port=5432'. {HowToWrite}");
        }

        try
        {
            using var connection = dataSource.OpenConnection();
            PostgresText.RequireUtf8(connection, description);
            PostgresSchema.Migrate(connection, description);
            var replica = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";
            var registering = (time ?? TimeProvider.System).GetTimestamp();   // the lease runs from a moment after this
            PostgresReplicaCoordination.Register(connection, replica, lease);
            return new PostgresDatabase(dataSource, description, replica, registering);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            dataSource.Dispose();
            throw new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {description} cannot be reached: {e.Message} Check ApiRoutes:Store:ConnectionString "
                + "(or ConnectionStrings:ApiRoutes) and that the server accepts connections.", e);
        }
        catch
        {
            dataSource.Dispose();
            throw;
        }
    }

    /// <summary>The command timeout, in seconds, unless the connection string sets one.</summary>
    public const int DefaultCommandTimeout = 10;

    /// <summary>The command timeout of the commands that may take long on a big database (migration, retention), in seconds.</summary>
    public const int LongCommandTimeout = 600;

    private const string HowToWrite = "Write it as 'Host=…;Port=5432;Database=…;Username=…;Password=…', and quote a value that holds ';' or '=' (Password='…').";

    // The connection string as Npgsql reads it. A message never repeats a part of it: a password holding ';' is split there,
    // and Npgsql's "Couldn't set qp9zksecret" printed its second half (review 25b F19).
    private static NpgsqlConnectionStringBuilder Parse(string connectionString, string key)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ExecutionStoreUnavailableException($"{key} is empty. {HowToWrite}");
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException)
        {
            throw new ExecutionStoreUnavailableException($"{key} is not a valid PostgreSQL connection string: {WhatIsWrong(connectionString)} {HowToWrite}");
        }

        if (string.IsNullOrWhiteSpace(builder.Host))
        {
            throw new ExecutionStoreUnavailableException($"{key} names no server: it has no Host. {HowToWrite}");
        }

        // A URL's 'user:password@host' pasted into Host (review 38b F1): no host name holds '@', and the store's
        // description of the server (in its messages and logs) is made of Host.
        if (builder.Host.Contains('@', StringComparison.Ordinal))
        {
            throw new ExecutionStoreUnavailableException(
                $"{key} is not a valid PostgreSQL connection string: its Host holds '@', as a URL's 'user:password@host' does. Give the user and password as 'Username=…;Password=…' and only the server's name in Host. {HowToWrite}");
        }

        return builder;
    }

    private static string WhatIsWrong(string connectionString)
    {
        // The URL form that platforms hand out (DATABASE_URL), which Npgsql does not read (review 26b F8).
        if (connectionString.TrimStart().StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || connectionString.TrimStart().StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase))
        {
            return "it is a URL (postgresql://…), which Npgsql does not read: write its parts as keywords.";
        }

        DbConnectionStringBuilder parts;
        try
        {
            parts = new DbConnectionStringBuilder { ConnectionString = connectionString };
        }
        catch (ArgumentException)
        {
            return "it is not a list of 'Keyword=value' separated by ';' (a quote that is not closed?).";
        }

        var known = new NpgsqlConnectionStringBuilder();
        var position = 0;
        foreach (string keyword in parts.Keys)
        {
            position++;
            if (!known.ContainsKey(keyword))
            {
                return $"its part {position} (counted by ';') is no setting of PostgreSQL; when a value such as the password holds ';', that part is the rest of it.";
            }
        }

        return "one of its values is not of the kind its keyword takes (a number for Port, say).";
    }

    /// <summary>Runs one command; a server that cannot be reached (or a closed store) is "unavailable".</summary>
    /// <param name="sql">The command, with positional parameters.</param>
    /// <param name="use">Adds the parameters and executes it.</param>
    /// <param name="verb">"read" or "written", for the message.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public async Task RunAsync(string sql, Func<NpgsqlCommand, Task> use, string verb, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(sql, connection);
            await use(command);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw Unavailable(e, verb);
        }
    }

    /// <summary>A pooled connection; once the store is closed, "unavailable" rather than a disposed pool's exception.</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) => _closed
        ? ValueTask.FromException<NpgsqlConnection>(new ExecutionStoreUnavailableException($"The PostgreSQL execution store {Description} is closed."))
        : _dataSource.OpenConnectionAsync(cancellationToken);

    public ExecutionStoreUnavailableException Unavailable(Exception e, string verb) =>
        new($"The PostgreSQL execution store {Description} cannot be {verb}: {e.Message}", e);

    public static DateTimeOffset ReadInstant(DbDataReader row, int column) => row.GetFieldValue<DateTimeOffset>(column);

    public ValueTask DisposeAsync()
    {
        _closed = true;
        return _dataSource.DisposeAsync();
    }
}
