namespace ApiRoutes.Diagnostics;

/// <summary>
/// At most one line per interval for an event that can come once per request: under overload, or while the store is
/// away, every refused background request would otherwise write a warning. The lines not written are counted, and the
/// count is reported with the next line that is.
/// </summary>
internal sealed class LogSampler(TimeProvider time, TimeSpan interval)
{
    private readonly Lock _gate = new();
    private DateTimeOffset _next = DateTimeOffset.MinValue;
    private int _skipped;

    /// <summary>Whether to write this one; <paramref name="skipped"/> is how many were not written since the last one.</summary>
    public bool ShouldLog(out int skipped)
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            if (now < _next)
            {
                _skipped++;
                skipped = 0;
                return false;
            }

            _next = now + interval;
            skipped = _skipped;
            _skipped = 0;
            return true;
        }
    }
}
