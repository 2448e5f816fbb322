using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// Adds <c>ApiRoutesProgram.Main</c>, which runs <c>ApiRoutesApplication.RunAsync</c>, to a handler project that has no
/// entry point of its own. The compiler's own syntax decides what "of its own" means: top-level statements in any file
/// (not only <c>Program.cs</c>) or a static <c>Main</c> method anywhere. A project with either gets nothing, so it never
/// meets CS7022 ("the entry point of the program is global code") or CS0017 (two entry points) from a file it did not
/// write. <c>ApiRoutesGenerateEntryPoint</c> (set by the package's targets for a C# executable) switches it on.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class EntryPointGenerator : IIncrementalGenerator
{
    /// <summary>The MSBuild property that switches the generator on, as the compiler passes it.</summary>
    public const string SwitchProperty = "build_property.ApiRoutesGenerateEntryPoint";

    /// <summary>ApiRoutesEnabled, as the compiler passes it: false, the app has no routes to map (no AR0105).</summary>
    public const string RoutesSwitchProperty = "build_property.ApiRoutesEnabled";

    /// <summary>The name of the generated file.</summary>
    public const string HintName = "ApiRoutesProgram.g.cs";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var enabled = BuildSwitch.IsOn(context, SwitchProperty);

        var ownEntryPoints = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsOwnEntryPoint(node), static (syntax, _) => EntryPointSite.Of(syntax.Node))
            .Collect();

        // Whether the project's own entry point can serve the routes: a call of MapApiRoutes, or ApiRoutesApplication run
        // from its own Main. A name is enough: a project that writes either means to.
        var servesRoutes = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => node is IdentifierNameSyntax { Identifier.ValueText: "MapApiRoutes" or "ApiRoutesApplication" }, static (_, _) => true)
            .Collect();

        // A type named Program in the global namespace is the project's own: the marker for WebApplicationFactory<Program>
        // is added only when there is none, so a project's own `public partial class Program` (or a class of that name
        // that is not partial) never meets a second declaration.
        var ownProgram = context.SyntaxProvider
            .CreateSyntaxProvider(static (node, _) => IsGlobalProgram(node), static (syntax, _) => syntax.Node.SyntaxTree.FilePath)
            .Collect();

        // Nor when the routes may be mapped elsewhere or are off (review 29a F5): a referenced library of the app's own that
        // references ApiRoutes may map them (a ServiceDefaults-style MapDefaults()); ApiRoutesEnabled=false has none.
        var mappedElsewhere = context.CompilationProvider.Select(static (compilation, _) => compilation.SourceModule.ReferencedAssemblySymbols.Any(
            static assembly => !assembly.Name.StartsWith("ApiRoutes", StringComparison.Ordinal)
                && assembly.Modules.Any(static module => module.ReferencedAssemblies.Any(static reference => reference.Name == "ApiRoutes"))));
        var routesOff = context.AnalyzerConfigOptionsProvider.Select(static (options, _) =>
            options.GlobalOptions.TryGetValue(RoutesSwitchProperty, out var value) && !ApiRoutes.Text.MSBuildBoolean.IsTrue(value));

        context.RegisterSourceOutput(enabled.Combine(ownEntryPoints).Combine(ownProgram).Combine(servesRoutes).Combine(mappedElsewhere.Combine(routesOff)), static (output, input) =>
        {
            var ((((isEnabled, entryPoints), programs), mentioned), (elsewhere, off)) = input;
            var serves = !mentioned.IsEmpty || elsewhere || off;
            if (isEnabled && entryPoints.IsEmpty)
            {
                output.AddSource(HintName, programs.IsEmpty ? EntryPointSource.Text + EntryPointSource.ProgramMarker : EntryPointSource.Text);
            }
            else if (isEnabled && !serves)
            {
                // Its own entry point, as every other ASP.NET Core template writes one, and no MapApiRoutes: the build wrote
                // a manifest of routes that the app never maps, and said nothing (review 28c F18).
                var first = entryPoints.OrderBy(site => site.Path, StringComparer.Ordinal).ThenBy(site => site.Span.Start).First();
                output.ReportDiagnostic(Diagnostic.Create(
                    NotServed, Location.Create(first.Path, first.Span, first.Lines), first.TopLevel ? "top-level statements" : "a static Main"));
            }
        });
    }

    /// <summary>AR0105: the project's own entry point never maps the routes.</summary>
    public static readonly DiagnosticDescriptor NotServed = new(
        "AR0105",
        "An app with its own entry point never maps its routes",
        "The app has its own entry point ({0}) that never calls app.MapApiRoutes() nor ApiRoutesApplication.RunAsync, so its routes "
            + "are not served: a request to one is a 404. Add builder.Services.AddApiRoutes() before the app is built and "
            + "app.MapApiRoutes() after, or remove the entry point to use the one ApiRoutes adds.",
        "ApiRoutes",
        DiagnosticSeverity.Warning,
        isEnabledByDefault: true);

    // Where the project's own entry point is (a value, so that the pipeline's cache can compare it).
    private readonly record struct EntryPointSite(string Path, TextSpan Span, LinePositionSpan Lines, bool TopLevel)
    {
        public static EntryPointSite Of(SyntaxNode node) =>
            new(node.SyntaxTree.FilePath, node.Span, node.GetLocation().GetLineSpan().Span, node is GlobalStatementSyntax);
    }

    private static bool IsGlobalProgram(SyntaxNode node) =>
        node is BaseTypeDeclarationSyntax { Identifier.ValueText: "Program", Parent: CompilationUnitSyntax };

    // Top-level statements are GlobalStatement members of a compilation unit; a Main of a class or struct is a static
    // method of that name (the compiler reports a wrong signature itself).
    private static bool IsOwnEntryPoint(SyntaxNode node) =>
        node is GlobalStatementSyntax
        || (node is MethodDeclarationSyntax { Identifier.ValueText: "Main" } method && method.Modifiers.Any(SyntaxKind.StaticKeyword));
}
