using System.Globalization;
using BenchmarkDotNet.Reports;

namespace ApiRoutes.Benchmarks.Reporting;

/// <summary>
/// Printed after the run: per method, the cost at each handler count and the marginal cost of each added handler,
/// checked against the aims (5,000 handlers under 200 ms; cost growing linearly).
/// </summary>
internal static class ScalingReport
{
    private const int AimHandlers = 5000;
    private const double AimMilliseconds = 200;

    // Marginal cost per handler may rise by this factor between the last two steps and still count as linear.
    private const double LinearTolerance = 1.25;

    public static void Print(IEnumerable<Summary> summaries, TextWriter output)
    {
        foreach (var summary in summaries)
        {
            // With extra jobs from the command line (--job short), say which job each report is for.
            var severalJobs = summary.BenchmarksCases.Select(benchmarkCase => benchmarkCase.Job).Distinct().Count() > 1;
            foreach (var first in summary.BenchmarksCases.DistinctBy(benchmarkCase => (benchmarkCase.Descriptor, benchmarkCase.Job)))
            {
                var points = Scaling.PointsOf(summary, first);
                if (points.Count > 0)
                {
                    var title = first.Descriptor.WorkloadMethodDisplayInfo + (severalJobs ? $" ({first.Job.DisplayInfo})" : "");
                    Print(title, points, output);
                }
            }
        }
    }

    private static void Print(string method, IReadOnlyList<ScalingPoint> points, TextWriter output)
    {
        var basePoint = points.FirstOrDefault(point => point.Handlers == Scaling.BaseHandlers);
        output.WriteLine();
        output.WriteLine($"Scaling of {method}");
        output.WriteLine("| Handlers |       Mean |   x N=1 | us/handler | marginal us/handler | Allocated |");
        output.WriteLine("|---------:|-----------:|--------:|-----------:|--------------------:|----------:|");
        ScalingPoint? previous = null;
        var marginals = new List<double>();
        foreach (var point in points)
        {
            double? marginal = previous is null ? null : Marginal(previous, point);
            if (marginal is { } value)
            {
                marginals.Add(value);
            }

            var ratio = basePoint is null ? "-" : Invariant($"{point.MeanNanoseconds / basePoint.MeanNanoseconds:N1}");
            var marginalText = marginal is null ? "-" : Invariant($"{marginal.Value:N2}");
            output.WriteLine(Invariant(
                $"| {point.Handlers,8} | {Time(point.MeanNanoseconds),10} | {ratio,7} | {point.MicrosecondsPerHandler,10:N2} | {marginalText,19} | {Bytes(point.AllocatedBytes),9} |"));
            previous = point;
        }

        if (points.FirstOrDefault(point => point.Handlers == AimHandlers) is { } aim)
        {
            var milliseconds = aim.MeanNanoseconds / 1_000_000;
            output.WriteLine(Invariant(
                $"{AimHandlers} handlers: {milliseconds:N1} ms, aim < {AimMilliseconds} ms: {(milliseconds < AimMilliseconds ? "met" : "NOT MET")}"));
        }

        if (marginals.Count >= 2)
        {
            var growth = marginals[^1] / marginals[^2];
            output.WriteLine(Invariant(
                $"Marginal cost per handler, last step / step before: {growth:N2} ({(growth <= LinearTolerance ? "linear" : "NOT LINEAR")}, tolerance {LinearTolerance})"));
        }
    }

    // What one more handler costs between two counts: the fixed cost (opening the assembly and PDB) cancels out.
    private static double Marginal(ScalingPoint from, ScalingPoint to) =>
        (to.MeanNanoseconds - from.MeanNanoseconds) / 1_000 / (to.Handlers - from.Handlers);

    private static string Time(double nanoseconds) => nanoseconds switch
    {
        >= 1_000_000 => Invariant($"{nanoseconds / 1_000_000:N2} ms"),
        _ => Invariant($"{nanoseconds / 1_000:N1} us"),
    };

    private static string Bytes(long? bytes) => bytes switch
    {
        null => "-",
        >= 1 << 20 => Invariant($"{bytes / (double)(1 << 20):N1} MB"),
        _ => Invariant($"{bytes / 1024.0:N1} KB"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
