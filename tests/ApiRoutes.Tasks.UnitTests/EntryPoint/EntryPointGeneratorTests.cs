using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// The entry-point generator, run by Roslyn's own driver over a compilation the way the compiler runs it: an entry
/// point only for a project that has none of its own, wherever its own is.
/// </summary>
public sealed class EntryPointGeneratorTests
{
    private const string Handler = """
        namespace Shop.Api;

        public sealed class Hello : ApiRoutes.IApiHandler
        {
            public System.Threading.Tasks.Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => System.Threading.Tasks.Task.CompletedTask;
        }
        """;

    private const string TopLevel = """
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(args);
        builder.Services.AddApiRoutes();
        var app = builder.Build();
        app.MapApiRoutes();
        """;

    [Theory]
    // handlers only: the package's entry point
    [InlineData("Api/Hello.cs", Handler, "ApiRoutesProgram")]
    // top-level statements in a file not named Program.cs (observed: CS7022 pointing into the NuGet cache)
    [InlineData("App.cs", TopLevel, "Program")]
    // top-level statements in Program.cs
    [InlineData("Program.cs", TopLevel, "Program")]
    // a static Main of the project's own, in any file and any class
    [InlineData("Startup.cs", "static class Startup { static System.Threading.Tasks.Task<int> Main(string[] args) => ApiRoutes.ApiRoutesApplication.RunAsync(args); }", "Startup")]
    // (the compiler names the class of top-level statements Program)
    // a Program.cs without an entry point (a partial Program for WebApplicationFactory): still the package's
    [InlineData("Program.cs", "public partial class Program { }", "ApiRoutesProgram")]
    // a Program of its own that is not partial: the package adds no second one (CS0260 otherwise)
    [InlineData("Models.cs", "internal sealed class Program { }", "ApiRoutesProgram")]
    public void The_package_adds_an_entry_point_only_to_a_project_without_one_of_its_own(string file, string source, string entryType)
    {
        var (generated, compilation) = Run("true", ("Api/Hello.cs", Handler), (file, source));

        Assert.Equal(entryType == "ApiRoutesProgram", generated);
        var errorsAndWarnings = compilation.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(errorsAndWarnings.Count == 0, string.Join("\n", errorsAndWarnings));
        Assert.Equal(entryType, compilation.GetEntryPoint(CancellationToken.None)!.ContainingType.Name);
    }

    [Fact]
    public void The_package_adds_a_public_Program_for_WebApplicationFactory_of_Program()
    {
        var (generated, compilation) = Run("true", ("Api/Hello.cs", Handler));

        Assert.True(generated);
        var program = compilation.GetTypeByMetadataName("Program");
        Assert.NotNull(program);
        Assert.Equal((Accessibility.Public, false), (program.DeclaredAccessibility, program.IsStatic));
        Assert.Equal("ApiRoutesProgram", compilation.GetEntryPoint(CancellationToken.None)!.ContainingType.Name);
    }

    [Theory]
    // Review 28c F18: a Program.cs as every other ASP.NET Core template writes it turned the routes off without a word.
    [InlineData("Program.cs", "var app = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(args).Build();\nSystem.Console.WriteLine(app);", "Program.cs(1,1)", "top-level statements")]
    [InlineData("Startup.cs", "static class Startup\n{\n    static int Main() => 0;\n}", "Startup.cs(3,5)", "a static Main")]
    public void An_entry_point_of_its_own_that_never_maps_the_routes_is_warning_AR0105_at_it(string file, string source, string where, string what)
    {
        var (generated, compilation, diagnostics) = GeneratorHarness.RunReporting(
            new EntryPointGenerator(), EntryPointGenerator.SwitchProperty, "true", OutputKind.ConsoleApplication, ("Api/Hello.cs", Handler), (file, source));

        Assert.Empty(generated);
        var diagnostic = Assert.Single(diagnostics);
        var span = diagnostic.Location.GetLineSpan();
        Assert.Equal(("AR0105", DiagnosticSeverity.Warning, where), (diagnostic.Id, diagnostic.Severity, $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})"));
        Assert.Equal(
            $"The app has its own entry point ({what}) that never calls app.MapApiRoutes() nor ApiRoutesApplication.RunAsync, so its routes are not served: "
            + "a request to one is a 404, and no schedule or background work runs (the app says so as it starts, event 1007). Add builder.Services.AddApiRoutes() before the app is built and app.MapApiRoutes() after, or remove the entry point to use the one ApiRoutes adds.",
            diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(ApiRoutes.Tasks.Diagnostics.DiagnosticCodes.EntryPointNotServing.Code, diagnostic.Id);
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    [Fact]
    public void No_AR0105_when_the_routes_are_off_or_a_library_of_the_app_that_references_ApiRoutes_may_map_them()
    {
        // Review 29a F5: an app whose Program.cs calls a ServiceDefaults-style MapDefaults() of its own library, which maps
        // the routes, served them and failed to build under TreatWarningsAsErrors; so did an app with ApiRoutesEnabled=false.
        const string program = "var app = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(args).Build();\nSystem.Console.WriteLine(app);";
        var library = CSharpCompilation.Create(
            "Defaults",
            [CSharpSyntaxTree.ParseText("public static class Defaults { public static void Map(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder e) => Microsoft.AspNetCore.Builder.ApiRoutesEndpointRouteBuilderExtensions.MapApiRoutes(e); }")],
            TestProject.PlatformReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        Assert.True(library.Emit(image).Success);
        var on = new Dictionary<string, string> { [EntryPointGenerator.SwitchProperty] = "true" };

        var withLibrary = GeneratorHarness.RunReporting(new EntryPointGenerator(), on, [MetadataReference.CreateFromImage(image.ToArray())], OutputKind.ConsoleApplication, ("Api/Hello.cs", Handler), ("Program.cs", program));
        var routesOff = GeneratorHarness.RunReporting(
            new EntryPointGenerator(), new Dictionary<string, string>(on) { [EntryPointGenerator.RoutesSwitchProperty] = "false" }, [], OutputKind.ConsoleApplication, ("Program.cs", program));
        var control = GeneratorHarness.RunReporting(
            new EntryPointGenerator(), new Dictionary<string, string>(on) { [EntryPointGenerator.RoutesSwitchProperty] = "true" }, [], OutputKind.ConsoleApplication, ("Program.cs", program));

        // A project reference, as a build passes it: the library's reference assembly, without the bodies that call
        // MapApiRoutes (nor a reference to ApiRoutes), but with the mark the package's generator added to the library.
        CSharpGeneratorDriver.Create(new EntryPointGenerator()).RunGeneratorsAndUpdateCompilation(library, out var marked, out _);
        Assert.Contains(marked.SyntaxTrees, tree => tree.FilePath.EndsWith(EntryPointGenerator.MarkerHintName, StringComparison.Ordinal));
        using var referenceImage = new MemoryStream();
        Assert.True(marked.Emit(referenceImage, options: new Microsoft.CodeAnalysis.Emit.EmitOptions(metadataOnly: true, includePrivateMembers: false)).Success);
        var withProjectReference = GeneratorHarness.RunReporting(new EntryPointGenerator(), on, [MetadataReference.CreateFromImage(referenceImage.ToArray())], OutputKind.ConsoleApplication, ("Program.cs", program));

        Assert.Empty(withLibrary.Diagnostics);
        Assert.Empty(withProjectReference.Diagnostics);
        Assert.Empty(routesOff.Diagnostics);
        Assert.Equal("AR0105", Assert.Single(control.Diagnostics).Id);
    }

    [Theory]
    // Session 29's note: any library that referenced ApiRoutes silenced AR0105, whether or not it maps the routes.
    [InlineData("public static class Services { public static void Add(Microsoft.Extensions.DependencyInjection.IServiceCollection s) => Microsoft.Extensions.DependencyInjection.ApiRoutesServiceCollectionExtensions.AddApiRoutes(s); }", true)]
    [InlineData("public static class Run { public static System.Threading.Tasks.Task<int> Main2(string[] a) => ApiRoutes.ApiRoutesApplication.RunAsync(a); }", false)]
    public void A_library_that_references_ApiRoutes_without_mapping_the_routes_leaves_AR0105(string librarySource, bool warned)
    {
        const string program = "var app = Microsoft.AspNetCore.Builder.WebApplication.CreateBuilder(args).Build();\nSystem.Console.WriteLine(app);";
        var library = CSharpCompilation.Create(
            "Services",
            [CSharpSyntaxTree.ParseText(librarySource)],
            TestProject.PlatformReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var image = new MemoryStream();
        var emitted = library.Emit(image);
        Assert.True(emitted.Success, string.Join("; ", emitted.Diagnostics));
        var on = new Dictionary<string, string> { [EntryPointGenerator.SwitchProperty] = "true" };

        CSharpGeneratorDriver.Create(new EntryPointGenerator()).RunGeneratorsAndUpdateCompilation(library, out var generated, out _);
        Assert.Equal(!warned, generated.SyntaxTrees.Any(tree => tree.FilePath.EndsWith(EntryPointGenerator.MarkerHintName, StringComparison.Ordinal)));
        var asImage = GeneratorHarness.RunReporting(new EntryPointGenerator(), on, [MetadataReference.CreateFromImage(image.ToArray())], OutputKind.ConsoleApplication, ("Program.cs", program));
        var asProject = GeneratorHarness.RunReporting(new EntryPointGenerator(), on, [library.ToMetadataReference()], OutputKind.ConsoleApplication, ("Program.cs", program));

        Assert.Equal(warned ? ["AR0105"] : [], asImage.Diagnostics.Select(d => d.Id));
        Assert.Equal(warned ? ["AR0105"] : [], asProject.Diagnostics.Select(d => d.Id));
    }

    [Theory]
    [InlineData("false")]
    [InlineData(null)]
    public void Without_the_switch_nothing_is_added(string? value)
    {
        var (generated, _) = Run(value, ("Api/Hello.cs", Handler));

        Assert.False(generated);
    }

    private static (bool Generated, Compilation Output) Run(string? switchValue, params (string Path, string Source)[] files)
    {
        var (trees, output) = GeneratorHarness.Run(
            new EntryPointGenerator(), EntryPointGenerator.SwitchProperty, switchValue, OutputKind.ConsoleApplication,
            [("Usings.cs", "global using Microsoft.AspNetCore.Builder;\nglobal using Microsoft.Extensions.DependencyInjection;"), .. files]);

        Assert.All(trees, tree => Assert.EndsWith(EntryPointGenerator.HintName, tree.FilePath, StringComparison.Ordinal));
        return (trees.Length == 1, output);
    }
}
