using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

public class BackgroundRouteTests
{
    private const string IdHeader = "X-ApiRoutes-Execution-Id";

    [Fact]
    public async Task The_202_arrives_before_a_slow_handler_finishes_and_the_handler_gets_a_copy_of_the_request()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/reports/{kind}", typeof(Slow))));

        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/reports/daily?format=pdf") { Content = new StringContent("""{"to":"ada"}""") };
        request.Headers.Add("X-Tenant", "acme");
        var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = Assert.Single(response.Headers.GetValues(IdHeader));
        var seen = await server.Probe.NextAsync();
        Assert.Equal(ExecutionStatus.Running, server.Executions.Find(id)!.Status);
        Assert.Equal(("PUT", "/api/reports/daily", "?format=pdf", """{"to":"ada"}"""), (seen.Method, seen.Path, seen.Query, seen.Body));
        Assert.Equal("acme", seen.Headers["X-Tenant"]);
        Assert.Equal("daily", seen.RouteValues["kind"]);

        server.Probe.Open("slow");
        var done = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        Assert.Equal(1, done.Attempt);
        Assert.Contains(server.Logs, line => line.StartsWith($"ApiRoutes[2000] Information: Background execution {id} of /api/reports/{{kind}} accepted", StringComparison.Ordinal));
    }

    [Fact]
    public async Task What_an_execution_logs_and_throws_is_kept_within_bounds_and_the_cuts_are_marked()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/flood", typeof(Flood))),
            environment: "Development",
            options: o => o.Background.RetryDelays = []);

        var id = (await server.Client.PostAsync("/api/flood?lines=50&size=1000000", null)).Headers.GetValues(IdHeader).Single();
        var failed = await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Failed);
        var lines = server.Executions.LogLinesOf(id);
        var detail = await server.Client.GetStringAsync($"/_apiroutes/api/executions/{id}");

        Assert.Matches(@"^.{8192}… \[cut: 99\d{4} more characters\]$", lines[0]);
        Assert.StartsWith("… [", lines[^1], StringComparison.Ordinal);
        Assert.Contains("more line(s) not kept", lines[^1], StringComparison.Ordinal);
        Assert.InRange(lines.Sum(line => line.Length), 1, ApiRoutes.Execution.ExecutionLogCapture.MaxCharactersPerExecution + 200);
        Assert.InRange(failed.Error!.Length, 1, ApiRoutes.Execution.ExecutionRunner.MaxErrorCharacters + 100);
        Assert.Contains("[cut:", failed.Error, StringComparison.Ordinal);
        Assert.InRange(detail.Length, 1, 64 * 1024);
    }

    [Fact]
    public async Task The_log_lines_a_handler_writes_are_kept_with_its_execution()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/chatty", typeof(Chatty)), BackgroundRoute("/api/slow", typeof(Slow))));

        var id = (await server.Client.PostAsync("/api/chatty?report=weekly", null)).Headers.GetValues(IdHeader).Single();
        var other = (await server.Client.PostAsync("/api/slow", null)).Headers.GetValues(IdHeader).Single();
        await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);

        var lines = server.Executions.LogLinesOf(id);
        Assert.Equal(2, lines.Count);
        Assert.EndsWith("Information ApiRoutes.Runtime.Tests.Handlers.Chatty: Working on weekly", lines[0], StringComparison.Ordinal);
        Assert.EndsWith("Warning ApiRoutes.Runtime.Tests.Handlers.Chatty: Half way", lines[1], StringComparison.Ordinal);
        Assert.Empty(server.Executions.LogLinesOf(other));
    }

    [Fact]
    public async Task Background_routes_behave_the_same_in_development()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))), environment: "Development");

        var response = await server.Client.PostAsync("/api/slow", null);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await server.Probe.NextAsync();
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_and_nothing_runs()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = 1024);

        var exactly = await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[1024]));
        var tooLarge = await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[1025]));
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/slow") { Content = new StreamContent(new MemoryStream(new byte[5000])) };
        chunked.Headers.TransferEncodingChunked = true;
        var tooLargeChunked = await server.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.Accepted, exactly.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLargeChunked.StatusCode);
        await server.Probe.NextAsync();
        Assert.Single(server.Executions.Snapshot());
    }

    // Review 27c F3: Kestrel's own limit (30 MB by default, or the app's) capped a larger MaxRequestBodyBytes, with its
    // 413 and a stack trace; the route's limit is ApiRoutes' setting, above the server's or below it.
    [Fact]
    public async Task The_routes_body_limit_holds_above_the_servers_own()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = 4096,
            services: s => s.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = 1024));

        var aboveTheServers = await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[3000]));
        var aboveTheRoutes = await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[4097]));

        Assert.Equal(HttpStatusCode.Accepted, aboveTheServers.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, aboveTheRoutes.StatusCode);
        Assert.Equal(3000, (await server.Probe.NextAsync()).Body.Length);
        Assert.DoesNotContain(server.Logs, line => line.Contains("Kestrel[13]", StringComparison.Ordinal));
    }

    // Review 27c F2: a body the server cannot read (chunked framing that is no number) escaped as an unhandled exception:
    // an Error line with a stack trace per request, no 2001 line, not counted as rejected. Review 35c F1: so did a chunk
    // size past 64 bits, which Kestrel reports as an IOException, not a bad request.
    [Theory]
    [InlineData("ZZ")]
    [InlineData("FFFFFFFFFFFFFFFFF")]
    public async Task A_body_the_server_cannot_read_is_the_clients_400_logged_as_a_rejection(string chunkSize)
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));

        var response = await server.SendRawAsync($"POST /api/slow HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunkSize}\r\nxx\r\n0\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", response, StringComparison.Ordinal);
        await server.WaitForLogAsync("ApiRoutes[2001] Warning: Background request to /api/slow rejected with 400: the body could not be read (Bad chunk size data.)");
        Assert.DoesNotContain(server.Logs, line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase) || line.Contains("Kestrel[13]", StringComparison.Ordinal));
        Assert.Empty(server.Executions.Snapshot());
    }

    // Review 35c F1: a client that reset its connection while sending the body (a phone gone off the network mid-upload)
    // was an unhandled exception, an Error line with a stack trace per request. Nobody is left to answer: nothing is
    // accepted, and nothing but the server's own Debug lines is logged.
    [Fact]
    public async Task A_client_that_resets_its_connection_mid_body_is_neither_accepted_nor_an_error_line()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));

        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp))
        {
            await socket.ConnectAsync(server.Client.BaseAddress!.Host, server.Client.BaseAddress.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes("POST /api/slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100000\r\n\r\n" + new string('x', 70_000)));
            await server.WaitForLogAsync("Microsoft.AspNetCore.Server.Kestrel[25] Debug: Connection id");   // reading the body
            socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);   // closed with a reset, not a FIN (no shutdown first)
        }

        // The connection's last line (it is the only one): every line of its request, and of the server's drain of the
        // body after it (Kestrel 67 was an Error line there, under load), is written by then.
        await server.WaitForLogAsync("Microsoft.AspNetCore.Server.Kestrel.Connections[2] Debug: Connection id");
        Assert.DoesNotContain(server.Logs, line => line.Contains(" Error: ", StringComparison.Ordinal) || line.Contains("Kestrel[13]", StringComparison.Ordinal) || line.StartsWith("ApiRoutes[2001]", StringComparison.Ordinal));
        Assert.Empty(server.Executions.Snapshot());
    }

    [Fact]
    public async Task A_chunked_body_that_arrives_in_pieces_reaches_the_handler_whole()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));
        var body = string.Concat(Enumerable.Range(0, 5000).Select(i => $"{i:D5},"));   // 30,000 bytes: several reads

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/slow") { Content = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(body)), 1000) };
        chunked.Headers.TransferEncodingChunked = true;
        var response = await server.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(body, (await server.Probe.NextAsync()).Body);
        server.Probe.Open("slow");
    }

    [Fact]
    public async Task A_body_with_a_content_length_that_arrives_in_pieces_reaches_the_handler_whole_and_an_empty_one_empty()
    {
        await using var server = await TestServer.StartAsync(Create(BackgroundRoute("/api/slow", typeof(Slow))));
        var body = string.Concat(Enumerable.Range(0, 20000).Select(i => $"{i:D5},"));   // 120,000 bytes, read through pooled buffers

        var whole = await server.Client.PostAsync("/api/slow", new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes(body)), 1000) { Headers = { ContentLength = body.Length } });
        var seen = await server.Probe.NextAsync();
        var empty = await server.Client.PostAsync("/api/slow", new ByteArrayContent([]));
        var seenEmpty = await server.Probe.NextAsync();
        server.Probe.Open("slow");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (whole.StatusCode, empty.StatusCode));
        Assert.Equal(body, seen.Body);
        Assert.Equal(body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Headers["Content-Length"]);
        Assert.Equal("", seenEmpty.Body);
    }

    // Review 7, R7-1: ASP.NET Core's request decompression replaces the body and keeps the compressed Content-Length; the
    // body was read to that length only, so the handler got the first 3,859 of 12,000 bytes behind a 202, and a body over
    // the limit once decompressed was accepted cut short.
    [Fact]
    public async Task A_body_longer_than_its_content_length_says_behind_request_decompression_is_read_whole_and_against_the_limit()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = 20_000,
            services: s => s.AddRequestDecompression(),
            middleware: app => app.UseRequestDecompression());
        var body = string.Concat(Enumerable.Range(0, 2000).Select(i => $"{i:D5},"));   // 12,000 bytes, compresses well

        var whole = await server.Client.PostAsync("/api/slow", Gzip(Encoding.ASCII.GetBytes(body)));
        var seen = await server.Probe.NextAsync();
        var tooLarge = await server.Client.PostAsync("/api/slow", Gzip(new byte[100_000]));
        server.Probe.Open("slow");

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.RequestEntityTooLarge), (whole.StatusCode, tooLarge.StatusCode));
        Assert.Equal(body, seen.Body);
        Assert.Single(server.Executions.Snapshot());

        static ByteArrayContent Gzip(byte[] bytes)
        {
            using var compressed = new MemoryStream();
            using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                gzip.Write(bytes);
            }

            var content = new ByteArrayContent(compressed.ToArray());
            content.Headers.ContentEncoding.Add("gzip");
            return content;
        }
    }

    // Review 7, R7-4: "no limit" written as int.MaxValue overflowed the read's bound: every chunked body was a 500.
    [Fact]
    public async Task A_chunked_body_is_accepted_with_the_largest_limit()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = int.MaxValue);
        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/slow") { Content = new StreamContent(new MemoryStream("hello"u8.ToArray())) };
        chunked.Headers.TransferEncodingChunked = true;

        var response = await server.Client.SendAsync(chunked);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("hello", (await server.Probe.NextAsync()).Body);
        server.Probe.Open("slow");
    }

    [Fact]
    public async Task Rejections_are_logged_at_most_once_a_second_and_the_rest_are_counted()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = 10);

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[11]))).StatusCode);
        }

        Assert.Single(server.Logs, line => line.StartsWith("ApiRoutes[2001]", StringComparison.Ordinal));
        server.FakeTime.Advance(TimeSpan.FromSeconds(1));
        await server.Client.PostAsync("/api/slow", new ByteArrayContent(new byte[11]));

        Assert.Equal(2, server.Logs.Count(line => line.StartsWith("ApiRoutes[2001] Warning: Background request to /api/slow rejected with 413", StringComparison.Ordinal)));
        Assert.Contains(server.Logs, line => line.StartsWith("ApiRoutes[2018] Warning: 4 more background request(s) to /api/slow were rejected since the last such line", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_full_queue_answers_503_with_retry_after_and_every_accepted_execution_runs()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o =>
            {
                o.Background.MaxConcurrency = 1;
                o.Background.MaxQueueLength = 2;
            });

        // One runs (blocked on the gate), two wait; the rest must be refused, not accepted and dropped.
        var first = await server.Client.PostAsync("/api/slow", null);
        await server.Probe.NextAsync();
        var responses = new List<HttpResponseMessage> { first };
        for (var i = 0; i < 4; i++)
        {
            responses.Add(await server.Client.PostAsync("/api/slow", null));
        }

        Assert.Equal(
            [HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.Accepted, HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable],
            responses.Select(r => r.StatusCode));
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable), r => Assert.Equal(TimeSpan.FromSeconds(5), r.Headers.RetryAfter?.Delta));

        server.Probe.Open("slow");
        var accepted = responses.Where(r => r.StatusCode == HttpStatusCode.Accepted).Select(r => r.Headers.GetValues(IdHeader).Single()).ToList();
        foreach (var id in accepted)
        {
            await server.WaitForExecutionAsync(r => r.Id == id && r.Status == ExecutionStatus.Succeeded);
        }

        Assert.Equal(3, server.Probe.Count(nameof(Slow)));
        Assert.Equal(3, server.Executions.Snapshot().Count);
    }
}
