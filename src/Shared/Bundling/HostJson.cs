using System.Text.Json;
using static ApiRoutes.Bundling.BundlePath;

namespace ApiRoutes.Bundling;

/// <summary>
/// The entry assembly's files the .NET host reads before any code of the app runs (<c>&lt;App&gt;.runtimeconfig.json</c>,
/// <c>&lt;App&gt;.deps.json</c>), read as the host reads them: comments allowed (its parser takes them), trailing commas
/// refused by neither, and every property of a name looked at, in any case, as a file may name one twice and the host's
/// parser and this one need not take the same. Never throws: a problem is a sentence.
/// </summary>
internal static class HostJson
{
    /// <summary>The listed <paramref name="file"/>, parsed; null, with the problem added, when it is over <paramref name="maxBytes"/> or not JSON.</summary>
    public static JsonDocument? Read(string root, BundleFile file, int maxBytes, BundleProblems problems)
    {
        if (file.Size > maxBytes)
        {
            problems.Add($"{Quote(file.Path)} is {file.Size} bytes, over {maxBytes}: more than any publish writes, and not read.");
            return null;
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, file.Path)), new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                MaxDepth = 64,
            });
        }
        catch (JsonException e)
        {
            problems.Add($"{Quote(file.Path)} is not JSON the .NET host would read ({e.Message}); what it tells the host to load cannot be checked. Publish the app again.");
            return null;
        }
    }

    /// <summary>The values of an object's properties of that name, in any case; none when it is no object.</summary>
    public static IEnumerable<JsonElement> Properties(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
            ? element.EnumerateObject().Where(property => string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)).Select(property => property.Value)
            : [];

    /// <summary>A value as the checks read it: a string's text, any other value's JSON (which no check passes as a name or a path).</summary>
    public static string Text(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.GetRawText();

    /// <summary>
    /// What the host is told to load by the entry assembly's runtime configuration and deps file (<see cref="BundleRuntimeConfig"/>,
    /// <see cref="BundleDepsFile"/>): the hosts' check of a verified folder, and the publish's of the folder it packs.
    /// </summary>
    public static void CheckWhatTheHostLoads(string root, BundleManifest manifest, BundleProblems problems)
    {
        BundleRuntimeConfig.Check(root, manifest, problems);
        BundleDepsFile.Check(root, manifest, problems);   // review 46c F2
    }
}
