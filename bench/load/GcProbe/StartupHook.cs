using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// Every 100 ms, one line to the file in <c>GC_PROBE_FILE</c>: the process's bytes allocated so far, its collections
/// per generation, the GC's total pause time, the heap's size, and, from the runtime's GC events, the longest pause
/// since the line before and the count of pauses over 5 ms since the process started. bg-ab.sh reads the lines at a run's start and end. A startup hook: the
/// runtime calls <see cref="Initialize"/> before Main (DOTNET_STARTUP_HOOKS).
/// </summary>
#pragma warning disable CA1050 // The runtime looks the startup hook up by this name, outside any namespace.
internal static class StartupHook
#pragma warning restore CA1050
{
    public static void Initialize()
    {
        if (Environment.GetEnvironmentVariable("GC_PROBE_FILE") is not { Length: > 0 } path)
        {
            return;
        }

        var pauses = new GcPauses();
        var thread = new Thread(() => Sample(path, pauses)) { IsBackground = true, Name = "gc-probe" };
        thread.Start();
    }

    private static void Sample(string path, GcPauses pauses)
    {
        using var writer = new StreamWriter(path, append: false) { AutoFlush = true };
        while (true)
        {
            // ms allocated gen0 gen1 gen2 pause_total_ms max_pause_ms_since_last_line pauses_over_5ms lock_contentions threads heap_bytes
            writer.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Environment.TickCount64} {GC.GetTotalAllocatedBytes()} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {GC.GetTotalPauseDuration().TotalMilliseconds:F1} {pauses.TakeMaxMilliseconds():F1} {pauses.Over5Ms} {Monitor.LockContentionCount} {ThreadPool.ThreadCount} {GC.GetTotalMemory(forceFullCollection: false)}"));
            Thread.Sleep(100);
            if (GcPauses.Types is { } types && Environment.TickCount64 / 100 % 10 == 0)
            {
                lock (types)
                {
                    File.WriteAllLines(Environment.GetEnvironmentVariable("GC_PROBE_TYPES")!, types.OrderByDescending(t => t.Value).Take(40).Select(t => $"{t.Value} {t.Key}"));
                }
            }
        }
    }

    // The runtime's GC events: a pause lasts from the suspension's start to the restart's end.
    private sealed class GcPauses : EventListener
    {
        // GC_PROBE_TYPES=file: the allocation ticks by type, written there every second (sampled: ~100 KB a tick).
        public static readonly Dictionary<string, long>? Types = Environment.GetEnvironmentVariable("GC_PROBE_TYPES") is { Length: > 0 } ? [] : null;

        private DateTime _suspended;

        private double _max;

        /// <summary>The longest pause since the last call.</summary>
        public double TakeMaxMilliseconds() => Interlocked.Exchange(ref _max, 0);

        public int Over5Ms { get; private set; }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
            {
                // Verbose adds the allocation ticks (one per ~100 KB allocated, with the type that crossed it).
                EnableEvents(eventSource, Types is null ? EventLevel.Informational : EventLevel.Verbose, (EventKeywords)0x1);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            switch (eventData.EventName)
            {
                case "GCAllocationTick_V4" when Types is not null:
                    var type = eventData.Payload![eventData.PayloadNames!.IndexOf("TypeName")] as string ?? "?";
                    lock (Types)
                    {
                        Types[type] = Types.GetValueOrDefault(type) + 1;
                    }

                    break;
                case "GCSuspendEEBegin_V1":
                    _suspended = eventData.TimeStamp;
                    break;
                case "GCRestartEEEnd_V1" when _suspended != default:
                    var pause = (eventData.TimeStamp - _suspended).TotalMilliseconds;
                    if (pause > Volatile.Read(ref _max))
                    {
                        Volatile.Write(ref _max, pause);
                    }

                    Over5Ms += pause > 5 ? 1 : 0;
                    _suspended = default;
                    break;
            }
        }
    }
}
