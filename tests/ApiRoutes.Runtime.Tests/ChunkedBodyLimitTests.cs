using System.Text;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A background route's MaxRequestBodyBytes holds for the body as the handler gets it, however it was framed: with a
/// Content-Length or chunked in chunks of any size, exactly the limit is accepted and one byte more refused. On Kestrel
/// (TestServer listens on 127.0.0.1), whose own limit counts a chunked body's framing.
/// </summary>
public sealed class ChunkedBodyLimitTests
{
    private const int Limit = 1000;

    // Review 39a F3: the server's limit (the route's + 1) counted the chunks' size lines and CRLFs, so a chunked body at
    // the limit got 413: in one chunk, in 10-byte chunks (there from 76 % of the limit), in 1-byte ones.
    [Theory]
    [InlineData(null, false)]   // a Content-Length
    [InlineData(Limit, false)]  // one chunk
    [InlineData(10, false)]     // 10-byte chunks, as a client writing line by line sends
    [InlineData(1, true)]       // 1-byte chunks with the longest size line Kestrel reads ("00000001"): the most framing a byte
    public async Task Exactly_the_limit_is_accepted_and_one_byte_more_refused(int? chunkSize, bool longSizeLines)
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = Limit);

        var atTheLimit = await server.SendRawAsync(Request(Limit, chunkSize, longSizeLines));
        Assert.StartsWith("HTTP/1.1 202 ", atTheLimit, StringComparison.Ordinal);
        Assert.Equal(Limit, (await server.Probe.NextAsync()).Body.Length);

        var overTheLimit = await server.SendRawAsync(Request(Limit + 1, chunkSize, longSizeLines));
        Assert.StartsWith("HTTP/1.1 413 ", overTheLimit, StringComparison.Ordinal);
        Assert.Single(server.Executions.Snapshot());
    }

    // A body far past the limit in the framing that costs the server the most is still refused: the route's reader
    // stops one byte past the limit, and the server cuts off the rest at its bound.
    [Fact]
    public async Task A_chunked_body_far_past_the_limit_is_refused()
    {
        await using var server = await TestServer.StartAsync(
            Create(BackgroundRoute("/api/slow", typeof(Slow))),
            options: o => o.Background.MaxRequestBodyBytes = Limit);

        var response = await server.SendRawAsync(Request(20 * Limit, 1, longSizeLines: true));

        Assert.StartsWith("HTTP/1.1 413 ", response, StringComparison.Ordinal);
        Assert.Empty(server.Executions.Snapshot());
    }

    private static string Request(int length, int? chunkSize, bool longSizeLines)
    {
        var body = new string('a', length);
        if (chunkSize is not { } size)
        {
            return $"POST /api/slow HTTP/1.1\r\nHost: localhost\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{body}";
        }

        var chunked = new StringBuilder();
        for (var start = 0; start < length; start += size)
        {
            var chunk = Math.Min(size, length - start);
            chunked.Append(longSizeLines ? $"{chunk:X8}" : $"{chunk:X}").Append("\r\n").Append(body, start, chunk).Append("\r\n");
        }

        return $"POST /api/slow HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{chunked}0\r\n\r\n";
    }
}
