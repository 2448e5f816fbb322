using ApiRoutes.Cli;
using ApiRoutes.Cli.Commands;
using ApiRoutes.Manifest;

namespace ApiRoutes.Cli.Tests;

/// <summary>The commands' own logic, without building or serving anything (the integration tests do that).</summary>
public sealed class CliCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-cli-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public void The_route_table_aligns_columns_and_lists_the_next_runs_in_utc()
    {
        var manifest = new RouteManifest
        {
            Generator = "test",
            Assembly = new ManifestAssembly("Shop", "Shop.dll", Guid.Empty),
            Routes =
            [
                new ManifestRoute
                {
                    Route = "/api/cleanup",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Cleanup", "Shop"),
                    Schedule = new ManifestSchedule("*/30 * * * *", "0,30 * * * *"),
                    Source = new ManifestSource("Api/Cleanup.cs", 8),
                },
                new ManifestRoute { Route = "/api/hello", Kind = RouteKind.Standard, Handler = new ManifestHandler("Shop.Api.Hello", "Shop") },
                new ManifestRoute
                {
                    Route = "/api/report",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Report", "Shop"),
                    Schedule = new ManifestSchedule("0 7 * * *", "0 7 * * *", "Asia/Tokyo"),
                },
            ],
        };

        var table = RouteTable.Format(manifest, new DateTime(2026, 12, 31, 23, 10, 0, DateTimeKind.Utc), 3);

        Assert.Equal(
            """
            ROUTE         KIND       SCHEDULE                NEXT RUNS (UTC)                                       HANDLER           SOURCE
            /api/cleanup  scheduled  */30 * * * *            2026-12-31 23:30, 2027-01-01 00:00, 2027-01-01 00:30  Shop.Api.Cleanup  Api/Cleanup.cs:8
            /api/hello    standard                                                                                 Shop.Api.Hello
            /api/report   scheduled  0 7 * * * (Asia/Tokyo)  2027-01-01 22:00, 2027-01-02 22:00, 2027-01-03 22:00  Shop.Api.Report

            """.ReplaceLineEndings(),
            table);
    }

    [Fact]
    public void A_folder_with_one_project_is_that_project()
    {
        var project = Path.Combine(_folder, "Shop.csproj");
        File.WriteAllText(project, "<Project />");

        Assert.Equal(project, ProjectBuilder.FindProject(_folder));
    }

    [Fact]
    public async Task Routes_in_a_folder_without_a_project_says_so_and_exits_1()
    {
        var exitCode = await Run("routes", _folder);

        Assert.Equal(1, exitCode);
        Assert.Equal($"apiroutes: There is no .csproj in '{_folder}'. Pass a project file or its folder.", _error.ToString().Trim());
    }

    [Fact]
    public async Task Validate_in_a_folder_with_two_projects_asks_for_one()
    {
        File.WriteAllText(Path.Combine(_folder, "A.csproj"), "<Project />");
        File.WriteAllText(Path.Combine(_folder, "B.csproj"), "<Project />");

        Assert.Equal(1, await Run("validate", _folder));
        Assert.Contains("holds several projects (A.csproj, B.csproj); pass one of them.", _error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "invoke", "/api/x", "--url", "ftp://example" }, "'ftp://example' is not an http(s) URL.")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1", "--secret", "s" }, "--secret needs --occurrence")]
    [InlineData(new[] { "invoke", "/api/x", "--url", "http://127.0.0.1:1" }, "No server answered at http://127.0.0.1:1/")]
    [InlineData(new[] { "serve", "/nowhere/App.bundle.zip" }, "'/nowhere/App.bundle.zip' does not exist.")]
    public async Task Bad_input_is_one_clear_line_and_exit_code_1(string[] args, string message)
    {
        Assert.Equal(1, await Run(args));
        Assert.Contains(message, _error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_command_has_help()
    {
        foreach (var command in new[] { "routes", "validate", "schedule", "invoke", "serve" })
        {
            Assert.Equal(0, await Run(command, "--help"));
        }

        Assert.Contains("--secret", _output.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private Task<int> Run(params string[] args)
    {
        return Program.Parse(args, _output, _error).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = _output, Error = _error });
    }
}
