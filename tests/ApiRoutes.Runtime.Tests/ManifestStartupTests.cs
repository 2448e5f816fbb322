using ApiRoutes.Manifest;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Start-up fails fast, with a message that says what to do, when the manifest cannot be trusted.</summary>
public class ManifestStartupTests
{
    [Fact]
    public void A_missing_manifest_stops_start_up()
    {
        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), RouteManifest.FileName);

        var error = StartWith(path);

        Assert.Equal(
            $"The route manifest '{path}' does not exist. It is written by the build of a project that references the ApiRoutes "
            + "package: run 'dotnet build' (or 'dotnet publish', which copies it to the publish folder), or set "
            + "ApiRoutes:ManifestPath to where it is.",
            error.Message);
    }

    [Theory]
    [InlineData("not json", "is not valid JSON")]
    [InlineData("""{"schemaVersion": 1, "routes": []}""", "has schemaVersion 1; this version of ApiRoutes reads schemaVersion 2")]   // written before crontab's day rule
    [InlineData("""{"schemaVersion": 4, "routes": []}""", "has schemaVersion 4; this version of ApiRoutes reads schemaVersion 2 and 3")]
    [InlineData("""{"schemaVersion": 2}""", "does not match schema version 2: $ has no 'generator', which is required.")]
    // The manifest is read by hand (no serializer metadata at start-up), as strictly as the serializer would: the
    // message names the place.
    [InlineData("""{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "x"}, "routes": []}""", "$.assembly.mvid must be a GUID string.")]
    [InlineData("""{"schemaVersion": 2, "generator": null, "assembly": {}, "routes": []}""", "$ has no 'generator', which is required.")]
    [InlineData("""{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001"}, "routes": {}}""", "$.routes must be an array.")]
    [InlineData("""{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001"}, "routes": [{"route": "/a", "kind": "cron", "handler": {"type": "T", "assembly": "A"}}]}""", "$.routes[0].kind must be one of \"standard\", \"background\", \"scheduled\".")]
    [InlineData("""{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001"}, "routes": [{"route": "/a", "kind": "scheduled", "handler": {"type": "T", "assembly": "A"}, "schedule": {"expression": "@hourly"}}]}""", "$.routes[0].schedule has no 'normalized', which is required.")]
    [InlineData("""{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001"}, "routes": [{"route": "/a", "kind": "standard", "handler": {"type": "T", "assembly": "A"}, "timeLimitSeconds": 1.5}]}""", "$.routes[0].timeLimitSeconds must be a whole number.")]
    public void An_invalid_manifest_stops_start_up(string json, string message)
    {
        var path = TestManifest.Write(Create());
        File.WriteAllText(path, json);

        Assert.Contains(message, StartWith(path).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_for_another_build_of_the_assembly_stops_start_up()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var stale = manifest with { Assembly = manifest.Assembly with { Mvid = Guid.NewGuid() } };

        var error = StartWith(TestManifest.Write(stale));

        Assert.Contains("the manifest is out of date", error.Message, StringComparison.Ordinal);
        Assert.Contains(stale.Assembly.Mvid.ToString(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_handler_type_the_assembly_does_not_have_stops_start_up()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var renamed = manifest with { Routes = [manifest.Routes[0] with { Handler = new ManifestHandler("Gone.Handler", manifest.Assembly.Name) }] };

        var error = StartWith(TestManifest.Write(renamed));

        Assert.Contains("names the handler 'Gone.Handler', which is not a concrete IApiHandler", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_bundle_verification_on_an_app_without_a_bundle_manifest_does_not_start()
    {
        var error = StartWith(TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello)))), verifyBundle: true);

        Assert.StartsWith($"The deploy bundle in '{AppContext.BaseDirectory}' does not match its apiroutes.bundle.json, so it will not be served:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_short_external_trigger_secret_stops_start_up()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = TestManifest.Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly")));
            o.Store.Provider = StoreProvider.InMemory;
            o.Scheduling.ExternalTriggerSecret = "too-short";
        });
        using var app = builder.Build();

        var error = Assert.Throws<ApiRoutesStartupException>(() => app.MapApiRoutes());

        Assert.StartsWith("ApiRoutes:Scheduling:ExternalTriggerSecret is shorter than 32 characters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_time_zone_this_machine_does_not_know_stops_start_up()
    {
        var error = StartWith(TestManifest.Write(Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly", timeZone: "Mars/Olympus"))));

        Assert.StartsWith("The scheduled route '/api/tick' in '", error.Message, StringComparison.Ordinal);
        Assert.Contains("runs in the time zone 'Mars/Olympus', which this machine's time zone data does not have", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Install the IANA time zone data (the tzdata package on Linux, ICU on Windows) where the app runs.", error.Message, StringComparison.Ordinal);
    }

    private static ApiRoutesManifestException StartWith(string manifestPath, bool verifyBundle = false)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddApiRoutes(o =>
        {
            o.ManifestPath = manifestPath;
            o.VerifyBundle = verifyBundle;
            o.Store.Provider = StoreProvider.InMemory;
        });
        using var app = builder.Build();

        return Assert.Throws<ApiRoutesManifestException>(() => app.MapApiRoutes());
    }
}
