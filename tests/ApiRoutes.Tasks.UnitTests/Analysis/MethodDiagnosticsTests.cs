using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>[ApiRoute(Methods = …)]: checked (AR2003, AR3005), normalized, and written to the manifest.</summary>
public class MethodDiagnosticsTests
{
    private const string Body = "public Task HandleAsync(HttpContext context) => Task.CompletedTask;";

    private static (TestProject Project, ApiRoutes.Tasks.Analysis.AnalysisResult Result) Analyze(string declarations)
    {
        var project = new TestProject().Source("Api/Handler.cs", "namespace Shop.Api;\n\n" + declarations.Replace("BODY", Body, StringComparison.Ordinal) + "\n");
        return (project, project.Analyze());
    }

    [Theory]
    // an unknown method, pointed at the Methods argument (line 3, column of '[')
    [InlineData("""[ApiRoute("/api/a", Methods = ["GET", "FETCH"])] public sealed class A : IApiHandler { BODY }""", "AR2003", "'FETCH', which is not an HTTP method")]
    // a typo with a space
    [InlineData("""[ApiRoute("/api/a", Methods = ["GET "])] public sealed class A : IApiHandler { BODY }""", "AR2003", "'GET ', which is not an HTTP method")]
    // no method at all: nothing could reach the route
    [InlineData("""[ApiRoute("/api/a", Methods = [])] public sealed class A : IApiHandler { BODY }""", "AR2003", "name no method")]
    // a null element
    [InlineData("""[ApiRoute("/api/a", Methods = new string[] { null })] public sealed class A : IApiHandler { BODY }""", "AR2003", "name null, which is not an HTTP method")]
    // CONNECT is a proxy's method, not a route's
    [InlineData("""[ApiRoute("/api/a", Methods = ["CONNECT"])] public sealed class A : IApiHandler { BODY }""", "AR2003", "'CONNECT'")]
    // the scheduler runs a scheduled route with POST
    [InlineData("""[ApiRoute("/api/a", Methods = ["GET"]), ScheduledRoute("@hourly")] public sealed class A : IApiHandler { BODY }""", "AR3005", "cannot restrict its methods")]
    public void Bad_methods_are_errors_at_the_Methods_argument(string declarations, string code, string says)
    {
        var (project, result) = Analyze(declarations);
        using var _ = project;

        var diagnostic = Render.Single(result, code);

        Assert.Equal($"{code} Api/Handler.cs(3,31)", Render.Where(diagnostic, project));
        Assert.Contains(says, diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void Methods_are_written_upper_case_once_each_in_a_fixed_order_with_schema_version_3()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/a", Methods = ["post", "GET", "get", "Head"])] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/b"), BackgroundRoute] public sealed class B : IApiHandler { BODY }
            [ApiRoute("/api/c", Methods = new[] { "DELETE" }), BackgroundRoute] public sealed class C : IApiHandler { BODY }
            [ApiRoute("/api/d", Methods = null)] public sealed class D : IApiHandler { BODY }
            """);
        using var _ = project;

        var manifest = result.Manifest!;

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["GET", "HEAD", "POST"], manifest.Routes.Single(r => r.Route == "/api/a").Methods);
        Assert.Null(manifest.Routes.Single(r => r.Route == "/api/b").Methods);
        Assert.Equal(["DELETE"], manifest.Routes.Single(r => r.Route == "/api/c").Methods);
        Assert.Null(manifest.Routes.Single(r => r.Route == "/api/d").Methods);   // written as null: any method, as unset
        Assert.Equal(RouteManifest.MethodsSchemaVersion, manifest.SchemaVersion);
        var json = ManifestJson.Serialize(manifest);
        Assert.Contains("\"schemaVersion\": 3", json, StringComparison.Ordinal);
        Assert.Equal(manifest.Routes.Select(r => r.Methods), ManifestJson.Deserialize(json).Routes.Select(r => r.Methods));
    }

    [Fact]
    public void Without_methods_the_manifest_stays_at_schema_version_2_as_older_readers_read_it()
    {
        var (project, result) = Analyze("""[ApiRoute("/api/a")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var json = ManifestJson.Serialize(result.Manifest!);

        Assert.Contains("\"schemaVersion\": 2", json, StringComparison.Ordinal);
        Assert.DoesNotContain("methods", json, StringComparison.Ordinal);
    }

    [Theory]
    // a version 2 reader would answer every method: version 2 cannot carry methods
    [InlineData(2, """["GET"]""", "needs 3")]
    // not what the build writes
    [InlineData(3, """["get"]""", "not distinct upper-case names")]
    [InlineData(3, """["GET","GET"]""", "not distinct upper-case names")]
    [InlineData(3, """["POST","GET"]""", "not distinct upper-case names")]
    [InlineData(3, """["FETCH"]""", "not distinct upper-case names")]
    [InlineData(3, "[]", "an empty list of methods")]
    public void A_manifest_whose_methods_the_build_would_not_write_is_refused(int version, string methods, string says)
    {
        var json = $$$"""
            {"schemaVersion":{{{version}}},"generator":"t","assembly":{"name":"Shop","fileName":"Shop.dll","mvid":"344bb370-fa4a-47f6-acd7-2bbeceb82a25"},
             "routes":[{"route":"/api/a","kind":"standard","methods":{{{methods}}},"handler":{"type":"Shop.Api.A","assembly":"Shop"}}]}
            """;

        var e = Assert.Throws<InvalidDataException>(() => ManifestJson.Deserialize(json));

        Assert.Contains(says, e.Message, StringComparison.Ordinal);
    }
}
