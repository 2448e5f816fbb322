using System.Text.Json;

namespace ApiRoutes.Manifest;

/// <summary>
/// Binds a parsed manifest to <see cref="RouteManifest"/> by hand, as strictly as the serializer context would (required
/// properties present, no null where the model has none, unknown properties ignored). The runtime reads the manifest
/// once per start, before the first request: walking the document costs no JIT of serializer metadata for the manifest
/// types, which was the largest single cost of an app's start-up (bench/load/README.md, "Start-up").
/// </summary>
internal static class ManifestReader
{
    /// <exception cref="JsonException">The document does not have the manifest's shape; the message says where.</exception>
    public static RouteManifest Read(JsonElement root)
    {
        Expect(root, JsonValueKind.Object, "$");
        return new RouteManifest
        {
            SchemaVersion = Int(Required(root, "schemaVersion", "$"), "$.schemaVersion"),
            Generator = String(Required(root, "generator", "$"), "$.generator"),
            Assembly = Assembly(Required(root, "assembly", "$"), "$.assembly"),
            Routes = Array(Required(root, "routes", "$"), "$.routes", Route),
        };
    }

    private static ManifestAssembly Assembly(JsonElement element, string at)
    {
        Expect(element, JsonValueKind.Object, at);
        var mvid = Required(element, "mvid", at);
        return new ManifestAssembly(
            String(Required(element, "name", at), at + ".name"),
            String(Required(element, "fileName", at), at + ".fileName"),
            mvid.ValueKind == JsonValueKind.String && mvid.TryGetGuid(out var guid) ? guid : throw Wrong(at + ".mvid", "a GUID string"),
            Optional(element, "buildId") is { } buildId ? String(buildId, at + ".buildId") : null);
    }

    private static ManifestRoute Route(JsonElement element, string at)
    {
        Expect(element, JsonValueKind.Object, at);
        return new ManifestRoute
        {
            Route = String(Required(element, "route", at), at + ".route"),
            Kind = Kind(Required(element, "kind", at), at + ".kind"),
            Methods = Optional(element, "methods") is { } methods ? Array(methods, at + ".methods", String) : null,
            Handler = Handler(Required(element, "handler", at), at + ".handler"),
            Schedule = Optional(element, "schedule") is { } schedule ? Schedule(schedule, at + ".schedule") : null,
            CatchUp = Optional(element, "catchUp") is { } catchUp ? Bool(catchUp, at + ".catchUp") : null,
            TimeLimitSeconds = Optional(element, "timeLimitSeconds") is { } limit ? Int(limit, at + ".timeLimitSeconds") : null,
            Source = Optional(element, "source") is { } source ? Source(source, at + ".source") : null,
        };
    }

    private static ManifestHandler Handler(JsonElement element, string at)
    {
        Expect(element, JsonValueKind.Object, at);
        return new ManifestHandler(String(Required(element, "type", at), at + ".type"), String(Required(element, "assembly", at), at + ".assembly"));
    }

    private static ManifestSchedule Schedule(JsonElement element, string at)
    {
        Expect(element, JsonValueKind.Object, at);
        return new ManifestSchedule(
            String(Required(element, "expression", at), at + ".expression"),
            String(Required(element, "normalized", at), at + ".normalized"),
            Optional(element, "timeZone") is { } zone ? String(zone, at + ".timeZone") : null);
    }

    private static ManifestSource Source(JsonElement element, string at)
    {
        Expect(element, JsonValueKind.Object, at);
        return new ManifestSource(String(Required(element, "file", at), at + ".file"), Int(Required(element, "line", at), at + ".line"));
    }

    private static RouteKind Kind(JsonElement element, string at) => element.ValueKind == JsonValueKind.String
        ? element.GetString() switch
        {
            "standard" => RouteKind.Standard,
            "background" => RouteKind.Background,
            "scheduled" => RouteKind.Scheduled,
            _ => throw Wrong(at, "one of \"standard\", \"background\", \"scheduled\""),
        }
        : throw Wrong(at, "one of \"standard\", \"background\", \"scheduled\"");

    private static List<T> Array<T>(JsonElement element, string at, Func<JsonElement, string, T> item)
    {
        Expect(element, JsonValueKind.Array, at);
        var items = new List<T>(element.GetArrayLength());
        var index = 0;
        foreach (var child in element.EnumerateArray())
        {
            items.Add(item(child, $"{at}[{index++}]"));
        }

        return items;
    }

    private static string String(JsonElement element, string at) =>
        element.ValueKind == JsonValueKind.String ? element.GetString()! : throw Wrong(at, "a string");

    private static int Int(JsonElement element, string at) =>
        element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out var value) ? value : throw Wrong(at, "a whole number");

    private static bool Bool(JsonElement element, string at) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Wrong(at, "true or false"),
    };

    private static JsonElement Required(JsonElement parent, string name, string at) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value
            : throw new JsonException($"{at} has no '{name}', which is required.");

    // Absent and null both mean "not set", as for the serializer with nullable properties.
    private static JsonElement? Optional(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static void Expect(JsonElement element, JsonValueKind kind, string at)
    {
        if (element.ValueKind != kind)
        {
            throw Wrong(at, kind == JsonValueKind.Object ? "an object" : "an array");
        }
    }

    private static JsonException Wrong(string at, string expected) => new($"{at} must be {expected}.");
}
