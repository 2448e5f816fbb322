using System.Reflection;
using ApiRoutes.Benchmarks.Reporting;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using Perfolizer.Horology;

namespace ApiRoutes.Benchmarks;

/// <summary>
/// A short job for a 2-core machine: one process per case, 6 warm-up and 15 measured iterations of about 250 ms
/// each, so the eight cases take about a minute and a half including the one-off Roslyn compilation in each setup.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default
            .WithStrategy(RunStrategy.Throughput)
            .WithLaunchCount(1)
            .WithWarmupCount(6)
            .WithIterationCount(15)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            // The Roslyn compilation in the setup leaves thousands of methods waiting for tier 1, and every new
            // tier-0 method restarts the runtime's 100 ms call-counting delay: with the default the analysis was
            // still twice as slow as its steady state after 5 s. Without the delay it settles within a second; the
            // steady-state code (tier 1 with dynamic PGO) is the same.
            .WithEnvironmentVariable("DOTNET_TC_CallCountingDelayMs", "0"));
        AddColumn(StatisticColumn.Median, ScalingColumn.RatioToOne, ScalingColumn.PerHandler);
        if (typeof(BenchConfig).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "ApiRoutes.Benchmarks.ArtifactsPath")?.Value is { } artifactsPath)
        {
            ArtifactsPath = artifactsPath;
        }
    }
}
