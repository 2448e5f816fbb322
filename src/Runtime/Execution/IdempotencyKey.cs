using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ApiRoutes.Execution;

/// <summary>
/// A background request's <c>Idempotency-Key</c> (the IETF httpapi draft's header, as Stripe and most payment APIs
/// take it): a client that sends the same request again with the same key (it never saw the first 202: a timeout, a
/// dropped connection, a 503 for a row that landed after all) is answered with the first execution's id, and nothing
/// runs twice. Keys are per route and live as long as the store keeps their execution
/// (<c>ApiRoutes:Store:Retention</c>); the same key with a different request is a client's mistake (422).
/// <see cref="Fingerprint"/> tells two requests apart: SHA-256 of the method, path, query, content type and body.
/// </summary>
internal sealed record IdempotencyKey(string Value, string Fingerprint)
{
    public const string HeaderName = "Idempotency-Key";

    /// <summary>The header a repeated request's 202 carries (as Stripe's API answers one).</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    public const int MaxLength = 255;

    /// <summary>Keys that begin so are written by ApiRoutes itself (<c>apiroutes-replay-of:&lt;id&gt;</c>), never taken from a request.</summary>
    public const string ReservedPrefix = "apiroutes-";

    /// <summary>
    /// The key a request carries: null (and no error) when it has no such header; null with why when the header (an
    /// empty one too: a client that meant to send a key and sent none is told, not run without one) is not one key
    /// of 1 to 255 printable ASCII characters, bare (no spaces, no commas) or as a quoted string (the draft's Structured
    /// Field String).
    /// </summary>
    public static string? Read(IHeaderDictionary headers, out string? error)
    {
        error = null;
        if (!headers.TryGetValue(HeaderName, out var values) || values.Count == 0)
        {
            return null;
        }

        if (values.Count > 1)
        {
            error = $"the request has {values.Count} {HeaderName} headers; send one key";
            return null;
        }

        var key = Parse(values[0]!);
        if (key is null)
        {
            error = $"the {HeaderName} header must be one key of 1 to {MaxLength} printable ASCII characters, without spaces or commas unless in double quotes (a random UUID is best)";
        }
        else if (key.StartsWith(ReservedPrefix, StringComparison.OrdinalIgnoreCase))
        {
            // Review 46b F1: a client that sent 'apiroutes-replay-of:<id>' first (the id is in its own 202) made every
            // later replay of that execution from the dashboard be refused as "replayed by another call", for as long as
            // the store kept its key.
            error = $"{HeaderName} keys beginning with '{ReservedPrefix}' are ApiRoutes' own (a replay from the dashboard is written under one); send another key (a random UUID is best)";
            return null;
        }

        return key;
    }

    /// <summary>The key of one header value, or null when it is none.</summary>
    internal static string? Parse(string value)
    {
        value = value.Trim(' ', '\t');
        if (value.Length == 0)
        {
            return null;
        }

        if (value[0] != '"')
        {
            // Bare: visible ASCII, no spaces, and no commas, which join two header lines into one (a quoted string may
            // hold both).
            return value.Length <= MaxLength && value.All(c => c is > ' ' and <= '~' and not ',' and not '"') ? value : null;
        }

        // A Structured Field String (RFC 8941 3.3.3): printable ASCII, with \" and \\ its only escapes.
        var key = new StringBuilder(value.Length);
        for (var i = 1; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '"')
            {
                return i == value.Length - 1 && key.Length is > 0 and <= MaxLength ? key.ToString() : null;
            }

            if (c == '\\')
            {
                if (++i == value.Length || value[i] is not ('"' or '\\'))
                {
                    return null;
                }

                c = value[i];
            }
            else if (c is < ' ' or > '~')
            {
                return null;
            }

            key.Append(c);
        }

        return null;   // no closing quote
    }

    /// <summary>
    /// What makes two requests with one key the same request: their method, path, query, content type and body. A
    /// client's retry that builds its request anew is still the same request: the content type is compared as a media
    /// type (type, subtype and parameter names in any case, parameters in any order, a value quoted or bare, the
    /// <c>charset</c>'s value in any case), and a multipart body (<c>multipart/*</c> with a <c>boundary</c>) without its
    /// boundary, which most clients draw at random for every request they build (.NET's <c>MultipartFormDataContent</c>,
    /// browsers' forms). Only where the body is plainly split by that boundary (<see cref="IsWellFormed"/>) and the
    /// boundary is one a parser reads alike (review 20b): otherwise the content type as sent and the body's bytes, so
    /// that no two requests a handler reads differently compare alike. A content type already in its usual form
    /// (<c>application/json; charset=utf-8</c>) hashes as it always did, so keys stored before stay comparable.
    /// </summary>
    public static string FingerprintOf(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, request.Method);
        Append(hash, request.PathBase.Add(request.Path).Value);
        Append(hash, request.QueryString.Value);
        var contentType = CanonicalContentType(request.ContentType, out var boundary);
        if (boundary is not null && IsWellFormed(body, boundary))
        {
            // The marker is in the content type's field, after a line feed no header value holds: no body of a request
            // hashed as its bytes spells these.
            Append(hash, contentType + "\nmultipart, without its boundary");
            AppendWithoutDelimiters(hash, body, boundary);
        }
        else
        {
            Append(hash, boundary is null ? contentType : request.ContentType);
            hash.AppendData(body);
        }

        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Base64Url.EncodeToString(digest);
    }

    /// <summary>
    /// A content type in one spelling per media type: type and subtype in lower case, then its parameters by name (in
    /// lower case), each value bare where it is a token and quoted otherwise, a <c>charset</c> in lower case; a
    /// multipart type's boundary left out (and given in <paramref name="boundary"/>). A value that is no media type is
    /// compared as it is, as is a multipart type whose boundary is not taken out: more than one, or one with a quoted
    /// pair (ASP.NET's form reader keeps the backslash that the quoted string's rules drop: two spellings alike here
    /// would be two forms to the handler).
    /// </summary>
    internal static string? CanonicalContentType(string? value, out byte[]? boundary)
    {
        boundary = null;
        if (value is null || !MediaTypeHeaderValue.TryParse(value, out var parsed) || parsed.MediaType.Value is not { } mediaType)
        {
            return value;
        }

        var multipart = mediaType.StartsWith("multipart/", StringComparison.OrdinalIgnoreCase);
        var boundaries = parsed.Parameters.Count(parameter => string.Equals(parameter.Name.Value, "boundary", StringComparison.OrdinalIgnoreCase));
        var canonical = new StringBuilder(mediaType.ToLowerInvariant());
        foreach (var parameter in parsed.Parameters.OrderBy(parameter => parameter.Name.Value, StringComparer.OrdinalIgnoreCase))
        {
            var name = parameter.Name.Value!.ToLowerInvariant();
            var parameterValue = HeaderUtilities.UnescapeAsQuotedString(parameter.Value).Value ?? "";
            if (multipart && name == "boundary" && boundaries == 1 && !parameter.Value.AsSpan().Contains('\\') && IsBoundary(parameterValue))
            {
                boundary = Encoding.ASCII.GetBytes("--" + parameterValue);
                continue;
            }

            if (name == "charset")
            {
                parameterValue = parameterValue.ToLowerInvariant();
            }

            canonical.Append("; ").Append(name).Append('=')
                .Append(IsToken(parameterValue) ? parameterValue : HeaderUtilities.EscapeAsQuotedString(parameterValue).Value);
        }

        return multipart && boundaries > 0 && boundary is null ? value : canonical.ToString();
    }

    /// <summary>
    /// Whether the body is plainly a multipart body of this delimiter (<c>--</c> and the boundary), as .NET's
    /// <c>MultipartFormDataContent</c> and browsers write one: it starts with the delimiter, each next one follows a
    /// CRLF, each is followed by a CRLF (a part) or by <c>--</c> (the close), and none comes after the close. A preamble,
    /// the delimiter within a line, or text after the close is read one way here and another by a parser (ASP.NET's
    /// takes the first delimiter anywhere in the preamble): such a body is compared as its bytes (review 20b).
    /// </summary>
    private static bool IsWellFormed(ReadOnlySpan<byte> body, ReadOnlySpan<byte> delimiter)
    {
        if (!body.StartsWith(delimiter))
        {
            return false;
        }

        for (var at = 0; ;)
        {
            var rest = body[(at + delimiter.Length)..];
            if (rest.StartsWith("--"u8))
            {
                return rest.IndexOf(delimiter) < 0;
            }

            var next = rest.StartsWith("\r\n"u8) ? rest.IndexOf(delimiter) : -1;
            if (next < 0)
            {
                return false;
            }

            at += delimiter.Length + next;
            if (body[at - 2] != '\r' || body[at - 1] != '\n')
            {
                return false;
            }
        }
    }

    // The parts of a body that IsWellFormed took, each with its length first, without the delimiters between them:
    // there, every delimiter is one that starts the body or follows a CRLF (RFC 2046 5.1.1).
    private static void AppendWithoutDelimiters(IncrementalHash hash, ReadOnlySpan<byte> body, ReadOnlySpan<byte> delimiter)
    {
        for (var start = 0; ;)
        {
            var next = body[start..].IndexOf(delimiter);
            if (next < 0)
            {
                AppendPart(hash, body[start..]);
                return;
            }

            AppendPart(hash, body.Slice(start, next));
            start += next + delimiter.Length;
        }
    }

    private static void AppendPart(IncrementalHash hash, ReadOnlySpan<byte> part)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);   // stored: the same on every machine
        hash.AppendData(length);
        hash.AppendData(part);
    }

    // RFC 2046 5.1.1: 1 to 70 characters of a restricted ASCII set, not ending in a space.
    private static bool IsBoundary(string value) =>
        value.Length is > 0 and <= 70 && value[^1] != ' ' && value.All(c => char.IsAsciiLetterOrDigit(c) || "'()+_,-./:=? ".Contains(c, StringComparison.Ordinal));

    // RFC 9110 5.6.2's token.
    private static bool IsToken(string value) =>
        value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));

    // Each part with its length first: no two lists of parts hash alike.
    private static void Append(IncrementalHash hash, string? part) => AppendPart(hash, Encoding.UTF8.GetBytes(part ?? ""));
}

/// <summary>
/// What became of an execution added under an idempotency key: stored (<see cref="Existing"/> null), or the execution
/// an earlier request with that key was accepted as, and whether that request was the same (its fingerprint).
/// </summary>
internal readonly record struct KeyedAdd(string? Existing, bool SameRequest)
{
    public static KeyedAdd Stored => default;

    /// <summary>
    /// The add of a store whose <c>insert</c> of the record with its key does nothing when the (route, key) is taken (a
    /// unique index), and says whether it inserted: when it did not, who holds the key is read from <c>keys</c>. That one
    /// may be gone by then (pruned, or its insert rolled back), so the insert is tried again, a few times. Finding the
    /// record's own id (a commit whose answer was lost, settled since) is a store. <c>store</c> names the store for the
    /// error, such as "The execution store 'x.db'".
    /// </summary>
    public static async Task<KeyedAdd> AddOnceAsync(
        IExecutionStore keys, ExecutionRecord record, IdempotencyKey key, Func<Task<bool>> insert, string store, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (await insert())
            {
                return Stored;
            }

            if (await keys.FindKeyAsync(record.Route, key, cancellationToken) is { } held)
            {
                return held.Existing == record.Id ? Stored : held;
            }
        }

        throw new ExecutionStoreUnavailableException($"{store} kept finding the {IdempotencyKey.HeaderName} taken and then free again.");
    }
}
