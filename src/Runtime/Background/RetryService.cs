using ApiRoutes.Execution;
using Microsoft.Extensions.Hosting;

namespace ApiRoutes.Background;

/// <summary>
/// The retries waiting out their delay: one timer each, on the app's <see cref="TimeProvider"/>. A retry is removed
/// when its timer fires (the <see cref="ExecutionLifecycle"/> queues it again), so the pending ones are only those
/// still waiting. When the server stops, the pending ones end at once: each is cut (by the lifecycle, which decides
/// what becomes of it), and no new one is armed.
/// </summary>
internal sealed class RetryService(TimeProvider time) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private bool _stopping;
    private int _deferred;

    /// <summary>How many retries wait now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>When the retry of that execution is due, while its timer waits (not once it fired): ApiRoutes.Testing's "at rest".</summary>
    public DateTimeOffset? PendingDue(string executionId)
    {
        lock (_gate)
        {
            return _pending.TryGetValue(executionId, out var pending) ? pending.Due : null;
        }
    }

    /// <summary>
    /// When the first retry still waiting is due; null when none waits, or while one is due already and waits for its
    /// attempt before to end (<see cref="Deferring"/>): its place may free at any moment (note 40b).
    /// </summary>
    public DateTimeOffset? FirstDue()
    {
        lock (_gate)
        {
            return _pending.Count == 0 || _deferred > 0 ? null : _pending.Values.Min(pending => pending.Due);
        }
    }

    /// <summary>A retry came due and waits for its attempt before to end; dispose the result once it has.</summary>
    public IDisposable Deferring()
    {
        lock (_gate)
        {
            _deferred++;
        }

        return new Deferral(this);
    }

    /// <summary>Arms the retry's timer; false once the server is stopping.</summary>
    public bool TrySchedule(TrackedExecution execution, DateTimeOffset due, ExecutionLifecycle owner)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            var pending = new Pending(execution, owner, due);
            // The callback only hands over to the thread pool: never inside the caller's locks, even when a timer
            // due at once fires as it is created.
            pending.Timer = time.CreateTimer(_ => ThreadPool.UnsafeQueueUserWorkItem(Fire, pending, preferLocal: false), null, Max(due - time.GetUtcNow()), Timeout.InfiniteTimeSpan);
            _pending[execution.Id] = pending;
            return true;
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Pending[] ended;
        lock (_gate)
        {
            _stopping = true;
            ended = [.. _pending.Values];
            _pending.Clear();
        }

        foreach (var pending in ended)
        {
            pending.Timer?.Dispose();
            pending.Owner.Cut(pending.Execution, $"a retry (attempt {pending.Execution.Record.Attempt}) was pending when the server shut down");
        }

        return Task.CompletedTask;
    }

    private static TimeSpan Max(TimeSpan wait) => wait > TimeSpan.Zero ? wait : TimeSpan.Zero;

    private void Fire(Pending pending)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(pending.Execution.Id, out var current) || current != pending)
            {
                return;   // stopping took it first
            }

            _pending.Remove(pending.Execution.Id);
        }

        pending.Timer?.Dispose();
        pending.Owner.RetryDue(pending.Execution);
    }

    private sealed class Pending(TrackedExecution execution, ExecutionLifecycle owner, DateTimeOffset due)
    {
        public DateTimeOffset Due { get; } = due;

        public TrackedExecution Execution { get; } = execution;

        public ExecutionLifecycle Owner { get; } = owner;

        public ITimer? Timer { get; set; }
    }

    private sealed class Deferral(RetryService owner) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                lock (owner._gate)
                {
                    owner._deferred--;
                }
            }
        }
    }
}
