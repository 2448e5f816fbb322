using System.Diagnostics.Metrics;

namespace ApiRoutes.Hosting;

/// <summary>
/// Tells when Kestrel accepts a connection, from its own <c>kestrel.active_connections</c> counter (of the app's meter
/// factory, not another app's in the same process), while the <see cref="StartupWorkGate"/> is closed. A first
/// request reaches the app's pipeline only after its connection's cold path has been compiled (50–300 ms on a busy
/// 2-core machine): the connection is the first sign that someone waits. Disposed, the counter costs Kestrel nothing again.
/// </summary>
internal sealed class FirstConnectionWatch : IDisposable
{
    private const string KestrelMeter = "Microsoft.AspNetCore.Server.Kestrel";
    private const string ActiveConnections = "kestrel.active_connections";

    private readonly MeterListener _listener = new();

    public FirstConnectionWatch(IMeterFactory scope, Action connected)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == ActiveConnections && instrument.Meter.Name == KestrelMeter && ReferenceEquals(instrument.Meter.Scope, scope))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, change, _, _) =>
        {
            if (change > 0)
            {
                connected();
            }
        });
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();
}
