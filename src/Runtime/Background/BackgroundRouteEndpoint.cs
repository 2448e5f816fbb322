using System.Buffers;
using System.Globalization;
using System.Text.Json;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Background;

/// <summary>
/// A background route's request: copy what the handler needs, admit the execution, answer <c>202 Accepted</c> with
/// its id before anything runs (and, with <c>ApiRoutes:Background:StatusUrls</c>, a <c>Location</c> to poll its
/// outcome at). A body over the limit is 413 and a full queue 503 with <c>Retry-After</c>: a 202 is only ever sent for
/// work that will run.
/// </summary>
internal sealed class BackgroundRouteEndpoint(
    LoadedRoute route,
    BackgroundAdmission admissions,
    ExecutionStatusUrls? statusUrls,
    TimeProvider time,
    IOptions<ApiRoutesOptions> options,
    ApiRoutesMetrics metrics,
    ILogger logger)
{
    public const string ExecutionIdHeader = "X-ApiRoutes-Execution-Id";

    // Every refusal counts in the metrics; the log gets at most one line a second per route.
    private readonly LogSampler _rejections = new(time, TimeSpan.FromSeconds(1));

    private readonly SecretHeaders _secrets = new(options.Value.Background.SecretHeaders);

    public async Task InvokeAsync(HttpContext context)
    {
        var keyValue = IdempotencyKey.Read(context.Request.Headers, out var keyError);
        if (keyError is not null)
        {
            await RejectAsync(context, StatusCodes.Status400BadRequest, "Invalid Idempotency-Key", keyError);
            return;
        }

        // The route's limit is ApiRoutes:Background:MaxRequestBodyBytes, not the server's (Kestrel's 30 MB by default, or
        // the app's own): a larger one configured here was capped by it, with Kestrel's stack trace (review 27c F3). The
        // server's limit stays just above ours (ServerLimit), so a body past it is still cut off by the server as it arrives.
        var limit = options.Value.Background.MaxRequestBodyBytes;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } serverLimit)
        {
            serverLimit.MaxRequestBodySize = ServerLimit(context.Request, limit);
        }

        ReadOnlyMemory<byte>? body;
        try
        {
            body = await ReadBodyAsync(context.Request, limit, context.RequestAborted);
        }
        catch (BadHttpRequestException e)
        {
            // The client's error, found by the server as it read the body (a chunk size that is no number, a body that
            // arrives slower than MinRequestBodyDataRate, past the size limit): its status and a sampled line, as every
            // refusal, not an "unhandled exception" with a stack trace per request (review 27c F2).
            Reject(context, e.StatusCode, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? TooLarge(limit) : $"the body could not be read ({e.Message})");
            return;
        }
        catch (IOException e) when (e is Microsoft.AspNetCore.Connections.ConnectionResetException || context.RequestAborted.IsCancellationRequested)
        {
            // The client reset its connection while it sent the body (a phone gone off the network mid-upload): nobody is
            // left to answer, and it is no error of the app's — it was an unhandled exception, an Error line with a stack
            // trace per request (review 35c F1). The server says it at Debug. Aborted here, or the server, not always
            // told of the reset yet, would drain the body the failed read left in use: another Error line (Kestrel 67).
            context.Abort();
            return;
        }
        catch (IOException e)
        {
            // Framing the server could not read that it reports as an I/O error, not a bad request (a chunk size past 64
            // bits: review 35c F1): the client's error too.
            Reject(context, StatusCodes.Status400BadRequest, $"the body could not be read ({e.Message})");
            return;
        }

        if (body is null)
        {
            Reject(context, StatusCodes.Status413PayloadTooLarge, TooLarge(limit));
            return;
        }

        var key = keyValue is null ? null : new IdempotencyKey(keyValue, IdempotencyKey.FingerprintOf(context.Request, body.Value.Span));
        var admission = await admissions.AdmitAsync(route, RequestSnapshot.Capture(context, body.Value, _secrets), TraceContext.Of(context), context.RequestAborted, key: key);
        if (admission.Earlier is { Existing: { } earlier, SameRequest: var same })
        {
            if (!same)
            {
                await RejectAsync(context, StatusCodes.Status422UnprocessableEntity, "Idempotency-Key reused",
                    $"the {IdempotencyKey.HeaderName} was sent before with a different request to {route.Template} (method, path, query, content type or body); "
                    + "send a new key for a new request, or the same request again with this key");
                return;
            }

            logger.BackgroundAcceptedBefore(earlier, route.Template);
            metrics.Request(route.Template, route.Kind);
            context.Response.Headers[IdempotencyKey.ReplayedHeader] = "true";
            Accepted(context, earlier);
            return;
        }

        if (admission.Execution is not { } execution)
        {
            context.Response.Headers.RetryAfter = (admission.RetryAfterSeconds ?? options.Value.Background.RetryAfterSeconds).ToString(CultureInfo.InvariantCulture);
            Reject(context, StatusCodes.Status503ServiceUnavailable, admission.Refusal!);
            return;
        }

        metrics.Request(route.Template, route.Kind);
        Accepted(context, execution.Id);
    }

    // The most bytes Kestrel counts for one byte of a chunked body: a chunk of one byte with its size line at its longest
    // (8 hex digits and CRLF) and the CRLF after its data; and for its end, the last chunk's line and the final CRLF.
    internal const int ChunkedBytesPerByte = 13;
    internal const int ChunkedEndBytes = 12;

    // The server's limit for this request. Kestrel counts a chunked body's framing against it — the size lines, the CRLF
    // after each chunk's data — not only the bytes the handler gets, so limit + 1 refused bodies under the limit: one in
    // 10-byte chunks at 76 % of it (review 39a F3). What counts is the decoded body, which ours counts (ReadPooledAsync
    // stops one byte past the limit); the server's bound leaves room for the framing of chunks down to one byte each, so
    // a body past ours is still cut off by it, at a bound (chunk extensions, counted too, are beyond it: no client sends
    // them). Without Transfer-Encoding (a Content-Length; HTTP/2 and 3, which have no chunks) the server counts the body
    // itself.
    internal static long ServerLimit(HttpRequest request, int limit) =>
        request.Headers.TransferEncoding.Count == 0 ? limit + 1L : ((limit + 1L) * ChunkedBytesPerByte) + ChunkedEndBytes;

    private static string TooLarge(int limit) => $"the body is larger than {limit} bytes";

    private void Accepted(HttpContext context, string executionId)
    {
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers[ExecutionIdHeader] = executionId;
        if (statusUrls?.For(executionId) is { } statusUrl)
        {
            // Under the app's PathBase (UsePathBase behind a proxy that forwards only its prefix): the caller follows it
            // as it came (review 27c F6).
            context.Response.Headers.Location = context.Request.PathBase.Add(new PathString(statusUrl)).Value;
        }
        context.Response.ContentLength = 0;
    }

    // A refusal the client must change its request for: said in the body too, as RFC 9457 problem details.
    private async Task RejectAsync(HttpContext context, int statusCode, string title, string detail)
    {
        Reject(context, statusCode, detail);
        context.Response.ContentType = "application/problem+json";
        var json = new ArrayBufferWriter<byte>(256);
        await using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("title", title);
            writer.WriteNumber("status", statusCode);
            writer.WriteString("detail", char.ToUpperInvariant(detail[0]) + detail[1..] + ".");
            writer.WriteEndObject();
        }

        context.Response.ContentLength = json.WrittenCount;
        await context.Response.Body.WriteAsync(json.WrittenMemory, context.RequestAborted);
    }

    private void Reject(HttpContext context, int statusCode, string reason)
    {
        metrics.Rejected(route.Template, statusCode);
        if (_rejections.ShouldLog(out var notLogged))
        {
            if (notLogged > 0)
            {
                logger.BackgroundRejectedNotLogged(route.Template, notLogged);
            }

            logger.BackgroundRejected(route.Template, statusCode, reason);
        }

        context.Response.StatusCode = statusCode;
    }

    // Up to this size a body whose Content-Length is known is read straight into an array of that size; a larger one
    // goes through pooled buffers, so that what the server holds follows the bytes received, not the bytes claimed (a
    // client sending only headers that claim the limit would otherwise make it allocate the limit per connection).
    internal const int ExactSizeUpTo = 64 * 1024;

    // The body up to the limit, or null when it is larger. With a small Content-Length (as almost every client sends),
    // read straight into an array of that size, which the execution then keeps: no other buffer. Otherwise reads of up
    // to 16 KB into a pooled buffer, copied to size at the end. The 16 KB array per request this replaces was ~70 % of
    // what an execution allocated (bench/load/README.md, "Background 202, in-memory path (fifth pass)"): it paced the
    // GC, so with a growing backlog (every accepted execution stays queued) collections were more frequent and each
    // promoted less of it, shorter pauses; without it, fewer and longer ones: the backlog's p99 rises while CPU per
    // execution, accepted/s and the total pause time fall. The GC's gen0 budget is the app's to set.
    internal static async ValueTask<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        if (request.ContentLength is not { } length)
        {
            return await ReadPooledAsync(request.Body, limit, default, cancellation);
        }

        if (length > limit)
        {
            return null;
        }

        if (length > ExactSizeUpTo)
        {
            return await ReadPooledAsync(request.Body, limit, default, cancellation);
        }

        // Kestrel ends the body at its Content-Length (a shorter body is a bad request).
        var body = length == 0 ? [] : new byte[length];
        var filled = 0;
        while (filled < body.Length)
        {
            var read = await request.Body.ReadAsync(body.AsMemory(filled), cancellation);
            if (read == 0)
            {
                return body.AsMemory(0, filled);
            }

            filled += read;
        }

        // But the stream may be longer than its Content-Length: a middleware may have replaced it, and ASP.NET Core's
        // request decompression keeps the compressed length. One more read confirms the end (Kestrel's answers 0 at
        // once); anything more is read on, against the limit, rather than cut off behind a 202.
        var probe = ArrayPool<byte>.Shared.Rent(1);
        try
        {
            if (await request.Body.ReadAsync(probe.AsMemory(0, 1), cancellation) == 0)
            {
                return body;
            }

            var start = new byte[body.Length + 1];
            body.CopyTo(start, 0);
            start[^1] = probe[0];
            return await ReadPooledAsync(request.Body, limit, start, cancellation);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(probe);
        }
    }

    // The rest of the body into pooled buffers, after what was read already (start): a copy of its size, or null past the limit.
    private static async ValueTask<ReadOnlyMemory<byte>?> ReadPooledAsync(Stream body, int limit, ReadOnlyMemory<byte> start, CancellationToken cancellation)
    {
        if (start.Length > limit)
        {
            return null;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(16 * 1024, start.Length * 2));
        try
        {
            start.Span.CopyTo(buffer);
            var written = start.Length;
            while (true)
            {
                if (written == buffer.Length)
                {
                    if (buffer.Length >= Array.MaxLength)
                    {
                        return null;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(buffer.Length * 2L, Array.MaxLength));
                    buffer.AsSpan(0, written).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                // At most one byte past the limit, to know it was passed (long: a limit of int.MaxValue would overflow).
                var room = (int)Math.Min(buffer.Length - written, limit + 1L - written);
                var read = await body.ReadAsync(buffer.AsMemory(written, room), cancellation);
                if (read == 0)
                {
                    return buffer.AsSpan(0, written).ToArray();
                }

                written += read;
                if (written > limit)
                {
                    return null;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
