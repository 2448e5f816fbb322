using System.Text.Json;
using System.Text.Json.Serialization;

namespace Shop.Api;

// The handlers' JSON through a source-generated context: the same output as anonymous types, and it works in a
// trimmed or Native AOT app, which serializes nothing by reflection (README, "Native AOT and trimming").
internal sealed record HelloBody(string Hello);

internal sealed record OrderBody(int Id, string Status);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HelloBody))]
[JsonSerializable(typeof(OrderBody))]
internal sealed partial class ShopJson : JsonSerializerContext;
