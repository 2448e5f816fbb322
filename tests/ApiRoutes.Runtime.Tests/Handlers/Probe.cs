using System.Collections.Concurrent;
using System.Threading.Channels;

namespace ApiRoutes.Runtime.Tests.Handlers;

/// <summary>What a test handler saw, for the test to wait on and inspect.</summary>
public sealed record Invocation(string Handler, string Method, string Path, string Query, string Body, IReadOnlyDictionary<string, string> Headers, IReadOnlyDictionary<string, string?> RouteValues)
{
    /// <summary>The execution the handler ran for (its context's feature), none for a standard request.</summary>
    public IApiRoutesExecutionFeature? Execution { get; init; }
}

/// <summary>
/// A singleton the test handlers report to, and gates they wait on, so a test controls when a handler returns.
/// Every wait is bounded.
/// </summary>
public sealed class Probe
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly Channel<Invocation> _invocations = Channel.CreateUnbounded<Invocation>();
    private readonly ConcurrentQueue<Invocation> _all = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public IReadOnlyCollection<Invocation> All => _all;

    public int Count(string handler) => _counts.GetValueOrDefault(handler);

    public void Record(Invocation invocation)
    {
        _counts.AddOrUpdate(invocation.Handler, 1, (_, count) => count + 1);
        _all.Enqueue(invocation);
        _invocations.Writer.TryWrite(invocation);
    }

    /// <summary>The next invocation, or a failed test after <see cref="Patience"/>.</summary>
    public async Task<Invocation> NextAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await _invocations.Reader.ReadAsync(timeout.Token);
    }

    public Task Gate(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public void Open(string name) => _gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>Named events other than invocations (a token was cancelled, a handler gave up, ...).</summary>
    public void Signal(string name) => Open("signal:" + name);

    public async Task WaitForSignalAsync(string name) => await Gate("signal:" + name).WaitAsync(Patience);
}
