using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiRoutes.Manifest;

/// <summary>Reads and writes <see cref="RouteManifest"/> as the one JSON format both the build and runtime use.</summary>
internal static class ManifestJson
{
    public static string Serialize(RouteManifest manifest) =>
        JsonSerializer.Serialize(manifest, ManifestJsonContext.Default.RouteManifest) + "\n";

    /// <summary>The most bytes a route manifest may have: far more than any build writes (tens of thousands of routes).</summary>
    public const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>Parses a manifest and checks what the type system cannot: the schema version and required parts.</summary>
    /// <exception cref="InvalidDataException">The text is not a manifest this code understands.</exception>
    public static RouteManifest Deserialize(string json) => Deserialize(() => JsonDocument.Parse(json));

    /// <summary>As <see cref="Deserialize(string)"/>, from the file's bytes (UTF-8, with or without a byte order mark).</summary>
    /// <exception cref="InvalidDataException">The bytes are not a manifest this code understands.</exception>
    public static RouteManifest Deserialize(ReadOnlyMemory<byte> utf8) =>
        Deserialize(() => JsonDocument.Parse(utf8.Span.StartsWith("\uFEFF"u8) ? utf8[3..] : utf8));

    private static RouteManifest Deserialize(Func<JsonDocument> parse)
    {
        // One parse: the version is checked on the document, which is then bound to the model.
        JsonDocument document;
        try
        {
            document = parse();
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The manifest is not valid JSON: {e.Message}", e);
        }

        using var _ = document;
        var version = document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty("schemaVersion", out var element)
            && element.TryGetInt32(out var value) ? value : 0;

        if (version is not (RouteManifest.CurrentSchemaVersion or RouteManifest.MethodsSchemaVersion))
        {
            throw new InvalidDataException(
                $"The manifest has schemaVersion {version}; this version of ApiRoutes reads schemaVersion "
                + $"{RouteManifest.CurrentSchemaVersion} and {RouteManifest.MethodsSchemaVersion}. Rebuild the project with the same ApiRoutes package version.");
        }

        RouteManifest manifest;
        try
        {
            // By hand rather than through the context: no serializer metadata to build (and JIT-compile) at start-up.
            manifest = ManifestReader.Read(document.RootElement);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The manifest does not match schema version {version}: {e.Message}", e);
        }

        foreach (var route in manifest.Routes)
        {
            if (route.Methods is not { } methods)
            {
                continue;
            }

            if (version < RouteManifest.MethodsSchemaVersion)
            {
                throw new InvalidDataException(
                    $"The route {Bundling.BundlePath.Quote(route.Route)} restricts its methods, which schemaVersion {version} cannot say (it needs "
                    + $"{RouteManifest.MethodsSchemaVersion}). Rebuild the project with the same ApiRoutes package version.");
            }

            if (RouteMethods.Problem(methods) is { } problem)
            {
                throw new InvalidDataException($"The route {Bundling.BundlePath.Quote(route.Route)} has {problem}. Rebuild the project with the same ApiRoutes package version.");
            }
        }

        return manifest;
    }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true,
    NewLine = "\n",
    IndentSize = 2,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RouteManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
