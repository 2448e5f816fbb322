using System.Text;
using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;

namespace ApiRoutes.Execution;

/// <summary>
/// Changes the store refuses for their data (a text it cannot hold, a constraint) rather than for its own sake: the
/// same write fails again however long one waits, so none is tried again as it is. A start is not run and is recorded
/// as failed (never put back in the queue for ever); any change of state is written again once with its free text
/// made plain (ASCII), so that the row does not stay queued or running for another replica, or the next start, to run.
/// And the writes of an execution's end, under way or failed for any reason, are handed to <see cref="UnwrittenEnds"/>.
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
    // An end's write under way keeps its execution in the log until it lands, and a failed one is written again (UnwrittenEnds).
    private Task Write(TrackedExecution execution, ExecutionRecord record)
    {
        var write = _store.UpdateAsync(record, CancellationToken.None);
        if (!write.IsCompletedSuccessfully)
        {
            UnderWay(write, execution, record);
        }

        return write;
    }

    // Apart from Write: its closures are made only for a write under way (in Write, the compiler made them at every call,
    // 48 bytes a change with the in-memory store: review 42c F1).
    private void UnderWay(Task write, TrackedExecution execution, ExecutionRecord record)
    {
        var end = UnwrittenEnds.IsEnd(execution.State);
        if (end)
        {
            _unwrittenEnds.Writing(execution);
        }

        write.LogIfFails(_logger, record.Id, e => NotWritten(execution, record, e, end), Landed(execution, end));
    }

    private Action? Landed(TrackedExecution execution, bool end) => end ? () => _unwrittenEnds.Landed(execution) : null;

    // A change refused for its data is written again at once, made plain; an end not written is kept, and written again.
    private void NotWritten(TrackedExecution execution, ExecutionRecord record, Exception e, bool end)
    {
        var plain = Plain(record);
        if (e is ExecutionStoreUnavailableException { RefusedForData: true } && plain != record)
        {
            lock (execution)
            {
                // Only while it is still the latest change: an older one must not land over a newer one.
                if (ReferenceEquals(execution.Record, record))
                {
                    _store.UpdateAsync(plain, CancellationToken.None).LogIfFails(
                        _logger, record.Id, again => Failed(execution, record, plain, again, end), Landed(execution, end));
                    return;
                }
            }
        }

        Failed(execution, record, record, e, end);
    }

    private void Failed(TrackedExecution execution, ExecutionRecord record, ExecutionRecord written, Exception e, bool end)
    {
        if (end)
        {
            _unwrittenEnds.Failed(execution, record, written, e);
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
