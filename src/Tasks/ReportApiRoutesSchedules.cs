using System.Globalization;
using System.Text;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// The last step of <c>ApiRoutesValidate</c>: prints every route and, for each schedule, its next occurrences in
/// UTC and, on the line below, the schedule in words, so a CI log shows what will run when.
/// </summary>
public sealed class ReportApiRoutesSchedules : ApiRoutesTask
{
    /// <summary>The manifest the build wrote.</summary>
    [Required]
    public string ManifestPath { get; set; } = "";

    /// <summary>How many occurrences to print per schedule. Default 3.</summary>
    public int Occurrences { get; set; } = 3;

    private protected override void ExecuteCore()
    {
        var manifest = ManifestJson.Deserialize(File.ReadAllText(ManifestPath));
        Log.LogMessage(MessageImportance.High, "{0}", Format(manifest, DateTime.UtcNow, Occurrences));
    }

    internal static string Format(RouteManifest manifest, DateTime nowUtc, int occurrences)
    {
        var text = new StringBuilder();
        var scheduled = manifest.Routes.Where(route => route.Kind == RouteKind.Scheduled).ToList();
        text.Append(CultureInfo.InvariantCulture, $"ApiRoutes: {manifest.Routes.Count} route(s) valid, {scheduled.Count} schedule(s) (UTC):");
        foreach (var route in scheduled)
        {
            if (CronSchedule.Parse(route.Schedule!.Normalized, route.Schedule.TimeZone).Schedule is not { } schedule)
            {
                continue;
            }

            var next = string.Join(", ", schedule.NextOccurrences(nowUtc, occurrences).Select(at => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)));
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  {route.Route}  {route.Schedule.Expression}  next: {next}");
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"    {schedule.Description}{(schedule.TimeZoneId is { } zone ? $" ({zone} time)" : "")}");
        }

        return text.ToString();
    }
}
