using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ApiRoutes.EntryPoint;

/// <summary>One re-declared type: the generated file's name and text.</summary>
internal readonly record struct Tombstone(string FullName, string HintName, string Text);

/// <summary>One saved text of a source file, parsed.</summary>
internal sealed record ParsedText(string Path, CompilationUnitSyntax Root);

/// <summary>
/// Finds the top-level types of saved source texts that the compilation no longer declares and writes each one's
/// declaration again, verbatim, with its file's usings and namespaces. All or nothing: when the tombstones would
/// change what compiles (add an error, such as an ambiguous name, or hide one, such as a deleted type still used), none
/// is returned.
/// </summary>
internal static class Tombstones
{
    public static IReadOnlyList<Tombstone> Find(Compilation compilation, IReadOnlyList<KeyValuePair<string, string>> texts, CancellationToken cancellation) =>
        FindParsed(compilation, Parse(texts, ParseOptions(compilation), cancellation), cancellation);

    /// <summary>The saved texts parsed, oldest first, as <see cref="FindParsed"/> takes them.</summary>
    public static List<ParsedText> Parse(IReadOnlyList<KeyValuePair<string, string>> texts, CSharpParseOptions options, CancellationToken cancellation)
    {
        var parsed = new List<ParsedText>(texts.Count);
        foreach (var text in texts)
        {
            cancellation.ThrowIfCancellationRequested();
            parsed.Add(new ParsedText(text.Key, CSharpSyntaxTree.ParseText(text.Value, options, cancellationToken: cancellation).GetCompilationUnitRoot(cancellation)));
        }

        return parsed;
    }

    public static CSharpParseOptions ParseOptions(Compilation compilation) =>
        compilation.SyntaxTrees.FirstOrDefault()?.Options as CSharpParseOptions ?? CSharpParseOptions.Default;

    public static IReadOnlyList<Tombstone> FindParsed(Compilation compilation, IReadOnlyList<ParsedText> texts, CancellationToken cancellation)
    {
        var found = new List<Tombstone>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Newest first: the last saved text of a type is the one hot reload applied last.
        for (var i = texts.Count - 1; i >= 0; i--)
        {
            cancellation.ThrowIfCancellationRequested();
            var root = texts[i].Root;
            foreach (var (type, namespaces) in TopLevelTypes(root.Members, []))
            {
                var name = MetadataName(type, namespaces);
                if (seen.Add(name) && compilation.Assembly.GetTypeByMetadataName(name) is null)
                {
                    found.Add(new Tombstone(name, HintName(name), Text(root, type, namespaces, texts[i].Path)));
                }
            }
        }

        // Roslyn wants hint names unique ignoring case; the hash makes them so, short of a collision (then: none).
        var unique = found.Select(t => t.HintName).Distinct(StringComparer.OrdinalIgnoreCase).Count() == found.Count;
        return found.Count == 0 || !unique || !CompilesTheSame(compilation, found, ParseOptions(compilation), cancellation) ? [] : found;
    }

    private static IEnumerable<(MemberDeclarationSyntax Type, List<BaseNamespaceDeclarationSyntax> Namespaces)> TopLevelTypes(
        SyntaxList<MemberDeclarationSyntax> members, List<BaseNamespaceDeclarationSyntax> namespaces)
    {
        foreach (var member in members)
        {
            if (member is BaseNamespaceDeclarationSyntax ns)
            {
                foreach (var inner in TopLevelTypes(ns.Members, [.. namespaces, ns]))
                {
                    yield return inner;
                }
            }
            else if (member is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax && !member.Modifiers.Any(SyntaxKind.FileKeyword))
            {
                // (A file-local type belongs to its file: it is never looked up by name, and a tombstone would be a new one.)
                yield return (member, namespaces);
            }
        }
    }

    private static string MetadataName(MemberDeclarationSyntax type, List<BaseNamespaceDeclarationSyntax> namespaces)
    {
        var (identifier, arity) = type switch
        {
            TypeDeclarationSyntax t => (t.Identifier.ValueText, t.TypeParameterList?.Parameters.Count ?? 0),
            DelegateDeclarationSyntax d => (d.Identifier.ValueText, d.TypeParameterList?.Parameters.Count ?? 0),
            BaseTypeDeclarationSyntax b => (b.Identifier.ValueText, 0),
            _ => ("", 0),
        };

        var prefix = string.Concat(namespaces.Select(ns => Name(ns.Name, source: false) + "."));
        return prefix + identifier + (arity > 0 ? "`" + arity.ToString(System.Globalization.CultureInfo.InvariantCulture) : "");
    }

    // A namespace's name from its identifiers alone, whatever trivia (comments, line breaks) the source has between them:
    // as metadata names it (@class is class) or as source writes it (@class stays @class).
    private static string Name(NameSyntax name, bool source) => name switch
    {
        QualifiedNameSyntax qualified => Name(qualified.Left, source) + "." + Name(qualified.Right, source),
        SimpleNameSyntax simple => source ? simple.Identifier.Text : simple.Identifier.ValueText,
        AliasQualifiedNameSyntax alias => Name(alias.Name, source),
        _ => name.WithoutTrivia().ToString(),
    };

    // Unique ignoring case, as Roslyn wants them, also where two names differ only in case (Shop.API.Hello and
    // Shop.Api.Hello, a namespace's casing fixed) or in characters a file name cannot hold (Box`1 and Box_1): each ends
    // with a hash of the exact name (FNV-1a, stable from one change to the next, so that a tombstone keeps its file).
    private static string HintName(string fullName)
    {
        var plain = new string(fullName.Select(c => char.IsLetterOrDigit(c) || c is '.' or '_' ? c : '_').ToArray());
        var hash = 2166136261u;
        foreach (var c in fullName)
        {
            hash = unchecked((hash ^ c) * 16777619u);
        }

        return "ApiRoutesTombstone." + plain + "_" + hash.ToString("x8", System.Globalization.CultureInfo.InvariantCulture) + ".g.cs";
    }

    // Namespaces as blocks (a file-scoped one means the same), each with its own usings; the file's usings first. Global
    // usings are left out: they are the compilation's already, or the tombstone does not compile and none is emitted.
    private static string Text(CompilationUnitSyntax root, MemberDeclarationSyntax type, List<BaseNamespaceDeclarationSyntax> namespaces, string path)
    {
        var text = new StringBuilder();
        text.Append("// <auto-generated>\n// ApiRoutes: a tombstone, for dotnet watch only. The running app has this type, which ")
            .Append(OneLine(path))
            .Append(" declared when it\n// was last saved; declared again here, hot reload keeps it rather than restart the app. Never in a build.\n// </auto-generated>\n#nullable restore\n");
        foreach (var alias in root.Externs)
        {
            text.Append(alias.ToString()).Append('\n');
        }

        AppendUsings(text, root.Usings);
        foreach (var ns in namespaces)
        {
            text.Append("namespace ").Append(Name(ns.Name, source: true)).Append("\n{\n");
            foreach (var alias in ns.Externs)
            {
                text.Append(alias.ToString()).Append('\n');
            }

            AppendUsings(text, ns.Usings);
        }

        text.Append(type.ToString()).Append('\n');
        text.Append('}', namespaces.Count).Append('\n');
        return text.ToString();
    }

    // A path in a // comment: every character that could end the comment's line (C# also ends lines at U+0085, U+2028
    // and U+2029), and any other control character, becomes a space.
    private static string OneLine(string path) =>
        new(path.Select(c => c < ' ' || c is '\u007f' or '\u0085' or '\u2028' or '\u2029' ? ' ' : c).ToArray());

    private static void AppendUsings(StringBuilder text, SyntaxList<UsingDirectiveSyntax> usings)
    {
        foreach (var directive in usings.Where(u => u.GlobalKeyword.IsKind(SyntaxKind.None)))
        {
            text.Append(directive.ToString()).Append('\n');
        }
    }

    // The compilation's errors, with and without the tombstones, must be the same: the code given the generators' own
    // output is missing (an entry point, a generated regex) has errors either way; only what the tombstones change counts.
    private static bool CompilesTheSame(Compilation compilation, List<Tombstone> tombstones, CSharpParseOptions options, CancellationToken cancellation)
    {
        var trees = tombstones.Select(t => CSharpSyntaxTree.ParseText(t.Text, options, t.HintName, cancellationToken: cancellation)).ToList();
        var before = Errors(compilation, cancellation);
        var after = Errors(compilation.AddSyntaxTrees(trees), cancellation);
        return before.SetEquals(after);
    }

    private static HashSet<string> Errors(Compilation compilation, CancellationToken cancellation) =>
        new(compilation.GetDiagnostics(cancellation)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.Id + "@" + d.Location.SourceTree?.FilePath + ":" + d.Location.SourceSpan), StringComparer.Ordinal);
}
