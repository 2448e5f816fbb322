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
    /// <param name="nextRun">The following occurrence.</param>
    /// <param name="missed">A catch-up run for an occurrence missed while no instance was up.</param>
    public static byte[] Body(DateTimeOffset? nextRun, bool missed = false)
    {
        var next = nextRun is { } value ? $"\"{Format(value)}\"" : "null";
        return Encoding.UTF8.GetBytes(missed ? $$"""{"next_run":{{next}},"missed":true}""" : $$"""{"next_run":{{next}}}""");
    }

    public static RequestSnapshot For(LoadedRoute route, DateTimeOffset occurrence, bool missed = false) =>
        RequestSnapshot.Synthetic(route.Template, Body(route.NextOccurrence(occurrence), missed));

    public static string Format(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
