using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.Configuration;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// The last checks on a draft whose settings are all known (kind, schedule, time limit), and its manifest entry.
/// </summary>
internal sealed class RouteFinalizer(
    IReadOnlyDictionary<RouteKind, ConfigValue<int>> defaultTimeLimits,
    SourceLocator locator,
    AnalysisRequest request,
    DiagnosticBag diagnostics,
    bool configUnread = false)
{
    public ManifestRoute? Finalize(RouteDraft draft, string assemblyName)
    {
        using var suppressed = diagnostics.Suppressing(draft.Type.SuppressedWarnings);
        var errorsBefore = diagnostics.ErrorCount;
        var schedule = draft.IsScheduled ? CheckSchedule(draft) : null;
        var limit = TimeLimit(draft);
        if (draft.HasErrors || diagnostics.ErrorCount > errorsBefore)
        {
            return null;
        }

        var source = locator.ManifestSource(draft.Type, request.ProjectDirectory);
        return new ManifestRoute
        {
            Route = draft.Template.Text,
            Kind = draft.Kind,
            Methods = draft.Methods,
            Handler = new ManifestHandler(draft.Type.FullName, assemblyName),
            Schedule = schedule,
            CatchUp = draft.IsScheduled && draft.CatchUp ? true : null,
            TimeLimitSeconds = limit,
            Source = source is var (file, line) ? new ManifestSource(file, line) : null,
        };
    }

    /// <summary>Checks a time limit of <c>defaults:</c> once, where it is written.</summary>
    public static void CheckDefault(RouteKind kind, ConfigValue<int> limit, DiagnosticBag diagnostics) =>
        CheckLimit(limit.Value, () => limit.Location, $"the default time limit of {kind.Name()} routes", diagnostics);

    private ManifestSchedule? CheckSchedule(RouteDraft draft)
    {
        var route = draft.Template.Text;
        if (draft.Template.HasParameters)
        {
            diagnostics.Add(DiagnosticCodes.ScheduledWithParameters, draft.TemplateOrigin(),
                $"The scheduled route '{route}' has route parameters, but the scheduler invokes it with no values for "
                + "them. Use a fixed path such as '/api/cleanup'.");
        }

        if (string.IsNullOrWhiteSpace(draft.Schedule))
        {
            if (configUnread)
            {
                // Its schedule may be in the file that could not be read: its error is the one to fix (review 28c F20).
                draft.HasErrors = true;
                return null;
            }

            diagnostics.Add(DiagnosticCodes.MissingSchedule, locator.Attribute(draft.Type, "ScheduledRoute"),
                $"The scheduled route '{route}' has no schedule. Write one in the attribute, [ScheduledRoute(\"0 3 * * *\")], "
                + $"or in apiroutes.yaml under routes: '{route}': schedule: \"0 3 * * *\".");
            return null;
        }

        var origin = draft.ScheduleOrigin!;
        var (zone, zoneProblem) = CronTimeZones.Find(draft.TimeZone);
        if (zoneProblem is not null)
        {
            diagnostics.Add(DiagnosticCodes.UnknownTimeZone, draft.TimeZoneOrigin!(), zoneProblem.Detail);
        }

        // Checked in UTC when the zone is unknown, so that a bad expression is reported too.
        var result = CronSchedule.Parse(draft.Schedule, zone ?? TimeZoneInfo.Utc);
        if (result.Schedule is not { } parsed || zone is null)
        {
            // The message is the shared rules' own, word for word what 'apiroutes schedule' prints for it.
            if (!result.IsValid)
            {
                diagnostics.Add(Descriptor(result.Code!), origin(), result.Message!);
            }

            return null;
        }

        foreach (var warning in CronSchedule.Warnings(draft.Schedule, parsed, request.NowUtc))
        {
            diagnostics.Add(Descriptor(warning.Code), ScheduleCodes.IsAboutTimeZone(warning.Code) ? draft.TimeZoneOrigin!() : origin(), warning.Message);
        }

        return new ManifestSchedule(draft.Schedule.Trim(), parsed.Normalized, parsed.TimeZoneId);
    }

    private static DiagnosticDescriptor Descriptor(string code) => DiagnosticCodes.All.Single(descriptor => descriptor.Code == code);

    private int? TimeLimit(RouteDraft draft)
    {
        if (draft.TimeLimitSeconds is { } own)
        {
            CheckLimit(own, draft.TimeLimitOrigin!, $"the time limit of '{draft.Template.Text}'", diagnostics);
            return own;
        }

        if (defaultTimeLimits.TryGetValue(draft.Kind, out var configured))
        {
            return configured.Value;
        }

        return draft.Kind switch
        {
            RouteKind.Background => RouteLimits.DefaultBackgroundTimeLimitSeconds,
            RouteKind.Scheduled => RouteLimits.DefaultScheduledTimeLimitSeconds,
            _ => null,
        };
    }

    private static void CheckLimit(int seconds, Func<SourceLocation> origin, string what, DiagnosticBag diagnostics)
    {
        if (seconds <= 0)
        {
            diagnostics.Add(DiagnosticCodes.TimeLimitNotPositive, origin(),
                $"{Capitalize(what)} is {seconds} s; it must be at least 1 second (at most {RouteLimits.MaxTimeLimitSeconds} s).");
        }
        else if (seconds > RouteLimits.MaxTimeLimitSeconds)
        {
            diagnostics.Add(DiagnosticCodes.TimeLimitTooLong, origin(),
                $"{Capitalize(what)} is {seconds} s, over the maximum of {RouteLimits.MaxTimeLimitSeconds} s (15 minutes) "
                + "that any execution may run. Lower it, or split the work into several executions.");
        }
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
