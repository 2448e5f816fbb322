using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Development;

/// <summary>
/// The development loop's refresh: waits for a burst of changes to settle (<c>Debounce</c>), then runs an analysis when
/// a file the events named holds other bytes than before (<see cref="ContentChanges"/>) or when a change was asked for
/// outright (<see cref="Request()"/>: a folder moved, events lost, hot reload's signal); one analysis at a
/// time (a change during a run asks for one more run after it), bounds each by <c>Timeout</c>, and puts the result into
/// service only when it has no error. A save starts the analysis while hot reload applies the same change; a result
/// that names types hot reload has not applied yet is kept, and hot reload's signal puts it into service at once
/// (<see cref="HotReloadApplied"/>) rather than running the analysis again. On any error, timeout or exception the
/// routes already served stay, and the status says why; nothing here may stop the app.
/// </summary>
internal sealed class RouteRefresher : IAsyncDisposable
{
    private readonly IRouteAnalysis _analysis;
    private readonly IRouteSwap _swap;
    private readonly RouteWatchStatus _status;
    private readonly TimeProvider _time;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _timeout;
    private readonly ILogger _logger;
    private readonly ContentChanges? _contents;
    private int _failedNotForTheCode;   // analyses in a row that failed for a reason not in the code (one runs at a time)
    private readonly Lock _gate = new();
    private readonly ITimer _timer;
    private readonly ITimer _waitTimer;
    private readonly CancellationTokenSource _stopping = new();
    private Task _running = Task.CompletedTask;
    private bool _busy;
    private bool _again;
    private bool _signalled;
    private bool _disposed;
    private bool _asked;   // a change was asked for outright since the last settle
    private Pending? _pending;

    // Handler types hot reload did not apply however long it was waited for (dotnet watch did not see their files): their
    // routes are left out of every later result, which is served at once, rather than hold the others back.
    private readonly HashSet<string> _unseen = new(StringComparer.Ordinal);

    // When each handler type a result waits for was first waited for (a timestamp), kept across the analyses that name it
    // unapplied again: the wait is counted from there, not from the latest save (review 35a F3: every analysis restarted
    // the 15 s, so a developer saving more often than that was served no route change at all).
    private readonly Dictionary<string, long> _waitingSince = new(StringComparer.Ordinal);

    // Which of the left-out routes' files dotnet watch's last restart missed (RestartMiss.Describe): null for none.
    private readonly Func<IReadOnlyList<string>, string?>? _restartMissed;

    // Makes dotnet watch read the project again (WatchReevaluation): the file it rewrote to, or null when it could not.
    private readonly Func<string?>? _reevaluate;

    // The misses (as restartMissed told them, with their files' times) dotnet watch was asked to read the project again
    // for, with the file rewritten (null: it could not be) and when (a timestamp, and the time it was): once each, so
    // that a later analysis leaving the same files out does not ask again, and again.
    private readonly Dictionary<string, (string? File, long At, DateTimeOffset AtUtc)> _reevaluatedFor = new(StringComparer.Ordinal);

    // contents: what the files Touched names held; without it, every touched file is a change. restartMissed: tells the
    // left-out handler files dotnet watch's last restart missed, or null. reevaluate: makes dotnet watch read the project
    // again, which applies the files its restart missed.
    public RouteRefresher(IRouteAnalysis analysis, IRouteSwap swap, RouteWatchStatus status, TimeProvider time, TimeSpan debounce, TimeSpan timeout, ILogger logger, ContentChanges? contents = null, Func<IReadOnlyList<string>, string?>? restartMissed = null, Func<string?>? reevaluate = null)
    {
        (_analysis, _swap, _status, _time, _debounce, _timeout, _logger, _contents, _restartMissed, _reevaluate) = (analysis, swap, status, time, debounce, timeout, logger, contents, restartMissed, reevaluate);
        _timer = time.CreateTimer(_ => OnSettled(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _waitTimer = time.CreateTimer(_ => OnWaitedTooLong(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// How long a result may wait for hot reload to apply the handler types it names before the wait is reported: hot
    /// reload applies a save in a second or two, but never a file dotnet watch did not see (a folder of handlers moved
    /// in), and then the route would wait without a word (review 16a F3).
    /// </summary>
    public static readonly TimeSpan HotReloadWait = TimeSpan.FromSeconds(15);

    /// <summary>The current run, or a completed task when idle (tests await it).</summary>
    public Task Running
    {
        get
        {
            lock (_gate)
            {
                return _running;
            }
        }
    }

    /// <summary>How long the app's first analysis (the warm-up) waits after the app has started.</summary>
    public static readonly TimeSpan WarmUpDelay = TimeSpan.FromSeconds(2);

    /// <summary>A change was seen: refresh once no further change has come for the debounce period.</summary>
    public void Request() => Request(_debounce);

    /// <summary>Refresh after <paramref name="delay"/>, unless a change (or another request) comes first and resets it.</summary>
    public void Request(TimeSpan delay) => Wait(delay, asked: true);

    /// <summary>
    /// An event named the file at <paramref name="path"/>: once no further change has come for the debounce period,
    /// refresh if it (or another file touched meanwhile) holds other bytes than before — or whatever it holds when it
    /// was touched while an analysis compiles: that analysis may have read it in a state the burst then left (a save
    /// undone within the debounce, a rewrite read half way), which the settle, comparing where the burst ends with where
    /// the last one ended, cannot see. A build step that writes a file as it was (review 17c F4) runs before the
    /// compile, and is still compared.
    /// </summary>
    public void Touched(string path)
    {
        _contents?.Note(path);
        Wait(_debounce, asked: _contents is null || _analysis.Compiling);
    }

    private void Wait(TimeSpan delay, bool asked)
    {
        lock (_gate)
        {
            if (!_disposed)
            {
                _asked |= asked;
                _timer.Change(delay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// Hot reload applied a change. A result that waited for it goes into service now, or as soon as the run in progress
    /// ends (every saved file of the project folder has started an analysis of its own, so a run in progress needs no
    /// other). When idle with nothing waiting, the change may be one no saved file announced, and is analysed like one.
    /// </summary>
    public void HotReloadApplied()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_busy)
            {
                _signalled = true;
                return;
            }

            if (_pending is not null)
            {
                _busy = true;
                _running = Task.Run(() => RunAsync(retryPending: true));
                return;
            }
        }

        Request();
    }

    public ValueTask DisposeAsync() => StopAsync(TimeSpan.Zero);

    /// <summary>
    /// Stops refreshing: no new analysis starts, and one in progress is cancelled (its build killed). With a
    /// <paramref name="grace"/> (a restart's stop) one that is compiling may first finish within it, because killing a
    /// compile in progress also ends the Roslyn compiler server it compiles on, which the restart's build is about to
    /// use; one that has not reached its compile is stopped there and killed at once (<see cref="IRouteAnalysis.TryStopBeforeCompile"/>).
    /// </summary>
    public async ValueTask StopAsync(TimeSpan grace)
    {
        Task running;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            running = _running;
        }

        await _timer.DisposeAsync();
        await _waitTimer.DisposeAsync();
        var stopping = _time.GetTimestamp();
        string? outcome = null;
        if (grace > TimeSpan.Zero && !running.IsCompleted)
        {
            if (_analysis.TryStopBeforeCompile())
            {
                outcome = "had not reached its compile: stopped there and killed at once";
            }
            else
            {
                using var timeout = new CancellationTokenSource();
                await Task.WhenAny(running, Task.Delay(grace, _time, timeout.Token));
                await timeout.CancelAsync();
                outcome = running.IsCompleted
                    ? "was compiling: let finish"
                    : $"was compiling: killed after the grace of {grace} (the compiler server may go down with it)";
            }
        }

        await _stopping.CancelAsync();
        await running;
        _stopping.Dispose();
        if (outcome is not null)
        {
            _logger.AnalysisStoppedForRestart(outcome, (long)_time.GetElapsedTime(stopping).TotalMilliseconds);
        }
    }

    private bool IsStopping
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    private void OnSettled()
    {
        bool asked;
        lock (_gate)
        {
            (asked, _asked) = (_asked, false);
        }

        // Read even when asked outright: what this analysis reads is what the next settle compares with.
        if (!(_contents?.Settle() ?? false) && !asked)
        {
            return;   // every file touched holds the bytes it had (written again as it was): nothing to analyse
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_busy)
            {
                _again = true;
                return;
            }

            _busy = true;
            _running = Task.Run(() => RunAsync(retryPending: false));
        }
    }

    private async Task RunAsync(bool retryPending)
    {
        while (true)
        {
            if (retryPending)
            {
                RetryPending();
            }
            else
            {
                await RefreshOnceAsync();
            }

            lock (_gate)
            {
                if (_disposed || !(_again || (_signalled && _pending is not null)))
                {
                    _signalled = false;
                    _busy = false;
                    return;
                }

                // A change during the run is analysed first: that analysis supersedes any result waiting for hot reload.
                retryPending = !_again;
                _again = false;
                _signalled = false;
            }
        }
    }

    private async Task RefreshOnceAsync()
    {
        SetPending(null);   // a newer analysis supersedes a result still waiting for hot reload
        _status.Started();
        var started = _time.GetTimestamp();
        IReadOnlyList<BuildDiagnostic> diagnostics = [];
        try
        {
            using var timeout = new CancellationTokenSource(_timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, _stopping.Token);
            RouteAnalysisResult result;
            try
            {
                result = await _analysis.AnalyzeAsync(linked.Token);
            }
            catch (Exception) when (IsStopping)
            {
                return;   // stopped (at its compile's gate, or killed): the app is stopping, nothing to report
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !_stopping.IsCancellationRequested)
            {
                KeepNotForTheCode([], $"the analysis took longer than {_timeout} (ApiRoutes:Watch:Timeout) and was stopped");
                return;
            }

            if (result.ManifestPath is null && IsStopping)
            {
                return;   // failed at its compile's gate, which the stop closed: nothing to report
            }

            diagnostics = [.. result.Diagnostics.Where(d => d.IsRouteDiagnostic)];
            foreach (var diagnostic in diagnostics)
            {
                if (diagnostic.IsError)
                {
                    _logger.WatchDiagnosticError(diagnostic.ToString());
                }
                else
                {
                    _logger.WatchDiagnosticWarning(diagnostic.ToString());
                }
            }

            var errors = diagnostics.Count(d => d.IsError);
            if (errors > 0)
            {
                _failedNotForTheCode = 0;
                Keep(diagnostics, $"{errors} ApiRoutes error(s): {diagnostics.First(d => d.IsError)}");
            }
            else if (result.Failure is not null || result.ManifestPath is null)
            {
                // A compiler's error is the code's; a build that ends without one (killed, crashed) is not.
                if (result.Diagnostics.Any(d => d.IsError))
                {
                    _failedNotForTheCode = 0;
                    Keep(diagnostics, result.Failure ?? "the analysis wrote no manifest");
                }
                else
                {
                    KeepNotForTheCode(diagnostics, result.Failure ?? "the analysis wrote no manifest");
                }
            }
            else
            {
                _failedNotForTheCode = 0;
                Swap(new Pending(result.ManifestPath, diagnostics, started));
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The app is stopping: nothing to report.
        }
        catch (Exception e)
        {
            // A refresh that fails must never take the app down: the last valid routes stay in service.
            KeepNotForTheCode(diagnostics, e.Message);
        }
    }

    /// <summary>
    /// How many analyses in a row that failed for a reason not in the code forget what the files held, so that saving
    /// one again analyses again.
    /// </summary>
    public const int MaxRetriesBySaving = 3;

    // Review 38c F1: an analysis that failed for a reason not in the code (killed, stopped at its time limit, a build that
    // crashed) had settled the saved files' bytes before it ran, so saving them again, as a developer does to try
    // again, was "written again as it was" and analysed nothing: the route saved was never served, and the failure
    // stayed. What the files held is forgotten, so the next event of any file is a change; not without end, as a build
    // step that writes a source on every build (review 17c F4) would then start each next failing analysis itself.
    private void KeepNotForTheCode(IReadOnlyList<BuildDiagnostic> diagnostics, string reason)
    {
        if (_contents is null)
        {
            Keep(diagnostics, reason);
        }
        else if (++_failedNotForTheCode <= MaxRetriesBySaving)
        {
            _contents.Forget();
            Keep(diagnostics, $"{reason} (not an error in the code: saving a file analyses it again)");
        }
        else
        {
            Keep(diagnostics, $"{reason} ({_failedNotForTheCode} analyses in a row failed so, not for an error in the code: change a file, or restart the app, to try again)");
        }
    }

    private void RetryPending()
    {
        Pending pending;
        lock (_gate)
        {
            pending = _pending!;
            _pending = null;
        }

        _status.Started();
        try
        {
            Swap(pending);
        }
        catch (Exception e)
        {
            Keep(pending.Diagnostics, e.Message);
        }
    }

    // Puts an analysed manifest into service, or keeps it for hot reload's signal when it names types not applied yet
    // (but those waited for in vain, whose routes are left out).
    private void Swap(Pending result)
    {
        HashSet<string> unseen;
        lock (_gate)
        {
            unseen = [.. _unseen];
        }

        var swapped = _swap.Apply(result.ManifestPath, unseen);
        if (swapped.Count is { })
        {
            // Only those still named and still not applied stay given up on: one that comes back later, in a file dotnet
            // watch sees, gets the wait for hot reload again (review 31b F8: left out at once, with a false "restart").
            lock (_gate)
            {
                _unseen.IntersectWith(swapped.Unapplied);
            }
        }

        if (swapped.Count is not { } count)
        {
            lock (_gate)
            {
                // Those no longer named were applied (or are no longer the app's): a later wait for one starts afresh.
                foreach (var type in _waitingSince.Keys.Where(type => !swapped.Unapplied.Contains(type)).ToList())
                {
                    _waitingSince.Remove(type);
                }

                var now = _time.GetTimestamp();
                foreach (var type in swapped.Unapplied)
                {
                    _waitingSince.TryAdd(type, now);
                }
            }

            // Review 35a: the wait was said only in a Debug line (6006), and the dashboard looked idle for up to 15 s.
            var left = SetPending(result with { Unapplied = swapped.Unapplied });
            _status.Waiting(
                result.Diagnostics,
                $"the routes of this change are served once hot reload applies the handler type(s) {string.Join(", ", swapped.Unapplied)}; "
                + $"if it has not by {(_time.GetUtcNow() + left).UtcDateTime:HH:mm:ss} UTC ({HotReloadWait.TotalSeconds:0} s from the first wait for them), "
                + "they are served without those types' routes.");
            _logger.WaitingForHotReload();
            return;
        }

        lock (_gate)
        {
            _waitingSince.Clear();   // served: none waits (those left out are given up on, until applied)
        }

        string? leftOut = null;
        if (swapped.LeftOut.Count > 0 && swapped.LeftOutFiles is { } files && _restartMissed?.Invoke(files) is { } missed)
        {
            // Review 46f F3, 47A F1: a handler file made while dotnet watch restarted the app (its build, its reading of the
            // project, the app's start) is one it never applies, whatever is saved; the message below blamed a folder
            // linked or moved in and advised saving again. Ctrl+R restarts with a build that compiles it; a file added makes
            // dotnet watch read the project again, and its hot reload then applies the missed file as added (both seen in
            // a real session of dotnet watch 10.0.401; saving the file, changed or not, gave "No managed code changes").
            bool first;
            (string? File, long At, DateTimeOffset AtUtc) asked;
            lock (_gate)
            {
                first = _reevaluate is not null && !_reevaluatedFor.ContainsKey(missed);
                _reevaluatedFor.TryGetValue(missed, out asked);
            }

            // Review 46f F3 rest: rather than wait for the developer, the app makes dotnet watch read the project again (a
            // rewrite of the file the package imports under dotnet watch), which is what a file added did; hot reload's
            // signal then serves the routes (seen in a real session of dotnet watch 10.0.401: served 8 s after the rewrite).
            // Once for each miss: if that did not apply them, Ctrl+R is what is left.
            if (first)
            {
                asked = (_reevaluate!(), _time.GetTimestamp(), _time.GetUtcNow());
                lock (_gate)
                {
                    _reevaluatedFor[missed] = asked;
                }
            }

            // Review 48D F1: a change saved while dotnet watch still reads the project again (8 s in a real session) was
            // told "hot reload has still not applied them: press Ctrl+R", moments after the app had asked. Within
            // HotReloadWait of the request, the re-read is still what is waited for.
            var rewritten = asked.File;
            var reading = !first && rewritten is not null && _time.GetElapsedTime(asked.At) < HotReloadWait;
            var what = rewritten is null
                ? "Press Ctrl+R in dotnet watch to restart the app (its build compiles them), "
                    + "or add a new file to the project (dotnet watch then reads the project again, and hot reload applies these with it). The other routes follow the code."
                : first
                    ? $"ApiRoutes has asked dotnet watch to read the project again (it rewrote {rewritten}, which the package imports under dotnet watch), and hot reload "
                        + "applies them then: their routes are served as it does. If they are still not served in a few seconds, press Ctrl+R in dotnet watch to restart "
                        + "the app (its build compiles them). The other routes follow the code."
                    : reading
                    ? $"ApiRoutes asked dotnet watch to read the project again at {asked.AtUtc.UtcDateTime:HH:mm:ss} UTC (it rewrote {rewritten}, which the package "
                        + "imports under dotnet watch), and hot reload applies them then: their routes are served as it does. If they are still not served by "
                        + $"{(asked.AtUtc + HotReloadWait).UtcDateTime:HH:mm:ss} UTC, press Ctrl+R in dotnet watch to restart the app (its build compiles them). "
                        + "The other routes follow the code."
                    : $"ApiRoutes asked dotnet watch to read the project again (it rewrote {rewritten}), and hot reload has still not applied them: press Ctrl+R "
                        + "in dotnet watch to restart the app (its build compiles them). The other routes follow the code.";
            leftOut = $"hot reload has not applied the handler type(s) {string.Join(", ", swapped.Unapplied)} after {HotReloadWait.TotalSeconds:0} s: "
                + $"dotnet watch's last restart missed their file(s) {missed}: it had built the app, or read the project, before they were there, "
                + "and then takes them as compiled (saving them again does not help). " + what;
            _logger.RoutesLeftOut(string.Join(", ", swapped.LeftOut), leftOut);
        }
        else if (swapped.LeftOut.Count > 0)
        {
            // Review 35a F4: a file of a folder moved into the project, saved again, is one dotnet watch takes; a linked or
            // outside one is not.
            leftOut = $"hot reload has not applied the handler type(s) {string.Join(", ", swapped.Unapplied)} after {HotReloadWait.TotalSeconds:0} s: "
                + "dotnet watch does not see their files (a folder linked or moved into the project, a file included from outside it), "
                + "and saving them again helps only for a folder moved into the project (dotnet watch then takes the file saved); restart the app (Ctrl+R) to serve them "
                + "(or add a file to the project: dotnet watch then reads the project again). "
                + "The other routes follow the code.";
            _logger.RoutesLeftOut(string.Join(", ", swapped.LeftOut), leftOut);
        }

        _status.Applied(_time.GetUtcNow(), result.Diagnostics, leftOut is null ? null : $"{string.Join(", ", swapped.LeftOut)}: {leftOut}");
        _logger.RoutesRefreshed(count, (long)_time.GetElapsedTime(result.Started).TotalMilliseconds);
    }

    // A result waiting for hot reload is given up on once the type it has waited for longest has waited HotReloadWait.
    // Returns what is left of the wait.
    private TimeSpan SetPending(Pending? pending)
    {
        lock (_gate)
        {
            _pending = pending;
            var left = pending is null ? Timeout.InfiniteTimeSpan : Remaining(pending);
            if (!_disposed)
            {
                _waitTimer.Change(left, Timeout.InfiniteTimeSpan);
            }

            return left;
        }
    }

    // Under the lock: what is left of the wait of the type of the result that has waited longest (none: the whole wait).
    private TimeSpan Remaining(Pending pending)
    {
        var since = pending.Unapplied.Select(type => _waitingSince.TryGetValue(type, out var at) ? at : long.MaxValue).DefaultIfEmpty(long.MaxValue).Min();
        if (since == long.MaxValue)
        {
            return HotReloadWait;
        }

        var left = HotReloadWait - _time.GetElapsedTime(since);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    // Waited in vain: the types are taken for ones dotnet watch does not see, and the result is served without their
    // routes (said on the dashboard and in the log); the routes follow if hot reload applies them after all, at its
    // signal. Under the lock: a signal that takes the result up meanwhile applies it after this, never before (review
    // 16d F5).
    private void OnWaitedTooLong()
    {
        lock (_gate)
        {
            if (_disposed || _busy || _pending is not { } pending)
            {
                return;
            }

            // Those that have waited the whole wait; one first named later keeps the rest of its own (at most the same again).
            _unseen.UnionWith(pending.Unapplied.Where(type => !_waitingSince.TryGetValue(type, out var since) || _time.GetElapsedTime(since) >= HotReloadWait));
            _busy = true;
            _running = Task.Run(() => RunAsync(retryPending: true));
        }
    }

    private void Keep(IReadOnlyList<BuildDiagnostic> diagnostics, string reason)
    {
        _status.Kept(diagnostics, reason);
        _logger.RoutesKept(reason);
    }

    /// <summary>An analysis without errors whose manifest names handler types hot reload has not applied yet.</summary>
    private sealed record Pending(string ManifestPath, IReadOnlyList<BuildDiagnostic> Diagnostics, long Started)
    {
        public IReadOnlyList<string> Unapplied { get; init; } = [];
    }
}
