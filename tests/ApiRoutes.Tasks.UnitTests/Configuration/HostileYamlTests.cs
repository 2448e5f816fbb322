using System.Diagnostics;
using System.Globalization;
using System.Text;
using ApiRoutes.Tasks.Configuration;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Testing;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Configuration;

/// <summary>
/// apiroutes.yaml written to hurt: each input is refused by the real task with AR5001 at its YAML position, never
/// with an exception (which MSBuild reports as MSB4018 "failed unexpectedly") or a crash of the build process.
/// </summary>
public sealed class HostileYamlTests(ITestOutputHelper output) : IDisposable
{
    private readonly TestProject _project = new TestProject().Source("Api/Hello.cs", """
        namespace Shop.Api;

        public sealed class Hello : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
        """);

    // Against a hang only (the inputs below took 79 s and 212 s before their limits): where the reader stopped is what
    // the tests assert, not how fast, which on a shared machine says how busy it was.
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    // How long the task took in the last Run, without compiling the project.
    private TimeSpan _analysis;

    [Theory]
    // Flow nesting 100,000 deep overflowed the stack and killed the build process; refused at the 32nd '['
    // (the top-level mapping is the first level).
    [InlineData("flow", "apiroutes.yaml(1,40)")]
    // Block nesting by indentation: refused at the 33rd level.
    [InlineData("block", "apiroutes.yaml(33,65)")]
    public void Deep_nesting_is_refused_where_it_gets_too_deep(string style, string where)
    {
        _project.Yaml(style == "flow"
            ? "routes: " + new string('[', 100_000)
            : string.Concat(Enumerable.Range(0, 1000).Select(level => new string(' ', 2 * level) + "a:\n")));

        var error = Assert.Single(Run());

        Assert.StartsWith($"{where}: ERROR AR5001: apiroutes.yaml is not valid YAML: Lists and mappings nest more than 32 levels", error, StringComparison.Ordinal);
    }

    [Theory]
    // A valid file plus a last line ':' made YamlDotNet throw ArgumentException: MSB4018 instead of a coded error.
    // YamlDotNet's parser reads the ':' as a key whose value never comes: reported at the line of that key.
    [InlineData("routes:\n  /api/hello:\n    enabled: true\n:\n", "apiroutes.yaml(4,2)")]
    // The same exception for a list item that is a bare ':'.
    [InlineData("- :\n", "apiroutes.yaml(1,4)")]
    public void Inputs_that_make_YamlDotNet_throw_are_coded_errors_at_their_line(string yaml, string where)
    {
        _project.Yaml(yaml);

        var error = Assert.Single(Run());

        Assert.StartsWith($"{where}: ERROR AR5001: apiroutes.yaml is not valid YAML: it cannot be read from here on", error, StringComparison.Ordinal);
    }

    // Review 27a (a soft spot): a tag of the writer's own was read as if it were not there.
    [Theory]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: !custom 60\n", "apiroutes.yaml(3,16)", "The tag '!custom' is not YAML's own")]
    [InlineData("routes: !<tag:example.com,2026:routes>\n  /api/hello:\n    timeLimit: 60\n", "apiroutes.yaml(1,9)", "The tag 'tag:example.com,2026:routes' is not YAML's own")]
    public void A_tag_that_is_not_yamls_own_is_refused_at_it(string yaml, string where, string message)
    {
        _project.Yaml(yaml);

        var error = Assert.Single(Run());

        Assert.StartsWith($"{where}: ERROR AR5001: apiroutes.yaml is not valid YAML: {message}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Tags_of_yamls_own_are_read()
    {
        _project.Yaml("routes:\n  /api/hello: !!map\n    timeLimit: !!str 60\n    enabled: ! true\n");

        Assert.True(Execute(out var errors), string.Join("\n", errors));
    }

    [Fact]
    public void An_alias_bomb_is_refused_at_the_alias_that_goes_over_the_limit_without_expanding_it()
    {
        // "Billion laughs": each anchor repeats the one before ten times, and a key repeats the last: 10^10 values;
        // a 10^9 bomb took 79 s to compare before its error.
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var level = 1; level <= 9; level++)
        {
            yaml.Append($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 10))}]\n");
        }

        _project.Yaml(yaml.Append("? *a9\n: x\n").ToString());
        var clock = Stopwatch.StartNew();

        var error = Assert.Single(Run());

        // Aliases in a1 add 10 x 11 values, in a2 10 x 111; a3's 8th alias of a2 (1,111 each) goes past 10,000.
        Assert.StartsWith("apiroutes.yaml(4,45): ERROR AR5001: apiroutes.yaml is not valid YAML: The aliases ('*a2' and those before it) repeat more than 10,000 values", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < HangGuard, $"Refusing the bomb took {clock.Elapsed}.");
    }

    [Fact]
    public void Aliases_of_a_long_text_under_complex_keys_are_refused_at_the_first_complex_key_at_once()
    {
        // The review's input (940 KB): 9,900 aliases of a 900,000-character scalar, as a key of a key, 31 levels
        // deep. It passed the value limit (9,900 values) and YamlDotNet re-hashed the key list once per level: 212 s.
        var key = "[" + string.Concat(Enumerable.Repeat("*a, ", 9_900)) + "0]";
        for (var level = 0; level < 30; level++)
        {
            key = "{? " + key + " : 1}";
        }

        _project.Yaml("a: &a " + new string('x', 900_000) + "\nb: " + key + "\n");

        var error = Assert.Single(Run());

        // 'b:' holds a mapping at column 4 whose first key is another mapping, at column 7.
        Assert.StartsWith("apiroutes.yaml(2,7): ERROR AR5001: apiroutes.yaml is not valid YAML: This key is a mapping;", error, StringComparison.Ordinal);
        output.WriteLine($"The task refused the file in {_analysis.TotalMilliseconds:F0} ms.");
        Assert.True(_analysis < HangGuard, $"Refusing the file took {_analysis}.");
    }

    [Theory]
    // a complex key that is a list, in block style
    [InlineData("? [a, b]\n: 1\n", "apiroutes.yaml(1,3)", "This key is a list;")]
    // a list as an implicit key
    [InlineData("routes:\n  [/api/hello]: {enabled: true}\n", "apiroutes.yaml(2,3)", "This key is a list;")]
    // a mapping as a key in flow style
    [InlineData("routes: {{a: 1}: 2}\n", "apiroutes.yaml(1,10)", "This key is a mapping;")]
    // a complex key that is a bare ':' made YamlDotNet throw ArgumentException; it is a mapping
    [InlineData("? : \n", "apiroutes.yaml(1,3)", "This key is a mapping;")]
    // an alias of a list is as much a list as the list
    [InlineData("a: &l [x]\n*l : 1\n", "apiroutes.yaml(2,1)", "This key is a list;")]
    public void Keys_that_are_not_text_are_refused_at_the_key(string yaml, string where, string message)
    {
        _project.Yaml(yaml);

        var error = Assert.Single(Run());

        Assert.StartsWith($"{where}: ERROR AR5001: apiroutes.yaml is not valid YAML: {message}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_that_repeat_over_a_million_characters_are_refused_at_the_alias_that_crosses_the_limit()
    {
        // Two values only, far below the value limit; their 1.2 million characters are what costs.
        _project.Yaml("a: &a " + new string('x', 600_000) + "\nb: [*a, *a]\n");

        var error = Assert.Single(Run());

        Assert.StartsWith("apiroutes.yaml(2,9): ERROR AR5001: apiroutes.yaml is not valid YAML: The aliases ('*a' and those before it) repeat more than 1,000,000 characters", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_of_a_long_text_within_the_character_limit_is_read()
    {
        _project.Yaml("a: &a " + new string('x', 600_000) + "\nroutes:\n  /api/hello:\n    schedule: *a\n");

        // Read as YAML: the unknown key and the bad schedule are reported, not the alias.
        var errors = Run();

        Assert.Contains(errors, error => error.StartsWith("apiroutes.yaml(1,1): ERROR AR5002: Unknown key 'a'", StringComparison.Ordinal));
        Assert.DoesNotContain(errors, error => error.Contains("AR5001", StringComparison.Ordinal));
    }

    [Theory]
    // an alias inside its own anchor's value would be a cycle
    [InlineData("routes: &a\n  /api/hello: *a\n", "apiroutes.yaml(2,15)", "is inside the value of its own anchor")]
    // an alias before its anchor
    [InlineData("routes:\n  /api/hello: *b\n", "apiroutes.yaml(2,15)", "names no anchor")]
    [InlineData("a: &a 1\n---\nb: *a\n", "apiroutes.yaml(3,4)", "names no anchor")]
    public void Aliases_that_name_no_finished_anchor_are_refused_at_the_alias(string yaml, string where, string message)
    {
        _project.Yaml(yaml);

        var error = Assert.Single(Run());

        Assert.StartsWith($"{where}: ERROR AR5001: ", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Aliases_within_the_limit_still_share_settings()
    {
        _project.Yaml("routes:\n  /api/hello: &slow\n    timeLimit: 5m\n  /api/Hello/: *slow\n");

        // The alias is read like the settings it repeats: the second key is the same route, reported as such.
        Assert.StartsWith("apiroutes.yaml(4,3): ERROR AR5005:", Assert.Single(Run()), StringComparison.Ordinal);
    }

    [Theory]
    // Review 39b F1: a key written twice stops the reader at the second one, which names the first; through an alias too.
    [InlineData("routes:\n  &k /api/hello: {enabled: true}\n  *k : {enabled: false}\n", "apiroutes.yaml(3,3): ERROR AR5005: The route '/api/hello' appears twice under 'routes', at line 2 and at line 3;")]
    // in a list the mapping has no path of keys: named by its lines alone
    [InlineData("- a: 1\n  a: 2\n", "apiroutes.yaml(2,3): ERROR AR5001: apiroutes.yaml is not valid YAML: the key 'a' appears twice in one mapping, at line 1 and at line 2;")]
    // keys that differ only in case are different keys to YAML (the shape check names the unknown one)
    [InlineData("routes:\n  /api/hello:\n    enabled: true\n    Enabled: true\n", "apiroutes.yaml(4,5): ERROR AR5002: Unknown key 'Enabled'")]
    public void A_key_written_twice_is_one_error_naming_both_lines(string yaml, string start)
    {
        _project.Yaml(yaml);

        Assert.StartsWith(start, Assert.Single(Run()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_over_one_mebibyte_is_refused_before_it_is_parsed()
    {
        _project.Yaml("# " + new string('x', 1024 * 1024) + "\n");

        var error = Assert.Single(Run());

        Assert.StartsWith("apiroutes.yaml(0,0): ERROR AR5001: apiroutes.yaml is larger than 1,048,576 bytes", error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_readme_states_the_limits_the_reader_enforces()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        Assert.Contains($"**{RoutesConfigFile.MaxBytes / 1024 / 1024} MiB**", readme, StringComparison.Ordinal);
        Assert.Contains($"**{BoundedYamlParser.MaxDepth} levels**", readme, StringComparison.Ordinal);
        Assert.Contains($"**{BoundedYamlParser.MaxAliasedValues.ToString("N0", CultureInfo.InvariantCulture)} values**", readme, StringComparison.Ordinal);
        Assert.Contains($"**{BoundedYamlParser.MaxAliasedCharacters.ToString("N0", CultureInfo.InvariantCulture)} characters**", readme, StringComparison.Ordinal);
    }

    public void Dispose() => _project.Dispose();

    // Review 27a F3: a configuration file that is a FIFO blocked the build for good (its reader waits for a writer), and
    // one that is a folder crashed the build logic's read (MSB4184): the FIFO, of no length, is not opened (it reads as
    // empty), and the folder is AR5001.
    [Fact]
    public async Task A_config_file_that_is_a_fifo_is_not_opened_and_a_folder_is_refused()
    {
        using (var mkfifo = Process.Start("mkfifo", [_project.ConfigPath]))
        {
            await mkfifo.WaitForExitAsync();
        }

        var fifo = await Task.Run(() => Execute(out _)).WaitAsync(TimeSpan.FromMinutes(1));
        File.Delete(_project.ConfigPath);
        Directory.CreateDirectory(_project.ConfigPath);
        var folder = Execute(out var errors);

        Assert.True(fifo);
        Assert.False(folder);
        Assert.StartsWith("apiroutes.yaml(0,0): ERROR AR5001: apiroutes.yaml cannot be read", Assert.Single(errors), StringComparison.Ordinal);
    }

    // The real task, as MSBuild runs it: an exception escaping Execute is what MSBuild reports as MSB4018.
    private List<string> Run()
    {
        Assert.False(Execute(out var errors));
        return errors;
    }

    private bool Execute(out List<string> errors)
    {
        var engine = new MockEngine();
        var task = new GenerateApiRoutesManifest
        {
            BuildEngine = engine,
            AssemblyPath = _project.Compile(),
            ProjectDirectory = _project.Directory,
            ProjectFile = _project.PathOf("Shop.csproj"),
            RootNamespace = "Shop",
            ConfigFile = _project.ConfigPath,
            ManifestPath = _project.PathOf("bin/apiroutes.manifest.json"),
        };

        Directory.CreateDirectory(_project.PathOf("bin"));
        var clock = Stopwatch.StartNew();
        var succeeded = task.Execute();
        _analysis = clock.Elapsed;
        errors = engine.Errors;
        return succeeded;
    }
}
