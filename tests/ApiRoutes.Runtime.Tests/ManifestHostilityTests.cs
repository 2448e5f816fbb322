using System.Diagnostics;
using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// A manifest's names are not trusted either (review 43b): an empty, assembly-qualified or generic handler name, an assembly
/// name reflection cannot parse, a handler DI cannot create crashed start-up with a stack trace (exit 134) instead of one
/// line; a terminal's escape sequences in a name reached the operator's console; a FIFO in the manifest's place hung
/// start-up without a word.
/// </summary>
public sealed class ManifestHostilityTests
{
    private const string BuildId = "0123456789abcdef0123456789abcdef";
    private const string Escape = "X\u001b[2J\nApiRoutes: all fine";

    [Theory]
    [InlineData("", "which is empty.")]
    [InlineData("Foo[", "which holds '[' at index 3.")]
    [InlineData("Foo`1[[Bar,NoSuchAssembly]]", "which holds '`' at index 3.")]
    [InlineData("Foo, NoSuchAssembly", "which holds a blank.")]
    [InlineData("Foo,NoSuchAssembly", "which holds ',' at index 3.")]
    [InlineData("A\0B", "which holds a control or invisible character.")]
    [InlineData("Shop.Api.Gone\u001b]0;pwned\u0007", "which holds a control or invisible character.")]
    public void A_handler_name_the_build_does_not_write_is_refused_in_one_line(string type, string why)
    {
        var error = Load(WithHandler(type));

        Assert.Contains($"names the handler {BundlePath.Quote(type)}, {why}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith(ManifestRouteCheck.Rebuild, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
    }

    [Theory]
    [InlineData(typeof(NoPublicConstructor), "which cannot be created: ")]
    [InlineData(typeof(OpenHandler<>), "which holds '`' at index 35.")]
    public void A_handler_class_that_cannot_be_created_is_refused_in_one_line(Type handler, string why)
    {
        var error = Load(WithHandler(handler.FullName!));

        Assert.Contains($"names the handler '{handler.FullName}', {why}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "which is empty.")]
    [InlineData(" ", "which holds a blank.")]
    [InlineData("a\0b", "which holds a control or invisible character.")]
    [InlineData("x,Version=1.2.3.4.5", "which holds ',' at index 1.")]
    [InlineData("Shop\u001b]0;pwned\u0007", "which holds a control or invisible character.")]
    public void An_assembly_name_the_build_does_not_write_is_refused_in_one_line(string name, string why)
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(TestManifest.Write(manifest with { Assembly = manifest.Assembly with { Name = name, BuildId = null } })));

        Assert.Contains($"names the assembly {BundlePath.Quote(name)}, {why}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("fileName")]
    [InlineData("buildId")]
    public void An_assembly_field_with_a_terminal_escape_is_refused_escaped(string field)
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var assembly = field == "fileName" ? manifest.Assembly with { FileName = Escape, BuildId = BuildId } : manifest.Assembly with { BuildId = Escape };

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(TestManifest.Write(manifest with { Assembly = assembly }), _ => throw new InvalidOperationException(), Registry));

        Assert.Contains("which holds a blank.", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void A_route_or_method_with_a_terminal_escape_is_refused_escaped()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello))) with { Assembly = Create().Assembly with { BuildId = BuildId } };
        var oldSchema = manifest with { SchemaVersion = 2, Routes = [manifest.Routes[0] with { Route = "/api/x\u001b[2J\nApiRoutes: all fine", Methods = ["GET"] }] };
        var method = manifest with { SchemaVersion = RouteManifest.MethodsSchemaVersion, Routes = [manifest.Routes[0] with { Methods = ["GET\u001b[2J\nApiRoutes: all fine"] }] };

        foreach (var hostile in new[] { oldSchema, method })
        {
            var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(TestManifest.Write(hostile), _ => throw new InvalidOperationException(), Registry));
            Assert.DoesNotContain('\u001b', error.Message);
            Assert.DoesNotContain('\n', error.Message);
        }
    }

    [Fact]
    public async Task A_fifo_in_the_manifests_place_is_refused_not_waited_on()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;   // FIFOs are told apart on Linux, where the runtime is hosted
        }

        var folder = Directory.CreateTempSubdirectory("apiroutes-43b-").FullName;
        try
        {
            var path = Path.Combine(folder, RouteManifest.FileName);
            using (var mkfifo = Process.Start("mkfifo", [path]))
            {
                Assert.True(mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0);
            }

            // Bounded: a load that blocks on the FIFO is let go (its thread waits for a writer the test then gives it).
            var load = Task.Run(() => Record.Exception(() => ManifestLoader.Load(path)));
            var ended = await Task.WhenAny(load, Task.Delay(TimeSpan.FromSeconds(30))) == load;
            if (!ended)
            {
                await File.WriteAllTextAsync(path, "{}");
            }

            Assert.True(ended, "loading a FIFO hung");
            Assert.Equal($"The route manifest '{path}' is not a regular file (a FIFO, a socket or a device); it must be the file the build wrote.", Assert.IsType<ApiRoutesManifestException>(await load).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Review 43b F3: by shape, not each route against all before it; what it finds is the same.
    [Fact]
    public void Routes_listed_twice_are_found_among_many()
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        var routes = Enumerable.Range(0, 5000).Select(i => manifest.Routes[0] with { Route = $"/api/r{i}/{{id}}", Methods = i % 2 == 0 ? ["GET"] : null })
            .Concat([manifest.Routes[0] with { Route = "/api/R2/{name}", Methods = ["POST"] }, manifest.Routes[0] with { Route = "/api/r4/{other}", Methods = ["GET", "PUT"] }])
            .ToList();

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestRouteCheck.ThrowIfInvalid(manifest with { SchemaVersion = RouteManifest.MethodsSchemaVersion, Routes = routes }, "m.json"));

        Assert.StartsWith("The route '/api/r4/{other}' is listed twice in 'm.json'", error.Message, StringComparison.Ordinal);
        ManifestRouteCheck.ThrowIfInvalid(manifest with { SchemaVersion = RouteManifest.MethodsSchemaVersion, Routes = routes[..^1] }, "m.json");
    }

    private static RouteManifest WithHandler(string type)
    {
        var manifest = Create(StandardRoute("/api/hello", typeof(Hello)));
        return manifest with { Routes = [manifest.Routes[0] with { Handler = manifest.Routes[0].Handler with { Type = type } }] };
    }

    // Bound by name (no generated registry), as an app without the source generator is.
    private static ApiRoutesManifestException Load(RouteManifest manifest) =>
        Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.Load(TestManifest.Write(manifest), _ => typeof(Hello).Assembly, _ => null));

    private static GeneratedHandlers? Registry(string name) => new(typeof(Hello).Assembly, BuildId, new Dictionary<string, HandlerRegistration>());
}

public sealed class NoPublicConstructor : IApiHandler
{
    private NoPublicConstructor()
    {
    }

    public Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => Task.CompletedTask;
}

public sealed class OpenHandler<T> : IApiHandler
{
    public Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => Task.CompletedTask;
}
