using System.Text;
using ApiRoutes.Execution;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>How an Idempotency-Key header value is read, and what makes two requests the same request.</summary>
public sealed class IdempotencyKeyParseTests
{
    [Theory]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324")]
    [InlineData("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", "8e03978e-40d5-43e8-bc93-6894a57f9324")]   // the draft's sf-string
    [InlineData("  padded\t", "padded")]
    [InlineData("\"with space, and comma\"", "with space, and comma")]
    [InlineData("\"a\\\"b\\\\c\"", "a\"b\\c")]                                                    // its two escapes
    [InlineData("x", "x")]
    public void A_key_is_read_bare_or_quoted(string header, string key) => Assert.Equal(key, IdempotencyKey.Parse(header));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"\"")]
    [InlineData("\"")]
    [InlineData("\"open")]
    [InlineData("\"a\"b")]
    [InlineData("\"a\\tb\"")]
    [InlineData("\"a\\")]
    [InlineData("a b")]
    [InlineData("a,b")]
    [InlineData("a\"b")]
    [InlineData("caf\u00e9")]
    [InlineData("\"caf\u00e9\"")]
    [InlineData("a\u0000b")]
    [InlineData("\"a\u007fb\"")]
    public void A_value_that_is_no_key_is_refused(string header) => Assert.Null(IdempotencyKey.Parse(header));

    [Fact]
    public void A_key_is_at_most_255_characters_bare_or_quoted()
    {
        Assert.Equal(255, IdempotencyKey.Parse(new string('k', 255))?.Length);
        Assert.Null(IdempotencyKey.Parse(new string('k', 256)));
        Assert.Equal(255, IdempotencyKey.Parse($"\"{new string('k', 255)}\"")?.Length);
        Assert.Null(IdempotencyKey.Parse($"\"{new string('k', 256)}\""));
    }

    [Fact]
    public void Random_header_values_never_throw_and_every_key_read_is_one_a_client_could_send()
    {
        var random = new Random(20261203);
        const string Alphabet = "ab\"\\ ,\t\u0000\u007f\u00e9~!{}";
        for (var i = 0; i < 20_000; i++)
        {
            var length = random.Next(0, i % 100 == 0 ? 600 : 12);
            var value = new string(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());

            var key = IdempotencyKey.Parse(value);

            if (key is not null)
            {
                Assert.InRange(key.Length, 1, IdempotencyKey.MaxLength);
                Assert.All(key, c => Assert.InRange(c, ' ', '~'));
                Assert.Equal(key, IdempotencyKey.Parse(Quote(key)));   // the quoted form of a key is the same key
            }
        }
    }

    [Fact]
    public void Requests_differing_in_any_part_have_different_fingerprints_and_equal_ones_the_same()
    {
        var base64 = Fingerprint("POST", "/api/job", "?a=1", "application/json", "{}");

        Assert.Equal(base64, Fingerprint("POST", "/api/job", "?a=1", "application/json", "{}"));
        Assert.Equal(43, base64.Length);   // SHA-256, base64url
        Assert.All(
            new[]
            {
                Fingerprint("PUT", "/api/job", "?a=1", "application/json", "{}"),
                Fingerprint("POST", "/api/jobs", "?a=1", "application/json", "{}"),
                Fingerprint("POST", "/api/job", "?a=2", "application/json", "{}"),
                Fingerprint("POST", "/api/job", "?a=1", "text/plain", "{}"),
                Fingerprint("POST", "/api/job", "?a=1", "application/json", "{ }"),
                Fingerprint("POST", "/api/job", "?a=1", null, "{}"),
                Fingerprint("POST", "/api/job", "?a=1", "application/json{", "}"),   // parts do not run into each other
            },
            other => Assert.NotEqual(base64, other));
    }

    private static string Quote(string key) => "\"" + key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Fingerprint(string method, string path, string query, string? contentType, string body)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.ContentType = contentType;
        return IdempotencyKey.FingerprintOf(context.Request, Encoding.UTF8.GetBytes(body));
    }
}
