using System.Buffers.Binary;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;

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

    /// <summary>What makes two requests with one key the same request: their method, path, query, content type and body.</summary>
    public static string FingerprintOf(HttpRequest request, ReadOnlySpan<byte> body)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, request.Method);
        Append(hash, request.PathBase.Add(request.Path).Value);
        Append(hash, request.QueryString.Value);
        Append(hash, request.ContentType);
        hash.AppendData(body);
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Base64Url.EncodeToString(digest);
    }

    // Each part with its length first: no two lists of parts hash alike.
    private static void Append(IncrementalHash hash, string? part)
    {
        var bytes = Encoding.UTF8.GetBytes(part ?? "");
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);   // stored: the same on every machine
        hash.AppendData(length);
        hash.AppendData(bytes);
    }
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
