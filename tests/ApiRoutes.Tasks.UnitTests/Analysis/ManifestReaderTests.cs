using ApiRoutes.Manifest;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>
/// The runtime reads the manifest by hand (<see cref="ManifestReader"/>), the build writes it through the serializer
/// context: every field the build writes must come back as it was.
/// </summary>
public sealed class ManifestReaderTests
{
    [Fact]
    public void Every_field_the_build_writes_is_read_back()
    {
        var manifest = new RouteManifest
        {
            SchemaVersion = RouteManifest.MethodsSchemaVersion,
            Generator = "ApiRoutes 0.1.0",
            Assembly = new ManifestAssembly("Shop", "Shop.dll", Guid.NewGuid(), "39216e4e9fdb880bab105df76faae24f"),
            Routes =
            [
                new ManifestRoute
                {
                    Route = "/api/cleanup",
                    Kind = RouteKind.Scheduled,
                    Handler = new ManifestHandler("Shop.Api.Cleanup", "Shop"),
                    Schedule = new ManifestSchedule("0 9 * * MON", "0 9 * * 1", "Europe/Paris"),
                    CatchUp = true,
                    TimeLimitSeconds = 60,
                    Source = new ManifestSource("Api/Cleanup.cs", 8),
                },
                new ManifestRoute
                {
                    Route = "/api/orders/{id:int}",
                    Kind = RouteKind.Standard,
                    Methods = ["GET", "DELETE"],
                    Handler = new ManifestHandler("Shop.Api.Orders+ById", "Shop"),
                },
                new ManifestRoute
                {
                    Route = "/api/report",
                    Kind = RouteKind.Background,
                    Handler = new ManifestHandler("Shop.Api.Report", "Shop"),
                    CatchUp = false,
                    TimeLimitSeconds = 300,
                },
            ],
        };

        var back = ManifestJson.Deserialize(ManifestJson.Serialize(manifest));

        Assert.Equal(manifest.SchemaVersion, back.SchemaVersion);
        Assert.Equal(manifest.Generator, back.Generator);
        Assert.Equal(manifest.Assembly, back.Assembly);
        Assert.Equal(manifest.Routes.Count, back.Routes.Count);
        for (var i = 0; i < manifest.Routes.Count; i++)
        {
            // Records compare lists by reference: the methods are compared by content, the rest as records.
            Assert.Equal(manifest.Routes[i].Methods, back.Routes[i].Methods);
            Assert.Equal(manifest.Routes[i] with { Methods = null }, back.Routes[i] with { Methods = null });
        }
    }

    [Fact]
    public void Unknown_properties_are_ignored_and_null_means_not_set()
    {
        const string json = """
            {"schemaVersion": 2, "generator": "g", "future": [1, 2],
             "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001", "buildId": null},
             "routes": [{"route": "/a", "kind": "standard", "handler": {"type": "T", "assembly": "A", "extra": true}, "schedule": null}]}
            """;

        var manifest = ManifestJson.Deserialize(json);

        Assert.Null(manifest.Assembly.BuildId);
        Assert.Equal(new ManifestRoute { Route = "/a", Kind = RouteKind.Standard, Handler = new ManifestHandler("T", "A") }, manifest.Routes.Single());
    }

    [Fact]
    public void The_files_bytes_read_as_its_text_does_with_or_without_a_byte_order_mark()
    {
        // The runtime reads the file's bytes (to check them against a verified bundle's hash before parsing them).
        const string json = """{"schemaVersion": 2, "generator": "g", "assembly": {"name": "A", "fileName": "A.dll", "mvid": "00000000-0000-0000-0000-000000000001"}, "routes": [{"route": "/a", "kind": "standard", "handler": {"type": "T", "assembly": "A"}}]}""";
        var utf8 = System.Text.Encoding.UTF8.GetBytes(json);

        var fromText = ManifestJson.Deserialize(json);
        var fromBytes = ManifestJson.Deserialize(utf8);
        var withMark = ManifestJson.Deserialize((byte[])[0xEF, 0xBB, 0xBF, .. utf8]);

        Assert.Equal(fromText.Assembly, fromBytes.Assembly);
        Assert.Equal(fromText.Routes.Single(), fromBytes.Routes.Single());
        Assert.Equal(fromText.Routes.Single(), withMark.Routes.Single());
        Assert.Equal("The manifest is not valid JSON: '0xEF' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.",
            Assert.Throws<InvalidDataException>(() => ManifestJson.Deserialize((byte[])[0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, .. utf8])).Message);
    }
}
