using System.IO.Compression;
using ApiRoutes.Bundling;
using ApiRoutes.Tasks.Bundling;

namespace ApiRoutes.Tasks.UnitTests.Bundling;

public sealed class BundleWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-bundle-unit-").FullName;

    private string Publish => Path.Combine(_root, "publish");

    private string Bundle => Path.Combine(_root, "App.bundle.zip");

    public BundleWriterTests()
    {
        Write("App.dll", "app");
        Write("apiroutes.manifest.json", "{}");
        Write("appsettings.json", "{}");
        Write("appsettings.Development.json", """{"secret":"dev"}""");
        Write("appsettings.Local.Development.json", "{}");
        Write("wwwroot/css/site.css", "body{}");
        Write("obj/Release/leftover.cs", "//");
        Write("Properties/launchSettings.json", "{}");
        Write("secrets.json", "{}");
        Write(".env", "KEY=1");
        Write("config/.env.production", "KEY=2");
        Write("production.env", "KEY=3");   // review 30b: a dotenv file named for its environment
        // Review 25a F14: the Web SDK publishes **/*.config as content, so a project's nuget.config went into the bundle
        // with its feed's ClearTextPassword.
        Write("NuGet.Config", """<configuration><packageSourceCredentials /></configuration>""");
        Write("tools/nuget.config", "<configuration />");
        Write("wwwroot/.npmrc", "//registry.example/:_authToken=secret");
    }

    [Fact]
    public void A_symbolic_link_in_the_publish_folder_is_refused_not_packed_with_its_targets_bytes()
    {
        // Review 15, F8: publish/cert.key linked to a key outside was packed as a regular file holding the key.
        var key = Path.Combine(_root, "private.key");
        File.WriteAllText(key, "SECRET");
        File.CreateSymbolicLink(Path.Combine(Publish, "cert.key"), key);
        var problems = new BundleProblems();

        Assert.Null(BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, problems));
        Assert.Equal(["'cert.key' in the publish folder is a symbolic link; a bundle holds regular files and folders only. Copy the file there instead of linking it."], problems.ToList());
        Assert.False(File.Exists(Bundle));
    }

    // Review 45b F2: a link to a folder was walked to its end. A link to '/' failed the publish on a file deep inside it
    // ('rootlink/proc/1/map_files'), placed at the package's targets file and never naming the link; a link to /etc was
    // reported as itself and 19 of its files; a link to its own folder as 20 'loop/loop/…'. Each link is told once.
    [Fact]
    public void A_linked_folder_is_refused_once_and_not_walked_into()
    {
        var outside = Path.Combine(_root, "outside");
        Directory.CreateDirectory(Path.Combine(outside, "inner"));
        File.WriteAllText(Path.Combine(outside, "a.txt"), "a");
        Directory.CreateSymbolicLink(Path.Combine(outside, "inner", "back"), outside);   // a link inside the linked folder
        Directory.CreateSymbolicLink(Path.Combine(Publish, "uploads"), outside);
        Directory.CreateSymbolicLink(Path.Combine(Publish, "wwwroot", "loop"), ".");
        var problems = new BundleProblems();

        Assert.Null(BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, problems));

        Assert.Equal(
            ["'uploads' in the publish folder is a symbolic link; a bundle holds regular files and folders only. Copy the file there instead of linking it.",
             "'wwwroot/loop' in the publish folder is a symbolic link; a bundle holds regular files and folders only. Copy the file there instead of linking it."],
            problems.ToList());
        Assert.False(File.Exists(Bundle));
    }

    // Review 46c F4: a runtimeconfig.template.json's probing paths and startup hook from outside were published without a
    // word, into a bundle that apiroutes serve and VerifyBundle refused; the same for a deps file's path out of the folder.
    [Fact]
    public void What_the_hosts_refuse_in_the_runtime_configuration_or_deps_file_fails_the_publish()
    {
        Write("App.runtimeconfig.json", """{"runtimeOptions":{"additionalProbingPaths":["/opt/shared-packages"],"configProperties":{"STARTUP_HOOKS":"/opt/agent/Agent.StartupHook.dll"}}}""");
        Write("App.deps.json", """{"targets":{"net10.0":{"Evil/1.0.0":{"runtime":{"../evil/Evil.dll":{}}}}}}""");
        var problems = new BundleProblems();

        Assert.Null(BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, problems));

        Assert.Equal(
            ["'App.runtimeconfig.json' names additionalProbingPaths: the .NET host would look for the app's assemblies in package folders outside the bundle. Publish without them (they belong to runtimeconfig.dev.json, which a publish leaves out).",
             "'App.runtimeconfig.json' names the startup hook '/opt/agent/Agent.StartupHook.dll' (STARTUP_HOOKS), outside the bundle's folder: it would run before the app, code that was not verified. Put the hook in the app, or publish without it.",
             "'App.deps.json' names the file '../evil/Evil.dll' of 'Evil/1.0.0', which is not a path inside the app's folder (it is rooted, or has an empty, '.' or '..' part): the .NET host would load it from outside the bundle before any check of the app runs. Publish the app again."],
            problems.ToList());
        Assert.False(File.Exists(Bundle));
    }

    [Fact]
    public void A_publish_folder_that_is_not_there_is_a_problem_not_an_exception()
    {
        var problems = new BundleProblems();

        Assert.Null(BundleWriter.Write(Path.Combine(_root, "nowhere"), "App.dll", Bundle, BundleWriter.DefaultExcludes, problems));
        Assert.StartsWith("The publish folder cannot be read: ", Assert.Single(problems.ToList()), StringComparison.Ordinal);
        Assert.EndsWith("Check PublishDir, and publish again.", problems.ToList()[0], StringComparison.Ordinal);
    }

    [Fact]
    public void The_bundle_lists_every_shipped_file_with_its_hash_and_leaves_development_files_out()
    {
        var manifest = BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems())!;

        Assert.Equal(["App.dll", "apiroutes.manifest.json", "appsettings.json", "wwwroot/css/site.css"], manifest.Files.Select(f => f.Path));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("app"u8)), manifest.Files[0].Sha256);
        using var zip = ZipFile.OpenRead(Bundle);
        Assert.Equal([BundleManifest.FileName, "App.dll", "apiroutes.manifest.json", "appsettings.json", "wwwroot/css/site.css"], zip.Entries.Select(e => e.FullName));
        using var reader = new StreamReader(zip.Entries[0].Open());
        Assert.Equal(manifest, BundleManifest.Deserialize(reader.ReadToEnd()), new ManifestComparer());
    }

    [Fact]
    public void The_same_files_give_the_same_bytes_whatever_their_timestamps()
    {
        BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems());
        var first = File.ReadAllBytes(Bundle);
        File.SetLastWriteTimeUtc(Path.Combine(Publish, "App.dll"), DateTime.UtcNow.AddDays(-3));
        File.Delete(Bundle);

        BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems());

        Assert.Equal(first, File.ReadAllBytes(Bundle));
    }

    [Fact]
    public void A_changed_file_changes_its_hash_and_the_bundle()
    {
        var before = BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems())!;
        Write("App.dll", "app v2");

        var after = BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems())!;

        Assert.NotEqual(before.Files[0].Sha256, after.Files[0].Sha256);
        Assert.Equal(before.Files[1], after.Files[1]);
    }

    [Fact]
    public void Files_an_earlier_publish_left_in_the_folder_are_not_bundled()
    {
        // Review 15 F8: a dependency since removed, settings since deleted from the project, still in the publish folder.
        Write("Removed.Dependency.dll", "old");
        Write("appsettings.Production.json", """{"Db":"last year's"}""");
        var started = DateTime.UtcNow;
        foreach (var name in new[] { "App.dll", "apiroutes.manifest.json", "appsettings.json", "wwwroot/css/site.css", "Removed.Dependency.dll", "appsettings.Production.json" })
        {
            File.SetLastWriteTimeUtc(Path.Combine(Publish, name), started.AddHours(-1));   // a copy keeps its source's time
        }

        Write("web.config", "<configuration />");   // written by this publish (the Web SDK's), listed nowhere
        var published = new PublishedFiles(["App.dll", "apiroutes.manifest.json", "appsettings.json", @"wwwroot\css\site.css"], started);

        var manifest = BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, new BundleProblems(), published)!;

        Assert.Equal(["App.dll", "apiroutes.manifest.json", "appsettings.json", "web.config", "wwwroot/css/site.css"], manifest.Files.Select(f => f.Path));
        Assert.Equal(["Removed.Dependency.dll", "appsettings.Production.json"], published.Stale.Order(StringComparer.Ordinal));
    }

    [Theory]
    // A host would refuse these bundles; the publish fails instead of the deploy.
    [InlineData("Data/report:2026.csv", "'Data/report:2026.csv' is not a safe bundle path: it has the character ':', which file names on Windows cannot hold.")]
    [InlineData("wwwroot/CSS/site.css", "apiroutes.bundle.json lists 'wwwroot/CSS/site.css' and 'wwwroot/css/site.css', which differ only in case.")]
    [InlineData(null, "apiroutes.bundle.json does not list apiroutes.manifest.json, the route manifest the app serves.")]
    public void Files_a_host_would_refuse_write_no_bundle(string? added, string problem)
    {
        if (added is null)
        {
            File.Delete(Path.Combine(Publish, "apiroutes.manifest.json"));
        }
        else
        {
            Write(added, "x");
        }

        var problems = new BundleProblems();

        Assert.Null(BundleWriter.Write(Publish, "App.dll", Bundle, BundleWriter.DefaultExcludes, problems));
        Assert.Equal([problem], problems.ToList());
        Assert.False(File.Exists(Bundle));
    }

    [Theory]
    [InlineData("**/*.pdb", "sub/App.pdb", true)]
    [InlineData("**/*.pdb", "App.pdb", true)]
    [InlineData("*.pdb", "sub/App.pdb", false)]   // one * stays within a folder
    [InlineData("obj/**", "obj/a/b.txt", true)]
    [InlineData("obj/**", "objects/a.txt", false)]
    [InlineData("appsettings.*.Development.json", "APPSETTINGS.Local.Development.json", true)]  // case-insensitive
    public void Exclude_globs_match_relative_paths(string glob, string path, bool matches) =>
        Assert.Equal(matches, Glob.ToRegex(glob).IsMatch(path));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Write(string relativePath, string content)
    {
        var path = Path.Combine(Publish, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    private sealed class ManifestComparer : IEqualityComparer<BundleManifest>
    {
        public bool Equals(BundleManifest? x, BundleManifest? y) =>
            x!.EntryAssembly == y!.EntryAssembly && x.Files.SequenceEqual(y.Files);

        public int GetHashCode(BundleManifest obj) => obj.EntryAssembly.GetHashCode(StringComparison.Ordinal);
    }
}
