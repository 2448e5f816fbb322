using System.Globalization;
using System.IO.Compression;
using System.Net;
using ApiRoutes.Bundling;
using ApiRoutes.Scheduling;
using ApiRoutes.Testing;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>The <c>apiroutes</c> tool, packed and installed with <c>dotnet tool install</c> as a user would.</summary>
[Collection(PackageCollection.Name)]
public sealed class CliTests(PackageFixture package)
{
    private const string Secret = "integration-secret-0123456789abcdef0123456789";
    private const string DashboardToken = "integration-dashboard-0123456789abcdef0123456789";

    // Settings an attacker adds to a bundle: the dashboard on, with their token.
    private const string DashboardOn = """{"ApiRoutes":{"Dashboard":{"Enabled":true,"Token":"attacker-token-attacker-token-attacker"}}}""";

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
    public async Task Routes_from_a_solution_folder_finds_the_app_as_dotnet_build_does()
    {
        var tool = await package.ToolAsync();
        var app = Sources.Shop(package);
        // The layout of 'dotnet new apiroutes': a solution at the root, the app and its test project below it.
        var root = Directory.GetParent(app.Directory)!.CreateSubdirectory("Solution-" + Guid.NewGuid().ToString("N")[..8]).FullName;
        Directory.Move(app.Directory, Path.Combine(root, "Shop"));
        Directory.CreateDirectory(Path.Combine(root, "Shop.Tests"));
        File.WriteAllText(Path.Combine(root, "Shop.Tests", "Shop.Tests.csproj"), """
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><ProjectReference Include="../Shop/Shop.csproj" /></ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(root, "Shop.slnx"), """
            <Solution>
              <Project Path="Shop/Shop.csproj" />
              <Project Path="Shop.Tests/Shop.Tests.csproj" />
            </Solution>
            """);

        var routes = (await DotNet.RunProgramAsync(tool, root, app.Environment, "routes")).ShouldSucceed();

        Assert.Matches(@"(?m)^/api/hello\s+standard\s+Shop\.Api\.Hello\s+Api/Hello\.cs:6\s*$", routes.Output);
    }

    [Fact]
    public async Task Routes_on_a_project_without_ApiRoutes_on_a_class_library_or_that_fails_to_build_is_one_line_and_exit_code_1()
    {
        var tool = await package.ToolAsync();
        var plain = new FixtureProject(package, "Plain").Write("Plain.csproj", """
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
            </Project>
            """);
        var library = new FixtureProject(package, "Shared").Write("Shared.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
              <ItemGroup><PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" /></ItemGroup>
            </Project>
            """);

        var broken = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("@reboot"));
        // A test project as the test SDK makes one: an executable by its own Main, here with the ApiRoutes package too.
        var tested = Sources.Shop(package);
        var tests = new FixtureProject(package, "Shop.Tests").Write("Shop.Tests.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><TargetFramework>net10.0</TargetFramework><OutputType>Exe</OutputType><IsTestProject>true</IsTestProject></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" />
                <ProjectReference Include="{Path.Combine(tested.Directory, "Shop.csproj")}" />
              </ItemGroup>
            </Project>
            """).Write("TestProgram.cs", "internal static class TestProgram { private static int Main() => 0; }");

        var withoutApiRoutes = await DotNet.RunProgramAsync(tool, plain.Directory, plain.Environment, "routes");
        var onLibrary = await DotNet.RunProgramAsync(tool, library.Directory, library.Environment, "routes");
        var failed = await DotNet.RunProgramAsync(tool, broken.Directory, broken.Environment, "routes");
        var onTests = await DotNet.RunProgramAsync(tool, tests.Directory, tests.Environment, "routes");

        Assert.Equal((1, 1, 1), (withoutApiRoutes.ExitCode, onLibrary.ExitCode, failed.ExitCode));
        Assert.StartsWith(
            $"apiroutes: The build of '{Path.Combine(broken.Directory, "Shop.csproj")}' failed. {Path.Combine(broken.Directory, "Api", "Cleanup.cs")}(6,17): error AR4002: ",
            Assert.Single(Lines(failed)), StringComparison.Ordinal);
        Assert.Equal(
            $"apiroutes: '{Path.Combine(plain.Directory, "Plain.csproj")}' does not reference the ApiRoutes package, so it has no routes. "
                + "Add <PackageReference Include=\"ApiRoutes\" Version=\"...\" /> to it, or pass the project that has it.",
            Assert.Single(Lines(withoutApiRoutes)));
        Assert.StartsWith($"apiroutes: '{Path.Combine(library.Directory, "Shared.csproj")}' is a class library: its handlers are not routes", Assert.Single(Lines(onLibrary)), StringComparison.Ordinal);
        // Review 28c F9: a test project was told to add the ApiRoutes package, which would make it a second app.
        Assert.Equal(
            $"apiroutes: '{Path.Combine(tests.Directory, "Shop.Tests.csproj")}' has no routes of its own: it is a test project; the app it references, "
                + $"'{Path.Combine(tested.Directory, "Shop.csproj")}', has them: run  apiroutes routes {Path.GetRelativePath(tests.Directory, Path.Combine(tested.Directory, "Shop.csproj"))}",
            Assert.Single(Lines(onTests)));

        // Review 29a F6: the command it names is the one that was run.
        var validateTests = await DotNet.RunProgramAsync(tool, tests.Directory, tests.Environment, "validate");
        Assert.EndsWith($"has them: run  apiroutes validate {Path.GetRelativePath(tests.Directory, Path.Combine(tested.Directory, "Shop.csproj"))}", Lines(validateTests).Last(), StringComparison.Ordinal);
        Assert.Equal(1, validateTests.ExitCode);

        // Nor is it an app to the package's build: no manifest, no AR0101 (no handlers), no AR0105 for the test SDK's Main.
        var testsBuild = (await tests.RunAsync("build")).ShouldSucceed();
        Assert.DoesNotContain("AR01", testsBuild.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(tests.ManifestPath()), "A test project is not a route host: it gets no manifest.");
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
            // The dashboard's API, which 'invoke --wait' and 'runs' read, with its token (Production).
            ["ApiRoutes__Dashboard__Enabled"] = "true",
            ["ApiRoutes__Dashboard__Token"] = DashboardToken,
        };

        var cache = Path.Combine(project.Directory, "cache");
        await using var app = await RunningApp.StartProgramAsync(tool, project.Directory, environment, "serve", bundle, "--cache", cache);

        Assert.Contains("files verified", app.Output, StringComparison.Ordinal);
        var served = Assert.Single(Directory.GetDirectories(cache));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserExecute, new DirectoryInfo(served).UnixFileMode);   // sealed while served
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
        var url = app.Client.BaseAddress!.ToString();

        // A background route, through 'apiroutes invoke'.
        var invoked = (await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "invoke", "/api/generate-report", "--url", url)).ShouldSucceed();
        Assert.Contains("HTTP 202 Accepted", invoked.Output, StringComparison.Ordinal);
        Assert.Contains("Execution id: ", invoked.Output, StringComparison.Ordinal);

        // 'invoke --wait' follows it to its end with the lines it logged, through the dashboard API and its token; without
        // the token, one line saying to pass it.
        var withToken = new Dictionary<string, string>(project.Environment) { ["APIROUTES_DASHBOARD_TOKEN"] = DashboardToken };
        var followed = (await DotNet.RunProgramAsync(tool, project.Directory, withToken, "invoke", "/api/generate-report?name=weekly&ms=300", "--url", url, "--wait")).ShouldSucceed();
        Assert.Matches(@"\n  \d\d:\d\d:\d\d\.\d{3} Information Shop\.Api\.GenerateReport: Report weekly done\r?\n", followed.Output);
        Assert.Matches(@"Execution [0-9a-f]{32} of /api/generate-report succeeded in \d+ ms \(attempt 1\)\.", followed.Output);
        var unauthorized = await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "invoke", "/api/generate-report", "--url", url, "--wait");
        Assert.Equal(1, unauthorized.ExitCode);
        Assert.Contains("refused to show execution", unauthorized.Output, StringComparison.Ordinal);
        Assert.Contains("(401): set APIROUTES_DASHBOARD_TOKEN", unauthorized.Output, StringComparison.Ordinal);

        // A signed external trigger runs the occurrence once; a replay, a wrong secret, no signature, a stale one: refused.
        var occurrence = new DateTimeOffset(DateTime.UtcNow.Year, DateTime.UtcNow.Month, DateTime.UtcNow.Day, DateTime.UtcNow.Hour, 0, 0, TimeSpan.Zero).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
        var signed = await Invoke(tool, project, url, Secret, occurrence, "--wait");
        var replayed = await Invoke(tool, project, url, Secret, occurrence);
        var wrongSecret = await Invoke(tool, project, url, "not-the-secret-not-the-secret-not-the-secret", occurrence);
        var unsigned = await app.Client.PostAsync(TriggerSignature.Path, null);
        var stale = await SendStaleTriggerAsync(app.Client, occurrence);

        Assert.Equal((0, 1, 1), (signed.ExitCode, replayed.ExitCode, wrongSecret.ExitCode));
        Assert.Contains("HTTP 202", signed.Output, StringComparison.Ordinal);
        Assert.Matches(@"Execution [0-9a-f]{32} of /api/cleanup succeeded in \d+ ms \(attempt 1\)\.", signed.Output);   // followed with --wait
        Assert.Contains("HTTP 409", replayed.Output, StringComparison.Ordinal);
        Assert.Contains("HTTP 401", wrongSecret.Output, StringComparison.Ordinal);
        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (unsigned.StatusCode, stale.StatusCode));
        await app.WaitForOutputAsync("Schedule /api/cleanup fired for", TimeSpan.FromSeconds(30));

        // What became of the occurrence, through 'apiroutes runs' and the dashboard's API (its token from the environment).
        var runs = (await DotNet.RunProgramAsync(tool, project.Directory, new Dictionary<string, string>(project.Environment) { ["APIROUTES_DASHBOARD_TOKEN"] = DashboardToken },
            "runs", "/api/cleanup", "--url", url)).ShouldSucceed();
        Assert.Matches($@"{occurrence[..^1]}\.000Z\s+ran\s+[0-9a-f]{{32}} \((running|succeeded)\)", runs.Output);
        Assert.Matches($@"{occurrence[..^1]}\.000Z\s+refused\s+409: The occurrence", runs.Output);

        var exitCode = await app.TerminateAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(0, exitCode);
        Assert.Contains("Shutting down: waiting up to", app.Output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(served));
    }

    // Review 43b F1: an app with its own entry point (README's "An existing ASP.NET Core app") checked only its folder with
    // ApiRoutes:VerifyBundle; started from another folder, with OPENSSL_CONF, its appsettings.json read again on change,
    // it served. It is checked as the generated entry point checks, when MapApiRoutes loads the manifest.
    [Fact]
    public async Task An_app_with_its_own_entry_point_is_checked_by_VerifyBundle_as_the_generated_one_is()
    {
        var project = Sources.Shop(package).Write("App.cs", """
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddApiRoutes();
            var app = builder.Build();
            app.MapApiRoutes();
            app.Run();
            """).Write("appsettings.json", "{}");
        (await project.RunAsync("publish")).ShouldSucceed();
        var folder = Path.Combine(project.Directory, "own");
        ZipFile.ExtractToDirectory(Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip"), folder);
        var environment = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__VerifyBundle"] = "true",
            ["ApiRoutes__Store__Provider"] = "InMemory",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_hostBuilder__reloadConfigOnChange"] = "false",   // as apiroutes serve starts it
        };
        var shop = Path.Combine(folder, "Shop.dll");

        await using (var elsewhere = await RunningApp.RunToExitAsync(project.Directory, environment, shop))
        {
            Assert.NotEqual(0, elsewhere.ExitCode);
            Assert.Contains($"The app was started with the content root '{project.Directory}", elsewhere.Output, StringComparison.Ordinal);
        }

        await using (var openssl = await RunningApp.RunToExitAsync(folder, new Dictionary<string, string>(environment) { ["OPENSSL_CONF"] = Path.Combine(project.Directory, "openssl.cnf") }, shop))
        {
            Assert.NotEqual(0, openssl.ExitCode);
            Assert.Contains("The app's environment sets OPENSSL_CONF, which make the .NET host or runtime load code that was not verified", openssl.Output, StringComparison.Ordinal);
        }

        var reloading = new Dictionary<string, string>(environment);
        reloading.Remove("DOTNET_hostBuilder__reloadConfigOnChange");
        await using (var reloaded = await RunningApp.RunToExitAsync(folder, reloading, shop))
        {
            Assert.NotEqual(0, reloaded.ExitCode);
            Assert.Contains($"The configuration file '{Path.Combine(folder, "appsettings.json")}' is read again whenever it changes", reloaded.Output, StringComparison.Ordinal);
            Assert.Contains("DOTNET_hostBuilder__reloadConfigOnChange=false", reloaded.Output, StringComparison.Ordinal);
        }

        await using var verified = await RunningApp.StartAsync(folder, environment, shop);
        Assert.Equal("""{"hello":"world"}""", await verified.Client.GetStringAsync("/api/hello"));
    }

    [Fact]
    public async Task Tampered_bundles_are_refused_by_serve_in_one_line_and_by_VerifyBundle_at_start_up()
    {
        var tool = await package.ToolAsync();
        var project = Sources.Shop(package);
        // The check compiled into the app (review 33a F2, at the end); everything before sets it in the environment too.
        (await project.RunAsync("publish", "-p:ApiRoutesVerifyBundle=true")).ShouldSucceed();
        var published = Path.Combine(project.OutputFolder("Release"), "Shop.bundle.zip");
        var cache = Path.Combine(project.Directory, "cache");
        var outside = Path.Combine(project.Directory, "Outside.dll");
        File.Copy(Path.Combine(project.OutputFolder("Release"), "publish", "Shop.dll"), outside);
        var attacks = new (string Name, Action<ZipArchive> Tamper, string Problem)[]
        {
            ("changed", zip => Add(zip, "apiroutes.manifest.json", "{}", replace: true), "The zip entry 'apiroutes.manifest.json' declares 2 bytes, but apiroutes.bundle.json lists "),
            // The observed attack: settings that turn the dashboard on with the attacker's token.
            ("unlisted-settings", zip => Add(zip, "appsettings.Production.json", DashboardOn),
                "The zip entry 'appsettings.Production.json' is in the zip but not listed in apiroutes.bundle.json."),
            ("outside-entry-assembly", zip => EditList(zip, list => list with { EntryAssembly = outside }),
                $"The entry assembly '{outside}' is not a safe bundle path: it is absolute."),
            ("zip-slip", zip => Add(zip, "../escape.txt", "x"), "The zip entry '../escape.txt' is not a safe bundle path: it has a '..' segment."),
        };

        foreach (var (name, tamper, problem) in attacks)
        {
            var bundle = Path.Combine(project.Directory, name + ".zip");
            File.Copy(published, bundle);
            using (var zip = ZipFile.Open(bundle, ZipArchiveMode.Update))
            {
                tamper(zip);
            }

            var result = await DotNet.RunProgramAsync(tool, project.Directory, project.Environment, "serve", bundle, "--cache", cache);

            Assert.Equal(1, result.ExitCode);
            var line = Assert.Single(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith($"apiroutes: '{bundle}' will not be served: ", line, StringComparison.Ordinal);
            Assert.Contains(problem, line, StringComparison.Ordinal);
            Assert.Empty(Directory.Exists(cache) ? Directory.EnumerateFileSystemEntries(cache) : []);
            Assert.False(File.Exists(Path.Combine(project.Directory, "escape.txt")));
        }

        // The same settings file added to an unpacked bundle: the app itself refuses to start, before it loads anything
        // else from the folder (review 15, F1: the store's native library was loaded, and its file made, first).
        var unpacked = Path.Combine(project.Directory, "unpacked");
        ZipFile.ExtractToDirectory(published, unpacked);
        File.WriteAllText(Path.Combine(unpacked, "appsettings.Production.json"), DashboardOn);
        var store = Path.Combine(project.Directory, "verify-bundle-executions.db");
        var environment = new Dictionary<string, string>(project.Environment) { ["ApiRoutes__VerifyBundle"] = "true", ["ApiRoutes__Store__Path"] = store };
        await using (var app = await RunningApp.RunToExitAsync(unpacked, environment, Path.Combine(unpacked, "Shop.dll")))
        {
            Assert.Equal(1, app.ExitCode);
            Assert.Contains("'appsettings.Production.json' is present but not listed in apiroutes.bundle.json.", app.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(store), "the store was opened before the bundle was checked");
        }

        // A bundle as published, started from another folder (whose appsettings.json no list covers): refused (F3).
        var clean = Path.Combine(project.Directory, "clean");
        ZipFile.ExtractToDirectory(published, clean);
        await using var elsewhere = await RunningApp.RunToExitAsync(project.Directory, environment, Path.Combine(clean, "Shop.dll"));
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains($"The app was started with the content root '{project.Directory}", elsewhere.Output, StringComparison.Ordinal);
        Assert.Contains($"Start it in that folder (cd '{clean}'), or pass --contentRoot '{clean}'.", elsewhere.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Deploy the bundle again", elsewhere.Output, StringComparison.Ordinal);

        // Review 30e: CORE_SERVICING (which apiroutes serve removes, a start without it does not) made the host load a
        // serviceable package's assembly from that folder before the app's own: refused before anything is served.
        var deps = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(clean, "Shop.deps.json")))!;
        var cronos = deps["libraries"]!.AsObject().First(library => library.Key.StartsWith("Cronos/", StringComparison.Ordinal)).Value!["path"]!.GetValue<string>();
        var asset = deps["targets"]!.AsObject().First().Value!.AsObject().First(library => library.Key.StartsWith("Cronos/", StringComparison.Ordinal)).Value!["runtime"]!.AsObject().First().Key;
        var servicing = Path.Combine(project.Directory, "servicing");
        var serviced = Path.Combine(servicing, "pkgs", cronos, asset);
        Directory.CreateDirectory(Path.GetDirectoryName(serviced)!);
        File.Copy(Path.Combine(clean, "Cronos.dll"), serviced);
        await using (var withServicing = await RunningApp.RunToExitAsync(clean, new Dictionary<string, string>(environment) { ["CORE_SERVICING"] = servicing }, Path.Combine(clean, "Shop.dll")))
        {
            Assert.Equal(1, withServicing.ExitCode);
            // The variable itself (review 31c F3); the host's list of what it loads, which named the serviced Cronos.dll
            // here before, is the check behind it for a variable not known yet (BundleStartupCheckTests).
            Assert.Contains("The app's environment sets CORE_SERVICING, which make the .NET host or runtime load code that was not verified", withServicing.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(store), "the store was opened before the bundle was checked");
        }

        // Review 31c F3: a profiler (or a startup hook, which has run by then) from the app's environment, in no list
        // the host gives: the variables themselves refuse the start, as apiroutes serve leaves them out.
        var profiled = new Dictionary<string, string>(environment)
        {
            ["CORECLR_ENABLE_PROFILING"] = "1",
            ["CORECLR_PROFILER"] = "{11111111-1111-1111-1111-111111111111}",
            ["CORECLR_PROFILER_PATH"] = Path.Combine(project.Directory, "outside", "libprofiler.so"),
        };
        await using (var withProfiler = await RunningApp.RunToExitAsync(clean, profiled, Path.Combine(clean, "Shop.dll")))
        {
            Assert.Equal(1, withProfiler.ExitCode);
            Assert.Contains("The app's environment sets CORECLR_ENABLE_PROFILING, CORECLR_PROFILER, CORECLR_PROFILER_PATH, which make the .NET host or runtime load code", withProfiler.Output, StringComparison.Ordinal);
        }

        // Started verified from its folder, it reads its configuration files once: one put in the folder afterwards
        // configures nothing (review 15, F4: Kestrel opened the endpoint such a file named, at once).
        await using var verified = await RunningApp.StartAsync(clean, environment, Path.Combine(clean, "Shop.dll"));
        var port = PostgresServer.FreePort();
        File.WriteAllText(Path.Combine(clean, "appsettings.Production.json"), "{\"Kestrel\":{\"Endpoints\":{\"added\":{\"Url\":\"http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "\"}}}}");
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(1) };
        for (var waited = System.Diagnostics.Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(3); await Task.Delay(100))
        {
            var answered = false;
            try
            {
                using var response = await probe.GetAsync($"http://127.0.0.1:{port}/api/hello");
                answered = true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Nothing listens there: as it should be.
            }

            Assert.False(answered, $"a settings file added after the verified start opened port {port}");
        }

        Assert.Equal(HttpStatusCode.OK, (await verified.Client.GetAsync("/api/hello")).StatusCode);
        await verified.TerminateAsync(TimeSpan.FromSeconds(30));

        // Review 33a F2: the switch was read only from configuration, and a partial deploy that lost the settings file
        // carrying it served a changed assembly. Built with ApiRoutesVerifyBundle=true, the app checks its folder with no
        // switch in its environment or files, and its refusal says where the check comes from.
        var unswitchedStore = Path.Combine(project.Directory, "unswitched-executions.db");
        // Review 34c F1: Development is the host's word, not a settings file's or an unprefixed variable's (both said it to
        // the check while the host ran in Production, and the changed folder was served).
        var unswitched = new Dictionary<string, string>(project.Environment)
        {
            ["ApiRoutes__Store__Path"] = unswitchedStore, ["ASPNETCORE_ENVIRONMENT"] = "Production", ["ENVIRONMENT"] = "Development",
        };
        var partial = Path.Combine(project.Directory, "partial");
        ZipFile.ExtractToDirectory(published, partial);
        var cronosFile = Path.Combine(partial, "Cronos.dll");
        var bytes = File.ReadAllBytes(cronosFile);
        bytes[^1] ^= 1;
        File.WriteAllBytes(cronosFile, bytes);
        File.WriteAllText(Path.Combine(partial, "appsettings.json"), """{"environment": "Development"}""");
        await using (var changed = await RunningApp.RunToExitAsync(partial, unswitched, Path.Combine(partial, "Shop.dll")))
        {
            Assert.Equal(1, changed.ExitCode);
            Assert.Contains("'Cronos.dll' has been changed: its SHA-256 differs from apiroutes.bundle.json.", changed.Output, StringComparison.Ordinal);
            // Review 34c F2: no advice on how to start a changed bundle unchecked.
            Assert.DoesNotContain("ApiRoutesVerifyBundle", changed.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(unswitchedStore), "the store was opened before the bundle was checked");
        }

        // Its build output is no bundle: refused outside Development, served in it (as dotnet run starts it).
        var output = project.OutputFolder("Release");
        await using (var built = await RunningApp.RunToExitAsync(output, unswitched, Path.Combine(output, "Shop.dll")))
        {
            Assert.Equal(1, built.ExitCode);
            Assert.Contains("apiroutes.bundle.json' does not exist, so the files cannot be checked.", built.Output, StringComparison.Ordinal);
            Assert.Contains("The app was built with ApiRoutesVerifyBundle=true: outside the Development environment it starts only as its published bundle "
                + "(its build output runs with dotnet run, in Development).", built.Output, StringComparison.Ordinal);
        }

        await using var development = await RunningApp.StartAsync(
            output, new Dictionary<string, string>(unswitched) { ["ASPNETCORE_ENVIRONMENT"] = "Development" }, Path.Combine(output, "Shop.dll"));
        Assert.Equal(HttpStatusCode.OK, (await development.Client.GetAsync("/api/hello")).StatusCode);
    }

    private static string[] Lines(CommandResult result) => result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static void Add(ZipArchive zip, string name, string content, bool replace = false)
    {
        if (replace)
        {
            zip.GetEntry(name)!.Delete();
        }

        using var writer = new StreamWriter(zip.CreateEntry(name).Open());
        writer.Write(content);
    }

    // Rewritten in place, so that the list stays the zip's first entry.
    private static void EditList(ZipArchive zip, Func<BundleManifest, BundleManifest> edit)
    {
        using var stream = zip.GetEntry(BundleManifest.FileName)!.Open();
        var list = BundleManifest.Deserialize(new StreamReader(stream).ReadToEnd());
        stream.SetLength(0);
        using var writer = new StreamWriter(stream);
        writer.Write(BundleManifest.Serialize(edit(list)));
    }

    // The secrets through the environment, as the CLI reads them (never on its command line).
    private Task<CommandResult> Invoke(string tool, FixtureProject project, string url, string secret, string occurrence, params string[] more) =>
        DotNet.RunProgramAsync(
            tool,
            project.Directory,
            new Dictionary<string, string>(project.Environment) { ["APIROUTES_TRIGGER_SECRET"] = secret, ["APIROUTES_DASHBOARD_TOKEN"] = DashboardToken },
            ["invoke", "/api/cleanup", "--url", url, "--occurrence", occurrence, .. more]);

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
