using ApiRoutes.Storage;
using Microsoft.Data.Sqlite;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The SQLite store's two ways to its schema: a new file gets the current version at once (one transaction), a file of an
/// earlier version each step it lacks. Both must end in the same tables, columns (in order), indexes and version.
/// </summary>
public sealed class SqliteSchemaTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-schema-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_new_file_gets_the_schema_a_file_of_version_0_is_upgraded_to()
    {
        var created = Path.Combine(_folder, "new.db");
        var upgraded = Path.Combine(_folder, "old.db");
        using (var connection = new SqliteConnection($"Data Source={upgraded};Pooling=False"))
        {
            // As the first release wrote it: no user_version, the three tables of then.
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE executions (id TEXT PRIMARY KEY, route TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL, attempt INTEGER NOT NULL,
                    accepted_at TEXT NOT NULL, started_at TEXT, finished_at TEXT, occurrence TEXT, error TEXT, request TEXT, body BLOB);
                CREATE INDEX executions_accepted ON executions (accepted_at);
                CREATE TABLE schedules (route TEXT PRIMARY KEY, last_occurrence TEXT NOT NULL);
                CREATE TABLE schedule_runs (route TEXT NOT NULL, occurrence TEXT NOT NULL, execution_id TEXT NOT NULL, claimed_at TEXT NOT NULL, PRIMARY KEY (route, occurrence));
                """;
            command.ExecuteNonQuery();
        }

        var expected = Describe(upgraded);
        var actual = Describe(created);

        Assert.Contains("version 10", expected);
        Assert.Contains("|skipped INTEGER 1 0 0", expected, StringComparison.Ordinal);
        Assert.Contains("executions: id TEXT 0 none 1|route TEXT 1 none 0", expected, StringComparison.Ordinal);
        Assert.Contains("|earlier_attempts TEXT 0 none 0", expected, StringComparison.Ordinal);
        Assert.Contains("index executions_idempotency on executions: CREATE UNIQUE INDEX", expected, StringComparison.Ordinal);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void A_new_file_opened_again_is_not_changed_by_the_second_open()
    {
        var path = Path.Combine(_folder, "again.db");
        var first = Describe(path);

        Assert.Equal(first, Describe(path));
    }

    // Review 47D F1: a file of no version and no executions table that has a table of the current schema already (a file
    // restored in part, or made by another tool): the upgrade's way keeps a column that is there (HasColumn), the new file's
    // way added it again and the open failed with SQLite's "duplicate column name" and advice to pick another path.
    [Fact]
    public void A_file_of_no_version_whose_schedule_runs_has_the_skipped_column_opens_as_the_upgrade_would_open_it()
    {
        var path = Path.Combine(_folder, "partial.db");
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TABLE schedule_runs (route TEXT NOT NULL, occurrence TEXT NOT NULL, execution_id TEXT NOT NULL, claimed_at TEXT NOT NULL,
                    skipped INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (route, occurrence));
                """;
            command.ExecuteNonQuery();
        }

        Assert.Contains("version 10", Describe(path));
    }

    // The schema as the store's open leaves it: version, each table's columns in order (name, type, not null, default,
    // primary key), each index with its table and text.
    private static string Describe(string path)
    {
        var (connection, held) = SqliteSchema.Open(path);
        using (held)
        using (connection)
        {
            var lines = new List<string> { $"version {Scalar(connection, "PRAGMA user_version")}" };
            foreach (var table in Column(connection, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
            {
                lines.Add($"{table}: " + string.Join("|", Column(connection,
                    $"SELECT name || ' ' || type || ' ' || \"notnull\" || ' ' || coalesce(dflt_value, 'none') || ' ' || pk FROM pragma_table_info('{table}') ORDER BY cid")));
            }

            lines.AddRange(Column(connection, "SELECT 'index ' || name || ' on ' || tbl_name || ': ' || coalesce(sql, 'automatic') FROM sqlite_master WHERE type = 'index' ORDER BY name"));
            return string.Join("\n", lines);
        }
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static List<string> Column(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }
}
