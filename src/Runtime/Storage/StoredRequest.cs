using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;
using ApiRoutes.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Storage;

/// <summary>A <see cref="RequestSnapshot"/> as a store keeps it: JSON for the metadata, the body as bytes.</summary>
internal static class StoredRequest
{
    // One buffer and writer per thread, reused: a request's JSON costs the string and nothing else.
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    public static string ToJson(RequestSnapshot request) => Encoding.UTF8.GetString(Write(request));

    /// <summary>The same JSON as <see cref="ToJson"/>, as UTF-8: what SQLite stores, without a string between.</summary>
    public static byte[] ToUtf8Json(RequestSnapshot request) => Write(request).ToArray();

    // The JSON in this thread's buffer, valid until the thread's next call.
    private static ReadOnlySpan<byte> Write(RequestSnapshot request)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        var json = t_json ??= new Utf8JsonWriter(buffer);
        json.Reset(buffer);
        json.WriteStartObject();
        json.WriteString("method", request.Method);
        json.WriteString("scheme", request.Scheme);
        json.WriteString("pathBase", request.PathBase.Value ?? "");
        json.WriteString("path", request.Path.Value ?? "");
        json.WriteString("query", request.QueryString.Value ?? "");
        json.WriteString("remoteIp", request.RemoteIpAddress?.ToString());
        json.WriteStartObject("headers");
        foreach (var (key, values) in request.Headers)
        {
            json.WriteStartArray(key);
            foreach (var value in values)
            {
                json.WriteStringValue(value);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteStartObject("routeValues");
        foreach (var (key, value) in request.RouteValues)
        {
            json.WriteString(key, value?.ToString());
        }

        json.WriteEndObject();
        json.WriteEndObject();
        json.Flush();

        if (buffer.Capacity > 64 * 1024)
        {
            t_buffer = null;   // not kept for ever after one request with huge headers (the span stays valid: its array lives on)
        }

        return buffer.WrittenSpan;
    }

    public static RequestSnapshot FromJson(string text, byte[] body)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        return new RequestSnapshot
        {
            Method = root.GetProperty("method").GetString() ?? throw new FormatException("The stored request has no method."),
            Scheme = root.GetProperty("scheme").GetString() ?? throw new FormatException("The stored request has no scheme."),
            PathBase = new PathString(root.GetProperty("pathBase").GetString()),
            Path = new PathString(root.GetProperty("path").GetString()),
            QueryString = new QueryString(root.GetProperty("query").GetString()),
            RemoteIpAddress = root.GetProperty("remoteIp").GetString() is { } ip ? IPAddress.Parse(ip) : null,
            // Rows written before credentials were dropped at capture may still hold some: never hand them on.
            Headers = [.. root.GetProperty("headers").EnumerateObject().Where(h => !SecretHeaders.Default.IsSecret(h.Name)).Select(h =>
                new KeyValuePair<string, StringValues>(h.Name, new StringValues([.. h.Value.EnumerateArray().Select(v => v.GetString())])))],
            RouteValues = [.. root.GetProperty("routeValues").EnumerateObject().Select(v => new KeyValuePair<string, object?>(v.Name, v.Value.GetString()))],
            Body = body,
        };
    }
}
