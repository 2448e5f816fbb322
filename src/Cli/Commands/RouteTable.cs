using System.Globalization;
using System.Text;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>The route table of <c>apiroutes routes</c>, like <c>rails routes</c>: aligned columns, schedules in UTC.</summary>
internal static class RouteTable
{
    public static string Format(RouteManifest manifest, DateTime nowUtc, int occurrences = 3)
    {
        var rows = new List<string[]> { new[] { "ROUTE", "KIND", "SCHEDULE", "NEXT RUNS (UTC)", "HANDLER", "SOURCE" } };
        foreach (var route in manifest.Routes)
        {
            rows.Add(
            [
                route.Route,
                route.Kind.Name(),
                route.Schedule is { TimeZone: { } zone } zoned ? $"{zoned.Expression} ({zone})" : route.Schedule?.Expression ?? "",
                route.Schedule is { } schedule ? CronSchedule.FormatNextRuns(schedule.Normalized, schedule.TimeZone, nowUtc, occurrences) : "",
                route.Handler.Type,
                route.Source is { } source ? $"{source.File}:{source.Line}" : "",
            ]);
        }

        var widths = Enumerable.Range(0, rows[0].Length).Select(column => rows.Max(row => row[column].Length)).ToArray();
        var text = new StringBuilder();
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((cell, column) => cell.PadRight(widths[column]))).TrimEnd());
        }

        return text.ToString();
    }

}
