using System.Diagnostics;
using System.Globalization;
using ApiRoutes.Manifest;

namespace ApiRoutes.Execution;

/// <summary>
/// The span of one attempt (<see cref="ApiRoutesTracing"/>): a child of the trace context stored with the execution,
/// or a root for a run of the in-process scheduler. When nothing listens to the source, the attempt still runs in a
/// plain activity of that trace (as ASP.NET Core does for requests), so the handler's logs and outgoing calls carry
/// the trace id either way.
/// </summary>
internal static class ExecutionTracing
{
    private static readonly ActivitySource Source = new(ApiRoutesTracing.SourceName, typeof(ExecutionTracing).Assembly.GetName().Version?.ToString());

    /// <summary>Starts the attempt's activity, as <see cref="Activity.Current"/> of the caller's flow.</summary>
    public static Activity Start(TrackedExecution execution)
    {
        var record = execution.Record;

        // Whatever flowed to here (a trigger's request, a worker's last attempt) is not the parent: the stored context is.
        Activity.Current = null;
        var parent = record.TraceParent is { } traceParent && ActivityContext.TryParse(traceParent, record.TraceState, isRemote: true, out var context)
            ? context
            : default;
        var name = $"{record.Kind} {record.Route}";
        var kind = record.Kind == RouteKind.Background.Name() ? ActivityKind.Consumer : ActivityKind.Internal;
        if (Source.StartActivity(name, kind, parent) is not { } activity)
        {
            return Unrecorded(name, parent);
        }

        if (activity.IsAllDataRequested)
        {
            activity.SetTag(ApiRoutesTracing.Route, record.Route);
            activity.SetTag(ApiRoutesTracing.Kind, record.Kind);
            activity.SetTag(ApiRoutesTracing.ExecutionId, record.Id);
            activity.SetTag(ApiRoutesTracing.Attempt, record.Attempt);
            if (record.Occurrence is { } occurrence)
            {
                activity.SetTag(ApiRoutesTracing.Occurrence, occurrence.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
                activity.SetTag(ApiRoutesTracing.Trigger, execution.Trigger);
            }
        }

        return activity;
    }

    /// <summary>Records how the attempt ended; the caller stops the activity.</summary>
    public static void End(Activity activity, AttemptResult result)
    {
        if (activity.Source != Source || !activity.IsAllDataRequested)
        {
            return;
        }

        switch (result)
        {
            case { Cut: true }:
                activity.SetTag(ApiRoutesTracing.Outcome, "cut");
                activity.SetTag(ApiRoutesTracing.ErrorType, "cut");
                activity.SetStatus(ActivityStatusCode.Error, "Cut: still running when the drain period ended.");
                break;
            case { Status: ExecutionStatus.TimedOut }:
                activity.SetTag(ApiRoutesTracing.Outcome, "timed_out");
                activity.SetTag(ApiRoutesTracing.ErrorType, "timeout");
                activity.SetStatus(ActivityStatusCode.Error, "Timed out: the route's time limit was reached.");
                break;
            case { Status: ExecutionStatus.Failed }:
                activity.SetTag(ApiRoutesTracing.Outcome, "failed");
                activity.SetTag(ApiRoutesTracing.ErrorType, result.Exception?.GetType().FullName ?? "failed");
                activity.SetStatus(ActivityStatusCode.Error, result.Exception?.Message);
                if (result.Exception is { } exception)
                {
                    activity.AddException(exception);
                }

                break;
            default:
                activity.SetTag(ApiRoutesTracing.Outcome, "succeeded");
                break;
        }
    }

    private static Activity Unrecorded(string name, ActivityContext parent)
    {
        var activity = new Activity(name);
        if (parent != default)
        {
            activity.SetParentId(parent.TraceId, parent.SpanId, parent.TraceFlags);
            activity.TraceStateString = parent.TraceState;
        }

        return activity.Start();
    }
}
