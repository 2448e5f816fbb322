using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// Lists every concrete handler class of the app in a registry its module initializer hands to
/// <c>ApiRoutes.HandlerRegistry</c>, with <c>typeof</c> for each, so that a trimmed or Native AOT app keeps the handlers'
/// constructors and binds the manifest's entries without looking types up by name. Which handlers are routes is still
/// decided by the build's analysis (the manifest); this lists candidates only. Also compiles in the build id
/// (<see cref="BuildId"/>) that the manifest records and the runtime checks. <c>ApiRoutesGenerateHandlerRegistry</c>
/// (set by the package's targets for a C# executable) switches it on.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class HandlerRegistryGenerator : IIncrementalGenerator
{
    /// <summary>The MSBuild property that switches the generator on, as the compiler passes it.</summary>
    public const string SwitchProperty = "build_property.ApiRoutesGenerateHandlerRegistry";

    /// <summary>The name of the generated file.</summary>
    public const string HintName = "ApiRoutesHandlerRegistry.g.cs";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var enabled = BuildSwitch.IsOn(context, SwitchProperty);

        var handlers = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is ClassDeclarationSyntax { BaseList: not null } or RecordDeclarationSyntax { BaseList: not null },
                static (syntax, cancellation) => HandlerClass.From(syntax.SemanticModel.GetDeclaredSymbol(syntax.Node, cancellation) as INamedTypeSymbol))
            .Where(static handler => handler is not null)
            .Collect();

        var buildId = context.CompilationProvider.Select(static (compilation, cancellation) => BuildId.Of(compilation, cancellation));

        context.RegisterSourceOutput(enabled.Combine(handlers).Combine(buildId), static (output, input) =>
        {
            var ((on, found), id) = input;
            if (on)
            {
                var distinct = found.Select(handler => handler!.Value).Distinct().OrderBy(handler => handler.ReflectionName, StringComparer.Ordinal);
                output.AddSource(HintName, HandlerRegistrySource.Text(id, distinct.ToImmutableArray()));
            }
        });
    }
}
