using ApiRoutes.Scheduling;

namespace ApiRoutes.Testing;

/// <summary>Reads outcomes and timelines from the execution log and the recorded runtime events.</summary>
internal sealed class OutcomeReader(ExecutionLog log, RuntimeEvents events)
{
    public static bool IsFinished(ExecutionStatus status) => status is ExecutionStatus.Succeeded or ExecutionStatus.Failed or ExecutionStatus.TimedOut;

    public ExecutionRecord Record(string executionId) => log.Find(executionId)
        ?? throw new ApiRoutesTestException($"No execution '{executionId}' is known to the app (ExecutionLog.Find).");

    public ExecutionOutcome Outcome(string executionId)
    {
        var record = Record(executionId);
        var own = Of(executionId);
        return new ExecutionOutcome
        {
            ExecutionId = executionId,
            Route = record.Route,
            Status = record.Status,
            Record = record,
            AttemptStarts = [.. own.Where(e => e.Id == 2002).Select(e => e.At)],
            RetryDelays = [.. own.Where(e => e.Id == 2006).Select(e => e.Span("Delay") ?? TimeSpan.Zero)],
            LogLines = log.LogLinesOf(executionId),
        };
    }

    public ScheduledRun Scheduled(string executionId, DateTimeOffset occurrence, byte[] body, DateTimeOffset? nextRun)
    {
        var outcome = Outcome(executionId);
        return new ScheduledRun
        {
            ExecutionId = outcome.ExecutionId,
            Route = outcome.Route,
            Status = outcome.Status,
            Record = outcome.Record,
            AttemptStarts = outcome.AttemptStarts,
            RetryDelays = outcome.RetryDelays,
            LogLines = outcome.LogLines,
            Occurrence = occurrence,
            Body = System.Text.Encoding.UTF8.GetString(body),
            NextRun = nextRun,
        };
    }

    public ScheduleTimeline Timeline(DateTimeOffset from, DateTimeOffset to, int mark, IReadOnlyList<string> scheduledRoutes)
    {
        var recorded = events.Since(mark);
        var occurrences = recorded
            .Select(e => (e, Outcome: e.Id switch
            {
                3001 => OccurrenceOutcome.Ran,
                3002 => OccurrenceOutcome.SkippedOverlap,
                3009 => OccurrenceOutcome.SkippedPaused,
                3010 => OccurrenceOutcome.ClaimedElsewhere,
                3011 => OccurrenceOutcome.NotClaimed,
                _ => (OccurrenceOutcome?)null,
            }))
            .Where(x => x.Outcome is not null)
            .Select(x =>
            {
                var id = x.e.Values.ContainsKey("ExecutionId") ? x.e.Text("ExecutionId") : null;
                var status = x.Outcome == OccurrenceOutcome.Ran && id is not null ? log.Find(id)?.Status : null;
                return new ScheduledOccurrence(x.e.Text("Route"), x.e.Instant("Occurrence") ?? x.e.At, x.Outcome!.Value, id, status);
            });
        var started = recorded.Where(e => e.Id == 2002).Select(e => e.Text("ExecutionId")).Distinct(StringComparer.Ordinal);
        return new ScheduleTimeline
        {
            ScheduledRoutes = scheduledRoutes,
            From = from,
            To = to,
            Occurrences = [.. occurrences],
            Executions = [.. started.Where(id => log.Find(id) is not null).Select(Outcome)],
        };
    }

    public static byte[] ScheduledBody(ManifestLoading.LoadedRoute route, DateTimeOffset occurrence) =>
        ScheduledRequest.For(route, occurrence).Body.ToArray();

    private IEnumerable<RuntimeEvent> Of(string executionId) =>
        events.Since(0).Where(e => string.Equals(e.Text("ExecutionId"), executionId, StringComparison.Ordinal));
}
