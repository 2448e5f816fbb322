using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.CodeAnalysis.Emit;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

public sealed class ManifestContentTests : IDisposable
{
    private readonly TestProject _project = new TestProject()
        .Source("Api/Hello.cs", """
            namespace Shop.Api;

            public sealed class Hello : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("hello");
            }
            """)
        .Source("Api/Orders.cs", """
            namespace Shop.Api;

            [ApiRoute("/api/orders/{id:int}")]
            public sealed class OrderById : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }

            [BackgroundRoute(TimeLimitSeconds = 600)]
            public sealed class GenerateReport : IApiHandler
            {
                // An async body lives in a compiler-generated state machine; the source is still found.
                public async Task HandleAsync(HttpContext context) => await Task.Delay(1, context.RequestAborted);
            }
            """)
        .Source("Api/Admin/UserExport.cs", """
            namespace Shop.Api.Admin;

            [ScheduledRoute("@hourly")]
            public sealed class UserExport(IServiceProvider services) : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }
            """)
        .Source("Handlers/Health.cs", """
            namespace Shop.Handlers;

            [ApiRoute("health/{**rest}")]
            public sealed class Health : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }

            public abstract class HandlerBase : IApiHandler
            {
                public abstract Task HandleAsync(HttpContext context);
            }
            """)
        .Source("Api/Derived.cs", """
            namespace Shop.Api;

            public sealed class Derived : Shop.Handlers.HandlerBase
            {
                public override Task HandleAsync(HttpContext context) => Task.CompletedTask;
            }
            """);

    [Fact]
    public void Every_handler_becomes_a_route_with_kind_handler_schedule_limit_and_source()
    {
        var result = _project.Analyze();

        Assert.Empty(result.Diagnostics);
        var routes = result.Manifest!.Routes;
        Assert.Equal(
            [
                "/api/admin/user-export scheduled Shop.Api.Admin.UserExport 30s Api/Admin/UserExport.cs:4",
                "/api/derived standard Shop.Api.Derived - Api/Derived.cs:3",
                "/api/generate-report background Shop.Api.GenerateReport 600s Api/Orders.cs:10",
                "/api/hello standard Shop.Api.Hello - Api/Hello.cs:3",
                "/api/orders/{id:int} standard Shop.Api.OrderById - Api/Orders.cs:4",
                "/health/{**rest} standard Shop.Handlers.Health - Handlers/Health.cs:4",
            ],
            routes.Select(r => $"{r.Route} {r.Kind.ToString().ToLowerInvariant()} {r.Handler.Type} "
                + $"{(r.TimeLimitSeconds is { } s ? s + "s" : "-")} {r.Source!.File}:{r.Source.Line}"));
        Assert.All(routes, route => Assert.Equal("Shop", route.Handler.Assembly));
        Assert.Equal(new ManifestSchedule("@hourly", "0 * * * *"), routes[0].Schedule);
        Assert.All(routes.Skip(1), route => Assert.Null(route.Schedule));
    }

    [Fact]
    public void The_manifest_names_the_assembly_and_its_mvid()
    {
        var manifest = _project.Analyze().Manifest!;

        using var pe = new PEReader(File.OpenRead(_project.AssemblyPath));
        var reader = pe.GetMetadataReader();
        Assert.Equal(reader.GetGuid(reader.GetModuleDefinition().Mvid), manifest.Assembly.Mvid);
        Assert.Equal(new ManifestAssembly("Shop", "Shop.dll", manifest.Assembly.Mvid), manifest.Assembly);
        Assert.Equal(RouteManifest.CurrentSchemaVersion, manifest.SchemaVersion);
    }

    [Fact]
    public void The_json_round_trips_and_uses_the_documented_names()
    {
        var manifest = _project.Analyze().Manifest!;

        var json = ManifestJson.Serialize(manifest);

        Assert.Contains("\"schemaVersion\": 2", json, StringComparison.Ordinal);
        Assert.Contains("\"kind\": \"scheduled\"", json, StringComparison.Ordinal);
        Assert.Contains("\"normalized\": \"0 * * * *\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", json, StringComparison.Ordinal);
        var back = ManifestJson.Deserialize(json);
        Assert.Equal(manifest.Routes, back.Routes);
        Assert.Equal(manifest.Assembly, back.Assembly);
    }

    [Fact]
    public void Analysing_the_same_assembly_twice_gives_the_same_bytes() =>
        Assert.Equal(ManifestJson.Serialize(_project.Analyze().Manifest!), ManifestJson.Serialize(_project.Analyze().Manifest!));

    [Fact]
    public void Without_a_pdb_routes_have_no_source_and_diagnostics_point_at_the_project()
    {
        _project.Compile(emitPdb: false);

        var result = _project.Analyze();

        Assert.All(result.Manifest!.Routes, route => Assert.Null(route.Source));
    }

    // Review 25a F17: a '#line' directive naming a document no path can hold (a NUL in it) failed the build task with
    // MSB4018 (ArgumentException from Path.GetRelativePath): the route has no source, and the build goes on.
    [Fact]
    public void A_line_directive_naming_an_impossible_path_leaves_the_route_without_a_source()
    {
        using var project = new TestProject().Source("Api/Odd.cs", "namespace Shop.Api;\n\n#line 10 \"odd\0name.cs\"\npublic sealed class Odd : IApiHandler\n{\n    public Task HandleAsync(HttpContext context) => Task.CompletedTask;\n}\n");

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Null(Assert.Single(result.Manifest!.Routes).Source);
    }

    [Fact]
    public void A_handler_file_outside_the_project_is_named_relative_to_it_never_by_the_build_machines_path()
    {
        // Review 30c F5: a <Compile Include="../../shared/Linked.cs"> put the absolute path of the build machine's
        // checkout into the manifest, and so into the deploy bundle.
        var shared = "../shared-" + Guid.NewGuid().ToString("N");
        try
        {
            _project.Source($"{shared}/Linked.cs", "namespace Shop.Api; [ApiRoute(\"/api/linked\")] public sealed class Linked : IApiHandler { public Task HandleAsync(HttpContext context) => Task.CompletedTask; }");

            var source = _project.Analyze().Manifest!.Routes.Single(r => r.Route == "/api/linked").Source!;

            Assert.Equal($"{shared}/Linked.cs", source.File);
        }
        finally
        {
            Directory.Delete(_project.PathOf(shared), recursive: true);
        }
    }

    [Fact]
    public void An_embedded_pdb_is_read_too()
    {
        _project.Compile(DebugInformationFormat.Embedded);

        var routes = _project.Analyze().Manifest!.Routes;

        Assert.Equal("Api/Hello.cs", routes.Single(r => r.Route == "/api/hello").Source!.File);
    }

    public void Dispose() => _project.Dispose();
}
