using System.Reflection.Metadata;
using System.Text.RegularExpressions;
using ApiRoutes.Tasks.Diagnostics;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Turns a handler type into the places a developer wants to be sent to: the class name in its declaration, or the
/// argument of one of its attributes. The PDB gives the file and a line inside the type; the source text gives the
/// exact line and column. Without a PDB or source, locations fall back to the project file.
/// </summary>
internal sealed partial class SourceLocator(MetadataReader assembly, PdbReader? pdb, SourcePathMap pathMap, string fallbackFile)
{
    // How far above the class declaration its attributes may start.
    private const int MaxAttributeLines = 40;

    private readonly Dictionary<TypeDefinitionHandle, SourceLocation?> _declarations = [];
    private readonly Dictionary<string, string[]?> _files = new(StringComparer.Ordinal);

    /// <summary>The type's name in its declaration, or the best place known.</summary>
    public SourceLocation Declaration(HandlerType type) => FindDeclaration(type) ?? new SourceLocation(fallbackFile);

    /// <summary>
    /// The attribute's first string argument, or the value of its named argument, or the attribute name; else the
    /// declaration.
    /// </summary>
    public SourceLocation Attribute(HandlerType type, string attributeName, string? namedArgument = null)
    {
        var declaration = FindDeclaration(type);
        if (declaration is null)
        {
            return new SourceLocation(fallbackFile);
        }

        if (AttributeAbove(declaration, attributeName, namedArgument) is { } found)
        {
            return found;
        }

        // A partial type: the attribute may sit on a declaration in another of its files (review 25a F10: the error was
        // placed in the file with HandleAsync, which holds no attribute).
        foreach (var document in pdb?.TypeDocuments(assembly, type.Handle) ?? [])
        {
            var file = pathMap.ToLocalPath(document);
            if (file != declaration.File && FindDeclarationInText(file, 1, type.Name) is { } other
                && AttributeAbove(other, attributeName, namedArgument) is { } there)
            {
                return there;
            }
        }

        return declaration;
    }

    // The attribute on the lines above the declaration, up to the member before it.
    private SourceLocation? AttributeAbove(SourceLocation declaration, string attributeName, string? namedArgument)
    {
        if (ReadLines(declaration.File) is not { } lines)
        {
            return null;
        }

        var first = Math.Max(0, declaration.Line - 1 - MaxAttributeLines);
        for (var index = declaration.Line - 1; index >= first; index--)
        {
            var line = lines[index];
            if (index < declaration.Line - 1 && EndsMember(line))
            {
                break;
            }

            var match = FindNamed(AttributeName(), line, 0, attributeName);
            if (match is null)
            {
                continue;
            }

            var end = match.Index + match.Length;
            var (argumentLine, argument) = Argument(lines, index, end, declaration.Line - 1, namedArgument);
            if (argument is null)
            {
                var name = match.Groups["name"];
                return new SourceLocation(declaration.File, index + 1, name.Index + 1, index + 1, name.Index + name.Length + 1);
            }

            return new SourceLocation(declaration.File, argumentLine + 1, argument.Index + 1, argumentLine + 1, argument.Index + argument.Length + 1);
        }

        return null;
    }

    // The argument on the attribute's line, or on the lines after it while its parentheses are open (an attribute
    // written over several lines, an argument per line: review 27a F6). Null when it is not found.
    private static (int Line, Capture? Argument) Argument(string[] lines, int index, int end, int declarationLine, string? namedArgument)
    {
        var depth = 0;
        for (var (line, start) = (index, end); line <= declarationLine && line < lines.Length; (line, start) = (line + 1, 0))
        {
            var text = WithoutLineComment(lines[line]);
            start = Math.Min(start, text.Length);
            Capture? argument = namedArgument is not null
                ? FindNamed(NamedArgument(), text, start, namedArgument)?.Groups["value"]
                : line == index
                    ? ArgumentLiteral().Match(text, start) is { Success: true } first ? first.Groups["literal"] : null
                    : FirstLiteral().Match(text) is { Success: true } next ? next.Groups["literal"] : null;
            if (argument is not null)
            {
                return (line, argument);
            }

            // On to the next line only while the attribute's parentheses are open there (and, for the first positional
            // argument, only when its '(' ends the attribute's line).
            for (var i = start; i < text.Length; i++)
            {
                depth += text[i] switch { '(' => 1, ')' => -1, _ => 0 };
            }

            if (depth <= 0 || (namedArgument is null && !(line == index && text.AsSpan(start).Trim() is "(")))
            {
                break;
            }
        }

        return (index, null);
    }

    /// <summary>
    /// The declaration as the manifest records it: a path relative to the project, also for a file outside it
    /// (<c>../shared/Linked.cs</c>, a Compile item linked in), so that a bundle's manifest never names the build
    /// machine's folders (review 30c F5); whole only where no relative path reaches it (another drive).
    /// </summary>
    public (string File, int Line)? ManifestSource(HandlerType type, string projectDirectory)
    {
        var declaration = FindDeclaration(type);
        // A '#line' directive can name a document no path can hold (a NUL in it): no source, rather than a failed build.
        if (declaration is null || declaration.File == fallbackFile || declaration.File.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var relative = Path.GetRelativePath(projectDirectory, declaration.File);
        var file = Path.IsPathRooted(relative) ? declaration.File : relative;
        return (file.Replace('\\', '/'), declaration.Line);
    }

    private SourceLocation? FindDeclaration(HandlerType type)
    {
        if (_declarations.TryGetValue(type.Handle, out var known))
        {
            return known;
        }

        SourceLocation? result = null;
        if (pdb?.FindType(assembly, type.Handle) is { } found)
        {
            var (document, line) = found;
            var file = pathMap.ToLocalPath(document);
            result = FindDeclarationInText(file, line, type.Name) ?? new SourceLocation(file, line, 1);
        }

        _declarations[type.Handle] = result;
        return result;
    }

    private SourceLocation? FindDeclarationInText(string file, int nearLine, string name)
    {
        if (ReadLines(file) is not { Length: > 0 } lines)
        {
            return null;
        }

        var start = Math.Clamp(nearLine - 1, 0, lines.Length - 1);

        // The declaration precedes the method bodies; search upwards first, then the whole file for odd layouts.
        for (var index = start; index >= 0; index--)
        {
            if (Match(index) is { } found)
            {
                return found;
            }
        }

        for (var index = start + 1; index < lines.Length; index++)
        {
            if (Match(index) is { } found)
            {
                return found;
            }
        }

        return null;

        SourceLocation? Match(int index)
        {
            var trimmed = lines[index].AsSpan().TrimStart();
            if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith("*", StringComparison.Ordinal))
            {
                return null;
            }

            var group = FindNamed(Declaration(), lines[index], 0, name)?.Groups["name"];
            return group is null ? null : new SourceLocation(file, index + 1, group.Index + 1, index + 1, group.Index + group.Length + 1);
        }
    }

    private string[]? ReadLines(string file)
    {
        if (!_files.TryGetValue(file, out var lines))
        {
            try
            {
                lines = File.Exists(file) ? File.ReadAllLines(file) : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                lines = null;
            }

            _files[file] = lines;
        }

        return lines;
    }

    // A line that ends a member (or opens one): its code, without a comment after it, ends with ';', '}' or '{'. A comment
    // ending in a brace after an attribute ("// note {see}") ended the search at the attribute's own line (review 27a F6).
    private static bool EndsMember(string line)
    {
        var trimmed = WithoutLineComment(line).TrimEnd();
        return trimmed.EndsWith(';') || trimmed.EndsWith('}') || trimmed.EndsWith('{');
    }

    // The line up to a '//' that is not inside a string or character literal.
    private static string WithoutLineComment(string line)
    {
        var quote = '\0';
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '/' && i + 1 < line.Length && line[i + 1] == '/')
            {
                return line[..i];
            }
        }

        return line;
    }

    // The first match of a pattern whose "name" group is the given name; static patterns keep 5,000 types fast.
    private static Match? FindNamed(Regex pattern, string line, int start, string name)
    {
        for (var match = pattern.Match(line, start); match.Success; match = match.NextMatch())
        {
            if (match.Groups["name"].ValueSpan.SequenceEqual(name))
            {
                return match;
            }
        }

        return null;
    }

    [GeneratedRegex(@"\b(?:class|record|struct|interface)\s+@?(?<name>[\p{L}_][\p{L}\p{Nd}_]*)")]
    private static partial Regex Declaration();

    [GeneratedRegex(@"\b(?<name>[\p{L}_][\p{L}\p{Nd}_]*?)(?:Attribute)?\b\s*(?=[\(\],])")]
    private static partial Regex AttributeName();

    [GeneratedRegex(@"\b(?<name>[\p{L}_][\p{L}\p{Nd}_]*)\s*=\s*(?<value>[^,\)\]]+)")]
    private static partial Regex NamedArgument();

    // A string literal that opens a line: the first positional argument of an attribute whose '(' ended the line before.
    [GeneratedRegex("""^\s*(?<literal>@?"(?:[^"\\]|\\.)*"|"{3}.*?"{3})""")]
    private static partial Regex FirstLiteral();

    // A string literal right after the attribute's opening parenthesis: its first positional argument.
    [GeneratedRegex("""\G\s*\(\s*(?<literal>@?"(?:[^"\\]|\\.)*"|"{3}.*?"{3})""")]
    private static partial Regex ArgumentLiteral();
}
