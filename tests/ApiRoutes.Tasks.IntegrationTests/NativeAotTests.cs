using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using ApiRoutes.Tasks.IntegrationTests.Infrastructure;
using ApiRoutes.Testing;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.IntegrationTests;

/// <summary>
/// One handler app published with Native AOT through the packed package (the one AOT publish of the suite: it takes
/// minutes): no trim or AOT warning comes from ApiRoutes, and the native binary serves every kind of route from the
/// generated handler registry, with the SQLite store and then, the same binary, with PostgreSQL.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed partial class NativeAotTests(PackageFixture package, ITestOutputHelper output)
{
    // Plain text: the handler's own JSON would need the app's own source-generated context under AOT.
    private const string Hello = """
        using ApiRoutes;
        using Microsoft.AspNetCore.Http;

        namespace Shop.Api;

        public sealed class Hello : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("hello from native code");
        }
        """;

    // Native AOT keeps only what the app references: the PostgreSQL store is registered in code (README, "Several
    // replicas"), here when configuration asks for it, so that the same binary also runs on SQLite.
    private const string PostgreSqlStore = """
        using Microsoft.AspNetCore.Builder;
        using Microsoft.Extensions.DependencyInjection;

        internal static partial class ApiRoutesProgram
        {
            static partial void ConfigureBuilder(WebApplicationBuilder builder)
            {
                if (builder.Configuration["ApiRoutes:Store:Provider"] == "PostgreSql")
                {
                    builder.Services.AddApiRoutesPostgreSql();
                }
            }
        }
        """;

    [Fact]
    public async Task A_native_aot_app_has_no_warnings_from_ApiRoutes_and_serves_every_kind_of_route_with_both_stores()
    {
        var project = Sources.Shop(package)
            .Write("Api/Hello.cs", Hello)
            .Write("PostgreSqlStore.cs", PostgreSqlStore)
            .AddToProject($"""
                <PropertyGroup><PublishAot>true</PublishAot></PropertyGroup>
                <ItemGroup><PackageReference Include="ApiRoutes.PostgreSql" Version="{PackageFixture.Version}" /></ItemGroup>
                """);
        var publish = Path.Combine(project.Directory, "out");

        var clock = Stopwatch.StartNew();
        // TrimmerSingleWarn=false: every warning on its own line, not one IL2104 per assembly. Debug: ILC does not
        // optimize, which halves the compile; the app is as trimmed and as native as a Release one.
        var result = (await DotNet.RunProgramAsync(
            TimeSpan.FromMinutes(20), "dotnet", project.Directory, package.Environment,
            "publish", "-c", "Debug", "-r", RuntimeInformation.RuntimeIdentifier, "-o", publish, "-p:TrimmerSingleWarn=false",
            "-nodeReuse:false", "-p:UseSharedCompilation=false")).ShouldSucceed();
        output.WriteLine($"Native AOT publish: {clock.Elapsed.TotalSeconds:F0} s");

        var warnings = TrimOrAotWarning().Matches(result.Output).Select(match => match.Value).Distinct().ToList();
        output.WriteLine($"{warnings.Count} trim/AOT warning(s) in all:\n{string.Join('\n', warnings)}");
        Assert.DoesNotContain(warnings, FromApiRoutes);
        Assert.Contains("ApiRoutes: no deploy bundle for a Native AOT app", result.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(publish, "Shop")), "The native executable was not published.");
        Assert.False(File.Exists(Path.Combine(publish, "Shop.dll")), "An IL assembly was published: this is not a Native AOT app.");

        var development = new Dictionary<string, string>(project.Environment) { ["ASPNETCORE_ENVIRONMENT"] = "Development" };
        await using (var sqlite = await RunningApp.StartProgramAsync(Path.Combine(publish, "Shop"), publish, development))
        {
            await ServesEveryKindOfRouteAsync(sqlite);
            Assert.True(File.Exists(development["ApiRoutes__Store__Path"]), "The SQLite store was not used.");
        }

        var database = await (await PostgresServer.SharedAsync()).CreateDatabaseAsync();
        var postgres = new Dictionary<string, string>(development)
        {
            ["ApiRoutes__Store__Provider"] = "PostgreSql",
            ["ConnectionStrings__ApiRoutes"] = database,
        };
        const string succeeded = "SELECT count(*) FROM apiroutes_executions WHERE kind = 'background' AND status = 'Succeeded'";
        await using (var app = await RunningApp.StartProgramAsync(Path.Combine(publish, "Shop"), publish, postgres))
        {
            await ServesEveryKindOfRouteAsync(app);

            // The app reports the end from its log before the end's write (a group commit) is in the database; the app is
            // killed when this block ends, so the row is waited for here (bounded: 10 s).
            for (var i = 0; i < 100 && await PostgresServer.ScalarAsync<long>(database, succeeded) == 0; i++)
            {
                await Task.Delay(100);
            }
        }

        Assert.Equal(1L, await PostgresServer.ScalarAsync<long>(database, succeeded));
    }

    private static async Task ServesEveryKindOfRouteAsync(RunningApp app)
    {
        Assert.Equal("hello from native code", await app.Client.GetStringAsync("/api/hello"));
        Assert.Equal("42", await app.Client.GetStringAsync("/api/orders/42"));

        var accepted = await app.Client.PostAsync("/api/generate-report?name=native", null);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = accepted.Headers.GetValues("X-ApiRoutes-Execution-Id").Single();
        Assert.Equal("succeeded", await StatusWhenFinishedAsync(app, id));
        Assert.Contains("Report native done", app.Output, StringComparison.Ordinal);

        // In Development a scheduled route runs when its path is requested.
        Assert.Equal(HttpStatusCode.OK, (await app.Client.GetAsync("/api/cleanup")).StatusCode);
        await app.WaitForOutputAsync("Scheduled route /api/cleanup run on demand", TimeSpan.FromSeconds(30));
    }

    // The dashboard's API (Development, loopback) reports the execution: also its JSON, written under AOT.
    private static async Task<string> StatusWhenFinishedAsync(RunningApp app, string id)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using var body = JsonDocument.Parse(await app.Client.GetStringAsync($"/_apiroutes/api/executions/{id}"));
            var status = body.RootElement.GetProperty("execution").GetProperty("status").GetString()!;
            if (status is not ("queued" or "running") || deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                return status;
            }

            await Task.Delay(100);
        }
    }

    // A warning raised in ApiRoutes' code (its runtime, or the registry generated into the app) or about its assembly.
    private static bool FromApiRoutes(string warning) =>
        warning.Contains(": ApiRoutes.", StringComparison.Ordinal) || warning.Contains("'ApiRoutes'", StringComparison.Ordinal)
        || warning.Contains("ApiRoutes.dll", StringComparison.Ordinal);

    [GeneratedRegex(@"warning IL[23]\d{3}:[^\r\n]*")]
    private static partial Regex TrimOrAotWarning();
}
