using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApiRoutes.Testing;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// The development loop under the real <c>dotnet watch</c>, on a fixture project built through the packed package: one
/// session (each costs a build and a start) driven through the changes a developer makes. New handlers answer without
/// a restart; a broken schedule prints its code with file and line and shows on the dashboard while the last valid
/// routes are served; the fix, and an <c>apiroutes.yaml</c> change, take effect; a handler renamed with its file moves,
/// one moved to another namespace moves and a deleted one answers 404, all without a restart (the package's tombstones);
/// a class renamed in its file moves through the restart dotnet watch makes without asking (the package sets
/// HotReloadAutoRestart, so the session runs without --non-interactive); the compiler server the app's analyses started
/// outlives that restart (its build compiles on it) and stops with the session.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class WatchTests(PackageFixture package, ITestOutputHelper output)
{
    // Generous: CI machines are shared; each wait ends as soon as its condition holds.
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Dotnet_watch_routes_follow_the_code()
    {
        var project = new FixtureProject(package)
            .Write("Api/Hello.cs", Handler("Hello", "hello"))
            .Write("Api/Cleanup.cs", Scheduled("*/5 * * * *"))
            .Write("Api/Extra/Gone.cs", Handler("Gone", "gone", "Shop.Api.Extra"));
        var environment = WatchEnvironment(project);
        // Outside the project folder, as the default store is (~/.local/share), so the session is a developer's: dotnet watch
        // sees none of the store's files (in the project, the -wal written at each commit joined its batches of changes).
        environment["ApiRoutes__Store__Path"] = Path.Combine(project.Directory + "-store", "executions.db");

        var url = $"http://127.0.0.1:{PostgresServer.FreePort()}";
        await using var watch = await RunningApp.StartListeningAsync("dotnet", project.Directory, environment, url, "watch");
        try
        {
            await watch.WaitForOutputAsync("ApiRoutes[6004]", Patience);
            var compilerServer = CompilerServerName().Match(watch.Output).Groups["name"].Value;
            Assert.StartsWith("apiroutes-", compilerServer, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await watch.Client.GetAsync("/api/hello")).StatusCode);

            // The app's first analysis, once it has started, warms the compiler server and the analysis folder up; the
            // saves below are timed from then on, as a developer's would be.
            await DevelopmentAsync(watch, status => status.GetProperty("version").GetInt32() >= 1);

            // A new handler file: its route answers once hot reload and the refresh are done, without a restart.
            var seconds = new List<double>();
            foreach (var name in new[] { "Added1", "Added2", "Added3" })
            {
                var saved = Stopwatch.StartNew();
                project.Write($"Api/{name}.cs", Handler(name, name.ToLowerInvariant()));
                await UntilAsync(async () => (await watch.Client.GetAsync($"/api/{name.ToLowerInvariant()}")).StatusCode == HttpStatusCode.OK, watch, $"/api/{name.ToLowerInvariant()} never answered 200");
                seconds.Add(saved.Elapsed.TotalSeconds);
            }

            output.WriteLine($"seconds from saving a new handler to its first 200: {string.Join(", ", seconds.Select(s => s.ToString("F1")))}; median {seconds.Order().ElementAt(1):F1}");
            Assert.Equal("added1", await watch.Client.GetStringAsync("/api/added1"));

            // A handler's constructor changed by hot reload (review 46f F1): the route's factory, made for the constructor
            // hot reload deleted, invoked it (which ended the app) or did not see the new one (500 until a restart). Each
            // new constructor now answers, in the same process.
            project.Write("Api/Hello.cs", Handler("Hello", "hello from a constructor that takes a service", ctor: "(Microsoft.Extensions.Logging.ILogger<Hello> logger)"));
            await UntilAsync(async () => await TryGetStringAsync(watch, "/api/hello") == "hello from a constructor that takes a service", watch, "/api/hello never answered from its new constructor");
            project.Write("Api/Hello.cs", Handler("Hello", "hello from a constructor that takes two", ctor: "(Microsoft.Extensions.Logging.ILogger<Hello> logger, Microsoft.Extensions.Configuration.IConfiguration configuration)"));
            await UntilAsync(async () => await TryGetStringAsync(watch, "/api/hello") == "hello from a constructor that takes two", watch, "/api/hello never answered from its second constructor");
            Assert.DoesNotContain("Application is shutting down", watch.Output, StringComparison.Ordinal);

            // A primary constructor removed: reflection sees no public constructor of the type until a restart, and the
            // route's failure says so, rather than "a suitable constructor could not be located".
            project.Write("Api/Hello.cs", Handler("Hello", "hello from a parameterless constructor again"));
            await UntilAsync(async () => watch.Output.Contains("Hot reload changed the constructors of 'Shop.Api.Hello' in a way this process cannot use", StringComparison.Ordinal)
                || await TryGetStringAsync(watch, "/api/hello") == "hello from a parameterless constructor again", watch, "/api/hello neither answered nor said to restart");

            // A broken schedule: the build's code, file and line in the watch console and on the dashboard; the last
            // valid routes (and schedule) are still served.
            project.Write("Api/Cleanup.cs", Scheduled("61 * * * *"));
            await watch.WaitForOutputAsync("Cleanup.cs(5,17): error AR4001: '61 * * * *' is not a valid crontab schedule", Patience);
            var broken = await DevelopmentAsync(watch, status => status.GetProperty("failure").ValueKind == JsonValueKind.String);
            var diagnostic = Assert.Single(broken.GetProperty("diagnostics").EnumerateArray());
            Assert.Equal("AR4001", diagnostic.GetProperty("code").GetString());
            Assert.Equal(Path.Combine(project.Directory, "Api", "Cleanup.cs"), diagnostic.GetProperty("file").GetString());
            Assert.Equal(5, diagnostic.GetProperty("line").GetInt32());
            Assert.Equal("added2", await watch.Client.GetStringAsync("/api/added2"));
            Assert.Equal("*/5 * * * *", await ScheduleAsync(watch));

            // The fix: the error is gone and the new schedule is served.
            var before = broken.GetProperty("version").GetInt32();
            project.Write("Api/Cleanup.cs", Scheduled("*/10 * * * *"));
            var fixedStatus = await DevelopmentAsync(watch, status => status.GetProperty("version").GetInt32() > before);
            Assert.Equal(JsonValueKind.Null, fixedStatus.GetProperty("failure").ValueKind);
            Assert.Empty(fixedStatus.GetProperty("diagnostics").EnumerateArray());
            Assert.Equal("*/10 * * * *", await ScheduleAsync(watch));

            // apiroutes.yaml, which dotnet watch cannot apply ("No managed code changes to apply"), is followed too.
            before = fixedStatus.GetProperty("version").GetInt32();
            project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"0 3 * * *\"\n");
            await DevelopmentAsync(watch, status => status.GetProperty("version").GetInt32() > before);
            Assert.Equal("0 3 * * *", await ScheduleAsync(watch));

            // A file put in place with a time older than the last analysis's output, as a restored backup (cp -p, tar) or a
            // save made while that analysis compiled has: analysed all the same (review 16a F1: the compile and the
            // manifest were skipped by their timestamps, and the old routes reported as refreshed).
            before = (await DevelopmentAsync(watch, _ => true)).GetProperty("version").GetInt32();
            var yaml = Path.Combine(project.Directory, "apiroutes.yaml");
            File.WriteAllText(yaml + ".restored", "routes:\n  /api/cleanup:\n    schedule: \"0 4 * * *\"\n");
            File.SetLastWriteTimeUtc(yaml + ".restored", DateTime.UtcNow.AddHours(-1));
            File.Move(yaml + ".restored", yaml, overwrite: true);
            await DevelopmentAsync(watch, status => status.GetProperty("version").GetInt32() > before);
            Assert.Equal("0 4 * * *", await ScheduleAsync(watch));

            // A folder of handlers moved out of the project is one event of the folder, which the file filters missed
            // (review 16a F4): its route answered on until an unrelated save. (The folder is the fixture's own: a file
            // made with its folder while dotnet watch runs may have no event of dotnet watch's either, and is then never
            // hot reloaded.)
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/extra/gone")) == HttpStatusCode.OK, watch, "/api/extra/gone never answered 200");
            Directory.Move(Path.Combine(project.Directory, "Api", "Extra"), project.Directory + "-moved-out");
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/extra/gone")) == HttpStatusCode.NotFound, watch, "/api/extra/gone never answered 404 once its folder was moved out");
            Assert.DoesNotContain("Application is shutting down", watch.Output, StringComparison.Ordinal);   // no restart so far

            // A renamed handler (class and file), one moved to another namespace and a deleted one: hot reload cannot
            // remove a type, but the package's tombstones (the old types declared again in dotnet watch's workspace only)
            // make each a type moved to another file, which it applies: the same process serves the new routes.
            var app = AppProcess(watch, project);
            var renamed = Stopwatch.StartNew();
            project.Delete("Api/Added2.cs").Write("Api/Renamed2.cs", Handler("Renamed2", "renamed2"));
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/renamed2")) == HttpStatusCode.OK && (await TryGetAsync(watch, "/api/added2")) == HttpStatusCode.NotFound, watch, "/api/renamed2 never answered 200 with /api/added2 404");
            output.WriteLine($"seconds from renaming a handler (and its file) to its new route's 200 and the old one's 404: {renamed.Elapsed.TotalSeconds:F1}");

            var moved = Stopwatch.StartNew();
            project.Write("Api/Added3.cs", Handler("Added3", "moved3", "Shop.Api.Moved"));
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/moved/added3")) == HttpStatusCode.OK && (await TryGetAsync(watch, "/api/added3")) == HttpStatusCode.NotFound, watch, "/api/moved/added3 never answered 200 with /api/added3 404");
            output.WriteLine($"seconds from moving a handler to another namespace to its new route's 200 and the old one's 404: {moved.Elapsed.TotalSeconds:F1}");

            var deleted = Stopwatch.StartNew();
            project.Delete("Api/Added1.cs");
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/added1")) == HttpStatusCode.NotFound, watch, "/api/added1 never answered 404");
            Assert.Equal(HttpStatusCode.OK, await TryGetAsync(watch, "/api/renamed2"));
            output.WriteLine($"seconds from deleting a handler to its route's 404: {deleted.Elapsed.TotalSeconds:F1}");

            Assert.Equal(app, AppProcess(watch, project));
            Assert.DoesNotContain("Restart is needed", watch.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Application is shutting down", watch.Output, StringComparison.Ordinal);

            // The compiler server the app's analyses started; dotnet watch's restart below must not stop it.
            var server = Assert.Single(CompilerServerProcesses(compilerServer));

            // A class renamed in its own file is one hot reload sees as renamed (ENC0020), which no tombstone covers:
            // dotnet watch restarts the app, without asking, and the restart's build moves the route. With an error in
            // apiroutes.yaml meanwhile, that build fails and dotnet watch waits for a change of a file it watches: the
            // fixed YAML is one (review 24c: it waited for a save of a .cs file, or Ctrl+R).
            var valid = File.ReadAllText(yaml);
            project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"0 25 * * *\"\n");
            await watch.WaitForOutputAsync("apiroutes.yaml(3,15): error AR4001", Patience);
            project.Write("Api/Renamed2.cs", Handler("Renamed4", "renamed4"));
            await watch.WaitForOutputAsync("Fix the error to continue", Patience);
            var restarted = Stopwatch.StartNew();
            project.Write("apiroutes.yaml", valid);
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/renamed4")) == HttpStatusCode.OK, watch, "/api/renamed4 never answered 200");
            Assert.Equal(HttpStatusCode.NotFound, await TryGetAsync(watch, "/api/renamed2"));
            output.WriteLine($"seconds from fixing apiroutes.yaml after a restart's build failed on it to the renamed class's new route's first 200 (a build and a start): {restarted.Elapsed.TotalSeconds:F1}");
            Assert.Contains("Restart is needed to apply the changes", watch.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Do you want to restart", watch.Output, StringComparison.Ordinal);
            Assert.NotEqual(app, AppProcess(watch, project));
            Assert.Equal(HttpStatusCode.OK, await TryGetAsync(watch, "/api/moved/added3"));

            // One compiler server: the app stopped with SIGTERM left it running for the restart's build.
            Assert.Equal(server.Id, Assert.Single(CompilerServerProcesses(compilerServer)).Id);
            Assert.Contains($"the compiler server '{compilerServer}' keeps running for the restart's build", watch.Output, StringComparison.Ordinal);

            // An ApiRoutesConfigFile outside the project folder, which neither the app's watch of the folder nor dotnet
            // watch saw (review 16a F5): followed, as each analysis lists the files the project reads from elsewhere.
            var configFolder = project.Directory + "-config";
            Directory.CreateDirectory(configFolder);
            File.WriteAllText(Path.Combine(configFolder, "apiroutes.yaml"), "routes:\n  /api/cleanup:\n    schedule: \"0 5 * * *\"\n");
            project.AddToProject("<PropertyGroup><ApiRoutesConfigFile>$(MSBuildProjectDirectory)-config/apiroutes.yaml</ApiRoutesConfigFile></PropertyGroup>");
            await UntilAsync(async () => (await TryScheduleAsync(watch)) == "0 5 * * *", watch, "the schedule of the config file outside the project was never served");
            await UntilAsync(() => Task.FromResult(WatchesSinceLastStart(watch, configFolder)), watch, "the app never said it watches the config file's folder");
            File.WriteAllText(Path.Combine(configFolder, "apiroutes.yaml"), "routes:\n  /api/cleanup:\n    schedule: \"0 6 * * *\"\n");
            await UntilAsync(async () => (await TryScheduleAsync(watch)) == "0 6 * * *", watch, "a save of the config file outside the project was never followed");

            // A folder linked into the project empty, then a first handler file made in it (review 31b F4): dotnet watch
            // does not follow the link, and the app's watch followed only folders an analysis had listed files of, so
            // the file was seen by nobody until another save. Followed where the link leads: its route is served, or,
            // hot reload not applying a file dotnet watch does not see, named on the dashboard after 15 s.
            var linkedFolder = Directory.CreateDirectory(project.Directory + "-linked").FullName;
            Directory.CreateSymbolicLink(Path.Combine(project.Directory, "Api", "Linked"), linkedFolder);
            await UntilAsync(() => Task.FromResult(WatchesSinceLastStart(watch, linkedFolder)), watch, "the app never said it watches the linked folder");
            File.WriteAllText(Path.Combine(linkedFolder, "Linked.cs"), Handler("Linked", "linked", "Shop.Api.Linked"));
            await UntilAsync(
                async () => await TryGetAsync(watch, "/api/linked/linked") == HttpStatusCode.OK || (await LeftOutAsync(watch))?.Contains("/api/linked/linked", StringComparison.Ordinal) == true,
                watch,
                "the handler file made in the linked folder was never followed");

            // Ctrl+C (the terminal sends the app SIGINT) ends the session: the app stops, and takes its compiler server with it.
            app = AppProcess(watch, project);
            using (var interrupt = Process.Start("kill", ["-INT", app.ToString(CultureInfo.InvariantCulture)]))
            {
                await interrupt!.WaitForExitAsync();
            }

            await UntilAsync(() => Task.FromResult(!ProcessTable.Snapshot().Any(p => p.Id == app) && !CompilerServerProcesses(compilerServer).Any()), watch, "the app or its compiler server never stopped");
        }
        finally
        {
            output.WriteLine(watch.Output);
            StopCompilerServer(watch);
        }
    }

    [Fact]
    public async Task A_handler_file_saved_while_dotnet_watch_restarts_the_app_is_served_without_another_restart()
    {
        // Review 46f F3: dotnet watch's restart builds the app, reads the project, starts the app and only then watches; a
        // handler file saved meanwhile is one it takes as compiled, and its hot reload never applied it, whatever was
        // saved: 404 until the developer pressed Ctrl+R. The app finds the miss once hot reload has not applied the file in
        // 15 s and makes dotnet watch read the project again (it rewrites the file the package imports under dotnet
        // watch), whose hot reload then applies it in the same process.
        // In a project that moves obj/ (a BaseIntermediateOutputPath of its own; UseArtifactsOutput moves it too, and was
        // tried with this test as well): the app wrote that file, and the tombstones' snapshot, in obj/apiroutes-watch/,
        // where dotnet watch reads neither (SDK 10's dotnet watch builds do not name the folder in the runtimeconfig.json):
        // /api/late was never served, and a deletion restarted the app. Its analysis now names the folder dotnet watch
        // reads. And the sources its compile leaves in obj/apiroutes-watch/ were compiled by every build after it, which
        // no default glob kept out there: the restart's build failed (CS0579).
        var project = new FixtureProject(package)
            .Write("Directory.Build.props", "<Project><PropertyGroup><BaseIntermediateOutputPath>$(MSBuildThisFileDirectory)build/obj/</BaseIntermediateOutputPath></PropertyGroup></Project>")
            .Write("Api/Hello.cs", Handler("Hello", "hello"))
            // The save, made exactly then: the build (not a design-time one, nor the app's analysis; dotnet watch's builds
            // carry no property that says so) moves a handler file staged outside the project into it right after writing
            // the app, with the time of the move, as a save has.
            .AddToProject("""
                <Target Name="SaveDuringTheRestartBuild" AfterTargets="CopyFilesToOutputDirectory" Condition="'$(DesignTimeBuild)' != 'true' and '$(_ApiRoutesWatchFolder)' == '' and Exists('$(MSBuildProjectDirectory)-late/Late.cs')">
                  <Move SourceFiles="$(MSBuildProjectDirectory)-late/Late.cs" DestinationFiles="Api/Late.cs" />
                  <Touch Files="Api/Late.cs" />
                </Target>
                """)
            // What a first build cut short leaves (review 48D F2): an empty file, which every reading of the project by
            // dotnet watch imported and failed on (MSB4024), and which nothing wrote again. Not imported now; the build
            // writes it again, and the rest of this test needs it whole.
            .Write("build/obj/apiroutes-watch/reevaluate.props", "");
        var environment = WatchEnvironment(project);
        // Outside the project folder, as the default store is (~/.local/share): in it, the store's files made at each start
        // (-wal, -shm) are files added, for each of which dotnet watch reads the project again, and that alone applied the
        // missed file (the session test above keeps its store outside the project too).
        environment["ApiRoutes__Store__Path"] = Path.Combine(project.Directory + "-store", "executions.db");

        var url = $"http://127.0.0.1:{PostgresServer.FreePort()}";
        await using var watch = await RunningApp.StartListeningAsync("dotnet", project.Directory, environment, url, "watch");
        try
        {
            await watch.WaitForOutputAsync("ApiRoutes[6004]", Patience);
            await DevelopmentAsync(watch, status => status.GetProperty("version").GetInt32() >= 1);
            var first = AppProcess(watch, project);

            // A class renamed in its own file: dotnet watch restarts the app (HotReloadAutoRestart), and the save above
            // lands during that restart's build.
            Directory.CreateDirectory(project.Directory + "-late");
            File.WriteAllText(Path.Combine(project.Directory + "-late", "Late.cs"), Handler("Late", "late"));
            var restarted = Stopwatch.StartNew();
            project.Write("Api/Hello.cs", Handler("Hello2", "hello2"));
            await UntilAsync(async () => await TryGetStringAsync(watch, "/api/hello2") == "hello2", watch, "/api/hello2 never answered after the restart");
            Assert.True(File.Exists(Path.Combine(project.Directory, "Api", "Late.cs")));
            var second = AppProcess(watch, project);
            Assert.NotEqual(first, second);

            await UntilAsync(async () => await TryGetStringAsync(watch, "/api/late") == "late", watch, "/api/late, saved during the restart's build, was never served");
            output.WriteLine($"seconds from the rude edit to the first 200 of the handler saved during the restart's build: {restarted.Elapsed.TotalSeconds:F1}");
            Assert.Contains("ApiRoutes has asked dotnet watch to read the project again", watch.Output, StringComparison.Ordinal);
            Assert.Equal(second, AppProcess(watch, project));   // hot reload, not a restart

            // A handler deleted: hot reload applies it with its tombstone, from the snapshot where dotnet watch reads it.
            project.Delete("Api/Hello.cs");
            await UntilAsync(async () => (await TryGetAsync(watch, "/api/hello2")) == HttpStatusCode.NotFound, watch, "/api/hello2 still answered after its file was deleted");
            Assert.Equal(second, AppProcess(watch, project));
        }
        finally
        {
            output.WriteLine(watch.Output);
            StopCompilerServer(watch);
        }
    }

    // dotnet watch without a browser; and, as on CI, builds that compile without a compiler server (MSBuild reads
    // variables as properties). The app's analyses use a server of their own, and once it runs the package makes dotnet
    // watch's restart builds compile on it.
    private static Dictionary<string, string> WatchEnvironment(FixtureProject project) => new(project.Environment)
    {
        ["DOTNET_WATCH_SUPPRESS_LAUNCH_BROWSER"] = "1",
        ["DOTNET_WATCH_SUPPRESS_BROWSER_REFRESH"] = "1",
        ["DOTNET_WATCH_SUPPRESS_EMOJIS"] = "1",
        ["UseSharedCompilation"] = "false",
    };

    // A failed run must not leave the app's compiler server behind (it would idle for minutes).
    private static void StopCompilerServer(RunningApp watch)
    {
        if (CompilerServerName().Match(watch.Output) is not { Success: true } server)
        {
            return;
        }

        foreach (var process in CompilerServerProcesses(server.Groups["name"].Value))
        {
            try
            {
                using var leftOver = Process.GetProcessById(process.Id);
                leftOver.Kill();
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                // It ended by itself meanwhile.
            }
        }
    }

    private static string Handler(string name, string body, string ns = "Shop.Api", string ctor = "") => $$"""
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace {{ns}};

        public sealed class {{name}}{{ctor}} : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("{{body}}");
        }
        """;

    // The attribute's argument is on line 5, column 17: the diagnostics must say so.
    private static string Scheduled(string cron) => $$"""
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;
        [ScheduledRoute("{{cron}}")]
        public sealed class Cleanup : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("cleaned");
        }
        """;

    // The app's own process (dotnet watch starts it through dotnet run): a restart changes it.
    private static int AppProcess(RunningApp watch, FixtureProject project) =>
        ProcessTable.Descendants(watch.ProcessId).Single(p => p.CommandLine.StartsWith(Path.Combine(project.OutputFolder(), project.Name + " "), StringComparison.Ordinal)).Id;

    // While dotnet watch restarts the app nothing listens: that is an answer still to come, not a failure.
    private static async Task<HttpStatusCode?> TryGetAsync(RunningApp watch, string path)
    {
        try
        {
            using var response = await watch.Client.GetAsync(path);
            return response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    // The body of a 200, or null for any other answer or none (a 500 from a handler that cannot be made, a restart).
    private static async Task<string?> TryGetStringAsync(RunningApp watch, string path)
    {
        try
        {
            using var response = await watch.Client.GetAsync(path);
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    private static async Task<string?> ScheduleAsync(RunningApp watch)
    {
        using var routes = JsonDocument.Parse(await watch.Client.GetStringAsync("/_apiroutes/api/routes"));
        return routes.RootElement.EnumerateArray().Single(r => r.GetProperty("route").GetString() == "/api/cleanup")
            .GetProperty("schedule").GetProperty("expression").GetString();
    }

    // The schedule served now, or null while dotnet watch restarts the app.
    private static async Task<string?> TryScheduleAsync(RunningApp watch)
    {
        try
        {
            return await ScheduleAsync(watch);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    // Whether the app running now (the output after its last 6004) said it watches the folder (6011).
    private static bool WatchesSinceLastStart(RunningApp watch, string folder)
    {
        var output = watch.Output;
        var started = output.LastIndexOf("ApiRoutes[6004]", StringComparison.Ordinal);
        var said = output.LastIndexOf("ApiRoutes[6011]", StringComparison.Ordinal);
        return started >= 0 && said > started && output.IndexOf(folder, said, StringComparison.Ordinal) > said;
    }

    // What the dashboard says is left out for hot reload now, or null (also while dotnet watch restarts the app).
    private static async Task<string?> LeftOutAsync(RunningApp watch)
    {
        try
        {
            using var document = JsonDocument.Parse(await watch.Client.GetStringAsync("/_apiroutes/api/development"));
            return document.RootElement.GetProperty("leftOut").GetString();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    private static async Task<JsonElement> DevelopmentAsync(RunningApp watch, Func<JsonElement, bool> condition)
    {
        JsonElement status = default;
        await UntilAsync(async () =>
        {
            using var document = JsonDocument.Parse(await watch.Client.GetStringAsync("/_apiroutes/api/development"));
            status = document.RootElement.Clone();
            return !status.GetProperty("refreshing").GetBoolean() && condition(status);
        }, watch, "the dashboard's development status never matched");
        return status;
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, RunningApp watch, string failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(deadline.Elapsed < Patience, $"{failure} within {Patience}:\n{watch.Output}");
            Assert.False(watch.HasExited, $"dotnet watch exited:\n{watch.Output}");
            await Task.Delay(100);
        }
    }

    private static IEnumerable<ProcessTable.Entry> CompilerServerProcesses(string pipeName) =>
        ProcessTable.Snapshot().Where(p => p.CommandLine.Contains($"-pipename:{pipeName}", StringComparison.Ordinal));

    [GeneratedRegex("compiler server '(?<name>apiroutes-[0-9a-f]+)'")]
    private static partial Regex CompilerServerName();
}
