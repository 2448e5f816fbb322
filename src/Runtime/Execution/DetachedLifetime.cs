using ApiRoutes.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Execution;

/// <summary>
/// How a detached context's request ends (<see cref="RequestSnapshot.CreateContext"/>): nothing is sent, but the end is a
/// request's. Its response's <c>OnStarting</c> callbacks run at the first write, flush or start, or at the end when
/// nothing started it; its <c>OnCompleted</c> callbacks (<c>RegisterForDispose</c> and <c>RegisterForDisposeAsync</c>
/// register theirs there) at the end, once the handler returned (<see cref="EndAsync"/>), before its scope is disposed:
/// each in the reverse order of registration, as Kestrel runs them. A bare <see cref="HttpResponseFeature"/> dropped
/// them, so every object a handler handed to <c>RegisterForDispose</c> leaked, once per attempt (review 39a F1). And
/// <see cref="Abort"/> cancels the handler's <c>RequestAborted</c>, as on a request; it did nothing (review 39a N3).
/// </summary>
internal sealed class DetachedLifetime : HttpResponseFeature, IHttpRequestLifetimeFeature
{
    // Abort's state: the handler runs, it aborted its request, or its run is over (Close): nothing cancels the token then.
    private const int Open = 0;
    private const int AbortedByHandler = 1;
    private const int Closed = 2;

    private readonly CancellationTokenSource _aborted;
    private readonly Action<CancellationTokenSource> _abort;
    private readonly ILogger _logger;
    private readonly TrackedExecution _execution;
    private readonly object _sync = new();

    // Made at the first registration: most handlers register nothing, and their attempt allocates nothing for it.
    private Stack<(Func<object, Task> Callback, object State)>? _onStarting;
    private Stack<(Func<object, Task> Callback, object State)>? _onCompleted;
    private volatile bool _started;
    private int _state;

    /// <param name="aborted">The handler's <c>RequestAborted</c>.</param>
    /// <param name="abort">Cancels it as the runner does (on a pool thread, what its callbacks throw logged: 2025).</param>
    /// <param name="logger">Where a response callback's failure is logged (2027).</param>
    /// <param name="execution">Whose attempt this is, for the log.</param>
    public DetachedLifetime(CancellationTokenSource aborted, Action<CancellationTokenSource> abort, ILogger logger, TrackedExecution execution)
    {
        _aborted = aborted;
        _abort = abort;
        _logger = logger;
        _execution = execution;
        RequestAborted = aborted.Token;
    }

    public CancellationToken RequestAborted { get; set; }

    public override bool HasStarted => _started;

    /// <summary>The response's body: it goes nowhere, but its first write starts the response.</summary>
    public IHttpResponseBodyFeature BodyFeature() => new StreamResponseBodyFeature(new StartingStream(this));

    public override void OnStarting(Func<object, Task> callback, object state)
    {
        lock (_sync)
        {
            // Kestrel's words: a callback registered after the start would never run.
            if (_started)
            {
                throw new InvalidOperationException("OnStarting cannot be set because the response has already started.");
            }

            (_onStarting ??= new()).Push((callback, state));
        }
    }

    public override void OnCompleted(Func<object, Task> callback, object state)
    {
        lock (_sync)
        {
            (_onCompleted ??= new()).Push((callback, state));
        }
    }

    /// <summary>Cancels the handler's <c>RequestAborted</c> (once; not after its run is over).</summary>
    public void Abort()
    {
        if (Interlocked.CompareExchange(ref _state, AbortedByHandler, Open) == Open)
        {
            _abort(_aborted);
        }
    }

    /// <summary>
    /// Ends <see cref="Abort"/>'s part: true when the handler never aborted its request, so its token source was not and
    /// will not be cancelled by it (the runner may then dispose it; a later Abort, from work the handler left running,
    /// does nothing).
    /// </summary>
    public bool Close() => Interlocked.CompareExchange(ref _state, Closed, Open) == Open;

    /// <summary>
    /// The end of the request, once the handler returned: the <c>OnStarting</c> callbacks if nothing started the response,
    /// then the <c>OnCompleted</c> ones. One that throws is logged (2027) and the others run: the attempt's outcome was
    /// decided by its handler, as a request's status is by then. Never throws.
    /// </summary>
    public async Task EndAsync()
    {
        await StartAsync();
        Stack<(Func<object, Task> Callback, object State)>? onCompleted;
        lock (_sync)
        {
            onCompleted = _onCompleted;
            _onCompleted = null;
        }

        await RunAsync(onCompleted, nameof(OnCompleted));
    }

    // Kestrel runs the OnStarting callbacks before the first byte goes out and fails the response at the first that throws;
    // here there is no response to fail, so each runs and what it throws is logged, never thrown into the handler's write.
    private Task StartAsync()
    {
        if (_started)
        {
            return Task.CompletedTask;
        }

        Stack<(Func<object, Task> Callback, object State)>? onStarting;
        lock (_sync)
        {
            if (_started)
            {
                return Task.CompletedTask;
            }

            _started = true;
            onStarting = _onStarting;
            _onStarting = null;
        }

        return RunAsync(onStarting, nameof(OnStarting));
    }

    private async Task RunAsync(Stack<(Func<object, Task> Callback, object State)>? callbacks, string kind)
    {
        while (callbacks?.TryPop(out var entry) == true)
        {
            try
            {
                await entry.Callback(entry.State);
            }
#pragma warning disable CA1031 // Whatever a response callback throws (its bug) is logged; the others run and the outcome stays the handler's.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _logger.ResponseCallbackFailed(_execution.Id, _execution.Record.Route, kind, e);
            }
        }
    }

    // Stream.Null that starts the response at its first write or flush (StreamResponseBodyFeature's StartAsync flushes it):
    // after that, a write costs one field read.
    private sealed class StartingStream(DetachedLifetime lifetime) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        // A synchronous write waits for the callbacks, as a synchronous write on a request does (Kestrel's, where allowed).
        public override void Flush() => lifetime.StartAsync().GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => lifetime.StartAsync();

        public override void Write(byte[] buffer, int offset, int count) => Flush();

        public override void Write(ReadOnlySpan<byte> buffer) => Flush();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => lifetime.StartAsync();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => new(lifetime.StartAsync());

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
