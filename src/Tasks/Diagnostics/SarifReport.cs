using System.Text;
using System.Text.Json;

namespace ApiRoutes.Tasks.Diagnostics;

/// <summary>
/// The diagnostics as a SARIF 2.1.0 log, the format CI code-scanning tools read (GitHub code scanning, Azure DevOps).
/// Written even when there are none, so a CI step can always upload it. File locations are relative to the
/// repository root and say so (SARIF 2.1.0 §3.4.4, §3.14.14): each <c>artifactLocation</c> has <c>uriBaseId</c>
/// <c>%SRCROOT%</c>, and the run's <c>originalUriBaseIds</c> gives that root as an absolute <c>file:</c> URI. GitHub
/// code scanning then annotates <c>MyApi/Api/Cleanup.cs</c>, not a path it cannot find. A file outside the root
/// keeps its absolute URI.
/// </summary>
internal static class SarifReport
{
    /// <summary>The name of the root that relative locations start from.</summary>
    public const string SourceRoot = "%SRCROOT%";

    public static string Create(IReadOnlyList<Diagnostic> diagnostics, string toolVersion, string rootDirectory)
    {
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(rootDirectory));
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            WriteTool(json, toolVersion);
            json.WriteStartObject("originalUriBaseIds");
            json.WriteStartObject(SourceRoot);
            json.WriteString("uri", new Uri(Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar).AbsoluteUri);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteStartArray("results");
            foreach (var diagnostic in diagnostics)
            {
                WriteResult(json, diagnostic, root);
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    private static void WriteTool(Utf8JsonWriter json, string version)
    {
        json.WriteStartObject("tool");
        json.WriteStartObject("driver");
        json.WriteString("name", "ApiRoutes");
        json.WriteString("version", version);
        json.WriteStartArray("rules");
        foreach (var descriptor in DiagnosticCodes.All)
        {
            json.WriteStartObject();
            json.WriteString("id", descriptor.Code);
            json.WriteStartObject("shortDescription");
            json.WriteString("text", descriptor.Title);
            json.WriteEndObject();
            json.WriteStartObject("defaultConfiguration");
            json.WriteString("level", Level(descriptor.Severity));
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteResult(Utf8JsonWriter json, Diagnostic diagnostic, string root)
    {
        json.WriteStartObject();
        json.WriteString("ruleId", diagnostic.Code);
        json.WriteString("level", Level(diagnostic.Severity));
        json.WriteStartObject("message");
        json.WriteString("text", diagnostic.Message);
        json.WriteEndObject();
        if (diagnostic.Location is { } location)
        {
            json.WriteStartArray("locations");
            json.WriteStartObject();
            json.WriteStartObject("physicalLocation");
            WriteArtifactLocation(json, location.File, root);
            if (location.Line > 0)
            {
                json.WriteStartObject("region");
                json.WriteNumber("startLine", location.Line);
                json.WriteNumber("startColumn", Math.Max(1, location.Column));
                if (location.EndLine > 0)
                {
                    json.WriteNumber("endLine", location.EndLine);
                    json.WriteNumber("endColumn", location.EndColumn);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteArtifactLocation(Utf8JsonWriter json, string file, string root)
    {
        json.WriteStartObject("artifactLocation");
        var full = Path.GetFullPath(file);
        var relative = Path.GetRelativePath(root, full);
        if (relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) || Path.IsPathRooted(relative))
        {
            json.WriteString("uri", new Uri(full).AbsoluteUri);
        }
        else
        {
            // A relative reference: each segment percent-encoded, '/' between them.
            json.WriteString("uri", string.Join('/', relative.Split(Path.DirectorySeparatorChar).Select(Uri.EscapeDataString)));
            json.WriteString("uriBaseId", SourceRoot);
        }

        json.WriteEndObject();
    }

    private static string Level(DiagnosticSeverity severity) => severity == DiagnosticSeverity.Error ? "error" : "warning";
}
