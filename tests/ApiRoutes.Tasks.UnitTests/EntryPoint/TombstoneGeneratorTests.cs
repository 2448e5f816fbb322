using System.Collections.Immutable;
using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Watch;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// The tombstones of dotnet watch's hot-reload workspace: a type the saved texts declare and the code no longer does is
/// declared again, verbatim, in its namespace with its file's usings, unless that would change what compiles.
/// </summary>
public sealed class TombstoneGeneratorTests
{
    private static string Handler(string name, string ns = "Shop.Api", string body = "hello") => $$"""
        using System.Threading.Tasks;
        using Microsoft.AspNetCore.Http;

        namespace {{ns}};

        [ApiRoutes.ApiRoute("/api/{{name.ToLowerInvariant()}}")]
        public sealed class {{name}}(Microsoft.Extensions.Logging.ILogger<{{name}}> logger) : ApiRoutes.IApiHandler
        {
            private int _count;

            public Task HandleAsync(HttpContext context)
            {
                logger.ToString();
                return context.Response.WriteAsync("{{body}}" + _count++);
            }
        }
        """;

    [Theory]
    // deleted: its file is gone
    [InlineData(new[] { "Other" }, "Shop.Api.Hello")]
    // moved to another namespace in its file
    [InlineData(new[] { "Other", "Moved:Hello" }, "Shop.Api.Hello")]
    // renamed with its file
    [InlineData(new[] { "Other", "Hello2" }, "Shop.Api.Hello")]
    // still declared: nothing
    [InlineData(new[] { "Other", "Hello" }, null)]
    public void A_type_the_code_no_longer_declares_is_declared_again(string[] types, string? tombstone)
    {
        var compilation = Compile(types);

        var found = Tombstones.Find(compilation, [new("/p/Api/Hello.cs", Handler("Hello")), new("/p/Api/Other.cs", Handler("Other"))], CancellationToken.None);

        Assert.Equal(tombstone is null ? [] : [tombstone], found.Select(t => t.FullName));
        var withTombstones = compilation.AddSyntaxTrees(found.Select(t => CSharpSyntaxTree.ParseText(t.Text, Parse, t.HintName)));
        Assert.Empty(withTombstones.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var hello = withTombstones.GetTypeByMetadataName("Shop.Api.Hello");
        Assert.NotNull(hello);
        Assert.Equal(["_count", "HandleAsync"], hello.GetMembers().Where(m => !m.IsImplicitlyDeclared && m is not IMethodSymbol { MethodKind: MethodKind.Constructor }).Select(m => m.Name).Order());
    }

    [Fact]
    public void The_newest_saved_text_of_a_type_is_the_one_declared_again()
    {
        var found = Tombstones.Find(Compile(["Other"]), [new("/p/Api/Hello.cs", Handler("Hello", body: "old")), new("/p/Api/Hello.cs", Handler("Hello", body: "new"))], CancellationToken.None);

        var tombstone = Assert.Single(found);
        Assert.Contains("\"new\"", tombstone.Text, StringComparison.Ordinal);
        Assert.Contains("using Microsoft.AspNetCore.Http;", tombstone.Text, StringComparison.Ordinal);
        Assert.StartsWith("ApiRoutesTombstone.Shop.Api.Hello", tombstone.HintName, StringComparison.Ordinal);
    }

    [Fact]
    public void Block_namespaces_nested_usings_and_generic_types_keep_their_names()
    {
        const string source = """
            namespace Shop
            {
                using System.Collections.Generic;

                namespace Api.Inner
                {
                    internal sealed class Box<T> { public List<T> Items { get; } = new(); }
                    internal sealed class Box_1 { }
                    internal enum Colour { Red }
                    internal delegate void Done();
                    file sealed class Local { }
                }
            }
            """;

        var found = Tombstones.Find(Compile(["Other"]), [new("/p/Box.cs", source)], CancellationToken.None);

        Assert.Equal(["Shop.Api.Inner.Box_1", "Shop.Api.Inner.Box`1", "Shop.Api.Inner.Colour", "Shop.Api.Inner.Done"], found.Select(t => t.FullName).Order(StringComparer.Ordinal));
        Assert.Equal(found.Count, found.Select(t => t.HintName).Distinct().Count());
        Assert.Contains("ApiRoutesTombstone.Shop.Api.Inner.Box_1.g.cs", found.Select(t => t.HintName));
    }

    [Theory]
    // the deleted type is still used: the compile error must show, not be hidden
    [InlineData("namespace Shop; static class Uses { static object X() => new Shop.Api.Hello(null!); }")]
    // the old type would make a name ambiguous where the new one is meant
    [InlineData("using Shop.Api; using Shop.Api.Moved; namespace Shop; static class Uses { static string X() => nameof(Hello); }")]
    public void Tombstones_that_would_change_what_compiles_are_not_emitted(string other)
    {
        var compilation = Compile(["Other", "Moved:Hello"]).AddSyntaxTrees(CSharpSyntaxTree.ParseText(other, Parse, "/p/Uses.cs"));

        var found = Tombstones.Find(compilation, [new("/p/Api/Hello.cs", Handler("Hello"))], CancellationToken.None);

        Assert.Empty(found);
    }

    [Fact]
    public void The_generator_reads_the_snapshot_named_by_the_additional_file()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-tombstones-").FullName;
        try
        {
            var path = Path.Combine(folder, SourceSnapshot.FileName);
            File.WriteAllText(path, SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));

            Assert.Equal(["ApiRoutesTombstone.Shop.Api.Hello.g.cs"], RunGenerator(Compile(["Other"]), path).Select(t => Path.GetFileName(t.FilePath)));

            // A change of the snapshot is read again with the next change of the code.
            File.WriteAllText(path, "");
            Assert.Empty(RunGenerator(Compile(["Other"]), path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Without_the_additional_file_nothing_is_generated() =>
        Assert.Empty(RunGenerator(Compile(["Other"]), null));

    [Fact]
    public void The_snapshot_format_round_trips_and_skips_lines_that_are_not_its_own()
    {
        var entries = new List<KeyValuePair<string, string>> { new("/p/a b\tc.cs", "x\n\ty é"), new("/p/b.cs", "") };

        Assert.Equal(entries, SourceSnapshot.Read(SourceSnapshot.Write(entries) + "not\tbase64!\nno tab\n"));
    }

    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    // "Name" declares Shop.Api.Name in Api/Name.cs; "Ns:Name" declares Shop.Api.Ns.Name.
    private static Compilation Compile(IEnumerable<string> types) =>
        CSharpCompilation.Create(
            "Shop",
            [
                CSharpSyntaxTree.ParseText("global using System;", Parse, "/p/Usings.cs"),
                .. types.Select(type => type.Split(':') is [var ns, var name]
                    ? CSharpSyntaxTree.ParseText(Handler(name, "Shop.Api." + ns), Parse, $"/p/Api/{name}.cs")
                    : CSharpSyntaxTree.ParseText(Handler(type), Parse, $"/p/Api/{type}.cs")),
            ],
            TestProject.PlatformReferences,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    private static ImmutableArray<SyntaxTree> RunGenerator(Compilation compilation, string? snapshot)
    {
        var driver = CSharpGeneratorDriver.Create(
            [new TombstoneGenerator().AsSourceGenerator()],
            additionalTexts: snapshot is null ? [] : [new Additional(snapshot)],
            parseOptions: Parse);
        return driver.RunGenerators(compilation).GetRunResult().GeneratedTrees;
    }

    private sealed class Additional(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        // The generator reads the file itself (the workspace's copy is not refreshed): this text is never asked for.
        public override Microsoft.CodeAnalysis.Text.SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }
}
