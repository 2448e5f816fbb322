using System.Text.Json;
using System.Text.Json.Serialization;

// The raw ASP.NET Core baseline for bench/load/run.sh: the same handler as samples/Shop/Api/Hello.cs and nothing
// else, so the measured difference is what the ApiRoutes runtime adds per request and at start-up. The JSON goes
// through a source-generated context, as in the sample, so that the app also runs published with Native AOT.
var app = WebApplication.CreateBuilder(args).Build();
// A RequestDelegate, as ApiRoutes maps its routes (and the request-delegate generator of an AOT publish leaves it alone).
app.MapGet("/api/hello", new RequestDelegate(c => c.Response.WriteAsJsonAsync(new HelloBody("world"), RawJson.Default.HelloBody)));
await app.RunAsync();

internal sealed record HelloBody(string Hello);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(HelloBody))]
internal sealed partial class RawJson : JsonSerializerContext;
