using System.Buffers;
using System.Globalization;
using ApiRoutes.Diagnostics;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;
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
        var limit = options.Value.Background.MaxRequestBodyBytes;
        var body = await ReadBodyAsync(context.Request, limit, context.RequestAborted);
        if (body is null)
        {
            Reject(context, StatusCodes.Status413PayloadTooLarge, $"the body is larger than {limit} bytes");
            return;
        }

        var admission = await admissions.AdmitAsync(route, RequestSnapshot.Capture(context, body.Value, _secrets), TraceContext.Of(context), context.RequestAborted);
        if (admission.Execution is not { } execution)
        {
            context.Response.Headers.RetryAfter = options.Value.Background.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            Reject(context, StatusCodes.Status503ServiceUnavailable, admission.Refusal!);
            return;
        }

        metrics.Request(route.Template, route.Kind);
        context.Response.StatusCode = StatusCodes.Status202Accepted;
        context.Response.Headers[ExecutionIdHeader] = execution.Id;
        if (statusUrls?.For(execution.Id) is { } statusUrl)
        {
            context.Response.Headers.Location = statusUrl;
        }
        context.Response.ContentLength = 0;
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

    // The body up to the limit, or null when it is larger; the Content-Length answers early when it is known. Reads of
    // up to 16 KB into one buffer. Allocating less here (a buffer of the Content-Length, or the request's PipeReader)
    // tripled the 202's p99 in the backlog load test (bench/load section 3, quiet machine: 65-89 ms against 22-26 ms):
    // when every accepted execution stays queued, fewer allocations mean rarer gen0 collections that each promote more
    // of the backlog, so longer pauses. The GC's budget, not this buffer, is the lever (see bench/load/README.md).
    private static async Task<ReadOnlyMemory<byte>?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>((int)Math.Clamp(request.ContentLength ?? 4096, 1, limit + 1L));
        while (true)
        {
            var memory = buffer.GetMemory(Math.Min(16 * 1024, limit + 1 - buffer.WrittenCount + 1));
            var read = await request.Body.ReadAsync(memory, cancellation);
            if (read == 0)
            {
                // A copy of exactly the body: the read buffer is larger, and the execution keeps this until it ends.
                return buffer.WrittenMemory.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                return null;
            }
        }
    }
}
