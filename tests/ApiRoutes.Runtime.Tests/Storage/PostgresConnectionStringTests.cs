using ApiRoutes.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// A connection string that cannot be used stops start-up with one line naming where it was set and how to write it,
/// never with a stack trace, and never repeating a part of it (review 25b F17, F19). No server is needed: each is refused
/// before a connection is tried.
/// </summary>
public sealed class PostgresConnectionStringTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    [Fact]
    public void A_password_holding_a_semicolon_is_never_repeated_in_the_message()
    {
        var error = Assert.Throws<ExecutionStoreUnavailableException>(() =>
            PostgresDatabase.Open("Host=127.0.0.1;Port=5432;Database=shop;Username=app;Password=Xy7;Qp9zKSECRET=w4", Lease));

        // The whole exception too, as an app's own Program.cs or a logger prints it (review 46e F1: its inner exception said
        // "Couldn't set qp9zksecret").
        Assert.DoesNotContain("qp9z", error.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Xy7", error.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: its part 6 (counted by ';') is no setting of PostgreSQL", error.Message, StringComparison.Ordinal);
        Assert.Contains("quote a value that holds ';' or '=' (Password='…')", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "ApiRoutes:Store:ConnectionString is empty.")]
    [InlineData("Database=shop;Username=app;Password=s3cret", "ApiRoutes:Store:ConnectionString names no server: it has no Host.")]
    [InlineData("Host=db;Port=many;Password=s3cret", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: one of its values is not of the kind its keyword takes")]
    [InlineData("postgresql://app:s3cret@127.0.0.1:5432/shop?sslmode=disable", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: it is a URL (postgresql://…), which Npgsql does not read: write its parts as keywords.")]
    [InlineData("Host=db;Password='s3cret", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: it is not a list of 'Keyword=value'")]
    [InlineData("Host=app:s3cret@127.0.0.1;Port=5432;Database=shop", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: its Host holds '@', as a URL's 'user:password@host' does.")]
    [InlineData("Host=app@127.0.0.1;Password=s3cret", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: its Host holds '@'")]
    [InlineData("Host=db:s3cret;Username=app;Database=shop;Password=x", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: a host of its Host ends in ':' and what is not a port number (1 to 65535).")]
    [InlineData("Host=127.0.0.1,db:s3cret;Username=app;Database=shop", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: a host of its Host ends in ':' and what is not a port number")]
    [InlineData("Host=127.0.0.1:99999999999;Username=app;Password=s3cret", "ApiRoutes:Store:ConnectionString is not a valid PostgreSQL connection string: a host of its Host ends in ':' and what is not a port number")]
    public void A_connection_string_that_cannot_be_used_is_one_line_that_says_why(string connectionString, string expected)
    {
        var error = Assert.Throws<ExecutionStoreUnavailableException>(() => PostgresDatabase.Open(connectionString, Lease));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", error.ToString(), StringComparison.Ordinal);   // the whole exception (review 46e F1)
        Assert.DoesNotContain('\n', error.Message);
    }

    // An unset variable in compose gives an empty value; it hid the valid connection string under ConnectionStrings.
    [Fact]
    public void An_empty_store_connection_string_leaves_the_named_connection_string_in_force()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:ApiRoutes"] = "Database=shop;Username=app",
        }).Build();
        using var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton<TimeProvider>(new FakeTimeProvider())
            .AddLogging()
            .BuildServiceProvider();

        var error = Assert.Throws<ExecutionStoreUnavailableException>(() =>
            new PostgreSqlStoreProvider().Open(services, new StoreOptions { Provider = StoreProvider.PostgreSql, ConnectionString = "" }));

        Assert.StartsWith("ConnectionStrings:ApiRoutes names no server: it has no Host.", error.Message, StringComparison.Ordinal);
    }
}
