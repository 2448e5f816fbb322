using Microsoft.CodeAnalysis;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// A class the generated registry can name: concrete, not generic, reachable from the assembly's own code, and an
/// <c>ApiRoutes.IApiHandler</c>. Its name in reflection's format (nested types joined by <c>+</c>) is how the manifest
/// names it.
/// </summary>
internal readonly record struct HandlerClass(string ReflectionName, string CSharpName)
{
    private static readonly SymbolDisplayFormat Qualified = SymbolDisplayFormat.FullyQualifiedFormat;

    public static HandlerClass? From(INamedTypeSymbol? type)
    {
        if (type is not { TypeKind: TypeKind.Class, IsAbstract: false, IsStatic: false } || !IsHandler(type) || !IsNameable(type))
        {
            return null;
        }

        var name = type.MetadataName;
        for (var outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            name = outer.MetadataName + "+" + name;
        }

        for (var ns = type.ContainingNamespace; ns is { IsGlobalNamespace: false }; ns = ns.ContainingNamespace)
        {
            name = ns.MetadataName + "." + name;
        }

        return new HandlerClass(name, type.ToDisplayString(Qualified));
    }

    private static bool IsHandler(INamedTypeSymbol type) =>
        type.AllInterfaces.Any(static i => i is { Name: "IApiHandler", ContainingNamespace: { Name: "ApiRoutes", ContainingNamespace.IsGlobalNamespace: true } });

    // Generated code outside the class can only name types that are neither generic, nor file-local, nor
    // private/protected anywhere along their nesting.
    private static bool IsNameable(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? current = type; current is not null; current = current.ContainingType)
        {
            if (current.IsGenericType || current.IsFileLocal || current.DeclaredAccessibility is not (Accessibility.Public or Accessibility.Internal or Accessibility.ProtectedOrInternal))
            {
                return false;
            }
        }

        return true;
    }
}
