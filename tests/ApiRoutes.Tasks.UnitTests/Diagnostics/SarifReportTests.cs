using System.Text.Json;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Diagnostics;

public class SarifReportTests
{
    [Fact]
    public void Each_diagnostic_becomes_a_result_with_its_rule_level_and_region()
    {
        using var project = new TestProject().Source("Api/Cleanup.cs", """
            namespace Shop.Api;

            [ScheduledRoute("61 * * * *")]
            public sealed class Cleanup : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
            """);
        var result = project.Analyze();

        using var sarif = JsonDocument.Parse(SarifReport.Create(result.Diagnostics, "1.2.3", project.Directory));

        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Equal("2.1.0", sarif.RootElement.GetProperty("version").GetString());
        Assert.Equal(DiagnosticCodes.All.Count, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").GetArrayLength());
        var finding = Assert.Single(run.GetProperty("results").EnumerateArray());
        Assert.Equal(("AR4001", "error"), (finding.GetProperty("ruleId").GetString(), finding.GetProperty("level").GetString()));
        var location = finding.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.Equal("Api/Cleanup.cs", location.GetProperty("artifactLocation").GetProperty("uri").GetString());
        Assert.Equal((3, 17), (location.GetProperty("region").GetProperty("startLine").GetInt32(), location.GetProperty("region").GetProperty("startColumn").GetInt32()));
    }

    [Fact]
    public void A_clean_analysis_writes_a_report_with_no_results() =>
        Assert.Equal(0, JsonDocument.Parse(SarifReport.Create([], "1.2.3", "/")).RootElement.GetProperty("runs")[0].GetProperty("results").GetArrayLength());

    [Fact]
    public void The_schedule_report_lists_the_next_occurrences_in_utc()
    {
        var manifest = new RouteManifest
        {
            Generator = "test",
            Assembly = new ManifestAssembly("Shop", "Shop.dll", Guid.Empty),
            Routes =
            [
                new ManifestRoute { Route = "/api/hello", Kind = RouteKind.Standard, Handler = new ManifestHandler("Shop.Api.Hello", "Shop") },
                new ManifestRoute
                {
                    Route = "/api/cleanup",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Cleanup", "Shop"),
                    Schedule = new ManifestSchedule("@daily", "0 0 * * *"),
                },
            ],
        };

        var text = ReportApiRoutesSchedules.Format(manifest, new DateTime(2026, 2, 27, 12, 0, 0, DateTimeKind.Utc), 3);

        Assert.Equal(
            "ApiRoutes: 2 route(s) valid, 1 schedule(s) (UTC):\n  /api/cleanup  @daily  next: 2026-02-28 00:00, 2026-03-01 00:00, 2026-03-02 00:00\n"
            + "    at 00:00 every day",
            text.ReplaceLineEndings("\n"));
    }
}
