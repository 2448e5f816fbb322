using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// Every 100 ms, one line to the file in <c>GC_PROBE_FILE</c>: the process's bytes allocated so far, its collections
/// per generation, the GC's total pause time, the heap's size, and, from the runtime's GC events, the longest pause
/// since the line before and the count of pauses over 5 ms since the process started; then, per generation collected
/// (0, 1, 2), the total pause time and the longest pause since the line before, the bytes the GC promoted, the
/// thread pool's queued work items and the GC's heap count (DATAS changes it). bg-ab.sh reads the lines at a run's
/// start and end. A startup hook: the runtime calls <see cref="Initialize"/> before Main (DOTNET_STARTUP_HOOKS).
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
            // 1 ms 2 allocated 3-5 gen0 gen1 gen2 6 pause_total_ms 7 max_pause_ms_since_last_line 8 pauses_over_5ms
            // 9 lock_contentions 10 threads 11 heap_bytes 12-14 pause_total_ms by generation 15-17 max pause by
            // generation since the last line 18 promoted_bytes 19 thread-pool queue 20 heaps
            writer.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{Environment.TickCount64} {GC.GetTotalAllocatedBytes()} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)} {GC.GetTotalPauseDuration().TotalMilliseconds:F1} {pauses.TakeMaxMilliseconds():F1} {pauses.Over5Ms} {Monitor.LockContentionCount} {ThreadPool.ThreadCount} {GC.GetTotalMemory(forceFullCollection: false)} {pauses.Total(0):F1} {pauses.Total(1):F1} {pauses.Total(2):F1} {pauses.TakeMax(0):F1} {pauses.TakeMax(1):F1} {pauses.TakeMax(2):F1} {pauses.Promoted} {ThreadPool.PendingWorkItemCount} {pauses.Heaps}"));
            Thread.Sleep(100);

            // A file "<GC_PROBE_FILE>.collect" asks for a full compacting collection, then a line "full <live heap bytes>":
            // what the process holds (with a backlog: per queued execution, RETAINED=1 bash bench/load/bg-ab.sh).
            if (File.Exists(path + ".collect"))
            {
                File.Delete(path + ".collect");
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"full {GC.GetTotalMemory(forceFullCollection: false)}"));
            }
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

        private readonly double[] _total = new double[3];
        private readonly double[] _maxByGeneration = new double[3];
        private DateTime _suspended;
        private int _generation;
        private double _max;
        private long _promoted;

        /// <summary>The longest pause since the last call.</summary>
        public double TakeMaxMilliseconds() => Interlocked.Exchange(ref _max, 0);

        public double TakeMax(int generation) => Interlocked.Exchange(ref _maxByGeneration[generation], 0);

        public double Total(int generation) => Volatile.Read(ref _total[generation]);

        public long Promoted => Volatile.Read(ref _promoted);

        public int Heaps { get; private set; }

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
                case "GCStart_V2":
                    // The deepest generation collected in this suspension (a background GC's foreground gen0/1 too).
                    _generation = Math.Max(_generation, Convert.ToInt32(eventData.Payload![eventData.PayloadNames!.IndexOf("Depth")], CultureInfo.InvariantCulture));
                    break;
                case "GCHeapStats_V2":
                    var names = eventData.PayloadNames!;
                    Interlocked.Add(ref _promoted, Convert.ToInt64(eventData.Payload![names.IndexOf("TotalPromotedSize0")], CultureInfo.InvariantCulture)
                        + Convert.ToInt64(eventData.Payload![names.IndexOf("TotalPromotedSize1")], CultureInfo.InvariantCulture));
                    break;
                case "GCGlobalHeapHistory_V2" or "GCGlobalHeapHistory_V3" or "GCGlobalHeapHistory_V4":
                    Heaps = Convert.ToInt32(eventData.Payload![eventData.PayloadNames!.IndexOf("NumHeaps")], CultureInfo.InvariantCulture);
                    break;
                case "GCSuspendEEBegin_V1":
                    _suspended = eventData.TimeStamp;
                    _generation = 0;
                    break;
                case "GCRestartEEEnd_V1" when _suspended != default:
                    var pause = (eventData.TimeStamp - _suspended).TotalMilliseconds;
                    if (pause > Volatile.Read(ref _max))
                    {
                        Volatile.Write(ref _max, pause);
                    }

                    var generation = Math.Min(_generation, 2);
                    _total[generation] += pause;
                    if (pause > Volatile.Read(ref _maxByGeneration[generation]))
                    {
                        Volatile.Write(ref _maxByGeneration[generation], pause);
                    }

                    Over5Ms += pause > 5 ? 1 : 0;
                    _suspended = default;
                    break;
            }
        }
    }
}
