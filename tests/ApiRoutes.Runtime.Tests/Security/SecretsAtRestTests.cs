using System.Globalization;
using System.Net;
using System.Text;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Scheduling;
using Microsoft.Data.Sqlite;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Security;

/// <summary>
/// Credentials never reach the store, and a signed trigger is run once even when it is replayed after a restart:
/// both checked against the SQLite file the runtime really writes.
/// </summary>
public sealed class SecretsAtRestTests : IDisposable
{
    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";
    private const string Credential = "c2VjcmV0LWNyZWRlbnRpYWwtdGhhdC1tdXN0LW5vdC1iZS1zdG9yZWQ";

    private readonly string _database = Path.Combine(Directory.CreateTempSubdirectory("apiroutes-secrets-").FullName, "executions.db");

    [Fact]
    public async Task Credentials_in_a_background_request_are_neither_stored_nor_handed_to_the_handler()
    {
        await using (var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
            options: o =>
            {
                Sqlite(o);
                o.Background.RetryDelays = [];
                o.Background.SecretHeaders = ["X-Api-Key"];
            }))
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/flaky") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Credential);
            request.Headers.TryAddWithoutValidation("Cookie", "session=" + Credential);
            request.Headers.TryAddWithoutValidation("Proxy-Authorization", "Basic " + Credential);
            request.Headers.TryAddWithoutValidation("x-api-key", Credential);
            request.Headers.TryAddWithoutValidation("X-Tenant", "acme");
            Assert.Equal(HttpStatusCode.Accepted, (await server.Client.SendAsync(request)).StatusCode);

            var run = await server.Probe.NextAsync();
            Assert.Equal("acme", run.Headers["X-Tenant"]);
            Assert.Equal([false, false, false, false], new[] { "Authorization", "Cookie", "Proxy-Authorization", "X-Api-Key" }.Select(run.Headers.ContainsKey));
            await server.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Failed);
        }

        SqliteConnection.ClearAllPools();
        var files = Directory.GetFiles(Path.GetDirectoryName(_database)!);
        Assert.Contains(files, file => File.ReadAllText(file, Encoding.Latin1).Contains("acme", StringComparison.Ordinal));
        Assert.All(files, file => Assert.DoesNotContain(Credential, File.ReadAllText(file, Encoding.Latin1), StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_header_named_secret_after_its_request_was_stored_is_not_handed_to_the_handler_when_it_runs_after_a_restart()
    {
        // The review's case: stored before the operator added X-Api-Key to SecretHeaders, then recovered at start-up.
        await using (var store = ApiRoutes.Storage.SqliteExecutionStore.Open(_database))
        {
            var request = new ApiRoutes.Execution.RequestSnapshot
            {
                Method = "POST", Scheme = "http", PathBase = Microsoft.AspNetCore.Http.PathString.Empty, Path = new Microsoft.AspNetCore.Http.PathString("/api/flaky"),
                QueryString = Microsoft.AspNetCore.Http.QueryString.Empty, Headers = [new("X-Api-Key", Credential), new("X-Tenant", "acme")], RouteValues = [],
                Body = "{}"u8.ToArray(),
            };
            await store.AddAsync(new ExecutionRecord { Id = "stored-before", Route = "/api/flaky", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UtcNow }, request, default);
        }

        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flaky", typeof(Flaky))),
            options: o =>
            {
                Sqlite(o);
                o.Background.RetryDelays = [];
                o.Background.SecretHeaders = ["X-Api-Key"];
            });

        var run = await server.Probe.NextAsync();
        Assert.Equal("acme", run.Headers["X-Tenant"]);
        Assert.False(run.Headers.ContainsKey("X-Api-Key"));
        await server.WaitForExecutionAsync(r => r.Id == "stored-before" && r.Status == ExecutionStatus.Failed);
    }

    [Fact]
    public async Task A_signed_trigger_replayed_after_a_restart_is_refused()
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"));
        HttpRequestMessage Trigger(string timestamp) => TriggerSignature.CreateRequest(Secret, "/api/tick", "2026-01-01T00:00:00Z", timestamp);

        var signedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero);
        var timestamp = signedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        await using (var first = await TestServer.StartAsync(manifest, options: TriggerOptions, now: signedAt))
        {
            Assert.Equal(HttpStatusCode.Accepted, (await first.Client.SendAsync(Trigger(timestamp))).StatusCode);
            await first.WaitForExecutionAsync(r => r.Status == ExecutionStatus.Succeeded);
        }

        // Two minutes later, within the five minutes of tolerance: the same request, and the occurrence re-signed.
        await using var second = await TestServer.StartAsync(manifest, options: TriggerOptions, now: signedAt.AddMinutes(2));
        var replay = await second.Client.SendAsync(Trigger(timestamp));
        var reSigned = await second.Client.SendAsync(Trigger(signedAt.AddMinutes(2).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)));

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (replay.StatusCode, reSigned.StatusCode));
        Assert.Equal(0, second.Probe.Count(nameof(Tick)));

        void TriggerOptions(ApiRoutesOptions options)
        {
            Sqlite(options);
            options.Scheduling.Enabled = false;
            options.Scheduling.ExternalTriggerSecret = Secret;
        }
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(Path.GetDirectoryName(_database)!, recursive: true);
    }

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = _database;
    }
}
