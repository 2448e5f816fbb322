using ApiRoutes.Diagnostics;
using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// One periodic loop of the runtime as a hosted service of its own (as TickerQ's retention service is): a
/// <see cref="PeriodicTimer"/> on the app's <see cref="TimeProvider"/>, armed when the service starts, whose every
/// tick runs <see cref="RunOnceAsync"/>. A tick that fails is logged and the loop goes on; a slow tick delays the next
/// rather than overlapping it. Stopping cancels the tick under way and waits for it. With a <see cref="StartupWorkGate"/>,
/// the run at start waits for it (the ticks still count from the start).
/// </summary>
internal abstract class PeriodicService(TimeProvider time, ILogger logger, StartupWorkGate? gate = null) : IHostedService, IDisposable
{
    // Never disposed (without a timer it holds nothing to release), as the runner's cut: the container may be disposed
    // before the host stops its services (WebApplicationFactory does), and both must be able to cancel, in any order.
    private readonly CancellationTokenSource _stopping = new();
    private PeriodicTimer? _timer;
    private Task _loop = Task.CompletedTask;

    /// <summary>How often the loop runs; null when it has nothing to do in this process (it then never starts).</summary>
    protected abstract TimeSpan? Period { get; }

    /// <summary>Whether the first run is at start rather than one period later.</summary>
    protected virtual bool RunsAtStart => false;

    /// <summary>What the loop does, for its log lines ("pruning").</summary>
    protected abstract string Name { get; }

    protected ILogger Logger => logger;

    /// <summary>The app's clock.</summary>
    protected TimeProvider Time => time;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Period is not { } period)
        {
            return Task.CompletedTask;
        }

        // Armed now, not when the loop's task first runs: its ticks count from the start, on a test's fake clock too.
        _timer = new PeriodicTimer(period, time);
        _loop = Task.Run(() => LoopAsync(_timer, _stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _loop.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    // Disposed before it was stopped, while the first run waits for the gate: the wait ends now (a disposed source could
    // no longer be cancelled, and the stop would wait out the host's time-out).
    public void Dispose()
    {
        _stopping.Cancel();
        _timer?.Dispose();
    }

    /// <summary>One run of the loop.</summary>
    protected abstract Task RunOnceAsync(CancellationToken stopping);

    private async Task LoopAsync(PeriodicTimer timer, CancellationToken stopping)
    {
        try
        {
            if (RunsAtStart)
            {
                if (gate is not null)
                {
                    await gate.WaitAsync(stopping);
                }

                await RunSafelyAsync(stopping);
            }

            while (await timer.WaitForNextTickAsync(stopping))
            {
                await RunSafelyAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task RunSafelyAsync(CancellationToken stopping)
    {
        try
        {
            await RunOnceAsync(stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (e is ExecutionStoreUnavailableException or System.Data.Common.DbException)
        {
            // A database's own error (SQLite's "database disk image is malformed" of a damaged file) is the store's
            // failure, not a bug of the runtime's (review 25b F16).
            logger.LoopStoreUnavailable(Name, e);   // no execution was being recorded: not 2010 (review 25b F14)
        }
#pragma warning disable CA1031 // A loop of the runtime must outlive any failure of one run: it is logged, and the next tick runs.
        catch (Exception e)
#pragma warning restore CA1031
        {
            logger.LoopFailed(Name, e);
        }
    }
}
