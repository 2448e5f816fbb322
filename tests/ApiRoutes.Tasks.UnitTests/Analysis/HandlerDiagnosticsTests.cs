using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>AR1xxx: the handler types themselves. Each case is one file, Api/Handler.cs, in namespace Shop.Api.</summary>
public class HandlerDiagnosticsTests
{
    private const string Body = "public Task HandleAsync(HttpContext context) => Task.CompletedTask;";

    [Theory]
    // not public
    [InlineData("internal sealed class Hidden : IApiHandler { " + Body + " }", "AR1001 Api/Handler.cs(3,23)", "'Shop.Api.Hidden' is not public")]
    // nested in a type that is not public
    [InlineData("internal static class Outer { public sealed class Inner : IApiHandler { " + Body + " } }", "AR1001 Api/Handler.cs(3,51)", "'Shop.Api.Outer+Inner' is not public")]
    // abstract with a route attribute
    [InlineData("[BackgroundRoute] public abstract class Job : IApiHandler { public abstract Task HandleAsync(HttpContext context); }", "AR1002 Api/Handler.cs(3,41)", "'Shop.Api.Job' is abstract")]
    // generic
    [InlineData("public class Crud<T> : IApiHandler { " + Body + " }", "AR1003 Api/Handler.cs(3,14)", "'Shop.Api.Crud`1' is generic")]
    // no public constructor
    [InlineData("public sealed class Locked : IApiHandler { private Locked() { } " + Body + " }", "AR1004 Api/Handler.cs(3,21)", "no public constructor")]
    // a struct
    [InlineData("public struct Value : IApiHandler { " + Body + " }", "AR1006 Api/Handler.cs(3,15)", "'Shop.Api.Value' is a struct")]
    // file-local (review 25a F1: its metadata name, <Handler>F…__Secret, was taken for a compiler-generated type and skipped)
    [InlineData("file sealed class Secret : IApiHandler { " + Body + " }", "AR1001 Api/Handler.cs(3,19)", "'Shop.Api.Secret' is file-local ('file'), so no other code can name it")]
    // a route attribute on a class that is not a handler
    [InlineData("[ApiRoute(\"/api/x\")] public sealed class NotAHandler { }", "AR1007 Api/Handler.cs(3,42)", "does not implement IApiHandler")]
    public void Bad_handler_types_are_errors_at_the_class_name(string declaration, string where, string message)
    {
        using var project = new TestProject().Source("Api/Handler.cs", "namespace Shop.Api;\n\n" + declaration + "\n");

        var result = project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code.StartsWith("AR1", StringComparison.Ordinal));
        Assert.Equal(where, Render.Where(diagnostic, project));
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    // Review 28c F3: a project named my-api has RootNamespace my-api (the SDK's default), which no code can be in.
    [Theory]
    [InlineData("my-api", "my_api")]
    [InlineData("1Api", "_1Api")]
    [InlineData("Shop.my-api", "Shop.my_api")]
    public void A_root_namespace_that_is_not_a_csharp_namespace_is_named_with_the_one_to_set(string rootNamespace, string safe)
    {
        using var project = new TestProject().Source("Api/Hello.cs", $$"""
            namespace {{safe}}.Api;

            public sealed class Hello : IApiHandler
            {
                {{Body}}
            }
            """);

        var diagnostic = Render.Single(project.Analyze(rootNamespace), "AR1005");

        Assert.Equal(
            $"'{safe}.Api.Hello' is outside the '{rootNamespace}.Api' namespace, so it has no default route; and '{rootNamespace}', the project's "
            + "RootNamespace (the SDK takes it from the project's name), is not a C# namespace, so no code can be in it. "
            + $"Set <RootNamespace>{safe}</RootNamespace> in the project (the namespace its code uses), or give the handler a route with [ApiRoute(\"/api/...\")].",
            diagnostic.Message);
    }

    [Fact]
    public void A_handler_outside_the_api_namespace_needs_a_route()
    {
        using var project = new TestProject().Source("Jobs/Sync.cs", $$"""
            namespace Shop.Jobs;

            public sealed class Sync : IApiHandler
            {
                {{Body}}
            }
            """);

        var diagnostic = Render.Single(project.Analyze(), "AR1005");

        Assert.Equal("AR1005 Jobs/Sync.cs(3,21)", Render.Where(diagnostic, project));
        Assert.Equal(
            "'Shop.Jobs.Sync' is outside the 'Shop.Api' namespace, so it has no default route. Move it to 'Shop.Api' "
            + "(or below), or give it a route with [ApiRoute(\"/api/...\")].",
            diagnostic.Message);
    }

    // Review 33c F7: a name of only underscores gives no segment: it made '/api//x', refused for a '/' no one wrote, or,
    // for the class, silently its folder's route '/api/ns' (as only Index may).
    [Theory]
    [InlineData("Shop.Api._", "public sealed class X", "AR1005 Api/Handler.cs(3,21)", "'Shop.Api._.X' has no default route: its namespace name '_' has no letter or digit")]
    [InlineData("Shop.Api.Ns", "public sealed class __", "AR1005 Api/Handler.cs(3,21)", "'Shop.Api.Ns.__' has no default route: its class name '__' has no letter or digit")]
    [InlineData("Shop.Api.__.Orders", "public sealed class Index", "AR1005 Api/Handler.cs(3,21)", "'Shop.Api.__.Orders.Index' has no default route: its namespace name '__' has no letter or digit")]
    public void A_name_of_only_underscores_gives_no_default_route(string ns, string declaration, string where, string message)
    {
        using var project = new TestProject().Source("Api/Handler.cs", $"namespace {ns};\n\n{declaration} : IApiHandler {{ {Body} }}\n");

        var result = project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal(where, Render.Where(diagnostic, project));
        Assert.StartsWith(message, diagnostic.Message, StringComparison.Ordinal);
        Assert.EndsWith("Rename it, or give the handler a route with [ApiRoute(\"/api/...\")].", diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    // Review 33c F6: the app's own type named like the package's attribute (CS0436), with a byte-enum argument, was read
    // past its blob: AR0001 "cannot be read: Read out of bounds" for the whole assembly, and no other diagnostic.
    [Fact]
    public void An_app_type_named_like_a_route_attribute_is_an_error_at_the_class_and_the_rest_is_analysed()
    {
        using var project = new TestProject().Source("Api/Shadow.cs", $$"""
            namespace ApiRoutes
            {
                public enum Tiny : byte { A = 1 }
                public sealed class BackgroundRouteAttribute : System.Attribute
                {
                    public BackgroundRouteAttribute(Tiny t, string s) { }
                    public int TimeLimitSeconds { get; set; }
                }
            }

            namespace Shop.Api
            {
                [ApiRoutes.BackgroundRoute(ApiRoutes.Tiny.A, "hello", TimeLimitSeconds = 5)]
                public sealed class Shadowed : IApiHandler { {{Body}} }

                public sealed class Hello : IApiHandler { {{Body}} }
            }
            """);

        var result = project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("AR1008 Api/Shadow.cs(14,25)", Render.Where(diagnostic, project));
        Assert.StartsWith(
            "'Shop.Api.Shadowed' carries [BackgroundRoute], but that 'ApiRoutes.BackgroundRouteAttribute' is a type of the app",
            diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Abstract_base_classes_and_derived_interfaces_without_attributes_are_not_routes()
    {
        using var project = new TestProject().Source("Api/Bases.cs", $$"""
            namespace Shop.Api;

            public interface IMyHandler : IApiHandler { }
            public abstract class Base : IMyHandler { public abstract Task HandleAsync(HttpContext context); }
            public abstract class GenericBase<T> : Base { }
            public sealed class Concrete : GenericBase<int> { public override Task HandleAsync(HttpContext context) => Task.CompletedTask; }
            """);

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal("/api/concrete", Assert.Single(result.Manifest!.Routes).Route);
    }

    [Fact]
    public void A_base_class_in_a_referenced_assembly_makes_its_subclasses_handlers()
    {
        using var library = new TestProject("Shop.Common").Source("HandlerBase.cs", """
            namespace Shop.Common;

            public abstract class JsonHandler<T> : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => context.Response.WriteAsJsonAsync(Create());

                protected abstract T Create();
            }
            """);
        using var project = new TestProject().Reference(library).Source("Api/Time.cs", """
            namespace Shop.Api;

            public sealed class Time : Shop.Common.JsonHandler<DateTime>
            {
                protected override DateTime Create() => DateTime.UtcNow;
            }
            """);

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        var route = Assert.Single(result.Manifest!.Routes);
        Assert.Equal(("/api/time", "Api/Time.cs", 3), (route.Route, route.Source!.File, route.Source.Line));
    }

    // Review 25a F3: a base class nested in a type of the library (its reference's scope is another type reference) was
    // not found, so its subclass was silently no route, and with a route attribute a false AR1007.
    [Fact]
    public void A_base_class_nested_in_a_type_of_a_referenced_assembly_makes_its_subclasses_handlers()
    {
        using var library = new TestProject("Shop.Common").Source("Bases.cs", """
            namespace Shop.Common;

            public static class Bases
            {
                public abstract class TextHandler : IApiHandler
                {
                    public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("text");
                }

                public static class Deeper
                {
                    public abstract class Generic<T> : TextHandler;
                }
            }
            """);
        using var project = new TestProject().Reference(library).Source("Api/Handlers.cs", """
            namespace Shop.Api;

            public sealed class Ping : Shop.Common.Bases.TextHandler;

            public sealed class Deep : Shop.Common.Bases.Deeper.Generic<int>;

            [ApiRoute("/api/explicit")]
            public sealed class Explicit : Shop.Common.Bases.TextHandler;
            """);

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["/api/deep", "/api/explicit", "/api/ping"], result.Manifest!.Routes.Select(route => route.Route).Order(StringComparer.Ordinal));
    }

    // Review 25a F3 (the same path): a base class the referenced assembly forwards to another one (a type moved between
    // assemblies, [TypeForwardedTo]) is followed to where it is.
    [Fact]
    public void A_base_class_forwarded_to_another_assembly_makes_its_subclasses_handlers()
    {
        using var moved = new TestProject("Shop.Moved").Source("TextHandler.cs", """
            namespace Shop.Common;

            public abstract class TextHandler : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("text");
            }
            """);
        // The assembly the app was compiled against had the type; the one it references now forwards it.
        using var before = new TestProject("Shop.Common").Source("TextHandler.cs", """
            namespace Shop.Common;

            public abstract class TextHandler : IApiHandler
            {
                public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("text");
            }
            """);
        using var project = new TestProject().Reference(before).Source("Api/Ping.cs", """
            namespace Shop.Api;

            public sealed class Ping : Shop.Common.TextHandler;
            """);
        project.Compile();
        using var forwarding = new TestProject("Shop.Common").Reference(moved).Source("Forward.cs", """
            [assembly: System.Runtime.CompilerServices.TypeForwardedTo(typeof(Shop.Common.TextHandler))]
            """);
        File.Copy(forwarding.Compile(), before.AssemblyPath, overwrite: true);
        project.Reference(moved);   // after the compile: the analysis gets both assemblies, as the build would

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal("/api/ping", Assert.Single(result.Manifest!.Routes).Route);
    }

    [Fact]
    public void Several_public_constructors_warn_unless_one_is_preferred()
    {
        using var project = new TestProject().Source("Api/Handlers.cs", $$"""
            using Microsoft.Extensions.DependencyInjection;

            namespace Shop.Api;

            public sealed class Ambiguous : IApiHandler
            {
                public Ambiguous() { }
                public Ambiguous(IServiceProvider services) { }
                {{Body}}
            }

            public sealed class Chosen : IApiHandler
            {
                public Chosen() { }
                [ActivatorUtilitiesConstructor] public Chosen(IServiceProvider services) { }
                {{Body}}
            }
            """);

        var result = project.Analyze();

        var warning = Assert.Single(result.Diagnostics);
        Assert.Equal("AR1101 Api/Handlers.cs(5,21)", Render.Where(warning, project));
        Assert.Equal(2, result.Manifest!.Routes.Count);
    }

    [Fact]
    public void An_assembly_without_handlers_warns()
    {
        using var project = new TestProject().Source("Model.cs", "namespace Shop; public sealed class Model { }");

        var result = project.Analyze();

        Assert.Equal(["AR0101"], Render.Codes(result));
        Assert.Empty(result.Manifest!.Routes);
    }

    [Fact]
    public void A_file_that_is_not_an_assembly_is_an_error()
    {
        using var project = new TestProject();
        Directory.CreateDirectory(Path.GetDirectoryName(project.AssemblyPath)!);
        File.WriteAllText(project.AssemblyPath, "not a PE file");

        var diagnostic = Assert.Single(project.Analyze().Diagnostics);

        Assert.Equal("AR0001", diagnostic.Code);
        Assert.Equal(project.AssemblyPath, diagnostic.Location!.File);
    }
}
