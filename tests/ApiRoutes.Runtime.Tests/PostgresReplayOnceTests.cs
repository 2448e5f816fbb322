using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using ApiRoutes.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// Each failure is replayed once, across the replicas too. A replay looked for an earlier replay of the execution in the
/// store, then wrote its own: two replicas asked at one moment (a double click behind a load balancer, two operators)
/// both looked before either had written, and the failed work ran twice. A replay of a background execution is now
/// written under a key of the execution it replays, which the store's unique index holds once.
/// </summary>
public sealed class PostgresReplayOnceTests : IAsyncLifetime
{
    private string _database = null!;

    public async Task InitializeAsync() => _database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_failed_execution_replayed_on_two_replicas_at_one_moment_is_replayed_once()
    {
        var manifest = Create(BackgroundRoute("/api/hello", typeof(Hello)));
        await using var first = await StartAsync(manifest);
        await using var second = await StartAsync(manifest);
        var failed = await FailedAsync(first, "/api/hello", "the failed request");

        // The test's transaction lets the replicas read the table and write none of it: each replay has looked and waits
        // to write, before either is written.
        Task<HttpResponseMessage> one, other;
        await using (var holder = new NpgsqlConnection(_database))
        {
            await holder.OpenAsync();
            await using var transaction = await holder.BeginTransactionAsync();
            await using (var share = new NpgsqlCommand("LOCK TABLE apiroutes_executions IN SHARE MODE", holder, transaction))
            {
                await share.ExecuteNonQueryAsync();
            }

            one = ReplayAsync(first, failed);
            await InsertsWaitingAsync(1);
            other = ReplayAsync(second, failed);
            await InsertsWaitingAsync(2);
            await transaction.CommitAsync();
        }

        var answers = await Task.WhenAll(one, other).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Conflict], answers.Select(answer => answer.StatusCode).Order());
        var accepted = (await answers.Single(answer => answer.StatusCode == HttpStatusCode.Accepted).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("executionId").GetString()!;
        var refusal = (await answers.Single(answer => answer.StatusCode == HttpStatusCode.Conflict).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString();
        Assert.StartsWith($"Execution {failed} was replayed already, as {accepted} (", refusal, StringComparison.Ordinal);
        Assert.Equal(1L, await Count($"replay_of = '{failed}'"));
        await Poll.UntilAsync(async () => await Count($"id = '{accepted}' AND status = 'Succeeded'") == 1);
        Assert.Equal(1, first.Probe.Count(nameof(Hello)) + second.Probe.Count(nameof(Hello)));
    }

    // A failed execution with its request, as a replica's attempt left it.
    private static async Task<string> FailedAsync(TestServer app, string route, string body)
    {
        var record = new ExecutionRecord
        {
            Id = Guid.CreateVersion7(app.FakeTime.GetUtcNow()).ToString("N"), Route = route, Kind = "background", Status = ExecutionStatus.Failed,
            AcceptedAt = app.FakeTime.GetUtcNow(), StartedAt = app.FakeTime.GetUtcNow(), FinishedAt = app.FakeTime.GetUtcNow(), Attempt = 1, Error = "boom",
        };
        await app.Services.GetRequiredService<IExecutionStore>().AddAsync(record, RequestSnapshot.Synthetic(route, System.Text.Encoding.UTF8.GetBytes(body)), default);
        return record.Id;
    }

    private static Task<HttpResponseMessage> ReplayAsync(TestServer app, string id)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/_apiroutes/api/executions/{id}/replay");
        request.Headers.Add("X-ApiRoutes-Dashboard", "1");
        return app.Client.SendAsync(request);
    }

    // Until that many inserts into the executions wait for the test's lock (at most 10 s): a take-over's claim waiting on
    // it as well is not counted.
    private Task InsertsWaitingAsync(int count) => PostgresServer.WaitingForLocksAsync(_database, count, "INSERT INTO apiroutes_executions");

    private Task<TestServer> StartAsync(ApiRoutes.Manifest.RouteManifest manifest) =>
        TestServer.StartAsync(manifest, "Development", services: services => services.AddApiRoutesPostgreSql(_database));

    private Task<long> Count(string condition) => PostgresServer.ScalarAsync<long>(_database, $"SELECT count(*) FROM apiroutes_executions WHERE {condition}");
}
