using ApiRoutes.Benchmarks.Reporting;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project bench/ApiRoutes.Benchmarks -- --filter '*'
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
ScalingReport.Print(summaries, Console.Out);
