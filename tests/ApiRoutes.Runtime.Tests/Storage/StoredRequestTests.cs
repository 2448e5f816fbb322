using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>A request as the stores write it: its JSON (from a buffer reused per thread) and its body (not copied again).</summary>
public sealed class StoredRequestTests
{
    [Fact]
    public void Consecutive_requests_on_one_thread_each_get_their_own_json_also_after_one_with_huge_headers()
    {
        var full = StoredRequest.ToJson(SampleRequests.Full());
        var huge = Request([new("X-Big", new StringValues(new string('x', 100_000)))], "{}"u8.ToArray());

        var hugeJson = StoredRequest.ToJson(huge);
        var synthetic = StoredRequest.ToJson(RequestSnapshot.Synthetic("/api/job", "{}"u8.ToArray()));
        var again = StoredRequest.ToJson(SampleRequests.Full());

        Assert.Equal(full, again);
        Assert.Contains(new string('x', 100_000), hugeJson, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Big", synthetic, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Tenant", synthetic, StringComparison.Ordinal);
        SampleRequests.AssertIsFull(StoredRequest.FromJson(again, SampleRequests.Full().BodyArray()));
    }

    [Fact]
    public void The_utf8_json_is_the_json_text_encoded_also_for_non_ascii_and_after_huge_headers()
    {
        var accented = Request([new("X-Name", new StringValues(["Ada Lovelace — née Byron", "日本"]))], "{}"u8.ToArray());
        var huge = Request([new("X-Big", new StringValues(new string('y', 100_000)))], "{}"u8.ToArray());

        var hugeUtf8 = StoredRequest.ToUtf8Json(huge);   // the next call gets a fresh buffer; this array stays as it was
        var accentedUtf8 = StoredRequest.ToUtf8Json(accented);

        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(StoredRequest.ToJson(accented)), accentedUtf8);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(StoredRequest.ToJson(huge)), hugeUtf8);
        var read = StoredRequest.FromJson(System.Text.Encoding.UTF8.GetString(accentedUtf8), []);
        var name = read.Headers.Single(h => h.Key == "X-Name").Value;
        Assert.Equal(2, name.Count);
        Assert.Equal("Ada Lovelace — née Byron", name[0]);
        Assert.Equal("日本", name[1]);
    }

    [Fact]
    public void The_body_is_written_as_the_captured_array_and_only_a_part_of_an_array_is_copied()
    {
        var whole = "{\"to\":\"ada\"}"u8.ToArray();
        var part = new ReadOnlyMemory<byte>(whole, 1, 4);

        Assert.Same(whole, Request([], whole).BodyArray());
        var copy = Request([], part).BodyArray();
        Assert.NotSame(whole, copy);
        Assert.Equal("\"to\"", System.Text.Encoding.UTF8.GetString(copy));
    }

    private static RequestSnapshot Request(IReadOnlyList<KeyValuePair<string, StringValues>> headers, ReadOnlyMemory<byte> body) => new()
    {
        Method = "POST",
        Scheme = "http",
        PathBase = Microsoft.AspNetCore.Http.PathString.Empty,
        Path = "/api/job",
        QueryString = Microsoft.AspNetCore.Http.QueryString.Empty,
        Headers = headers,
        RouteValues = [],
        Body = body,
    };
}
