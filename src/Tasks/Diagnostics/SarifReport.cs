using System.Text;
using System.Text.Json;

namespace ApiRoutes.Tasks.Diagnostics;

/// <summary>
/// The diagnostics as a SARIF 2.1.0 log, the format CI code-scanning tools read (GitHub code scanning, Azure DevOps).
/// Written even when there are none, so a CI step can always upload it.
/// </summary>
internal static class SarifReport
{
    public static string Create(IReadOnlyList<Diagnostic> diagnostics, string toolVersion, string baseDirectory)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteString("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
            json.WriteString("version", "2.1.0");
            json.WriteStartArray("runs");
            json.WriteStartObject();
            WriteTool(json, toolVersion);
            json.WriteStartArray("results");
            foreach (var diagnostic in diagnostics)
            {
                WriteResult(json, diagnostic, baseDirectory);
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

    private static void WriteResult(Utf8JsonWriter json, Diagnostic diagnostic, string baseDirectory)
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
            json.WriteStartObject("artifactLocation");
            var relative = Path.GetRelativePath(baseDirectory, location.File);
            json.WriteString("uri", (relative.StartsWith("..", StringComparison.Ordinal) ? location.File : relative).Replace('\\', '/'));
            json.WriteEndObject();
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

    private static string Level(DiagnosticSeverity severity) => severity == DiagnosticSeverity.Error ? "error" : "warning";
}
