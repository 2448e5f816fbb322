using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
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

    [Fact]
    public void A_multipart_request_built_anew_with_another_boundary_is_the_same_request()
    {
        var first = Fingerprint("POST", "/api/upload", "", "multipart/form-data; boundary=\"5b2d0c1e-aaaa\"", Multipart("5b2d0c1e-aaaa", "ada", "report.csv"));
        var again = Fingerprint("POST", "/api/upload", "", "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", Multipart("----WebKitFormBoundary7MA4YWxkTrZu0gW", "ada", "report.csv"));

        Assert.Equal(first, again);
        Assert.All(
            new[]
            {
                Fingerprint("POST", "/api/upload", "", "multipart/form-data; boundary=x1", Multipart("x1", "bob", "report.csv")),        // another field
                Fingerprint("POST", "/api/upload", "", "multipart/form-data; boundary=x1", Multipart("x1", "ada", "report2.csv")),       // another file
                Fingerprint("POST", "/api/upload", "", "multipart/mixed; boundary=x1", Multipart("x1", "ada", "report.csv")),            // another subtype
                Fingerprint("POST", "/api/upload", "", "multipart/form-data", Multipart("5b2d0c1e-aaaa", "ada", "report.csv")),         // no boundary: the bytes
                Fingerprint("POST", "/api/upload", "", "text/plain; boundary=\"5b2d0c1e-aaaa\"", Multipart("5b2d0c1e-aaaa", "ada", "report.csv")),
            },
            other => Assert.NotEqual(first, other));

        // Where the parts begin and end is compared too: the same bytes split differently are another request.
        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b", "--b\r\nA\r\n--b\r\nB\r\n--b--"),
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b", "--b\r\nA\r\n--c\r\nB\r\n--b--"));
    }

    [Fact]
    public void A_multipart_body_a_form_reader_reads_another_way_is_compared_as_its_bytes()
    {
        // Review 20b: three pairs of requests the handler reads as two forms had one fingerprint, so the second was
        // answered with the first one's execution instead of 422.
        var amount = "Content-Disposition: form-data; name=\"amount\"\r\n\r\n100";
        var to = "Content-Disposition: form-data; name=\"to\"\r\n\r\nmallory";

        // (a) a body sent without a boundary that spells the hash's input for another request's parts.
        var body = $"--XYZ\r\n{amount}\r\n--XYZ--\r\n";
        var spelled = new MemoryStream();
        foreach (var part in new[] { "multipart, without its boundary", "", $"\r\n{amount}\r\n", "--\r\n" })
        {
            spelled.Write(BitConverter.GetBytes(Encoding.UTF8.GetByteCount(part)));
            spelled.Write(Encoding.UTF8.GetBytes(part));
        }

        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=XYZ", body),
            Fingerprint("POST", "/p", "", "multipart/form-data", Encoding.Latin1.GetString(spelled.ToArray())));

        // (b) a preamble holding another boundary's delimiter, which ASP.NET's reader takes as the first.
        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=AAA", $"Z--BBB\r\n{amount}\r\n--AAA\r\n{to}\r\n--AAA--\r\n"),
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=BBB", $"Z--BBB\r\n{amount}\r\n--BBB\r\n{to}\r\n--BBB--\r\n"));

        // (c) a quoted pair in the boundary, which the form reader keeps and the quoted string's rules drop.
        var same = $"--ab\r\n{amount}\r\n--ab\r\n{to}\r\n--ab--\r\n";
        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=\"a\\b\"", same),
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=ab", same));

        // Two boundaries: the content type as sent.
        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=ab; boundary=cd", same),
            Fingerprint("POST", "/p", "", "multipart/form-data; boundary=ab", same));
    }

    [Theory]
    [InlineData("preamble\r\n--{0}\r\nA\r\n--{0}--\r\n")]   // a preamble
    [InlineData("--{0}\r\nA--{0}\r\n--{0}--\r\n")]           // the delimiter within a line
    [InlineData("--{0}\r\nA\r\n--{0}--\r\n--{0}")]           // the delimiter after the close
    [InlineData("--{0} \r\nA\r\n--{0}--\r\n")]               // padding after a delimiter
    [InlineData("--{0}\r\nA\r\n")]                             // no close
    public void A_body_not_plainly_split_by_its_boundary_is_not_compared_without_it(string template)
    {
        // The price of reading a body one way only: such a body rebuilt with another boundary is another request.
        Assert.NotEqual(
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b1", string.Format(CultureInfo.InvariantCulture, template, "b1")),
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b2", string.Format(CultureInfo.InvariantCulture, template, "b2")));
        Assert.Equal(
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b1", "--b1\r\nA\r\n--b1--\r\n"),
            Fingerprint("POST", "/p", "", "multipart/mixed; boundary=b2", "--b2\r\nA\r\n--b2--\r\n"));
    }

    [Theory]
    [InlineData("application/json; charset=utf-8", "Application/JSON;charset=\"UTF-8\"")]
    [InlineData("application/json; charset=utf-8", "application/json ;  Charset=utf-8")]
    [InlineData("text/plain; charset=utf-8; format=flowed", "text/plain; format=flowed; charset=UTF-8")]
    [InlineData("text/plain; name=\"a b\"", "text/plain; NAME=\"a b\"")]
    public void A_content_type_spelled_another_way_is_the_same_request(string contentType, string other) =>
        Assert.Equal(Fingerprint("POST", "/p", "", contentType, "{}"), Fingerprint("POST", "/p", "", other, "{}"));

    [Theory]
    [InlineData("application/json; charset=utf-8", "application/json; charset=utf-16")]
    [InlineData("text/plain; format=flowed", "text/plain; format=Flowed")]      // only a charset's value is compared in any case
    [InlineData("text/plain; name=\"a;b=c\"", "text/plain; name=a; b=c")]     // a quoted value is one value
    [InlineData("application/json", "application/json; charset=utf-8")]
    public void A_content_type_with_other_parameters_is_another_request(string contentType, string other) =>
        Assert.NotEqual(Fingerprint("POST", "/p", "", contentType, "{}"), Fingerprint("POST", "/p", "", other, "{}"));

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]                              // as .NET's StringContent and most clients send it
    [InlineData("text/plain")]
    [InlineData(null)]
    [InlineData("not a media type")]
    public void A_content_type_in_its_usual_form_hashes_as_before_so_stored_keys_stay_comparable(string? contentType)
    {
        // The fingerprint as session 18 stored it: each part with its length first, then the body's bytes.
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var part in new[] { "POST", "/api/job", "?a=1", contentType ?? "" })
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));   // little-endian here, as stored
            hash.AppendData(bytes);
        }

        hash.AppendData("{}"u8);

        Assert.Equal(Base64Url.EncodeToString(hash.GetHashAndReset()), Fingerprint("POST", "/api/job", "?a=1", contentType, "{}"));
    }

    [Fact]
    public void Random_content_types_and_bodies_never_throw()
    {
        var random = new Random(20261203);
        var alphabet = "multipart/form-data; boundary=\"ab\"\r\n-;=,\\ \té\u0000xyz"u8.ToArray();
        for (var i = 0; i < 5_000; i++)
        {
            var contentType = new string(Enumerable.Range(0, random.Next(0, 60)).Select(_ => (char)alphabet[random.Next(alphabet.Length)]).ToArray());
            if (random.Next(2) == 0)
            {
                contentType = "multipart/mixed; boundary=" + contentType;
            }

            var body = Enumerable.Range(0, random.Next(0, 200)).Select(_ => alphabet[random.Next(alphabet.Length)]).ToArray();
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.ContentType = contentType;

            Assert.Equal(43, IdempotencyKey.FingerprintOf(context.Request, body).Length);
        }
    }

    private static string Multipart(string boundary, string name, string file) =>
        $"--{boundary}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n{name}\r\n" +
        $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n1,2\r\n" +
        $"--{boundary}--\r\n";

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
