using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// The package as a user gets it: a project with a PackageReference to the freshly packed ApiRoutes, built and
/// published with the real dotnet CLI.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class BuildTests(PackageFixture package)
{
    private const string Skipped = "Skipping target \"_ApiRoutesGenerateManifest\" because all output files are up-to-date";

    [Fact]
    public async Task Build_writes_the_manifest_beside_the_assembly_and_publish_copies_it()
    {
        var project = Sources.Shop(package).Write("apiroutes.yaml", """
            routes:
              /api/generate-report:
                timeLimit: 5m
            """);

        (await project.RunAsync("build")).ShouldSucceed();

        var manifest = ManifestJson.Deserialize(File.ReadAllText(project.ManifestPath()));
        Assert.Equal(
            [
                "/api/cleanup scheduled 0 * * * * Api/Cleanup.cs:7",
                "/api/generate-report background 300 Api/GenerateReport.cs:8",
                "/api/hello standard - Api/Hello.cs:6",
                "/api/orders/{id:int} standard - Api/OrderById.cs:7",
            ],
            manifest.Routes.Select(r => $"{r.Route} {r.Kind.ToString().ToLowerInvariant()} "
                + $"{r.Schedule?.Normalized ?? r.TimeLimitSeconds?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} {r.Source!.File}:{r.Source.Line}"));
        Assert.Equal(Mvid(Path.Combine(project.OutputFolder(), "Shop.dll")), manifest.Assembly.Mvid);

        var publish = Path.Combine(project.Directory, "out");
        (await project.RunAsync("publish", "-o", publish)).ShouldSucceed();
        var published = ManifestJson.Deserialize(File.ReadAllText(Path.Combine(publish, RouteManifest.FileName)));
        Assert.Equal(Mvid(Path.Combine(publish, "Shop.dll")), published.Assembly.Mvid);
        Assert.Equal(manifest.Routes.Select(r => r.Route), published.Routes.Select(r => r.Route));

        // Review 25a F6: 'publish --no-build' after an edit of apiroutes.yaml shipped the manifest of the last build, with
        // the route the file now switches off. The analysis reads the built assembly again when its inputs changed.
        project.Write("apiroutes.yaml", "routes:\n  /api/hello:\n    enabled: false\n");
        var again = Path.Combine(project.Directory, "out-again");
        (await project.RunAsync("publish", "--no-build", "-o", again)).ShouldSucceed();
        var republished = ManifestJson.Deserialize(File.ReadAllText(Path.Combine(again, RouteManifest.FileName)));
        Assert.Equal(published.Routes.Select(r => r.Route).Where(route => route != "/api/hello"), republished.Routes.Select(r => r.Route));
        Assert.Equal(
            published.Routes.Where(r => r.Route != "/api/hello").Select(r => r.Source),
            republished.Routes.Select(r => r.Source));
        Assert.Equal(Mvid(Path.Combine(again, "Shop.dll")), republished.Assembly.Mvid);
    }

    [Fact]
    public async Task A_bad_schedule_fails_the_build_with_its_code_file_line_and_column()
    {
        var project = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("*/5 * * * * *"));

        var result = (await project.RunAsync("build")).ShouldFail();

        var file = Path.Combine(project.Directory, "Api", "Cleanup.cs");
        Assert.Contains($"{file}(6,17): error AR4003: '*/5 * * * * *' runs more than once a minute", result.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.ManifestPath()), "No manifest may sit beside an assembly whose routes failed validation.");
    }

    [Fact]
    public async Task A_yaml_error_fails_the_build_at_the_yaml_line_and_column()
    {
        var project = Sources.Shop(package).Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@reboot\"\n");

        var result = (await project.RunAsync("build")).ShouldFail();

        Assert.Contains($"{Path.Combine(project.Directory, "apiroutes.yaml")}(3,15): error AR4002:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_linked_config_file_is_watched_by_dotnet_watch_also_where_it_leads()
    {
        // Review 35a F6: after a restart whose build failed on a linked apiroutes.yaml, dotnet watch waited for a change
        // of the link (the Watch item's only path), so fixing the shared file it leads to never rebuilt the app.
        if (OperatingSystem.IsWindows())
        {
            return;   // a symbolic link needs a right Windows does not give every user
        }

        var project = Sources.Shop(package);
        var shared = Directory.CreateDirectory(project.Directory + "-config").FullName;
        File.WriteAllText(Path.Combine(shared, "apiroutes.yaml"), "routes: {}\n");
        File.CreateSymbolicLink(Path.Combine(project.Directory, "apiroutes.yaml"), Path.Combine(shared, "apiroutes.yaml"));

        // What dotnet watch runs for the files it watches: the SDK's GenerateWatchList, which writes the Watch items.
        var version = (await DotNet.RunAsync(project.Directory, project.Environment, "--version")).ShouldSucceed().Output.Trim();
        var sdk = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(typeof(object).Assembly.Location)!, "..", "..", "..", "sdk", version));
        var targets = Assert.Single(Directory.EnumerateFiles(Path.Combine(sdk, "DotnetTools"), "DotNetWatch.targets", SearchOption.AllDirectories));
        var list = Path.Combine(project.Directory, "obj", "watch-list");
        (await project.RunAsync("msbuild", "-restore", "-t:GenerateWatchList", "-p:DotNetWatchBuild=true", $"-p:CustomAfterMicrosoftCommonTargets={targets}", $"-p:_DotNetWatchListFile={list}")).ShouldSucceed();

        var watched = File.ReadAllText(list).Replace("\\/", "/", StringComparison.Ordinal);   // JSON, which writes '/' as '\/'
        Assert.Contains(Path.Combine(shared, "apiroutes.yaml"), watched, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(project.Directory, "apiroutes.yaml"), watched, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_build_with_no_change_skips_the_analysis_and_a_changed_input_reruns_it()
    {
        // A snapshot a dotnet watch session left (tombstones): the build empties it, and a build after leaves it alone.
        var project = Sources.Shop(package).Write(TombstoneSnapshot, Snapshot(("/gone/Ghost.cs", "namespace Shop.Api; public static class Ghost { }")));
        (await project.RunAsync("build")).ShouldSucceed();
        var written = File.GetLastWriteTimeUtc(project.ManifestPath());
        var snapshot = Path.Combine(project.Directory, TombstoneSnapshot);
        Assert.Equal(0, new FileInfo(snapshot).Length);
        File.SetLastWriteTimeUtc(snapshot, DateTime.UtcNow.AddMinutes(-1));
        var emptied = File.GetLastWriteTimeUtc(snapshot);

        var again = (await project.RunAsync("build", "-v:detailed")).ShouldSucceed();

        Assert.Contains(Skipped, again.Output, StringComparison.Ordinal);
        Assert.Equal(written, File.GetLastWriteTimeUtc(project.ManifestPath()));
        Assert.Equal(emptied, File.GetLastWriteTimeUtc(snapshot));

        // Adding apiroutes.yaml changes the routes: the analysis must run again.
        project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@daily\"\n");
        var withYaml = (await project.RunAsync("build", "-v:detailed")).ShouldSucceed();
        Assert.DoesNotContain(Skipped, withYaml.Output, StringComparison.Ordinal);
        Assert.Equal("@daily", Schedule(project));

        // Review 30c F6: one restored with an older time (cp -p, tar, an editor's backup) was skipped as up to date.
        project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@weekly\"\n");
        File.SetLastWriteTimeUtc(Path.Combine(project.Directory, "apiroutes.yaml"), DateTime.UtcNow.AddYears(-2));
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@weekly", Schedule(project));

        // Review 30c F3: a build to another folder (-o) kept the manifest an earlier build had written there, and the app
        // run from it served the old settings; a manifest edited by hand after the build was kept, and served, too.
        var other = Path.Combine(project.Directory, "out1");
        (await project.RunAsync("build", "-o", other)).ShouldSucceed();
        project.Write("apiroutes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@daily\"\n");
        (await project.RunAsync("build")).ShouldSucceed();
        (await project.RunAsync("build", "-o", other)).ShouldSucceed();
        Assert.Equal("@daily", Schedule(Path.Combine(other, "apiroutes.manifest.json")));
        File.WriteAllText(project.ManifestPath(), File.ReadAllText(project.ManifestPath()).Replace("@daily", "@yearly", StringComparison.Ordinal));
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@daily", Schedule(project));

        // Review 31b F2: so is one edited with an earlier time (cp -p, rsync -a, a CI cache restore).
        File.WriteAllText(project.ManifestPath(), File.ReadAllText(project.ManifestPath()).Replace("@daily", "@yearly", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(project.ManifestPath(), DateTime.UtcNow.AddHours(-2));
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@daily", Schedule(project));
        var untouched = (await project.RunAsync("build", "-v:detailed")).ShouldSucceed();   // and then incremental again
        Assert.Contains(Skipped, untouched.Output, StringComparison.Ordinal);
        Directory.Delete(other, recursive: true);

        // Deleting it is a change too, although no input is newer than the last run.
        project.Delete("apiroutes.yaml");
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@hourly", Schedule(project));

        // Review 25a F15: an apiroutes.yaml that links to a shared file keeps the link's time when that file changes,
        // which is all MSBuild's up-to-date check reads: the edit was ignored, and publish shipped the old manifest.
        project.Write("shared/routes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@weekly\"\n");
        File.CreateSymbolicLink(Path.Combine(project.Directory, "apiroutes.yaml"), Path.Combine("shared", "routes.yaml"));
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@weekly", Schedule(project));
        project.Write("shared/routes.yaml", "routes:\n  /api/cleanup:\n    schedule: \"@monthly\"\n");
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.Equal("@monthly", Schedule(project));

        // Review 27a F1: a file of the manifest's name in the project (a copy committed for review) was content the Web
        // SDK copied over the manifest the build wrote, and the app served its routes.
        project.Write("apiroutes.manifest.json", File.ReadAllText(project.ManifestPath()).Replace("@monthly", "@yearly", StringComparison.Ordinal));
        var stray = (await project.RunAsync("build")).ShouldSucceed();
        Assert.Contains($"{Path.Combine(project.Directory, "apiroutes.manifest.json")} : warning AR0104:", stray.Output, StringComparison.Ordinal);
        Assert.Equal("@monthly", Schedule(project));
        project.Delete("apiroutes.manifest.json");

        // Review 28c F17: a configuration file the project names that is not there, or an apiroutes.yml, was the defaults
        // without a word (time limits, methods, enabled: false and yaml-only schedules silently lost).
        var missing = await project.RunAsync("build", "-p:ApiRoutesConfigFile=nope.yaml");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains($"{Path.Combine(project.Directory, project.Name + ".csproj")} : error AR5006: ApiRoutesConfigFile is 'nope.yaml', which does not exist ({Path.Combine(project.Directory, "nope.yaml")})", missing.Output, StringComparison.Ordinal);
        File.Move(Path.Combine(project.Directory, "shared", "routes.yaml"), Path.Combine(project.Directory, "apiroutes.yml"));
        project.Delete("apiroutes.yaml");
        var yml = (await project.RunAsync("build")).ShouldSucceed();
        Assert.Contains($"{Path.Combine(project.Directory, "apiroutes.yml")} : warning AR5102: 'apiroutes.yml' is not read: the build reads the routes' settings from apiroutes.yaml.", yml.Output, StringComparison.Ordinal);
        project.Delete("apiroutes.yml");

        // Review 28c F13: a switch with a value other than true or false (a typo) was read as one of them without a word:
        // ApiRoutesBundle=flase published no bundle. Checked at a publish with no build too.
        var typo = (await project.RunAsync("build", "-p:ApiRoutesEnabled=1")).ShouldFail();
        Assert.Contains($"{Path.Combine(project.Directory, project.Name + ".csproj")} : error AR0004: ApiRoutesEnabled is '1', which is neither true nor false", typo.Output, StringComparison.Ordinal);

        // Review 33a F2: ApiRoutesVerifyBundle is compiled in by the C# generator; in another language's app it would be
        // lost without a word.
        var notCSharp = (await project.RunAsync("build", "-p:ApiRoutesVerifyBundle=true", "-p:Language=F#")).ShouldFail();
        Assert.Contains($"{Path.Combine(project.Directory, project.Name + ".csproj")} : error AR0005: ApiRoutesVerifyBundle=true is compiled into the app by ApiRoutes' C# source generator, and this project is F#", notCSharp.Output, StringComparison.Ordinal);
        // Review 34c F3, F4: with the switch, a publish that writes no bundle made an app that never started in production,
        // and one with no build after a build without the switch an app that started unchecked.
        var noBundle = (await project.RunAsync("publish", "-p:ApiRoutesVerifyBundle=true", "-p:ApiRoutesBundle=false")).ShouldFail();
        Assert.Contains($"{Path.Combine(project.Directory, project.Name + ".csproj")} : error AR0006: ApiRoutesVerifyBundle=true makes the app start, outside Development, only as its deploy bundle, and this publish writes none", noBundle.Output, StringComparison.Ordinal);
        (await project.RunAsync("build", "-c", "Release")).ShouldSucceed();
        var stale = (await project.RunAsync("publish", "--no-build", "-p:ApiRoutesVerifyBundle=true")).ShouldFail();
        Assert.Contains("error AR0006: ApiRoutesVerifyBundle=true, and the app this publish takes (--no-build) was built without it: it would start unchecked.", stale.Output, StringComparison.Ordinal);
        (await project.RunAsync("build", "-c", "Release", "-p:ApiRoutesVerifyBundle=true")).ShouldSucceed();
        (await project.RunAsync("publish", "--no-build", "-p:ApiRoutesVerifyBundle=true")).ShouldSucceed();

        var verifyTypo = (await project.RunAsync("build", "-p:ApiRoutesVerifyBundle=ture", "-p:Language=F#")).ShouldFail();
        Assert.Contains("error AR0004: ApiRoutesVerifyBundle is 'ture', which is neither true nor false", verifyTypo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("AR0005", verifyTypo.Output, StringComparison.Ordinal);
        var publishTypo = (await project.RunAsync("publish", "--no-build", "-p:ApiRoutesBundle=flase")).ShouldFail();
        Assert.Contains("error AR0004: ApiRoutesBundle is 'flase', which is neither true nor false: the build would read it as one of them without a word. Write ApiRoutesBundle=true or ApiRoutesBundle=false.", publishTypo.Output, StringComparison.Ordinal);
        // What MSBuild's conditions read as true or false, as they do: any case, yes/no, on/off, and '!' before one.
        (await project.RunAsync("build", "-p:ApiRoutesBundle=False", "-p:ApiRoutesWatchCompilerServer=off", "-p:ApiRoutesEnabled=yes")).ShouldSucceed();

        // Review 27a F3: the build logic read the configuration whole in a property function, so a folder in its place was
        // MSB4184 (and /dev/zero ran out of memory, a FIFO hung): the task's bounded read says AR5001.
        Directory.CreateDirectory(Path.Combine(project.Directory, "routes-folder"));
        var folder = (await project.RunAsync("build", "-p:ApiRoutesConfigFile=routes-folder")).ShouldFail();
        Assert.Contains("error AR5001: apiroutes.yaml cannot be read", folder.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("MSB4184", folder.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TreatWarningsAsErrors_makes_AR_warnings_errors_and_WarningsNotAsErrors_and_NoWarn_still_work()
    {
        // AR4101 is a warning: a week of days beside a weekday reads like "the first Monday", which crontab cannot say.
        var project = Sources.Shop(package).Write("Api/Cleanup.cs", Sources.Cleanup("0 9 1-7 * MON"))
            .AddToProject("<PropertyGroup><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup>");
        var cleanup = $"{Path.Combine(project.Directory, "Api", "Cleanup.cs")}(6,17)";

        var failed = (await project.RunAsync("build")).ShouldFail();

        Assert.Contains($"{cleanup}: error AR4101:", failed.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.ManifestPath()), "A build that failed on a warning leaves no manifest.");

        project.AddToProject("<PropertyGroup><WarningsNotAsErrors>$(WarningsNotAsErrors);AR4101</WarningsNotAsErrors></PropertyGroup>");
        var exempt = (await project.RunAsync("build")).ShouldSucceed();
        Assert.Contains($"{cleanup}: warning AR4101:", exempt.Output, StringComparison.Ordinal);

        project.AddToProject("<PropertyGroup><NoWarn>$(NoWarn);AR4101</NoWarn><WarningsNotAsErrors /></PropertyGroup>");
        var silenced = (await project.RunAsync("build")).ShouldSucceed();
        Assert.DoesNotContain("AR4101", silenced.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(project.ManifestPath()));

        // MSBuild's own switch for every warning (global properties outrank the project's NoWarn and TreatWarningsAsErrors),
        // after a build that only warned: the analysis runs again (review 27a F6: it was skipped, and the build passed).
        var warned = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false")).ShouldSucceed();
        Assert.Contains($"{cleanup}: warning AR4101:", warned.Output, StringComparison.Ordinal);

        // Review 30c F2: MSBuild's -warnaserror switch sets no property the stamp could record: after a build that only
        // warned, the analysis was skipped and the build passed. A build after one that warned says the warning again.
        var again = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false")).ShouldSucceed();
        Assert.Contains($"{cleanup}: warning AR4101:", again.Output, StringComparison.Ordinal);
        var switchAsErrors = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false", "-warnaserror")).ShouldFail();
        Assert.Contains($"{cleanup}: error AR4101:", switchAsErrors.Output, StringComparison.Ordinal);
        // Review 33c F4: the engine did not answer for the bare switch in an SDK project, the logger made the warning an
        // error after the task had written the manifest, and the failed build kept it. A warning the switch leaves a
        // warning (-warnnotaserror, the project's WarningsNotAsErrors) still leaves the manifest.
        Assert.False(File.Exists(project.ManifestPath()), "A build that failed on a warning leaves no manifest.");
        var switchExempt = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false", "-warnaserror", "-warnnotaserror:AR4101")).ShouldSucceed();
        Assert.Contains($"{cleanup}: warning AR4101:", switchExempt.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(project.ManifestPath()), "A warning -warnnotaserror exempts does not fail the build.");
        var projectExempt = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false", "-p:WarningsNotAsErrors=AR4101", "-warnaserror")).ShouldSucceed();
        Assert.Contains($"{cleanup}: warning AR4101:", projectExempt.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(project.ManifestPath()), "A warning WarningsNotAsErrors exempts does not fail the build.");
        (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false")).ShouldSucceed();
        var msbuildAsErrors = (await project.RunAsync("build", "-p:NoWarn=", "-p:TreatWarningsAsErrors=false", "-p:MSBuildTreatWarningsAsErrors=true")).ShouldFail();
        Assert.Contains($"{cleanup}: error AR4101:", msbuildAsErrors.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(project.ManifestPath()), "A build that failed on a warning leaves no manifest.");

        // Suppressed for that handler alone, in a GlobalSuppressions.cs as Visual Studio writes one: the compiled attribute
        // is read, and the project's TreatWarningsAsErrors build passes.
        project.Write("GlobalSuppressions.cs", """
            using System.Diagnostics.CodeAnalysis;

            [assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Justification = "The 1st to 7th and every Monday", Scope = "type", Target = "~T:Shop.Api.Cleanup")]
            """);
        var suppressed = (await project.RunAsync("build", "-p:NoWarn=")).ShouldSucceed();
        Assert.DoesNotContain("AR4101", suppressed.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(project.ManifestPath()));
    }

    [Fact]
    public async Task Handlers_in_a_referenced_class_library_warn_in_the_apps_build_and_the_library_gets_no_manifest()
    {
        var library = ClassLibrary("Shared")
            .Write("Api/Ping.cs", """
                using ApiRoutes;
                using Microsoft.AspNetCore.Http;

                namespace Shared.Api;

                public sealed class Ping : IApiHandler
                {
                    public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("pong");
                }
                """);
        var app = Sources.Shop(package).AddToProject($"""<ItemGroup><ProjectReference Include="{Path.Combine(library.Directory, "Shared.csproj")}" /></ItemGroup>""");

        var build = (await app.RunAsync("build")).ShouldSucceed();

        Assert.Contains(
            $"{Path.Combine(library.Directory, "Api", "Ping.cs")}(6,21): warning AR0102: 'Shared.Api.Ping' in the class library 'Shared' is not a route",
            build.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("/api/ping", File.ReadAllText(app.ManifestPath()), StringComparison.Ordinal);
        Assert.False(File.Exists(library.ManifestPath()), "A class library is not a route host: it gets no manifest.");

        // Its CI check says where to look instead of failing on a manifest that is not there.
        var validate = (await library.RunAsync("build", "-t:ApiRoutesValidate")).ShouldSucceed();
        Assert.Contains("ApiRoutes: Shared is a class library: its handlers are not routes. Validate the app that references it.", validate.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Top_level_statements_in_any_file_are_the_entry_point_the_package_adds_none_and_warns_when_they_never_map_the_routes()
    {
        // Review 28c F18: an entry point of its own, as every other ASP.NET Core template writes one, that never maps the
        // routes built without a word, and served none of them (warning AR0105, an error here with TreatWarningsAsErrors).
        var project = Sources.Shop(package)
            .Write("App.cs", """
                var app = WebApplication.CreateBuilder(args).Build();
                app.MapGet("/own", () => "own entry point");
                app.Run();
                """)
            .AddToProject("<PropertyGroup><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup>");
        var unmapped = (await project.RunAsync("build")).ShouldFail();
        Assert.Contains($"{Path.Combine(project.Directory, "App.cs")}(1,1): error AR0105: The app has its own entry point (top-level statements) that never calls app.MapApiRoutes()", unmapped.Output, StringComparison.Ordinal);

        // Observed: a Program in App.cs got the package's entry point too, and CS7022 into the NuGet cache.
        project
            .Write("App.cs", """
                var builder = WebApplication.CreateBuilder(args);
                builder.Services.AddApiRoutes();
                var app = builder.Build();
                app.MapGet("/own", () => "own entry point");
                app.MapApiRoutes();
                app.Run();
                """);

        var build = (await project.RunAsync("build")).ShouldSucceed();

        Assert.DoesNotContain("CS7022", build.Output, StringComparison.Ordinal);
        await using var app = await RunningApp.StartAsync(project.OutputFolder(), project.Environment, Path.Combine(project.OutputFolder(), "Shop.dll"));
        Assert.Equal("own entry point", await app.Client.GetStringAsync("/own"));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
    }

    [Fact]
    public async Task An_entry_point_whose_routes_a_library_of_the_app_maps_builds_under_TreatWarningsAsErrors_and_serves_them()
    {
        // Review 29a F5 was fixed for a library compiled in full, but a build passes a project reference as its reference
        // assembly, which has no method bodies and so no reference to ApiRoutes: AR0105 still broke this build.
        var library = ClassLibrary("Defaults")
            .Write("AppDefaults.cs", """
                using Microsoft.AspNetCore.Builder;
                using Microsoft.Extensions.DependencyInjection;

                namespace Defaults;

                public static class AppDefaults
                {
                    public static WebApplicationBuilder AddDefaults(this WebApplicationBuilder builder)
                    {
                        builder.Services.AddApiRoutes();
                        return builder;
                    }

                    public static WebApplication MapDefaults(this WebApplication app)
                    {
                        app.MapApiRoutes();
                        return app;
                    }
                }
                """);
        var project = Sources.Shop(package)
            .Write("App.cs", """
                using Defaults;

                var app = WebApplication.CreateBuilder(args).AddDefaults().Build();
                app.MapDefaults();
                app.Run();
                """)
            .AddToProject($"""<PropertyGroup><TreatWarningsAsErrors>true</TreatWarningsAsErrors></PropertyGroup><ItemGroup><ProjectReference Include="{Path.Combine(library.Directory, "Defaults.csproj")}" /></ItemGroup>""");

        var build = (await project.RunAsync("build")).ShouldSucceed();

        Assert.DoesNotContain("AR0105", build.Output, StringComparison.Ordinal);
        await using var app = await RunningApp.StartAsync(project.OutputFolder(), project.Environment, Path.Combine(project.OutputFolder(), "Shop.dll"));
        Assert.Equal("""{"hello":"world"}""", await app.Client.GetStringAsync("/api/hello"));
    }

    // Review 6, R6-1: a real build given the snapshot a running dotnet watch session filled (here through the project's
    // own glob, which covers obj/) compiles no tombstone: the generator emits only in dotnet watch's workspace.
    [Fact]
    public async Task A_real_build_compiles_no_tombstone_whatever_its_additional_files_and_clean_removes_the_manifest()
    {
        var project = Sources.Shop(package)
            .AddToProject("""<ItemGroup><AdditionalFiles Include="**/*.txt" /></ItemGroup>""")
            .Write(TombstoneSnapshot, Snapshot(
                (Path.Combine(package.Root, "gone", "Ghost.cs"), "namespace Shop.Api; public static class Ghost { public static string Boo => \"a tombstone in a real build\"; }")));
        (await project.RunAsync("build")).ShouldSucceed();
        Assert.True(File.Exists(project.ManifestPath()));
        Assert.DoesNotContain("Ghost", TypeNames(Path.Combine(project.OutputFolder(), "Shop.dll")));
        Assert.Contains("Hello", TypeNames(Path.Combine(project.OutputFolder(), "Shop.dll")));

        (await project.RunAsync("clean")).ShouldSucceed();

        Assert.False(File.Exists(project.ManifestPath()));
    }

    // Review 49B F3: the app's analysis compiles into obj/apiroutes-watch/ of the project, also where the project moves
    // obj/ elsewhere, and leaves sources there (AssemblyInfo, GlobalUsings), which every build after the app's first
    // analysis compiled too (CS0579) where nothing kept them out. DefaultItemExcludes alone did not: set in the package's
    // .props, a project file that sets it without the value before dropped it; in its .targets, a Directory.Build.targets
    // (imported after them) still did, and a project's own Compile glob never reads it (49B, 49C: left). The package
    // removes the folder's items itself.
    [Fact]
    public async Task The_analysis_folder_stays_out_of_the_items_of_a_project_that_moves_obj_whatever_its_own_globs()
    {
        var project = Sources.Shop(package)
            .Write("Directory.Build.props", "<Project><PropertyGroup><BaseIntermediateOutputPath>$(MSBuildThisFileDirectory)build/obj/</BaseIntermediateOutputPath></PropertyGroup></Project>")
            .Write("Directory.Build.targets", "<Project><PropertyGroup><DefaultItemExcludes>Temp/**</DefaultItemExcludes></PropertyGroup></Project>")
            .Write("obj/apiroutes-watch/obj/Shop.AssemblyInfo.cs", "#error the analysis's sources, compiled by the app's build")
            .Write("obj/apiroutes-watch/bin/Shop.runtimeconfig.json", "{}");

        (await project.RunAsync("build")).ShouldSucceed();
        Assert.False(File.Exists(Path.Combine(project.OutputFolder(), "obj", "apiroutes-watch", "bin", "Shop.runtimeconfig.json")));

        project.AddToProject("""
            <PropertyGroup><EnableDefaultCompileItems>false</EnableDefaultCompileItems></PropertyGroup>
            <ItemGroup><Compile Include="**/*.cs" Exclude="build/**" /></ItemGroup>
            """);
        (await project.RunAsync("build")).ShouldSucceed();
    }

    private const string TombstoneSnapshot = "obj/apiroutes-watch/tombstones.txt";

    // The snapshot's format (src/EntryPoint/SourceSnapshot.cs): a line per text, path and text in Base64, a tab between.
    private static string Snapshot(params (string Path, string Text)[] texts) =>
        string.Concat(texts.Select(t => $"{Base64(t.Path)}\t{Base64(t.Text)}\n"));

    private static string Base64(string text) => Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(text));

    private static List<string> TypeNames(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        return reader.TypeDefinitions.Select(t => reader.GetString(reader.GetTypeDefinition(t).Name)).ToList();
    }

    private static string Schedule(FixtureProject project) => Schedule(project.ManifestPath());

    private static string Schedule(string manifestPath) =>
        ManifestJson.Deserialize(File.ReadAllText(manifestPath)).Routes.Single(r => r.Route == "/api/cleanup").Schedule!.Expression;

    private static Guid Mvid(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var reader = pe.GetMetadataReader();
        return reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }

    // A class library of the app's own that references the ApiRoutes package, as ASP.NET Core's shared libraries do.
    private FixtureProject ClassLibrary(string name) =>
        new FixtureProject(package, name)
            .Write($"{name}.csproj", $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                  </PropertyGroup>
                  <ItemGroup>
                    <FrameworkReference Include="Microsoft.AspNetCore.App" />
                    <PackageReference Include="ApiRoutes" Version="{PackageFixture.Version}" />
                  </ItemGroup>
                </Project>
                """);
}
