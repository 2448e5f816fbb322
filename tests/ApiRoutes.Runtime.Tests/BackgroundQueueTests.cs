using ApiRoutes.Background;
using ApiRoutes.Execution;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using Microsoft.Extensions.Options;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Admission control, without a server.</summary>
public class BackgroundQueueTests
{
    private readonly BackgroundQueue _queue = new(Options.Create(new ApiRoutesOptions { Background = { MaxQueueLength = 2 } }));

    [Fact]
    public void New_work_is_admitted_up_to_the_queue_length_and_then_refused_with_a_reason()
    {
        Assert.Null(_queue.TryReserve());
        Assert.True(_queue.TryWrite(Execution("a")));
        Assert.Null(_queue.TryReserve());
        Assert.True(_queue.TryWrite(Execution("b")));

        Assert.Equal("the queue is full (2 waiting)", _queue.TryReserve());
        Assert.Equal(2, _queue.Waiting);
    }

    [Fact]
    public void Retries_of_accepted_work_re_enter_even_when_the_queue_is_full()
    {
        _queue.TryReserve();
        _queue.TryWrite(Execution("a"));
        _queue.TryReserve();
        _queue.TryWrite(Execution("b"));

        Assert.True(_queue.Requeue(Execution("c")));
        Assert.Equal(3, _queue.Waiting);
    }

    // Review 39a F5: while start-up recovery has rows that could run and waits for room, a freed place is its.
    [Fact]
    public void While_recovered_work_waits_for_room_new_work_is_refused_even_with_a_place_free()
    {
        _queue.RecoveryAhead = true;

        Assert.Equal("the queue is full: work accepted before this start is taken up first", _queue.TryReserve());
        Assert.Equal(0, _queue.Waiting);
        Assert.True(_queue.Requeue(Execution("recovered")));

        _queue.RecoveryAhead = false;
        Assert.Null(_queue.TryReserve());
    }

    [Fact]
    public void Recovery_waiting_for_room_is_woken_by_the_place_a_worker_frees()
    {
        _queue.Requeue(Execution("a"));
        _queue.Requeue(Execution("b"));
        var freed = _queue.RoomFreedAsync();
        Assert.False(freed.IsCompleted);

        _queue.Started();

        Assert.True(freed.IsCompleted);
        Assert.True(_queue.RoomFreedAsync().IsCompleted);   // a place is free now: no wait
    }

    // Review 39a F2: retries waiting out their delay have a room of their own; only those past it take the queue's.
    [Fact]
    public void Retries_waiting_take_places_of_the_queue_only_past_a_room_of_their_own()
    {
        _queue.CountRetryWaiting(2);
        Assert.Null(_queue.TryReserve());
        Assert.True(_queue.TryWrite(Execution("a")));

        _queue.CountRetryWaiting(1);

        Assert.Equal("the queue is full (1 waiting to start, and 1 more waiting out a retry's delay than the 2 kept beside the queue)", _queue.TryReserve(out var untilRetryDue));
        Assert.False(untilRetryDue);   // a place frees when the worker takes "a"
        _queue.Started();
        _queue.CountRetryWaiting(1);
        Assert.NotNull(_queue.TryReserve(out untilRetryDue));
        Assert.True(untilRetryDue);    // retries hold the whole room: nothing frees before the first is due
    }

    [Fact]
    public void A_closed_queue_refuses_new_work_but_keeps_what_it_has_for_the_drain()
    {
        _queue.TryReserve();
        _queue.TryWrite(Execution("a"));

        _queue.Close();

        Assert.Equal("the server is shutting down", _queue.TryReserve());
        Assert.False(_queue.Requeue(Execution("b")));
        Assert.Equal(1, _queue.Waiting);
        Assert.True(_queue.Reader.TryRead(out var queued));
        Assert.Equal("a", queued.Id);
    }

    // Review 39g F1: the worker that ran an attempt may let it go after another worker took the next attempt (a retry due
    // at once, a fenced attempt put back): that worker is still held.
    [Fact]
    public void A_worker_that_lets_an_execution_go_after_another_took_it_again_leaves_the_other_s_place()
    {
        var execution = Execution("a");
        var first = _queue.WorkerTook(execution);
        var second = _queue.WorkerTook(execution);

        _queue.WorkerFreed(first);

        Assert.Same(execution, Assert.Single(_queue.Working));
        _queue.WorkerFreed(second);
        Assert.Empty(_queue.Working);
    }

    private static TrackedExecution Execution(string id)
    {
        var route = new LoadedRoute(BackgroundRoute("/api/slow", typeof(Slow)), typeof(Slow), schedule: null);
        var record = new ExecutionRecord { Id = id, Route = route.Template, Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch };
        return new TrackedExecution(record, ExecutionState.Queued, route, RequestSnapshot.Synthetic("/api/slow", []));
    }
}
