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

    private static TrackedExecution Execution(string id)
    {
        var route = new LoadedRoute(BackgroundRoute("/api/slow", typeof(Slow)), typeof(Slow), schedule: null);
        var record = new ExecutionRecord { Id = id, Route = route.Template, Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = DateTimeOffset.UnixEpoch };
        return new TrackedExecution(record, ExecutionState.Queued, route, RequestSnapshot.Synthetic("/api/slow", []));
    }
}
