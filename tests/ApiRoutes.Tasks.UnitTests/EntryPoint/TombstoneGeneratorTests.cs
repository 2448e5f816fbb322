using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Watch;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// The tombstones of dotnet watch's hot-reload workspace: a type the saved texts declare and the code no longer does is
/// declared again, verbatim, in its namespace with its file's usings, unless that would change what compiles.
/// </summary>
public sealed class TombstoneGeneratorTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-tombstones-").FullName;

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
        Assert.Equal(found.Count, found.Select(t => t.HintName).Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Matches("^ApiRoutesTombstone\\.Shop\\.Api\\.Inner\\.Box_1_[0-9a-f]{8}\\.g\\.cs$", found.Single(t => t.FullName == "Shop.Api.Inner.Box_1").HintName);
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
        var path = SnapshotFile(SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));

        var hint = Assert.Single(RunGenerator(Compile(["Other"]), path).GeneratedTrees).FilePath;
        Assert.Matches("^ApiRoutesTombstone\\.Shop\\.Api\\.Hello_[0-9a-f]{8}\\.g\\.cs$", Path.GetFileName(hint));

        // A change of the snapshot is read again with the next change of the code.
        File.WriteAllText(path, "");
        Assert.Empty(RunGenerator(Compile(["Other"]), path).GeneratedTrees);
    }

    [Fact]
    public void Without_the_additional_file_nothing_is_generated() =>
        Assert.Empty(RunGenerator(Compile(["Other"]), null).GeneratedTrees);

    // Review 6, R6-1: a real build (not dotnet watch's design-time workspace) never compiles tombstones, whatever reaches
    // its additional files (a project's own <AdditionalFiles Include="**/*.txt" /> covers obj/apiroutes-watch/tombstones.txt).
    // (The targets set the snapshot's path for the generator only in that workspace, DesignTimeBuild and DotNetWatchBuild
    // both true, and the generator wants DotNetWatchBuild too.)
    [Theory]
    [InlineData("", false)]
    [InlineData("", true)]
    [InlineData("true", false)]
    [InlineData("false", true)]
    public void A_build_that_is_not_the_watch_workspace_gets_no_tombstone(string watch, bool pathSet)
    {
        var path = SnapshotFile(SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));

        Assert.Empty(RunGenerator(Compile(["Other"]), path, Properties(pathSet ? path : null, watch)).GeneratedTrees);
    }

    // R6-1 too: only the snapshot at the path the targets name, not any file of that name.
    [Fact]
    public void A_snapshot_elsewhere_than_the_expected_path_is_not_read()
    {
        var path = SnapshotFile(SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));
        var expected = Path.Combine(Path.GetDirectoryName(path)!, "obj", "apiroutes-watch", SourceSnapshot.FileName);

        Assert.Empty(RunGenerator(Compile(["Other"]), path, Properties(expected, "true")).GeneratedTrees);
        Assert.Empty(RunGenerator(Compile(["Other"]), path, Properties(null, "true")).GeneratedTrees);
    }

    // R6-3: Roslyn wants hint names unique ignoring case. A namespace's casing fixed (Shop.API -> Shop.Api, a "move" the
    // tombstones cover), then the handler deleted: both texts of Hello.cs give a tombstone, and the generator must not fail.
    [Theory]
    [InlineData("/p/Api/Hello.cs", "namespace Shop.API; public class Hello { }", "/p/Api/Hello.cs", "namespace Shop.Api; public class Hello { }")]
    [InlineData("/p/Api/A.cs", "namespace Shop.Api; public class Report { }", "/p/Api/B.cs", "namespace Shop.Api; public class report { }")]
    public void Types_whose_names_differ_only_in_case_each_get_a_tombstone(string path1, string text1, string path2, string text2)
    {
        var path = SnapshotFile(SourceSnapshot.Write([new(path1, text1), new(path2, text2)]));

        var result = RunGenerator(Compile(["Other"]), path);

        Assert.Null(result.Results[0].Exception);
        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.GeneratedTrees.Select(t => t.FilePath.ToUpperInvariant()).Distinct().Count());
    }

    // R6-8: a snapshot larger than the runtime ever writes is not ours: skipped, not read.
    [Fact]
    public void A_snapshot_over_the_size_bound_is_skipped()
    {
        var path = SnapshotFile(SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));
        using (var file = new FileStream(path, FileMode.Append))
        {
            file.SetLength(SourceSnapshot.MaxLength + 1);
        }

        var result = RunGenerator(Compile(["Other"]), path);

        Assert.Null(result.Results[0].Exception);
        Assert.Empty(result.GeneratedTrees);
    }

    // R6-8: the workspace runs the generator on every change of the code; an unchanged snapshot is not parsed again.
    [Fact]
    public void An_unchanged_snapshot_is_parsed_once()
    {
        var path = SnapshotFile(SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello"))]));

        var first = ApiRoutes.EntryPoint.SnapshotFile.Read(path, Parse, CancellationToken.None);
        var again = ApiRoutes.EntryPoint.SnapshotFile.Read(path, Parse, CancellationToken.None);
        File.WriteAllText(path, SourceSnapshot.Write([new("/p/Api/Hello.cs", Handler("Hello", body: "changed"))]));
        var changed = ApiRoutes.EntryPoint.SnapshotFile.Read(path, Parse, CancellationToken.None);

        Assert.Same(first, again);
        Assert.NotSame(first, changed);
        Assert.Contains("changed", Assert.Single(changed).Root.ToFullString(), StringComparison.Ordinal);
    }

    // R6-6: C# also ends a // comment at U+0085, U+2028 and U+2029: the path in the header must not become code.
    [Theory]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\u0085")]
    [InlineData("\r")]
    public void A_path_with_a_line_break_does_not_become_code(string lineBreak)
    {
        var found = Tombstones.Find(Compile(["Other"]),
            [new("/p/Api/x" + lineBreak + "public class Injected { } //.cs", "namespace Shop.Api; public class Hello { }")], CancellationToken.None);

        var tombstone = Assert.Single(found);
        var types = CSharpSyntaxTree.ParseText(tombstone.Text, Parse).GetRoot().DescendantNodes().OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.ValueText);
        Assert.Equal(["Hello"], types);
    }

    // R6-7: a comment inside a namespace name (legal C#) must not end up in the metadata name, where the type is never
    // found, a duplicate tombstone is made and, all or nothing, no tombstone is emitted at all.
    [Fact]
    public void A_comment_in_a_namespace_name_does_not_disable_every_tombstone()
    {
        var compilation = Compile(["Other"]).AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Shop/*x*/.Api //y\n.Kept; public class Hello { }", Parse, "/p/Api/Kept.cs"));

        var found = Tombstones.Find(compilation,
            [new("/p/Api/Kept.cs", "namespace Shop/*x*/.Api //y\n.Kept; public class Hello { }"), new("/p/Api/Gone.cs", "namespace Shop/*x*/.@Api; public class Gone { }")],
            CancellationToken.None);

        Assert.Equal(["Shop.Api.Gone"], found.Select(t => t.FullName));
        Assert.Contains("namespace Shop.@Api\n", Assert.Single(found).Text, StringComparison.Ordinal);
    }

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

    // The generator as dotnet watch's workspace runs it (DotNetWatchBuild, the snapshot's expected path),
    // unless other build properties are given.
    private static GeneratorDriverRunResult RunGenerator(Compilation compilation, string? snapshot, Dictionary<string, string>? properties = null)
    {
        var driver = CSharpGeneratorDriver.Create(
            [new TombstoneGenerator().AsSourceGenerator()],
            additionalTexts: snapshot is null ? [] : [new Additional(snapshot)],
            parseOptions: Parse,
            optionsProvider: new GeneratorHarness.BuildProperties(properties ?? Properties(snapshot, "true")));
        return driver.RunGenerators(compilation).GetRunResult();
    }

    private static Dictionary<string, string> Properties(string? snapshot, string watch)
    {
        var properties = new Dictionary<string, string> { [TombstoneGenerator.WatchProperty] = watch };
        if (snapshot is not null)
        {
            properties[TombstoneGenerator.SnapshotProperty] = snapshot;
        }

        return properties;
    }

    // A snapshot file in a folder of the test's own, removed with the test class.
    private string SnapshotFile(string content)
    {
        var path = Path.Combine(_folder, SourceSnapshot.FileName);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private sealed class Additional(string path) : AdditionalText
    {
        public override string Path { get; } = path;

        // The generator reads the file itself (the workspace's copy is not refreshed): this text is never asked for.
        public override Microsoft.CodeAnalysis.Text.SourceText? GetText(CancellationToken cancellationToken = default) => null;
    }
}
