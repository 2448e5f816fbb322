using System.Globalization;
using System.IO.Compression;
using System.Net;
using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>The <c>apiroutes</c> tool, packed and installed with <c>dotnet tool install</c> as a user would.</summary>
[Collection(PackageCollection.Name)]
public sealed class CliTests(PackageFixture package)
{
    private const string Secret = "integration-secret-0123456789abcdef0123456789";

    [Fact]
    public async Task Routes_prints_the_route_table_and_validate_passes_a_good_project()
    {
        var tool = await package.ToolAsync();
        var project = Sources.Shop(package);

        var routes = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "routes")).ShouldSucceed();
        var validate = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "validate", project.Directory)).ShouldSucceed();

        var lines = routes.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.StartsWith("ROUTE", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^/api/cleanup\s+scheduled\s+@hourly\s+\d{4}-\d\d-\d\d \d\d:00, .+, .+\s+Shop\.Api\.Cleanup\s+Api/Cleanup\.cs:7$", lines[1]);
        Assert.Matches(@"^/api/orders/\{id:int\}\s+standard\s+Shop\.Api\.OrderById\s+Api/OrderById\.cs:7$", lines[4]);
        Assert.Contains("ApiRoutes: 4 route(s) valid, 1 schedule(s) (UTC):", validate.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_fails_a_bad_schedule_with_exit_code_1_and_the_coded_diagnostic()
    {
        var tool = await package.ToolAsync();
        var project = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("@reboot"));

        var result = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "validate")).ShouldFail();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{Path.Combine(project.Directory, "Api", "Cleanup.cs")}(6,17): error AR4002:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_runs_a_bundle_accepts_signed_triggers_only_and_drains_on_sigterm()
    {
        var tool = await package.ToolAsync();
        var project = Sources.Shop(package);
        (await project.RunAsync("publish")).ShouldSucceed();
        var bundle = Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip");
        var environment = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__Scheduling__Enabled"] = "false",
            ["ApiRoutes__Scheduling__ExternalTriggerSecret"] = Secret,
        };

        await using var app = await RunningApp.StartProgramAsync(tool, project.Directory, environment, "serve", bundle, "--cache", Path.Combine(project.Directory, "cache"));

        Assert.Contains("files verified", app.Output, StringComparison.Ordinal);
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        var url = app.Client.BaseAddress!.ToString();

        // A background route, through 'apiroutes invoke'.
        var invoked = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "invoke", "/api/generate-report", "--url", url)).ShouldSucceed();
        Assert.Contains("HTTP 202 Accepted", invoked.Output, StringComparison.Ordinal);
        Assert.Contains("Execution id: ", invoked.Output, StringComparison.Ordinal);

        // A signed external trigger runs the occurrence once; a replay, a wrong secret, no signature, a stale one: refused.
        var occurrence = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var signed = await Invoke(tool, project, url, Secret, occurrence);
        var replayed = await Invoke(tool, project, url, Secret, occurrence);
        var wrongSecret = await Invoke(tool, project, url, "not-the-secret-not-the-secret-not-the-secret", occurrence);
        var unsigned = await app.Client.PostAsync(TriggerSignature.Path, null);
        var stale = await SendStaleTriggerAsync(app.Client, occurrence);

        Assert.Equal((0, 1, 1), (signed.ExitCode, replayed.ExitCode, wrongSecret.ExitCode));
        Assert.Contains("HTTP 202", signed.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP 409", replayed.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP 401", wrongSecret.Output, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (unsigned.StatusCode, stale.StatusCode));
        await app.WaitForOutputAsync("Schedule /api/cleanup fired for", TimeSpan.FromSeconds(30));

        var exitCode = await app.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, exitCode);
        Assert.Contains("Shutting down: waiting up to", app.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_tampered_bundle()
    {
        var tool = await package.ToolAsync();
        var project = Sources.Shop(package);
        (await project.RunAsync("publish")).ShouldSucceed();
        var bundle = Path.Combine(project.Directory, "tampered.zip");
        File.Copy(Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip"), bundle);
        using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
        {
            zip.GetEntry("apiroutes.manifest.json")!.Delete();
            using var writer = new StreamWriter(zip.CreateEntry("apiroutes.manifest.json").Open());
            writer.Write("{}");
        }

        var result = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "serve", bundle, "--cache", Path.Combine(project.Directory, "cache"))).ShouldFail();

        Assert.Contains("apiroutes: The bundle does not match its apiroutes.bundle.json and will not be served: 'apiroutes.manifest.json' has been changed", result.Output, StringComparison.Ordinal);
    }

    private Task<CommandResult> Invoke(string tool, FixtureProject project, string url, string secret, string occurrence) =>
        DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "invoke", "/api/cleanup", "--url", url, "--secret", secret, "--occurrence", occurrence);

    private static Task<HttpResponseMessage> SendStaleTriggerAsync(HttpClient client, string occurrence)
    {
        var timestamp = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
        request.Headers.Add(TriggerSignature.RouteHeader, "/api/cleanup");
        request.Headers.Add(TriggerSignature.OccurrenceHeader, occurrence);
        request.Headers.Add(TriggerSignature.TimestampHeader, timestamp);
        request.Headers.Add(TriggerSignature.SignatureHeader, TriggerSignature.Compute(Secret, "/api/cleanup", occurrence, timestamp));
        return client.SendAsync(request);
    }
}
