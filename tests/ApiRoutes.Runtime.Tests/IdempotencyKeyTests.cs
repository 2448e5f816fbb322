using System.Net;
using System.Text;
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
/// A client that never saw its 202 (a timeout, a dropped connection, a 503 for a row that landed after all) sends the
/// request again: with the same <c>Idempotency-Key</c> it is answered with the first execution, and the work runs once.
/// Before, every such retry was a second execution.
/// </summary>
public sealed class IdempotencyKeyTests : IDisposable
{
    private const string IdHeader = "X-ApiRoutes-Execution-Id";

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-idempotency-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task A_request_sent_again_with_its_key_is_answered_with_the_first_execution_and_runs_once()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))), options: o =>
        {
            o.Background.StatusUrls = true;
            o.Background.StatusUrlKey = "a status url key of thirty-two bytes or more";
        });

        var first = await PostAsync(server.Client, "/api/hello?to=ada", "order-4711", """{"amount":12}""");
        await server.Probe.NextAsync();
        var again = await PostAsync(server.Client, "/api/hello?to=ada", "order-4711", """{"amount":12}""");
        var quoted = await PostAsync(server.Client, "/api/hello?to=ada", "\"order-4711\"", """{"amount":12}""");   // the draft's form of the same key
        var otherKey = await PostAsync(server.Client, "/api/hello?to=ada", "order-4712", """{"amount":12}""");
        var noKey = await PostAsync(server.Client, "/api/hello?to=ada", null, """{"amount":12}""");
        await server.Probe.NextAsync();
        await server.Probe.NextAsync();

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted],
            new[] { first, again, quoted, otherKey, noKey }.Select(response => response.StatusCode));
        var id = Id(first);
        Assert.Equal((id, id), (Id(again), Id(quoted)));
        Assert.Equal(first.Headers.Location, again.Headers.Location);
        Assert.NotNull(again.Headers.Location);
        Assert.Equal(["true"], again.Headers.GetValues("Idempotent-Replayed"));
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(3, new[] { id, Id(otherKey), Id(noKey) }.Distinct().Count());
        await server.WaitForExecutionAsync(record => record.Id == Id(noKey) && record.Status == ExecutionStatus.Succeeded);
        Assert.Equal(3, server.Probe.Count(nameof(Hello)));
        Assert.Equal(3, server.Executions.Snapshot().Count);
        Assert.Contains(server.Logs, line => line.StartsWith(
            $"ApiRoutes[2043] Information: Background request to /api/hello answered with execution {id}, accepted before under the same Idempotency-Key; nothing new runs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_retry_meeting_a_full_queue_is_answered_with_its_execution_and_new_work_is_refused_503()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o =>
            {
                o.Background.MaxConcurrency = 1;
                o.Background.MaxQueueLength = 1;
            });
        var running = await PostAsync(server.Client, "/api/slow", "k-running", "{}");
        await server.Probe.NextAsync();
        var waiting = await PostAsync(server.Client, "/api/slow", "k-waiting", "{}");   // the queue is full now

        var retries = new[]
        {
            await PostAsync(server.Client, "/api/slow", "k-running", "{}"),
            await PostAsync(server.Client, "/api/slow", "k-waiting", "{}"),
            await PostAsync(server.Client, "/api/slow", "k-waiting", "{\"other\":1}"),   // the key with another request: still the client's mistake
            await PostAsync(server.Client, "/api/slow", "k-new", "{}"),                   // new work: no room
            await PostAsync(server.Client, "/api/slow", null, "{}"),
        };

        Assert.Equal([HttpStatusCode.Accepted, HttpStatusCode.Accepted], new[] { running, waiting }.Select(response => response.StatusCode));
        Assert.Equal(
            [HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.UnprocessableEntity, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable],
            retries.Select(response => response.StatusCode));
        Assert.Equal((Id(running), Id(waiting)), (Id(retries[0]), Id(retries[1])));
        Assert.Equal(["true"], retries[1].Headers.GetValues("Idempotent-Replayed"));
        server.Probe.Open("slow");
        await server.WaitForExecutionAsync(record => record.Id == Id(waiting) && record.Status == ExecutionStatus.Succeeded);
        Assert.Equal(2, server.Probe.Count(nameof(Slow)));
        Assert.Equal(2, server.Executions.Snapshot().Count);
    }

    [Theory]
    [InlineData("/api/hello?to=ada", """{"amount":13}""", "application/json")]   // another body
    [InlineData("/api/hello?to=bob", """{"amount":12}""", "application/json")]   // another query
    [InlineData("/api/hello?to=ada", """{"amount":12}""", "text/plain")]         // another content type
    public async Task The_same_key_with_a_different_request_is_refused_422_with_why_and_nothing_runs(string path, string body, string contentType)
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));
        var first = await PostAsync(server.Client, "/api/hello?to=ada", "k-1", """{"amount":12}""");
        await server.Probe.NextAsync();

        var reused = await PostAsync(server.Client, path, "k-1", body, contentType);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Equal("application/problem+json", reused.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await reused.Content.ReadAsStringAsync());
        Assert.Equal(422, problem.RootElement.GetProperty("status").GetInt32());
        Assert.StartsWith("The Idempotency-Key was sent before with a different request to /api/hello", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Id(first), await reused.Content.ReadAsStringAsync(), StringComparison.Ordinal);   // nothing of the other request
        Assert.False(reused.Headers.Contains(IdHeader));
        Assert.Single(server.Executions.Snapshot());
        Assert.Equal(1, server.Probe.Count(nameof(Hello)));
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2001] Warning: Background request to /api/hello rejected with 422", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_multipart_upload_sent_again_as_a_new_request_with_a_new_boundary_is_answered_with_the_first_execution()
    {
        // A retry built anew, as a client's retry policy does: .NET draws a new boundary for every MultipartFormDataContent.
        // Before, the fingerprint held the boundary, and every such retry was refused 422 as "a different request".
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));

        var first = await PostFormAsync(server.Client, "upload-1", "ada");
        await server.Probe.NextAsync();
        var again = await PostFormAsync(server.Client, "upload-1", "ada");
        var other = await PostFormAsync(server.Client, "upload-1", "bob");

        Assert.Equal(
            [HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.UnprocessableEntity],
            new[] { first, again, other }.Select(response => response.StatusCode));
        Assert.Equal(Id(first), Id(again));
        Assert.Equal(["true"], again.Headers.GetValues("Idempotent-Replayed"));
        Assert.Single(server.Executions.Snapshot());
        Assert.Equal(1, server.Probe.Count(nameof(Hello)));

        static async Task<HttpResponseMessage> PostFormAsync(HttpClient client, string key, string name)
        {
            using var form = new MultipartFormDataContent
            {
                { new StringContent(name), "name" },
                { new ByteArrayContent("a,b\n1,2\n"u8.ToArray()), "file", "report.csv" },
            };
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/hello") { Content = form };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }
    }

    [Theory]
    [InlineData("")]                     // a header with no key is not a request without one
    [InlineData("  ")]
    [InlineData("\"\"")]                 // empty
    [InlineData("\"unterminated")]
    [InlineData("\"a\" ;param")]         // more after the string
    [InlineData("\"a\\nb\"")]            // an escape that is not \" or \\
    [InlineData("two words")]            // a bare key has no spaces
    [InlineData("a, b")]                 // nor commas: two header lines joined into one
    [InlineData("a,b")]
    [InlineData("ключ")]                 // not ASCII
    [InlineData("256")]                  // too long (made below)
    public async Task A_malformed_key_is_refused_400_with_why_and_nothing_runs(string key)
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));
        key = key == "256" ? new string('k', 256) : key;

        using var utf8 = new HttpClient(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 }) { BaseAddress = server.Client.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/hello") { Content = new StringContent("{}") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var response = await utf8.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(
            "The Idempotency-Key header must be one key of 1 to 255 printable ASCII characters, without spaces or commas unless in double quotes (a random UUID is best).",
            problem.RootElement.GetProperty("detail").GetString());
        Assert.Empty(server.Executions.Snapshot());
    }

    [Fact]
    public async Task Two_key_lines_in_one_request_are_refused_400()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))));

        // HttpClient joins two values into one line: the request is written by hand.
        var response = await server.SendRawAsync("POST /api/hello HTTP/1.1\r\nHost: localhost\r\nIdempotency-Key: a\r\nIdempotency-Key: b\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        Assert.Contains("The request has 2 Idempotency-Key headers; send one key.", response, StringComparison.Ordinal);
        Assert.Empty(server.Executions.Snapshot());
    }

    [Fact]
    public async Task A_key_holds_across_a_restart_with_the_SQLite_store()
    {
        var manifest = Create(BackgroundRoute("/api/hello", typeof(Hello)));
        string id;
        await using (var first = await TestServer.StartAsync(manifest, options: Sqlite))
        {
            id = Id(await PostAsync(first.Client, "/api/hello", "restart-key", "{}"));
            await first.WaitForExecutionAsync(record => record.Id == id && record.Status == ExecutionStatus.Succeeded);
        }

        await using var second = await TestServer.StartAsync(manifest, options: Sqlite);
        var again = await PostAsync(second.Client, "/api/hello", "restart-key", "{}");

        Assert.Equal((HttpStatusCode.Accepted, id), (again.StatusCode, Id(again)));
        Assert.Equal(0, second.Probe.Count(nameof(Hello)));
        Assert.Equal(ExecutionStatus.Succeeded, (await second.Services.GetRequiredService<IExecutionStore>().FindAsync(id, default))!.Status);
    }

    [Fact]
    public async Task A_keyed_request_whose_commit_answer_was_lost_is_settled_202_and_a_retry_with_its_key_gets_the_same_execution()
    {
        var server = await PostgresServer.SharedAsync();
        var database = await server.CreateDatabaseAsync();
        await using var proxy = new TcpProxy(server.Port);
        var throughProxy = new NpgsqlConnectionStringBuilder(database) { Port = proxy.Port }.ConnectionString;
        await using var app = await TestServer.StartAsync(Create(BackgroundRoute("/api/hello", typeof(Hello))), services: s => s.AddApiRoutesPostgreSql(throughProxy));
        const string Body = "keyed-lost-answer-5c2e";
        proxy.DropReplyTo(Encoding.UTF8.GetBytes(Body));

        var first = await PostAsync(app.Client, "/api/hello", "lost-answer-key", Body);
        var retry = await PostAsync(app.Client, "/api/hello", "lost-answer-key", Body);

        Assert.True(proxy.DroppedReply, "The commit's answer was not dropped: the test did not test anything.");
        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        Assert.Equal(Id(first), Id(retry));
        Assert.Equal(Body, (await app.Probe.NextAsync()).Body);
        var store = app.Services.GetRequiredService<IExecutionStore>();
        await Poll.UntilAsync(async () => await store.FindAsync(Id(first), default) is { Status: ExecutionStatus.Succeeded, Attempt: 1 });
        Assert.Equal(1, app.Probe.Count(nameof(Hello)));
        Assert.Single(await store.GetRecentAsync(10, default));
    }

    private void Sqlite(ApiRoutesOptions options)
    {
        options.Store.Provider = StoreProvider.Sqlite;
        options.Store.Path = Path.Combine(_folder, "executions.db");
    }

    private static string Id(HttpResponseMessage response) => response.Headers.GetValues(IdHeader).Single();

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? key, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, contentType) };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }

        return await client.SendAsync(request);
    }
}
