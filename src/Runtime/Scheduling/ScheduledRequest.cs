using System.Globalization;
using System.Text;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The request a scheduled route receives, as on the platform ApiRoutes mirrors: <c>POST</c> with the JSON body
/// <c>{"next_run":"2026-01-01T01:00:00.000Z"}</c>, the following occurrence in UTC.
/// </summary>
internal static class ScheduledRequest
{
    public static byte[] Body(DateTimeOffset? nextRun) =>
        Encoding.UTF8.GetBytes(nextRun is { } next ? $$"""{"next_run":"{{Format(next)}}"}""" : """{"next_run":null}""");

    public static RequestSnapshot For(LoadedRoute route, DateTimeOffset occurrence) =>
        RequestSnapshot.Synthetic(route.Template, Body(route.NextOccurrence(occurrence)));

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
