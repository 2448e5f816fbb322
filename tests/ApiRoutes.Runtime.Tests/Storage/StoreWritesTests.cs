using System.Collections.Concurrent;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Store writes nobody waits for (<see cref="StoreWrites.LogIfFails"/>): a failure is logged (2010) and handed on once,
/// whether the write had failed already or fails later; a success, or a cancellation, is neither.
/// </summary>
public sealed class StoreWritesTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<string> _lines = new();
    private readonly ConcurrentQueue<Exception> _failed = new();
    private readonly ILogger _logger;

    public StoreWritesTests() => _logger = new ListLoggerProvider(_lines).CreateLogger("store");

    [Fact]
    public void A_write_that_fails_later_is_logged_and_handed_on_once_where_it_completes()
    {
        WithoutContext(() =>
        {
            var write = new TaskCompletionSource();   // continuations inline: as the SQLite group commit tells its waiters
            write.Task.LogIfFails(_logger, "e1", _failed.Enqueue);
            Assert.Empty(_lines);

            var refused = new ExecutionStoreUnavailableException("refused");
            write.SetException(refused);

            Assert.Equal(refused, Assert.Single(_failed));
            Assert.Equal("store[2010] Error: The execution store could not record execution e1", Assert.Single(_lines));
        });
    }

    // A change refused because another replica holds the execution now is the lease's outcome, not the store's failure.
    [Fact]
    public void A_change_refused_because_another_replica_holds_the_execution_is_a_warning_that_says_so()
    {
        var held = new ExecutionStoreUnavailableException("Execution e3 is held by another replica now; this replica's change to Succeeded was not recorded.") { HeldElsewhere = true };

        Task.FromException(held).LogIfFails(_logger, "e3", _failed.Enqueue);

        Assert.Equal(held, Assert.Single(_failed));
        Assert.Equal(
            "store[2047] Warning: Execution e3 is held by another replica now; this replica's change to Succeeded was not recorded. This replica's lease had lapsed (4003) "
            + "and another replica took execution e3 over: its handler may have run on both, and the other replica's outcome is the one recorded",
            Assert.Single(_lines));
    }

    [Fact]
    public async Task A_write_told_on_another_thread_is_logged_there()
    {
        var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);   // as PostgreSQL's
        using var handed = new SemaphoreSlim(0);
        write.Task.LogIfFails(_logger, "e2", e =>
        {
            _failed.Enqueue(e);
            handed.Release();
        });

        write.SetException(new IOException("disk full"));

        Assert.True(await handed.WaitAsync(Bound));
        Assert.IsType<IOException>(Assert.Single(_failed));
        Assert.Contains("store[2010] Error: The execution store could not record execution e2", _lines);
    }

    [Fact]
    public void A_write_that_failed_already_is_logged_and_handed_on_at_once()
    {
        WithoutContext(() =>
        {
            Task.FromException(new ExecutionStoreUnavailableException("closed")).LogIfFails(_logger, "e3", _failed.Enqueue);

            Assert.IsType<ExecutionStoreUnavailableException>(Assert.Single(_failed));
            Assert.Single(_lines);
        });
    }

    [Fact]
    public void A_write_that_succeeds_or_is_cancelled_is_neither_logged_nor_handed_on()
    {
        WithoutContext(() =>
        {
            var later = new TaskCompletionSource();
            var cancelled = new TaskCompletionSource();
            Task.CompletedTask.LogIfFails(_logger, "done", _failed.Enqueue);
            later.Task.LogIfFails(_logger, "later", _failed.Enqueue);
            cancelled.Task.LogIfFails(_logger, "cancelled", _failed.Enqueue);
            Task.FromCanceled(new CancellationToken(canceled: true)).LogIfFails(_logger, "cancelled before", _failed.Enqueue);

            later.SetResult();
            cancelled.SetCanceled();

            Assert.Empty(_failed);
            Assert.Empty(_lines);
        });
    }

    [Fact]
    public void Without_a_logger_a_failure_is_handed_on_all_the_same()
    {
        WithoutContext(() =>
        {
            var write = new TaskCompletionSource();
            write.Task.LogIfFails(null, "e4", _failed.Enqueue);
            write.SetException(new IOException("gone"));

            Assert.IsType<IOException>(Assert.Single(_failed));
            Assert.Empty(_lines);
        });
    }

    // Review 10: the callback is a continuation, so what escaped it was rethrown on the pool and ended the process (this
    // test host with it, before the fix): a logger failing on the full disk that failed the write, or a hand-on whose
    // second write throws at once.
    [Fact]
    public void A_logger_or_a_hand_on_that_throws_never_escapes_the_callback()
    {
        WithoutContext(() =>
        {
            var write = new TaskCompletionSource();   // continuations inline, on this thread
            var logger = new ThrowingLogger();
            write.Task.LogIfFails(logger, "e6", e => throw new InvalidOperationException("the second write threw"));

            write.SetException(new IOException("No space left on device"));

            Assert.Equal(2, logger.Calls);   // the write's failure, then the hand-on's: both tried, neither escaped
        });
    }

    [Fact]
    public void A_hand_on_that_throws_is_logged_as_the_write_s_failure_is()
    {
        WithoutContext(() =>
        {
            var write = new TaskCompletionSource();
            write.Task.LogIfFails(_logger, "e7", e => throw new InvalidOperationException("the second write threw"));

            write.SetException(new IOException("disk full"));

            Assert.Equal(2, _lines.Count(line => line == "store[2010] Error: The execution store could not record execution e7"));
        });
    }

    // As in ASP.NET Core: no synchronization context, where a continuation is run inline (xunit's has every continuation
    // queued), so that what the callback did is there to assert right after the write completed.
    private static void WithoutContext(Action body)
    {
        var context = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            body();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(context);
        }
    }

    private sealed class ThrowingLogger : ILogger
    {
        public int Calls { get; private set; }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Calls++;
            throw new IOException("No space left on device");
        }
    }
}
