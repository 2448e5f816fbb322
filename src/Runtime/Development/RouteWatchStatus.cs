namespace ApiRoutes.Development;

/// <summary>
/// What the development loop last found, for the dashboard (read-only there): whether it watches, whether a refresh
/// runs, the diagnostics of the last analysis and why the last valid routes are still served. Written only by
/// <see cref="RouteRefresher"/>.
/// </summary>
internal sealed class RouteWatchStatus
{
    private volatile Snapshot _current = new(Watching: false, Refreshing: false, Version: 0, RefreshedAt: null, Diagnostics: [], Failure: null, LeftOut: null, WaitingFor: null);

    public Snapshot Current => _current;

    public void Watching() => _current = _current with { Watching = true };

    /// <summary>An analysis runs, or a result waiting for hot reload is taken up: what it waited for is for its end to say.</summary>
    public void Started() => _current = _current with { Refreshing = true, WaitingFor = null };

    /// <summary>The routes were replaced (but those <paramref name="leftOut"/> says); the diagnostics are warnings at most.</summary>
    public void Applied(DateTimeOffset at, IReadOnlyList<BuildDiagnostic> diagnostics, string? leftOut = null) =>
        _current = _current with { Refreshing = false, Version = _current.Version + 1, RefreshedAt = at, Diagnostics = diagnostics, Failure = null, LeftOut = leftOut, WaitingFor = null };

    /// <summary>
    /// The analysis is ahead of hot reload: no new routes yet, and nothing wrong (an error shown before is fixed);
    /// <paramref name="waitingFor"/> says for what.
    /// </summary>
    public void Waiting(IReadOnlyList<BuildDiagnostic> diagnostics, string waitingFor) =>
        _current = _current with { Refreshing = false, Diagnostics = diagnostics, Failure = null, WaitingFor = waitingFor };

    /// <summary>The routes were kept: the analysis found errors, or could not run.</summary>
    public void Kept(IReadOnlyList<BuildDiagnostic> diagnostics, string failure) =>
        _current = _current with { Refreshing = false, Diagnostics = diagnostics, Failure = failure, WaitingFor = null };

    /// <param name="Watching">The development loop is on.</param>
    /// <param name="Refreshing">An analysis is running.</param>
    /// <param name="Version">Counts the route tables put into service, so that the dashboard knows when to reload them.</param>
    /// <param name="RefreshedAt">When the routes were last replaced.</param>
    /// <param name="Diagnostics">The ApiRoutes diagnostics of the last analysis.</param>
    /// <param name="Failure">Why the last analysis left the routes as they were; null when it replaced them.</param>
    /// <param name="LeftOut">Which routes the routes served leave out, and why: hot reload never applied their handler types.</param>
    /// <param name="WaitingFor">What the last analysis's routes wait for before they are served: hot reload, for which handler types, until when.</param>
    internal sealed record Snapshot(
        bool Watching, bool Refreshing, int Version, DateTimeOffset? RefreshedAt, IReadOnlyList<BuildDiagnostic> Diagnostics, string? Failure, string? LeftOut, string? WaitingFor);
}
