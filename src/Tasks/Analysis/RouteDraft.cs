using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;
using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// A handler on its way to the manifest: what the attributes said, then what <c>apiroutes.yaml</c> changed, each
/// setting with the place it came from so that an error points where the user wrote it.
/// </summary>
internal sealed class RouteDraft(HandlerType type, RouteTemplate template, Func<SourceLocation> templateOrigin)
{
    public HandlerType Type { get; } = type;

    public RouteTemplate Template { get; } = template;

    public Func<SourceLocation> TemplateOrigin { get; } = templateOrigin;

    /// <summary>The only methods the route answers, normalized; null for any method.</summary>
    public IReadOnlyList<string>? Methods { get; set; }

    public bool IsBackground { get; set; }

    public bool IsScheduled { get; set; }

    public string? Schedule { get; set; }

    public Func<SourceLocation>? ScheduleOrigin { get; set; }

    /// <summary>Null for "the default of the route's kind".</summary>
    public int? TimeLimitSeconds { get; set; }

    public Func<SourceLocation>? TimeLimitOrigin { get; set; }

    public bool IsEnabled { get; set; } = true;

    public bool CatchUp { get; set; }

    /// <summary>The schedule's IANA time zone; null for UTC.</summary>
    public string? TimeZone { get; set; }

    public Func<SourceLocation>? TimeZoneOrigin { get; set; }

    /// <summary>Set once an error was reported for this handler: it takes part in matching, never in the manifest.</summary>
    public bool HasErrors { get; set; }

    public RouteKind Kind => IsScheduled ? RouteKind.Scheduled : IsBackground ? RouteKind.Background : RouteKind.Standard;
}
