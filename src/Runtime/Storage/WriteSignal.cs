namespace ApiRoutes.Storage;

/// <summary>
/// How a thread of its own waits for work that other threads hand it: a short spin first (work that comes within it
/// costs no sleep and no wake-up), then a block that only the next <see cref="Notify"/> ends. A notifier pays for a
/// wake-up only when the waiter is blocked, so a busy waiter costs its notifiers a read of one field.
/// </summary>
internal sealed class WriteSignal : IDisposable
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly TimeSpan _spin;
    private int _blocked;

    /// <param name="spin">How long <see cref="Wait"/> spins before it blocks (zero: it blocks at once).</param>
    public WriteSignal(TimeSpan spin) => _spin = spin;

    /// <summary>Wakes the waiter if it is blocked. Call it after the work is where <c>ready</c> finds it.</summary>
    public void Notify()
    {
        if (Volatile.Read(ref _blocked) == 1 && Interlocked.Exchange(ref _blocked, 0) == 1)
        {
            _wake.Release();
        }
    }

    /// <summary>Returns once <paramref name="ready"/> is true; one waiter at a time.</summary>
    public void Wait(Func<bool> ready)
    {
        if (ready() || Spin(ready))
        {
            return;
        }

        while (true)
        {
            // Announced before the last look: a notifier that came after that look sees it and releases.
            Interlocked.Exchange(ref _blocked, 1);
            if (ready())
            {
                if (Interlocked.Exchange(ref _blocked, 0) == 0)
                {
                    _wake.Wait();   // a notifier took the announcement and released: consume it, it is for this wait
                }

                return;
            }

            _wake.Wait();
            if (ready())
            {
                return;
            }
        }
    }

    public void Dispose() => _wake.Dispose();

    private bool Spin(Func<bool> ready)
    {
        if (_spin <= TimeSpan.Zero)
        {
            return false;
        }

        var start = System.Diagnostics.Stopwatch.GetTimestamp();
        while (System.Diagnostics.Stopwatch.GetElapsedTime(start) < _spin)
        {
            Thread.SpinWait(20);
            if (ready())
            {
                return true;
            }
        }

        return false;
    }
}
