using ApiRoutes.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// The gate of the hosted services' first background work, on a fake clock: it opens at the first answer, after the
/// idle window when no request came, and at the latest at the bound, all counted from when the server listens.
/// </summary>
public sealed class StartupWorkGateTests : IDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromTicks(1);

    private readonly FakeTimeProvider _time = new();
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);
    private readonly StartupWorkGate _gate;

    public StartupWorkGateTests() => _gate = new StartupWorkGate(_time, _lifetime);

    public void Dispose()
    {
        _gate.Dispose();
        _lifetime.StopApplication();
    }

    [Fact]
    public void Before_the_server_listens_it_stays_closed_however_long_the_start_takes()
    {
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(_gate.IsOpen);
    }

    [Fact]
    public void Listening_without_a_request_it_opens_after_the_idle_window()
    {
        _lifetime.NotifyStarted();
        _time.Advance(StartupWorkGate.IdleWindow - Tick);
        Assert.False(_gate.IsOpen);

        _time.Advance(Tick);
        Assert.True(_gate.IsOpen);
    }

    [Fact]
    public async Task The_first_answer_opens_it_before_the_idle_window_ends()
    {
        _lifetime.NotifyStarted();
        var request = Request();
        _time.Advance(StartupWorkGate.IdleWindow / 2);
        Assert.False(_gate.IsOpen);

        await request.AnsweredAsync();
        Assert.True(_gate.IsOpen);
        await _gate.WaitAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_answer_before_the_host_says_it_listens_opens_it_too()
    {
        // Kestrel listens before the host's ApplicationStarted: a request may be answered in between.
        await Request().AnsweredAsync();
        Assert.True(_gate.IsOpen);
    }

    [Fact]
    public async Task A_first_request_still_under_way_is_waited_for_up_to_the_bound_and_no_longer()
    {
        _lifetime.NotifyStarted();
        var request = Request();
        _time.Advance(StartupWorkGate.IdleWindow);
        Assert.False(_gate.IsOpen);   // the idle window ended with a request under way: its answer is waited for

        _time.Advance(StartupWorkGate.Bound - StartupWorkGate.IdleWindow - Tick);
        Assert.False(_gate.IsOpen);

        _time.Advance(Tick);
        Assert.True(_gate.IsOpen);
        await request.AnsweredAsync();   // an answer after it opened changes nothing
        Assert.True(_gate.IsOpen);
    }

    [Fact]
    public async Task A_service_that_stops_while_it_waits_stops_waiting()
    {
        using var stopping = new CancellationTokenSource();
        var wait = _gate.WaitAsync(stopping.Token);
        Assert.False(wait.IsCompleted);

        await stopping.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait);
        Assert.False(_gate.IsOpen);
    }

    [Fact]
    public void Without_a_host_to_say_when_it_listens_it_is_open_from_the_start()
    {
        using var gate = new StartupWorkGate(_time, lifetime: null);
        Assert.True(gate.IsOpen);
    }

    private FirstRequest Request()
    {
        var response = new CompletableResponse();
        var context = new DefaultHttpContext();
        context.Features.Set<IHttpResponseFeature>(response);
        _gate.RequestStarted(context);
        return new FirstRequest(response);
    }

    private sealed record FirstRequest(CompletableResponse Response)
    {
        public Task AnsweredAsync() => Response.CompleteAsync();
    }

    // The server's response feature runs the OnCompleted callbacks once the response has been sent.
    private sealed class CompletableResponse : HttpResponseFeature
    {
        private readonly List<(Func<object, Task> Callback, object State)> _completed = [];

        public override void OnCompleted(Func<object, Task> callback, object state) => _completed.Add((callback, state));

        public async Task CompleteAsync()
        {
            foreach (var (callback, state) in _completed)
            {
                await callback(state);
            }
        }
    }
}
