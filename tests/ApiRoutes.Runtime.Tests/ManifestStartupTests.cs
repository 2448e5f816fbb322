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

    // Review 26a F5, F6, F7: the build refuses each of these, but a manifest edited by hand (or by an attacker, in a bundle
    // re-hashed to verify) reached the runtime: start-up crashed (exit 134), a route answered 500, every execution failed
    // as a bug, or a route's escape sequences reached the operator's terminal.
    [Theory]
    [InlineData("/api/{hello", "The route '/api/{hello' in '", "is not a valid route template: ")]
    [InlineData("api/hello", "The route 'api/hello' in '", "is not a path: it must start with '/'.")]
    [InlineData("/api/\u001b]0;PWNED\u0007", "The route '/api/\\u001B]0;PWNED\\u0007' in '", "is not a path: it holds the control character U+001B at index 5.")]
    // Review 33c F2: what the build refuses with AR2001 (formatting characters, U+FFFD from a lone surrogate), this refuses too.
    [InlineData("/api/bidi\u202Eevil", "The route '/api/bidi\\u202Eevil' in '", "it holds the invisible formatting character U+202E at index 9.")]
    [InlineData("/api/sur\uFFFDrogate", "The route '/api/sur\uFFFDrogate' in '", "it holds the replacement character U+FFFD")]
    // Note 45: the build refuses a percent escape Kestrel decodes (AR2001, review 45b F1): no request reaches the route as written.
    [InlineData("/api/caf%C3%A9", "The route '/api/caf%C3%A9' in '", "holds the percent escape '%C3%A9' in its literal 'caf%C3%A9': servers decode a request's path before routing")]
    [InlineData("/api/%2E%2E/x", "The route '/api/%2E%2E/x' in '", "holds the percent escape '%2E' in its literal '%2E%2E'")]
    public void A_route_the_build_would_not_have_written_stops_start_up(string route, string start, string contains)
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));

        var error = StartWith(TestManifest.Write(manifest with { Routes = [manifest.Routes[0] with { Route = route }] }));

        Assert.StartsWith(start, error.Message, StringComparison.Ordinal);
        Assert.Contains(contains, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("The build writes no such route: build the project again, and deploy the manifest it writes.", error.Message, StringComparison.Ordinal);
    }

    // Review 35c F3: the expression is only shown (the start-up table, event 3000, the dashboard), and was never checked:
    // a line break and an escape forged log lines, 2 MB of it went into every row of the start-up table, and '@yearly'
    // was shown while '* * * * *' ran. Each is refused like a route the build cannot write, the expression shown escaped.
    public static TheoryData<string, string, string> Expressions => new()
    {
        { "@hourly\ninfo: ApiRoutes[2011]\n      \u001b[31mFAKE", "0 * * * *", "which the build refuses: '@hourly?info: ApiRoutes[2011]?      ?[31mFAKE' is not a valid crontab schedule: it holds a line break after '@hourly'" },
        { string.Concat(Enumerable.Repeat("0 ", 1_000_000)).Trim(), "0 * * * *", "which is 1,999,999 characters long; the build writes at most 1,024." },
        { "@yearly", "* * * * *", "has the schedule '@yearly', which is '0 0 1 1 *', not the schedule the manifest runs ('* * * * *')." },
        { "@hourly\n", "0 * * * *", "which is empty or has blanks around it; the build writes it trimmed." },
    };

    [Theory]
    [MemberData(nameof(Expressions))]
    public void A_schedule_expression_the_build_would_not_have_written_stops_start_up(string expression, string normalized, string contains)
    {
        var manifest = Create(ScheduledRoute("/api/tick", typeof(Tick), "@hourly"));
        var route = manifest.Routes[0];

        var error = StartWith(TestManifest.Write(manifest with { Routes = [route with { Schedule = route.Schedule! with { Expression = expression, Normalized = normalized } }] }));

        Assert.StartsWith("The scheduled route '/api/tick' in '", error.Message, StringComparison.Ordinal);
        Assert.Contains(contains, error.Message, StringComparison.Ordinal);
        Assert.EndsWith("The build writes no such route: build the project again, and deploy the manifest it writes.", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 1000, error.Message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.DoesNotContain(error.Message, c => char.IsControl(c));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(901)]
    public void A_time_limit_the_runtime_cannot_honour_stops_start_up(int seconds)
    {
        var manifest = Create(BackgroundRoute("/api/report", typeof(Flaky)));

        var error = StartWith(TestManifest.Write(manifest with { Routes = [manifest.Routes[0] with { TimeLimitSeconds = seconds }] }));

        Assert.StartsWith($"The route '/api/report' in '", error.Message, StringComparison.Ordinal);
        Assert.Contains($"has a time limit of {seconds} seconds; a time limit is from 1 to 900 seconds.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_listed_twice_for_the_same_methods_stops_start_up_and_for_other_methods_is_served()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var twice = manifest with { SchemaVersion = RouteManifest.MethodsSchemaVersion, Routes = [manifest.Routes[0], manifest.Routes[0] with { Route = "/API/Hello", Methods = ["POST"] }] };
        var split = manifest with { Routes = [manifest.Routes[0] with { Methods = ["GET"] }, manifest.Routes[0] with { Methods = ["POST"] }] };

        var error = StartWith(TestManifest.Write(twice));

        Assert.StartsWith("The route '/API/Hello' is listed twice in '", error.Message, StringComparison.Ordinal);
        Assert.Contains($"(handlers '{typeof(Hello).FullName}' and '{typeof(Hello).FullName}'), so no request to it could be routed.", error.Message, StringComparison.Ordinal);
        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(split, "manifest.json");
    }

    // Review 26b F1: routes whose regex constraints differ only in letter case (\d and \D) were "listed twice", though the
    // build accepts them and routing tells them apart; routes differing only in a parameter's name are one route.
    [Fact]
    public void Routes_are_told_apart_as_routing_does()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        ManifestRoute At(string route) => manifest.Routes[0] with { Route = route };

        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At(@"/api/lookup/{value:regex(^\d+$)}"), At(@"/api/lookup/{value:regex(^\D+$)}")] }, "m.json");
        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/{id:int}"), At("/api/{id}"), At("/api/{**rest}"), At("/api/{id}/x")] }, "m.json");
        var sameShape = Assert.Throws<ApiRoutesManifestException>(() =>
            ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/{id}"), At("/API/{name}")] }, "m.json"));

        Assert.StartsWith("The route '/API/{name}' is listed twice in 'm.json'", sameShape.Message, StringComparison.Ordinal);
    }

    // Review 33c F1: the app refused its own manifest for routes routing tells apart (long s beside s, a literal '{}'
    // beside a parameter); literals compare as routing compares them (OrdinalIgnoreCase), as the build's AR2002 does.
    [Fact]
    public void Literals_are_one_route_exactly_when_routing_takes_them_for_one()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        ManifestRoute At(string route) => manifest.Routes[0] with { Route = route };

        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/\u017Ftatus"), At("/api/status")] }, "m.json");
        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/\u212Aelvin"), At("/api/kelvin")] }, "m.json");
        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/b/{{}}"), At("/api/b/{y}")] }, "m.json");
        var same = Assert.Throws<ApiRoutesManifestException>(() =>
            ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/\u00e9t\u00e9"), At("/api/\u00c9T\u00c9")] }, "m.json"));

        Assert.StartsWith("The route '/api/\u00c9T\u00c9' is listed twice in 'm.json'", same.Message, StringComparison.Ordinal);
    }

    // Review 33f F4: GARAY capital and small a (U+10D50, U+10D70) are one route to routing, which compares them with
    // OrdinalIgnoreCase (.NET's own data outside the BMP, with ICU and without); the check asked ICU 72 and let them
    // through (the app answered 500), and under invariant globalization refused one the build had let through.
    [Fact]
    public void Literals_that_differ_only_in_the_case_of_a_letter_outside_the_BMP_are_one_route()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        ManifestRoute At(string route) => manifest.Routes[0] with { Route = route };
        Assert.True(StringComparer.OrdinalIgnoreCase.Equals("\U00010D50", "\U00010D70"));   // as routing compares them

        ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/g/\U00010D50"), At("/api/g/\U00010D51")] }, "m.json");
        var same = Assert.Throws<ApiRoutesManifestException>(() =>
            ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/g/\U00010D50"), At("/api/g/\U00010D70")] }, "m.json"));

        Assert.StartsWith("The route '/api/g/\U00010D70' is listed twice in 'm.json'", same.Message, StringComparison.Ordinal);

        // Two that differ only there cannot come from one machine's build: the advice is not to build again (review 34b).
        Assert.EndsWith("that this app's casing data takes for one letter and the build's did not (another ICU version, or invariant globalization on one side): give one of them another route.", same.Message, StringComparison.Ordinal);
        var twice = Assert.Throws<ApiRoutesManifestException>(() =>
            ManifestLoading.ManifestRouteCheck.ThrowIfInvalid(manifest with { Routes = [At("/api/g/\U00010D50"), At("/api/G/\U00010D50")] }, "m.json"));
        Assert.EndsWith("The build writes no such route: build the project again, and deploy the manifest it writes.", twice.Message, StringComparison.Ordinal);
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
