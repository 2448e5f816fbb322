namespace ApiRoutes.Background;

/// <summary>
/// What the shutdown drain is measured on: its clock, and the grace after its cut (how long the workers may take to
/// get through what is left, and handlers that ignore the cut to return). The app's <see cref="TimeProvider"/> and 5 s;
/// under <c>ApiRoutes.Testing</c>, the machine's clock and no grace: a test's app stops as the test ends, and a handler
/// left waiting on the test clock, which nobody moves any more, must not hold the stop up to the host's time-out.
/// </summary>
internal sealed record DrainClock(TimeProvider Time, TimeSpan AfterCut)
{
    public static readonly TimeSpan DefaultAfterCut = TimeSpan.FromSeconds(5);
}
