using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.Metadata;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// The handler registry generator, run by Roslyn's driver as the compiler runs it: every handler class generated code
/// can name, in the manifest's spelling, and a build id that follows the source and that the build's analysis reads
/// back from the compiled assembly.
/// </summary>
public sealed class HandlerRegistryGeneratorTests
{
    private const string Handlers = """
        namespace Shop.Api;

        public sealed class Hello : ApiRoutes.IApiHandler
        {
            public System.Threading.Tasks.Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => System.Threading.Tasks.Task.CompletedTask;
        }

        public abstract class Base : ApiRoutes.IApiHandler
        {
            public System.Threading.Tasks.Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => System.Threading.Tasks.Task.CompletedTask;
        }

        // a handler through its base class, in two partial declarations
        public sealed partial class Derived(int size) : Base { public int Size => size; }
        public sealed partial class Derived : System.IDisposable { public void Dispose() { } }

        public static class Outer
        {
            public sealed class Nested : Base;
            private sealed class Hidden : Base;
        }

        public sealed class Generic<T> : Base;

        internal sealed class Internal : Base;

        public sealed class NotAHandler : System.IDisposable { public void Dispose() { } }
        """;

    [Fact]
    public void Every_nameable_concrete_handler_is_registered_as_the_manifest_names_it()
    {
        var (source, output) = Run("true", ("Api/Handlers.cs", Handlers));

        Assert.Equal(
            ["Shop.Api.Derived", "Shop.Api.Hello", "Shop.Api.Internal", "Shop.Api.Outer+Nested"],
            Registered(source!));
        var problems = output.GetDiagnostics().Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    // Review 25a F1, F2: a namespace part that is a C# keyword (@class, @public: a URL-first project naming folders after
    // /api/public/...) was registered as written in C# ("Shop.Api.@class.Status"), where the manifest has the metadata's
    // "Shop.Api.class.Status", so the app refused to start after a clean build; and a file-local handler was registered
    // by a name no other file can use (CS0234 in the generated file).
    [Fact]
    public void Each_handler_is_registered_under_the_name_the_builds_analysis_reads_from_the_compiled_assembly()
    {
        const string Keywords = """
            namespace Shop.Api.@public.@class;

            public sealed class @event : Shop.Api.Base;

            public static class Outer
            {
                public sealed class @default : Shop.Api.Base;
            }

            public sealed record Rec : ApiRoutes.IApiHandler
            {
                public System.Threading.Tasks.Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => System.Threading.Tasks.Task.CompletedTask;
            }

            file sealed class Secret : Shop.Api.Base;
            """;

        var (source, output) = Run("true", ("Api/Handlers.cs", Handlers), ("Api/Keywords.cs", Keywords));

        var registered = Registered(source!);
        Assert.Equal(
            ["Shop.Api.Derived", "Shop.Api.Hello", "Shop.Api.Internal", "Shop.Api.Outer+Nested",
             "Shop.Api.public.class.Outer+default", "Shop.Api.public.class.Rec", "Shop.Api.public.class.event"],
            registered);
        var analysed = AnalysedHandlers(output);
        Assert.Contains("Shop.Api.public.class.Secret", analysed);   // seen by the analysis (AR1001), never registered
        Assert.All(registered, name => Assert.Contains(name, analysed));
    }

    [Fact]
    public void The_build_id_is_the_same_for_the_same_source_changes_with_it_and_is_what_the_analysis_reads()
    {
        var first = Run("true", ("Api/Handlers.cs", Handlers));
        var again = Run("true", ("Api/Handlers.cs", Handlers));
        var edited = Run("true", ("Api/Handlers.cs", Handlers + "\n// edited\n"));

        var id = BuildIdOf(first.Output);
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(id, BuildIdOf(again.Output));
        Assert.NotEqual(id, BuildIdOf(edited.Output));
        Assert.Contains($"\"{id}\",", first.Source, StringComparison.Ordinal);   // the runtime's copy is the same id
    }

    [Theory]
    [InlineData("false")]
    [InlineData(null)]
    public void Without_the_switch_nothing_is_added(string? value)
    {
        var (source, output) = Run(value, ("Api/Handlers.cs", Handlers));

        Assert.Null(source);
        Assert.Null(BuildIdOf(output));
    }

    private static List<string> Registered(string source) =>
        [.. source.Split('\n').Where(line => line.TrimStart().StartsWith("new(\"", StringComparison.Ordinal)).Select(line => line.Split('"')[1])];

    // The concrete handler types the build's analysis finds in the emitted assembly, by the names the manifest gives them.
    private static List<string> AnalysedHandlers(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        using var pe = new PEReader(stream);
        using var resolver = new HandlerInterfaceResolver(TestProject.PlatformReferences.Select(reference => reference.Display!));
        return [.. AssemblyScanner.FindHandlerTypes(pe.GetMetadataReader(), resolver)
            .Where(type => type is { ImplementsHandler: true, IsAbstract: false })
            .Select(type => type.FullName)];
    }

    // Emits the compilation and reads it as the build's analysis does.
    private static string? BuildIdOf(Compilation compilation)
    {
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        using var pe = new PEReader(stream);
        return BuildIdReader.Read(pe.GetMetadataReader());
    }

    private static (string? Source, Compilation Output) Run(string? switchValue, params (string Path, string Source)[] files)
    {
        var (trees, output) = GeneratorHarness.Run(
            new HandlerRegistryGenerator(), HandlerRegistryGenerator.SwitchProperty, switchValue, OutputKind.DynamicallyLinkedLibrary, files);

        Assert.True(trees.Length <= 1);
        return (trees.Length == 1 ? trees[0].GetText().ToString() : null, output);
    }
}
