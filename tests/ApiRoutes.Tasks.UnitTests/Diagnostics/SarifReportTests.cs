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
        Assert.Equal("%SRCROOT%", location.GetProperty("artifactLocation").GetProperty("uriBaseId").GetString());
        Assert.Equal(new Uri(project.Directory + "/").AbsoluteUri, run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString());
        Assert.Equal((3, 17), (location.GetProperty("region").GetProperty("startLine").GetInt32(), location.GetProperty("region").GetProperty("startColumn").GetInt32()));
    }

    [Fact]
    public void Paths_are_relative_to_the_repository_root_percent_encoded_and_absolute_outside_it()
    {
        // README's GitHub Actions job: the repository is checked out at the workspace, the project sits in MyApi/.
        var root = Path.Combine(Path.GetTempPath(), "work", "my repo");
        var inside = DiagnosticCodes.InvalidSchedule.Create(new SourceLocation(Path.Combine(root, "MyApi", "Api", "Clean up#1.cs"), 6, 17), "bad");
        var outside = DiagnosticCodes.NoHandlers.Create(new SourceLocation("/opt/other/Shop.csproj"), "none");

        using var sarif = JsonDocument.Parse(SarifReport.Create([inside, outside], "1.2.3", root + "/"));

        var run = sarif.RootElement.GetProperty("runs")[0];
        Assert.Equal(new Uri(root + "/").AbsoluteUri, run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString());
        Assert.EndsWith("/work/my%20repo/", run.GetProperty("originalUriBaseIds").GetProperty("%SRCROOT%").GetProperty("uri").GetString(), StringComparison.Ordinal);
        var locations = run.GetProperty("results").EnumerateArray()
            .Select(result => result.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation"))
            .Select(location => (location.GetProperty("uri").GetString(), location.TryGetProperty("uriBaseId", out var id) ? id.GetString() : null))
            .ToList();
        Assert.Equal([("MyApi/Api/Clean%20up%231.cs", "%SRCROOT%"), ("file:///opt/other/Shop.csproj", null)], locations);

        // Decoded and joined to the root, the reference is the file itself.
        Assert.Equal(Path.Combine(root, "MyApi", "Api", "Clean up#1.cs"), root + "/" + Uri.UnescapeDataString(locations[0].Item1!));
    }

    [Fact]
    public void The_repository_root_is_the_configured_one_else_the_nearest_git_folder_or_file_else_the_project()
    {
        var top = Directory.CreateTempSubdirectory("apiroutes-root-").FullName;
        try
        {
            var project = Directory.CreateDirectory(Path.Combine(top, "repo", "src", "MyApi")).FullName;
            Assert.Equal(project, RepositoryRoot.Find(null, project));

            Directory.CreateDirectory(Path.Combine(top, "repo", ".git"));
            Assert.Equal(Path.Combine(top, "repo"), RepositoryRoot.Find("", project));

            // A git worktree or submodule has a .git file; the nearest one wins.
            File.WriteAllText(Path.Combine(top, "repo", "src", ".git"), "gitdir: ../.git/worktrees/src");
            Assert.Equal(Path.Combine(top, "repo", "src"), RepositoryRoot.Find(null, project));

            Assert.Equal(Path.Combine(top, "repo"), RepositoryRoot.Find("../..", project));
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
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
