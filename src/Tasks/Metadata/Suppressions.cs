using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// The ApiRoutes warnings an assembly's source suppresses for its handlers, written as code analysis reads them:
/// <c>[UnconditionalSuppressMessage("ApiRoutes", "AR4101", Justification = "…")]</c> on the handler or a type that declares
/// it, or in a <c>GlobalSuppressions.cs</c> file, <c>[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101",
/// Scope = "type", Target = "~T:Shop.Api.Cleanup")]</c> (also <c>Scope = "namespace"</c> and
/// <c>"namespaceanddescendants"</c> with an <c>N:</c> target, and <c>"module"</c>, or no scope and no target, for every
/// handler). The build reads the compiled assembly, where <c>#pragma warning disable</c> leaves no trace, and where the
/// compiler keeps <c>[SuppressMessage]</c> only when <c>CODE_ANALYSIS</c> is defined (it is read then too). As Roslyn
/// does, the check id is the code before any <c>:</c> (<c>"AR4101:DayRule"</c>), and the category is not compared.
/// Errors are never suppressed: the project would not run as written.
/// </summary>
internal sealed class Suppressions
{
    private static readonly IReadOnlySet<string> None = new HashSet<string>();

    private readonly HashSet<string> _module = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Scope, string Target, string Code)> _targeted = [];

    private Suppressions()
    {
    }

    /// <summary>The assembly-level suppressions of <paramref name="reader"/>'s assembly.</summary>
    public static Suppressions Read(MetadataReader reader)
    {
        var suppressions = new Suppressions();
        foreach (var (code, scope, target) in Attributes(reader, reader.GetAssemblyDefinition().GetCustomAttributes()))
        {
            var normalized = scope?.Trim().ToLowerInvariant();
            if (target is null && normalized is null or "module")
            {
                suppressions._module.Add(code);
            }
            else if (target is not null && normalized is "type" or "namespace" or "namespaceanddescendants")
            {
                suppressions._targeted.Add((normalized, target.Trim().TrimStart('~'), code));
            }
        }

        return suppressions;
    }

    /// <summary>
    /// The codes suppressed for the type <paramref name="handle"/>, whose reflection name is <paramref name="fullName"/>
    /// in <paramref name="namespace"/>: on it, on the types declaring it, and at the assembly's level.
    /// </summary>
    public IReadOnlySet<string> For(MetadataReader reader, TypeDefinitionHandle handle, string fullName, string @namespace)
    {
        HashSet<string>? codes = _module.Count == 0 ? null : new(_module, StringComparer.OrdinalIgnoreCase);
        for (var current = handle; !current.IsNil; current = reader.GetTypeDefinition(current).GetDeclaringType())
        {
            foreach (var (code, _, _) in Attributes(reader, reader.GetTypeDefinition(current).GetCustomAttributes()))
            {
                (codes ??= new(StringComparer.OrdinalIgnoreCase)).Add(code);
            }
        }

        // Documentation ids name a nested type with '.', as C# does: T:Shop.Api.Outer.Inner (a type of a declaring type is
        // covered by the declaring type's target too, as its members are).
        var documentationName = fullName.Replace('+', '.');
        foreach (var (scope, target, code) in _targeted)
        {
            var applies = scope switch
            {
                "type" => target.StartsWith("T:", StringComparison.Ordinal) && Covers(target[2..], documentationName),
                "namespace" => target.StartsWith("N:", StringComparison.Ordinal) && string.Equals(target[2..], @namespace, StringComparison.Ordinal),
                _ => target.StartsWith("N:", StringComparison.Ordinal) && Covers(target[2..], @namespace),
            };
            if (applies)
            {
                (codes ??= new(StringComparer.OrdinalIgnoreCase)).Add(code);
            }
        }

        return codes ?? None;
    }

    // The name itself, or one within it.
    private static bool Covers(string outer, string name) =>
        outer.Length > 0 && name.StartsWith(outer, StringComparison.Ordinal) && (name.Length == outer.Length || name[outer.Length] == '.');

    // The ApiRoutes codes of the suppression attributes among these: (code, scope, target). A look-alike the assembly
    // defines itself (a polyfill of UnconditionalSuppressMessageAttribute, as libraries for older frameworks carry) counts;
    // an attribute whose arguments cannot be decoded is not one.
    private static IEnumerable<(string Code, string? Scope, string? Target)> Attributes(MetadataReader reader, CustomAttributeHandleCollection handles)
    {
        foreach (var handle in handles)
        {
            var attribute = reader.GetCustomAttribute(handle);
            var name = MetadataNames.GetAttributeType(reader, attribute);
            if (name.Namespace != "System.Diagnostics.CodeAnalysis" || name.Name is not ("UnconditionalSuppressMessageAttribute" or "SuppressMessageAttribute"))
            {
                continue;
            }

            CustomAttributeValue<string> value;
            try
            {
                value = attribute.DecodeValue(AttributeValueProvider.Instance);
            }
            catch (BadImageFormatException)
            {
                continue;
            }

            if (value.FixedArguments is not [_, { Value: string checkId }])
            {
                continue;
            }

            var code = checkId.Split(':', 2)[0].Trim();
            if (!code.StartsWith("AR", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            yield return (code.ToUpperInvariant(), AssemblyScanner.NamedString(value, "Scope"), AssemblyScanner.NamedString(value, "Target"));
        }
    }
}
