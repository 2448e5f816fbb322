using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ApiRoutes.Bundling;

/// <summary>
/// <c>apiroutes.bundle.json</c>, the first entry of a deploy bundle: every other file it carries with its size and
/// SHA-256, so that a host can check that what it runs is exactly what was published.
/// </summary>
internal sealed record BundleManifest
{
    public const int CurrentSchemaVersion = 1;

    public const string FileName = "apiroutes.bundle.json";

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The assembly to start, <c>dotnet &lt;EntryAssembly&gt;</c>: a listed <c>.dll</c> at the bundle's root.</summary>
    public required string EntryAssembly { get; init; }

    /// <summary>Files in ordinal order of their paths, which use <c>/</c>.</summary>
    public required IReadOnlyList<BundleFile> Files { get; init; }

    public static string Serialize(BundleManifest manifest) =>
        JsonSerializer.Serialize(manifest, BundleJsonContext.Default.BundleManifest) + "\n";

    /// <exception cref="InvalidDataException">Not a well-formed, safe bundle manifest of this version.</exception>
    public static BundleManifest Deserialize(string json)
    {
        var problems = new BundleProblems();
        return BundleManifestReader.Read(System.Text.Encoding.UTF8.GetBytes(json), problems)
            ?? throw new InvalidDataException(BundleProblems.OneLine(problems.ToList()));
    }

    public static string Sha256(Stream content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Sha256(ReadOnlySpan<byte> content) => Convert.ToHexStringLower(SHA256.HashData(content));
}

/// <summary>One file of the bundle; <see cref="Path"/> is relative to the bundle's root.</summary>
internal sealed record BundleFile(string Path, long Size, string Sha256);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    NewLine = "\n",
    IndentSize = 2,
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(BundleManifest))]
internal sealed partial class BundleJsonContext : JsonSerializerContext;
