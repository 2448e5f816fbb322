using System.Net;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Execution;

/// <summary>
/// A copy of what a handler needs from a request — method, path, route values, query, headers, body — taken before
/// the 202 is sent, from which a fresh <see cref="HttpContext"/> is made for each attempt. What the handler writes
/// to its response goes nowhere; the response's callbacks run as on a request (<see cref="DetachedLifetime"/>).
/// </summary>
internal sealed class RequestSnapshot
{
    public required string Method { get; init; }

    public required string Scheme { get; init; }

    public required PathString PathBase { get; init; }

    public required PathString Path { get; init; }

    public required QueryString QueryString { get; init; }

    public required IReadOnlyList<KeyValuePair<string, StringValues>> Headers { get; init; }

    public required IReadOnlyList<KeyValuePair<string, object?>> RouteValues { get; init; }

    public required ReadOnlyMemory<byte> Body { get; init; }

    public IPAddress? RemoteIpAddress { get; init; }

    // The seven features set in CreateContext, and those DefaultHttpContext and a handler's first calls add.
    private const int FeatureCapacity = 16;

    /// <summary>The request as it arrived, less the headers that carry credentials.</summary>
    public static RequestSnapshot Capture(HttpContext context, ReadOnlyMemory<byte> body, SecretHeaders secrets) => new()
    {
        Method = context.Request.Method,
        Scheme = context.Request.Scheme,
        PathBase = context.Request.PathBase,
        Path = context.Request.Path,
        QueryString = context.Request.QueryString,
        Headers = secrets.Without(context.Request.Headers),
        RouteValues = context.Request.RouteValues.Count == 0 ? [] : [.. context.Request.RouteValues],
        Body = body,
        RemoteIpAddress = context.Connection.RemoteIpAddress,
    };

    /// <summary>A synthetic request, as the scheduler sends: a POST with a JSON body.</summary>
    public static RequestSnapshot Synthetic(string path, byte[] jsonBody) => new()
    {
        Method = HttpMethods.Post,
        Scheme = "http",
        PathBase = PathString.Empty,
        Path = new PathString(path),
        QueryString = QueryString.Empty,
        Headers =
        [
            new("Content-Type", "application/json"),
            new("Content-Length", jsonBody.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("User-Agent", "ApiRoutes-Scheduler"),
        ],
        RouteValues = [],
        Body = jsonBody,
    };

    /// <summary>This request less the headers <paramref name="secrets"/> names (itself when it has none of them).</summary>
    public RequestSnapshot WithoutSecrets(SecretHeaders secrets) =>
        Headers.Any(header => secrets.IsSecret(header.Key))
            ? new RequestSnapshot
            {
                Method = Method, Scheme = Scheme, PathBase = PathBase, Path = Path, QueryString = QueryString,
                Headers = [.. Headers.Where(header => !secrets.IsSecret(header.Key))],
                RouteValues = RouteValues, Body = Body, RemoteIpAddress = RemoteIpAddress,
            }
            : this;

    /// <summary>
    /// The body as one array, never written to: the captured array itself when the body is all of one (as captured
    /// requests are), else a copy. The stores write it as it is, without a copy of their own.
    /// </summary>
    public byte[] BodyArray() =>
        MemoryMarshal.TryGetArray(Body, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : Body.ToArray();

    // A read-only stream over the body, for one attempt: no copy of it.
    private MemoryStream BodyStream() =>
        MemoryMarshal.TryGetArray(Body, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(Body.ToArray(), writable: false);

    /// <summary>
    /// A new context for one attempt, with its own services, and its response and cancellation in
    /// <paramref name="lifetime"/>, without the secret headers.
    /// </summary>
    public HttpContext CreateContext(IServiceProvider services, string traceIdentifier, DetachedLifetime lifetime, SecretHeaders secrets)
    {
        var headers = new HeaderDictionary(Headers.Count);
        foreach (var (key, value) in Headers)
        {
            if (!secrets.IsSecret(key))
            {
                headers[key] = value;
            }
        }

        // Sized for what is set here and what DefaultHttpContext adds, so the features' dictionary is made once.
        var features = new FeatureCollection(FeatureCapacity);
        features.Set<IHttpRequestFeature>(new HttpRequestFeature
        {
            Method = Method,
            Scheme = Scheme,
            PathBase = PathBase.Value ?? "",
            Path = Path.Value ?? "",
            QueryString = QueryString.Value ?? "",
            Headers = headers,
            Body = BodyStream(),
            Protocol = "HTTP/1.1",
        });
        features.Set<IHttpResponseFeature>(lifetime);
        features.Set<IHttpResponseBodyFeature>(lifetime.BodyFeature());
        features.Set<IHttpRequestLifetimeFeature>(lifetime);
        features.Set<IHttpConnectionFeature>(new HttpConnectionFeature { RemoteIpAddress = RemoteIpAddress });
        var routeValues = new RouteValueDictionary();
        foreach (var (key, value) in RouteValues)
        {
            routeValues[key] = value;
        }

        features.Set<IRouteValuesFeature>(new RouteValuesFeature { RouteValues = routeValues });
        return new DefaultHttpContext(features) { RequestServices = services, TraceIdentifier = traceIdentifier };
    }
}
