using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ApiRoutes.Benchmarks.Reporting;

/// <summary>One benchmark method's mean at one handler count.</summary>
internal sealed record ScalingPoint(int Handlers, double MeanNanoseconds, long? AllocatedBytes)
{
    public double MicrosecondsPerHandler => MeanNanoseconds / 1_000 / Handlers;
}

/// <summary>Reads a summary as "cost against handler count", the question the benchmark answers.</summary>
internal static class Scaling
{
    /// <summary>The <see cref="AnalysisBenchmarks.Handlers"/> parameter.</summary>
    public const string ParameterName = nameof(AnalysisBenchmarks.Handlers);

    /// <summary>The handler count ratios are taken against.</summary>
    public const int BaseHandlers = 1;

    /// <summary>The measured points of the case's method and job, by handler count.</summary>
    public static IReadOnlyList<ScalingPoint> PointsOf(Summary summary, BenchmarkCase benchmarkCase) =>
        summary.BenchmarksCases
            .Where(other => other.Descriptor.Equals(benchmarkCase.Descriptor) && other.Job.Equals(benchmarkCase.Job))
            .Select(other => PointOf(summary, other))
            .OfType<ScalingPoint>()
            .OrderBy(point => point.Handlers)
            .ToList();

    /// <summary>The case's point, or null when it did not run or failed.</summary>
    public static ScalingPoint? PointOf(Summary summary, BenchmarkCase benchmarkCase)
    {
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } statistics || benchmarkCase.Parameters[ParameterName] is not int handlers)
        {
            return null;
        }

        return new ScalingPoint(handlers, statistics.Mean, report.GcStats.GetBytesAllocatedPerOperation(benchmarkCase));
    }

    /// <summary>mean(N) / mean(1), or null without both.</summary>
    public static double? RatioToBase(Summary summary, BenchmarkCase benchmarkCase)
    {
        var point = PointOf(summary, benchmarkCase);
        var basePoint = PointsOf(summary, benchmarkCase).FirstOrDefault(other => other.Handlers == BaseHandlers);
        return point is null || basePoint is null ? null : point.MeanNanoseconds / basePoint.MeanNanoseconds;
    }
}
