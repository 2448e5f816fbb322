using System.Text;
using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;

namespace ApiRoutes.Execution;

/// <summary>
/// Changes the store refuses for their data (a text it cannot hold, a constraint) rather than for its own sake: the
/// same write fails again however long one waits, so none is tried again as it is. A start is not run and is recorded
/// as failed (never put back in the queue for ever); any change of state is written again once with its free text
/// made plain (ASCII), so that the row does not stay queued or running for another replica, or the next start, to run.
/// </summary>
internal sealed partial class ExecutionLifecycle
{
    private void StartRefused(TrackedExecution execution, ExecutionStoreUnavailableException e)
    {
        _logger.StartRefused(execution.Id, execution.Record.Route, e);
        Transition(execution, ExecutionState.Failed, Plain(execution.Record with
        {
            Status = ExecutionStatus.Failed,
            FinishedAt = _time.GetUtcNow(),
            Error = $"Not run: the execution store refused its start for its data ({e.InnerException?.Message ?? e.Message}).",
        }));
    }

    // Under the execution's lock (Transition's): a write queued here lands before any later change of the execution.
    // Done already (the in-memory store): nothing more to allocate.
    // The write, for a caller that waits for it to be durable (a start); its failure is logged and handled here either way.
    private Task Write(TrackedExecution execution, ExecutionRecord record)
    {
        var write = _store.UpdateAsync(record, CancellationToken.None);
        if (!write.IsCompletedSuccessfully)
        {
            WhenFails(write, execution, record);
        }

        return write;
    }

    // A failed end is kept here and written again (UnwrittenEnds); one refused for its data first made plain.
    private void WhenFails(Task write, TrackedExecution execution, ExecutionRecord record) =>
        write.LogIfFails(_logger, record.Id, e => NotWritten(execution, record, e));

    // A change refused for its data is written again at once, made plain; an end not written is kept, and written again.
    private void NotWritten(TrackedExecution execution, ExecutionRecord record, Exception e)
    {
        var plain = Plain(record);
        if (e is not ExecutionStoreUnavailableException { RefusedForData: true } || plain == record)
        {
            _unwrittenEnds.NotWritten(execution, record, record, e);
            return;
        }

        lock (execution)
        {
            // Only while it is still the latest change: an older one must not land over a newer one.
            if (ReferenceEquals(execution.Record, record))
            {
                _store.UpdateAsync(plain, CancellationToken.None).LogIfFails(_logger, record.Id, again => _unwrittenEnds.NotWritten(execution, record, plain, again));
            }
        }
    }

    // Free text as every store holds it, whatever its encoding: each character outside printable ASCII as '?'.
    internal static ExecutionRecord Plain(ExecutionRecord record) =>
        record with { Error = Ascii(record.Error), TraceState = Ascii(record.TraceState) };

    private static string? Ascii(string? text)
    {
        if (text is null || !text.Any(NotPlain))
        {
            return text;
        }

        var plain = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            plain.Append(NotPlain(c) ? '?' : c);
        }

        return plain.ToString();
    }

    private static bool NotPlain(char c) => c is > '~' or (< ' ' and not '\n' and not '\r' and not '\t');
}
