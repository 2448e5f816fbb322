using ApiRoutes.Tasks.Configuration;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Routing;
using ApiRoutes.Text;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Applies the <c>routes:</c> entries of <c>apiroutes.yaml</c> to the drafts. An entry matches a route as a request
/// would: letter case and parameter names do not matter (<c>/api/Orders/{orderId}</c> configures
/// <c>/api/orders/{id}</c>).
/// </summary>
internal static class ConfigMerger
{
    public static void Apply(IReadOnlyList<RouteConfig> entries, IReadOnlyList<RouteDraft> drafts, DiagnosticBag diagnostics)
    {
        var byShape = drafts.ToLookup(draft => draft.Template.ShapeKey, StringComparer.Ordinal);
        var configured = new Dictionary<string, RouteConfig>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var key = entry.Route;
            var parsed = RouteTemplateParser.Parse(key.Value);
            if (!parsed.IsValid)
            {
                diagnostics.Add(DiagnosticCodes.UnknownYamlRoute, key.Location,
                    $"'{key.Value}' in apiroutes.yaml is not a valid route template ({parsed.Error}), so it names no route.");
                continue;
            }

            var shape = parsed.Template!.ShapeKey;
            var matches = byShape[shape].ToList();
            if (matches.Count == 0)
            {
                var known = drafts.Select(draft => draft.Template.Text).Distinct().Order(StringComparer.Ordinal).ToList();
                var hint = Suggestions.Closest(parsed.Template.Text, known) is { } close ? $" Did you mean '{close}'?" : "";
                // Review 39b F5: '/api/orders/[id]' (Next.js) or ':id' (Express) names a literal, not the parameter route.
                if (ForeignParameterSyntax.Find(parsed.Template) is [var (written, parameter), ..])
                {
                    hint = $" '{written}' is a literal here; a route parameter is written '{parameter}'.{hint}";
                }

                var list = known.Count == 0 ? "The project has no routes." : $"Routes: {string.Join(", ", known.Take(10))}{(known.Count > 10 ? ", ..." : "")}.";
                diagnostics.Add(DiagnosticCodes.UnknownYamlRoute, key.Location,
                    $"apiroutes.yaml configures '{key.Value}', but no handler has that route.{hint} {list}");
                continue;
            }

            if (configured.TryGetValue(shape, out var earlier))
            {
                diagnostics.Add(DiagnosticCodes.DuplicateYamlRoute, key.Location,
                    $"'{key.Value}' is the same route as '{earlier.Route.Value}' at line {earlier.Route.Location.Line}; "
                    + "merge the two entries into one.");
                continue;
            }

            configured[shape] = entry;
            foreach (var draft in matches)
            {
                Apply(entry, draft, diagnostics);
            }
        }
    }

    private static void Apply(RouteConfig entry, RouteDraft draft, DiagnosticBag diagnostics)
    {
        if (entry.Enabled is { } enabled)
        {
            draft.IsEnabled = enabled.Value;
        }

        if (entry.Background is { } background)
        {
            if (background.Value && draft.IsScheduled)
            {
                diagnostics.Add(DiagnosticCodes.BackgroundAndScheduled, background.Location,
                    $"'{draft.Template.Text}' is a scheduled route and cannot also be a background route; remove "
                    + "'background: true'.");
                draft.HasErrors = true;
            }

            draft.IsBackground = background.Value;
        }

        if (entry.Schedule is { } schedule)
        {
            OnlyForSchedules(draft, diagnostics, DiagnosticCodes.ScheduleOnUnscheduledRoute, schedule.Location,
                $"apiroutes.yaml sets a schedule for '{draft.Template.Text}', but '{draft.Type.FullName}' is not a "
                + "scheduled route. Add [ScheduledRoute] to the class, or remove 'schedule' here.");
            draft.Schedule = schedule.Value;
            draft.ScheduleOrigin = () => schedule.Location;
        }

        if (entry.CatchUp is { } catchUp)
        {
            if (catchUp.Value)
            {
                OnlyForSchedules(draft, diagnostics, DiagnosticCodes.CatchUpOnUnscheduledRoute, catchUp.Location,
                    $"apiroutes.yaml sets catchUp for '{draft.Template.Text}', which is not a scheduled route; only schedules "
                    + "have occurrences to catch up. Remove 'catchUp' here.");
            }

            draft.CatchUp = catchUp.Value;
        }

        if (entry.TimeZone is { } zone)
        {
            OnlyForSchedules(draft, diagnostics, DiagnosticCodes.TimeZoneOnUnscheduledRoute, zone.Location,
                $"apiroutes.yaml sets timeZone for '{draft.Template.Text}', which is not a scheduled route; only schedules run in a "
                + "time zone. Remove 'timeZone' here.");
            draft.TimeZone = zone.Value;
            draft.TimeZoneOrigin = () => zone.Location;
        }

        if (entry.Methods is { } methods)
        {
            // The configured methods replace the attribute's; the same rules, at the YAML's line.
            draft.Methods = MethodRules.CheckConfigured(draft.Type, methods.Value, draft.IsScheduled, methods.Location, diagnostics);
            draft.HasErrors |= draft.Methods is null;
        }

        if (entry.TimeLimitSeconds is { } limit)
        {
            draft.TimeLimitSeconds = limit.Value;
            draft.TimeLimitOrigin = () => limit.Location;
        }
    }

    // A key that only a scheduled route can have: an error on any other route.
    private static void OnlyForSchedules(RouteDraft draft, DiagnosticBag diagnostics, DiagnosticDescriptor code, SourceLocation? location, string message)
    {
        if (!draft.IsScheduled)
        {
            diagnostics.Add(code, location, message);
            draft.HasErrors = true;
        }
    }
}
