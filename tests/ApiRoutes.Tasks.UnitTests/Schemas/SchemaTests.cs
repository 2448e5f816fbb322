using System.Text.Json;
using System.Text.Json.Nodes;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Testing;
using Json.Schema;

namespace ApiRoutes.Tasks.UnitTests.Schemas;

/// <summary>
/// The JSON Schemas in <c>schemas/</c>: the manifest the build writes matches its schema, and the schema of
/// <c>apiroutes.yaml</c> accepts and refuses what an editor should.
/// </summary>
public sealed class SchemaTests
{
    private const string ConfigSchemaFile = "apiroutes.schema.json";
    private const string ManifestSchemaFile = "apiroutes.manifest.schema.json";

    // Built once: building registers the schema's $id in the library's global registry.
    private static readonly Lazy<JsonSchema> ConfigSchema = new(() => JsonSchema.FromFile(SchemaPath(ConfigSchemaFile)));
    private static readonly Lazy<JsonSchema> ManifestSchema = new(() => JsonSchema.FromFile(SchemaPath(ManifestSchemaFile)));
    private static readonly Lazy<string> SampleManifest = new(AnalyzeSample);

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    [Theory]
    [InlineData(ConfigSchemaFile)]
    [InlineData(ManifestSchemaFile)]
    public void A_schema_file_is_a_valid_draft_2020_12_schema(string file)
    {
        var document = JsonElement.Parse(File.ReadAllText(SchemaPath(file)));

        AssertValid(MetaSchemas.Draft202012.Evaluate(document, Options));
        Assert.NotNull((file == ConfigSchemaFile ? ConfigSchema : ManifestSchema).Value.Root);
    }

    [Fact]
    public void A_manifest_from_the_real_analysis_matches_the_manifest_schema()
    {
        var manifest = JsonElement.Parse(SampleManifest.Value);

        Assert.Equal(
            ["background", "scheduled", "standard"],
            manifest.GetProperty("routes").EnumerateArray().Select(route => route.GetProperty("kind").GetString()).Order(StringComparer.Ordinal));
        AssertValid(ManifestSchema.Value.Evaluate(manifest, Options));
    }

    [Fact]
    public void A_manifest_with_methods_at_schema_version_3_matches_the_manifest_schema()
    {
        var manifest = JsonNode.Parse(SampleManifest.Value)!.AsObject();
        manifest["schemaVersion"] = 3;
        manifest["routes"]!.AsArray().Single(route => (string?)route!["kind"] == "standard")!["methods"] = new JsonArray("GET", "HEAD");

        AssertValid(ManifestSchema.Value.Evaluate(JsonElement.Parse(manifest.ToJsonString()), Options));
    }

    [Theory]
    [InlineData("schemaVersion 1")]
    [InlineData("unknown kind")]
    [InlineData("scheduled route without schedule")]
    [InlineData("standard route with schedule")]
    [InlineData("timeLimitSeconds 901")]
    [InlineData("missing mvid")]
    [InlineData("mvid not a guid")]
    [InlineData("source line 0")]
    [InlineData("null written for an absent value")]
    [InlineData("unknown property")]
    [InlineData("unknown method")]
    [InlineData("no methods")]
    public void A_broken_manifest_does_not_match_the_manifest_schema(string breakage)
    {
        var manifest = JsonNode.Parse(SampleManifest.Value)!.AsObject();
        var routes = manifest["routes"]!.AsArray();
        JsonObject Route(string kind) => routes.Single(route => (string?)route!["kind"] == kind)!.AsObject();

        switch (breakage)
        {
            case "schemaVersion 1": manifest["schemaVersion"] = 1; break;
            case "unknown kind": Route("background")["kind"] = "queued"; break;
            case "scheduled route without schedule": Route("scheduled").Remove("schedule"); break;
            case "standard route with schedule": Route("standard")["schedule"] = Route("scheduled")["schedule"]!.DeepClone(); break;
            case "timeLimitSeconds 901": Route("background")["timeLimitSeconds"] = 901; break;
            case "missing mvid": manifest["assembly"]!.AsObject().Remove("mvid"); break;
            case "mvid not a guid": manifest["assembly"]!["mvid"] = "not-a-guid"; break;
            case "source line 0": Route("standard")["source"]!["line"] = 0; break;
            case "null written for an absent value": Route("standard")["timeLimitSeconds"] = null; break;
            case "unknown method": manifest["schemaVersion"] = 3; Route("standard")["methods"] = new JsonArray("FETCH"); break;
            case "no methods": manifest["schemaVersion"] = 3; Route("standard")["methods"] = new JsonArray(); break;
            case "unknown property": Route("standard")["method"] = "GET"; break;
            default: throw new ArgumentOutOfRangeException(nameof(breakage));
        }

        Assert.False(ManifestSchema.Value.Evaluate(JsonElement.Parse(manifest.ToJsonString()), Options).IsValid);
    }

    [Theory]
    // empty files and empty sections, as the build accepts them
    [InlineData("")]
    [InlineData("# only a comment\n")]
    [InlineData("defaults:\nroutes: ~\n")]
    // every setting, as the YamlConfigTests example writes them
    [InlineData("defaults:\n  background:\n    timeLimit: 10m\n  standard:\n    timeLimit: 20\n  scheduled:\n")]
    [InlineData("routes:\n  /api/digest:\n    schedule: \"0 7 * * *\"\n  /api/cleanup:\n    schedule: '*/30 * * * *'\n    timeLimit: 1m30s\n")]
    [InlineData("routes:\n  /api/hello:\n    background: true\n    enabled: false\n  /api/Orders/{orderId}:\n    timeLimit: 5s\n")]
    // route keys as ASP.NET Core accepts them, and an empty entry (only a warning in the build)
    [InlineData("routes:\n  ~/api/x: {enabled: true}\n  api/y: {enabled: TRUE}\n  /: {}\n  /api/z:\n")]
    // crontab's macros, and fields that mix '*', steps, ranges and names in any case, with leading zeros
    [InlineData("routes:\n  /a: {schedule: '@daily'}\n  /b: {schedule: '*/15,50 0-6/2,23 * jan-Mar MON-fri'}\n  /c: {schedule: '007 9 1 * 7'}\n")]
    // a time zone
    [InlineData("routes:\n  /a: {schedule: '30 2 * * *', timeZone: Europe/Berlin}\n  /b: {timeZone: America/Argentina/Buenos_Aires}\n")]
    // whole seconds in quotes and the largest whole number
    [InlineData("routes:\n  /a: {timeLimit: \"90\"}\n  /b: {timeLimit: 900}\n")]
    // the range of a duration with units is the build's check (AR3003), not the schema's
    [InlineData("routes:\n  /a: {timeLimit: 1h}\n")]
    // methods: a list in any case, or one
    [InlineData("routes:\n  /a: {methods: [GET, head]}\n  /b: {methods: Post}\n")]
    public void A_good_apiroutes_yaml_matches_the_schema(string yaml) =>
        AssertValid(ConfigSchema.Value.Evaluate(YamlJson.Parse(yaml), Options));

    [Theory]
    // unknown keys at each level
    [InlineData("route:\n  /api/digest: {}\n")]
    [InlineData("routes:\n  /api/digest:\n    schedul: \"@daily\"\n")]
    [InlineData("defaults:\n  backgroud:\n    timeLimit: 5\n")]
    // booleans are true or false, not strings
    [InlineData("routes:\n  /api/hello:\n    background: maybe\n")]
    [InlineData("routes:\n  /api/hello:\n    enabled: \"false\"\n")]
    // time limits: a unit word, out of range, zero in quotes
    [InlineData("routes:\n  /api/hello:\n    timeLimit: 10 minutes\n")]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: 0\n")]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: 901\n")]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: \"0\"\n")]
    [InlineData("defaults:\n  scheduled:\n    timeLimit: 1.5\n")]
    // schedules: rejected macros, seconds, too few fields, empty, other schedulers' syntax
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"@reboot\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"@Daily\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"@every_minute\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"0 0 L * *\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"0 0 * * MON#2\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"0 0 ? * MON\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"H * * * *\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"5/15 * * * *\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"@annually\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"* * * * * *\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"0 3 * *\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"\"\n")]
    // a time zone is an IANA id, without spaces
    [InlineData("routes:\n  /api/cleanup:\n    timeZone: \"Europe Berlin\"\n")]
    [InlineData("routes:\n  /api/cleanup:\n    timeZone: \"\"\n")]
    // a scheduled route cannot be a background route
    [InlineData("routes:\n  /api/cleanup:\n    schedule: \"@daily\"\n    background: true\n")]
    // route keys: empty, a lone '~', trailing space
    [InlineData("routes:\n  \"\": {enabled: false}\n")]
    [InlineData("routes:\n  ~api: {enabled: false}\n")]
    [InlineData("routes:\n  \"/api/x \": {enabled: false}\n")]
    // methods: unknown, empty, a mapping
    [InlineData("routes:\n  /api/hello:\n    methods: [GET, FETCH]\n")]
    [InlineData("routes:\n  /api/hello:\n    methods: []\n")]
    [InlineData("routes:\n  /api/hello:\n    methods: {GET: true}\n")]
    // wrong shapes: routes as a list, the document as a list
    [InlineData("routes:\n  - /api/hello\n")]
    [InlineData("- routes\n")]
    public void A_bad_apiroutes_yaml_does_not_match_the_schema(string yaml) =>
        Assert.False(ConfigSchema.Value.Evaluate(YamlJson.Parse(yaml), Options).IsValid);

    private static void AssertValid(EvaluationResults results)
    {
        List<EvaluationResults> details = [results, .. results.Details ?? []];
        var errors = details
            .Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation} ({detail.EvaluationPath}): {error.Value}"));
        Assert.True(results.IsValid, "Schema errors:\n" + string.Join("\n", errors));
    }

    private static string AnalyzeSample()
    {
        using var project = new TestProject().Source("Api/Handlers.cs", """
            namespace Shop.Api;

            public sealed class Hello : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

            [BackgroundRoute]
            public sealed class GenerateReport : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

            [ScheduledRoute("@hourly", TimeZone = "Europe/Berlin")]
            public sealed class Cleanup : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
            """);

        var result = project.Analyze();

        Assert.Empty(result.Diagnostics);
        return ManifestJson.Serialize(result.Manifest!);
    }

    private static string SchemaPath(string file) => Path.Combine(Repository.Root, "schemas", file);
}
