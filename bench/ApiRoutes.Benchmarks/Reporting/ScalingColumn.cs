using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ApiRoutes.Benchmarks.Reporting;

/// <summary>
/// Columns that make linearity visible in BenchmarkDotNet's own table: the mean against the one-handler mean, and
/// the mean per handler, which a linear analysis keeps roughly flat as the count grows.
/// </summary>
internal sealed class ScalingColumn : IColumn
{
    public static readonly IColumn RatioToOne = new ScalingColumn(
        "RatioToOne", "x N=1", "Mean divided by the mean with 1 handler",
        (summary, benchmarkCase) => Scaling.RatioToBase(summary, benchmarkCase) is { } ratio ? ratio.ToString("N1", CultureInfo.InvariantCulture) : "-");

    public static readonly IColumn PerHandler = new ScalingColumn(
        "PerHandler", "us/handler", "Mean divided by the number of handlers, in microseconds",
        (summary, benchmarkCase) => Scaling.PointOf(summary, benchmarkCase) is { } point ? point.MicrosecondsPerHandler.ToString("N2", CultureInfo.InvariantCulture) : "-");

    private readonly Func<Summary, BenchmarkCase, string> _value;

    private ScalingColumn(string id, string columnName, string legend, Func<Summary, BenchmarkCase, string> value)
    {
        Id = nameof(ScalingColumn) + "." + id;
        ColumnName = columnName;
        Legend = legend;
        _value = value;
    }

    public string Id { get; }

    public string ColumnName { get; }

    public string Legend { get; }

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => _value(summary, benchmarkCase);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => _value(summary, benchmarkCase);

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;
}
