using ApiRoutes.Execution;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;

namespace ApiRoutes.Testing.Tests.Infrastructure;

/// <summary>
/// The in-memory store, except that writing the end of the first scheduled run takes <paramref name="pause"/> of real
/// time on the thread that writes it: the runner's, after the execution log already shows the run ended and before the
/// runner returns and frees the schedule's slot. What a busy machine does when it preempts the runner there.
/// </summary>
internal sealed class SlowEndStore(TimeProvider time, TimeSpan pause) : ForwardingStore(new InMemoryExecutionStore(time))
{
    private int _slowed;

    public override Task UpdateAsync(ExecutionRecord record, CancellationToken cancellationToken)
    {
        if (record is { Kind: "scheduled", FinishedAt: not null } && Interlocked.Exchange(ref _slowed, 1) == 0)
        {
            Thread.Sleep(pause);
        }

        return base.UpdateAsync(record, cancellationToken);
    }
}
