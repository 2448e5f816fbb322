using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>
/// The verifier behind <c>ApiRoutes:VerifyBundle</c> and <c>apiroutes serve</c>, on an unpacked bundle that was then
/// tampered with on disk: exactly the listed files, unchanged, and nothing else.
/// </summary>
public sealed class BundleVerificationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-bundle-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("apiroutes-outside-").FullName;

    public BundleVerificationTests() => VerifierFixture.WriteBundle(_root);

    [Fact]
    public void An_untouched_bundle_verifies() => Assert.Empty(BundleVerifier.Verify(_root));

    [Fact]
    public void A_fifo_in_a_listed_empty_files_place_is_refused_without_being_opened()
    {
        // Review 15, F6: its size (0) and an empty file's hash matched, and it was never looked at.
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(new BundleManifest
        {
            EntryAssembly = "App.dll",
            Files = [.. VerifierFixture.Manifest.Files.Append(VerifierFixture.Describe("empty.txt", "")).OrderBy(file => file.Path, StringComparer.Ordinal)],
        }));
        Run("mkfifo", Path.Combine(_root, "empty.txt"));

        Assert.Equal(
            ["'empty.txt' is not a regular file (a FIFO, a socket or a device in a listed file's place); a bundle holds regular files and folders only."],
            BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_listed_file_hard_linked_to_a_file_outside_the_folder_is_refused()
    {
        // Review 15, F6: it matched, and could then be changed through its name outside, without touching the folder.
        var outside = Path.Combine(_outside, "appsettings.json");
        File.Move(Path.Combine(_root, "appsettings.json"), outside);
        Run("ln", outside, Path.Combine(_root, "appsettings.json"));

        Assert.Equal(
            ["'appsettings.json' has 2 hard links: it can be changed through a name outside the bundle's folder. Copy the bundle's files, do not link them."],
            BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_changed_file_of_the_same_size_is_found()
    {
        File.WriteAllText(Path.Combine(_root, "App.dll"), "MZ THE APP");

        Assert.Equal(["'App.dll' has been changed: its SHA-256 differs from apiroutes.bundle.json."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_grown_file_is_found_without_reading_it()
    {
        File.AppendAllText(Path.Combine(_root, "App.dll"), "!");

        Assert.Equal(["'App.dll' has been changed: it is 11 bytes; apiroutes.bundle.json lists 10."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_missing_file_is_found()
    {
        File.Delete(Path.Combine(_root, "wwwroot", "site.css"));

        Assert.Equal(["'wwwroot/site.css' is missing."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_folder_without_a_bundle_manifest_cannot_be_verified() =>
        Assert.Contains("does not exist", Assert.Single(BundleVerifier.Verify(Path.Combine(_root, "wwwroot"))), StringComparison.Ordinal);

    [Theory]
    // The observed attack: settings that turn the dashboard on with the attacker's token, added beside the app.
    [InlineData("appsettings.Production.json", "'appsettings.Production.json' is present but not listed in apiroutes.bundle.json.")]
    // An extra assembly that the app's dependency probing could pick up.
    [InlineData("Evil.dll", "'Evil.dll' is present but not listed in apiroutes.bundle.json.")]
    [InlineData("wwwroot/evil.js", "'wwwroot/evil.js' is present but not listed in apiroutes.bundle.json.")]
    // Case matters: a listed 'App.dll' does not cover 'app.dll'.
    [InlineData("app.dll", "'app.dll' is present but not listed in apiroutes.bundle.json.")]
    [InlineData("line\nbreak", @"'line\u000Abreak' is present but not listed in apiroutes.bundle.json.")]
    public void A_file_added_after_publishing_is_refused(string path, string problem)
    {
        File.WriteAllText(Path.Combine(_root, path), """{"ApiRoutes":{"Dashboard":{"Enabled":true,"Token":"attacker"}}}""");

        Assert.Equal([problem], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_folder_that_holds_no_listed_file_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "plugins", "deep"));

        Assert.Equal(["'plugins/' is a folder that holds no listed file."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_listed_file_replaced_by_a_symbolic_link_to_an_identical_file_is_refused()
    {
        var copy = Path.Combine(_outside, "appsettings.json");
        File.Move(Path.Combine(_root, "appsettings.json"), copy);
        File.CreateSymbolicLink(Path.Combine(_root, "appsettings.json"), copy);

        Assert.Equal(["'appsettings.json' is a symbolic link; a bundle holds regular files and folders only.", "'appsettings.json' is missing."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_listed_folder_replaced_by_a_symbolic_link_is_refused()
    {
        Directory.Move(Path.Combine(_root, "wwwroot"), Path.Combine(_outside, "wwwroot"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "wwwroot"), Path.Combine(_outside, "wwwroot"));

        Assert.Equal(["'wwwroot' is a symbolic link; a bundle holds regular files and folders only.", "'wwwroot/site.css' is missing."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void A_linked_bundle_manifest_is_refused()
    {
        File.Move(Path.Combine(_root, BundleManifest.FileName), Path.Combine(_outside, BundleManifest.FileName));
        File.CreateSymbolicLink(Path.Combine(_root, BundleManifest.FileName), Path.Combine(_outside, BundleManifest.FileName));

        Assert.Equal(["'apiroutes.bundle.json' is a symbolic link; a bundle holds regular files and folders only."], BundleVerifier.Verify(_root));
    }

    [Fact]
    public void Problems_stop_at_a_bound_however_much_was_added()
    {
        for (var i = 0; i < 100; i++)
        {
            File.WriteAllText(Path.Combine(_root, $"extra{i:D3}.txt"), "");
        }

        var problems = BundleVerifier.Verify(_root);

        Assert.Equal(BundleProblems.Max + 1, problems.Count);
        Assert.Equal($"(Stopped after {BundleProblems.Max} problems.)", problems[^1]);
    }

    // Helper 37c F1, F1b: the listed runtimeconfig.json is verified byte for byte, but what it names was not: under
    // apiroutes serve a garbage collector library and a startup hook from outside the folder were loaded into the app.
    [Theory]
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.GC.Path":"/tmp/evil/libevil.so"}}}""",
        "'App.runtimeconfig.json' sets System.GC.Path to '/tmp/evil/libevil.so': the runtime would load that library as its garbage collector before any check of the app can run. Publish without it (a standalone GC is named without a folder, and comes with the runtime).")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.GC.Name":"../../../tmp/libevil.so"}}}""",
        "'App.runtimeconfig.json' sets System.GC.Name to '../../../tmp/libevil.so': the runtime would load that library as its garbage collector before any check of the app can run. Publish without it (a standalone GC is named without a folder, and comes with the runtime).")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"STARTUP_HOOKS":"/tmp/hook/hook.dll"}}}""",
        "'App.runtimeconfig.json' names the startup hook '/tmp/hook/hook.dll' (STARTUP_HOOKS), outside the bundle's folder: it would run before the app, code that was not verified. Put the hook in the app, or publish without it.")]
    [InlineData("""{"runtimeOptions":{"additionalProbingPaths":["/root/.nuget/packages"]}}""",
        "'App.runtimeconfig.json' names additionalProbingPaths: the .NET host would look for the app's assemblies in package folders outside the bundle. Publish without them (they belong to runtimeconfig.dev.json, which a publish leaves out).")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"TRUSTED_PLATFORM_ASSEMBLIES":"/tmp/evil/System.Text.Json.dll"}}}""",
        "'App.runtimeconfig.json' sets TRUSTED_PLATFORM_ASSEMBLIES, which the .NET host sets itself from the app's folder: it would add what the host loads. Publish without it.")]
    // The host's parser takes comments; a property named twice is looked at each time, in any case.
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.GC.Server":true}, /* the second one */ "configProperties":{"system.gc.path":"/x.so"},}}""",
        "'App.runtimeconfig.json' sets system.gc.path to '/x.so': the runtime would load that library as its garbage collector before any check of the app can run. Publish without it (a standalone GC is named without a folder, and comes with the runtime).")]
    [InlineData("""{"runtimeOptions":""",
        "'App.runtimeconfig.json' is not JSON the .NET host would read (")]
    // Review 46c F1: the host joins a framework's name to its shared folder as written: ASP.NET Core ran from /tmp.
    [InlineData("""{"runtimeOptions":{"framework":{"name":"../../../../tmp/46c-fx","version":"10.0.0"}}}""",
        "'App.runtimeconfig.json' names the shared framework '../../../../tmp/46c-fx', which is not a framework's name (such as 'Microsoft.AspNetCore.App'): the .NET host would take it as a folder, and load a framework from outside its installation. Publish the app again.")]
    [InlineData("""{"runtimeOptions":{"frameworks":[{"name":"Microsoft.NETCore.App","version":"10.0.0"},{"name":"/tmp/fx","version":"10.0.0"}]}}""",
        "'App.runtimeconfig.json' names the shared framework '/tmp/fx', which is not a framework's name")]
    [InlineData("""{"runtimeOptions":{"includedFrameworks":[{"Name":"..","version":"10.0.0"}]}}""",
        "'App.runtimeconfig.json' names the shared framework '..', which is not a framework's name")]
    // Review 48B F1: the runtime joins the app-local ICU's suffix and version to ICU's library names and opens them, so a
    // folder in the value ran /tmp/48b/e.so.72 under apiroutes serve, before any check of the app ('libicuuc/' was a folder
    // of the bundle, listed like any other).
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.Globalization.AppLocalIcu":"/../../../../tmp/48b/e:72"}}}""",
        "'App.runtimeconfig.json' sets System.Globalization.AppLocalIcu to '/../../../../tmp/48b/e:72', which names a folder: the runtime joins it to the names of ICU's libraries (libicuuc, libicui18n, libicudata) and loads what that path names, from outside the bundle, before any check of the app can run. Publish with the ICU version alone (such as '72.1.0.3', or 'suffix:72.1.0.3' for a build with a suffix), and ICU's libraries in the app.")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"system.globalization.applocalicu":"72/../../../tmp/48b/e"}}}""",
        "'App.runtimeconfig.json' sets system.globalization.applocalicu to '72/../../../tmp/48b/e', which names a folder")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.Globalization.AppLocalIcu":"x:72\\..\\..\\evil"}}}""",
        "'App.runtimeconfig.json' sets System.Globalization.AppLocalIcu to 'x:72\\..\\..\\evil', which names a folder")]
    // Review 48B F3: the host takes a configProperties name as a C string, cut at its first NUL: "System.GC.Path\u0000x"
    // passed the check by its whole name, and the runtime loaded /tmp/s48b/evil.so as its garbage collector under
    // apiroutes serve (42 files verified).
    [InlineData("""{"runtimeOptions":{"configProperties":{"System.GC.Path\u0000x":"/tmp/s48b/evil.so"}}}""",
        "'App.runtimeconfig.json' sets the property 'System.GC.Path\\u0000x', whose name holds a NUL character: the .NET host cuts the name there and gives the runtime 'System.GC.Path', which the check of its whole name does not see. Publish the app again (a publish writes no such name).")]
    [InlineData("""{"runtimeOptions":{"configProperties":{"STARTUP_HOOKS\u0000":"/tmp/hook/hook.dll"}}}""",
        "'App.runtimeconfig.json' sets the property 'STARTUP_HOOKS\\u0000', whose name holds a NUL character: the .NET host cuts the name there and gives the runtime 'STARTUP_HOOKS'")]
    // Review 48C F3: the host joins the tfm to its package store folder, <dotnet>/store/<arch>/<tfm>, and looks there for
    // the app's assemblies missing from its folder: with a store for the arch, '../..' in it leaves the store.
    [InlineData("""{"runtimeOptions":{"tfm":"net10.0/../../../../../../tmp/s48c"}}""",
        "'App.runtimeconfig.json' names the target framework 'net10.0/../../../../../../tmp/s48c' (tfm), which names a folder: the .NET host joins it to its package store's folder (<dotnet>/store/<arch>/<tfm>), where it looks for the app's files missing from the app's folder, and would load them from outside the bundle and the store. Publish the app again.")]
    [InlineData("""{"runtimeOptions":{"TFM":"..\\x"}}""",
        "'App.runtimeconfig.json' names the target framework '..\\x' (tfm), which names a folder")]
    public void A_runtime_configuration_that_names_code_outside_the_folder_is_refused(string json, string problem)
    {
        ReplaceRuntimeConfig(json);

        Assert.StartsWith(problem, Assert.Single(BundleVerifier.Verify(_root)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_runtime_configuration_as_a_publish_writes_it_verifies()
    {
        ReplaceRuntimeConfig("""
            {
              "runtimeOptions": {
                "tfm": "net10.0",
                "framework": { "name": "Microsoft.AspNetCore.App", "version": "10.0.0" },
                "configProperties": {
                  "System.GC.Server": true,
                  "System.GC.Name": "libclrgc.so",
                  "STARTUP_HOOKS": "App.Hooks",
                  "System.Globalization.AppLocalIcu": "myicu:72.1.0.3",
                  "System.Reflection.Metadata.MetadataUpdater.IsSupported": false,
                  "System.Runtime.Serialization.EnableUnsafeBinaryFormatterSerialization": false
                }
              }
            }
            """);

        Assert.Empty(BundleVerifier.Verify(_root));
    }

    // Review 48B F2: the host opens '<App>.runtimeconfig.json' and '<App>.deps.json' by name, and on a file system that
    // ignores case (macOS, Windows, a casefold folder on Linux) it read a listed 'app.RuntimeConfig.json' whose content
    // was never looked at: System.GC.Path, outside startup hooks and framework paths all passed.
    [Theory]
    [InlineData("app.RuntimeConfig.json", """{"runtimeOptions":{"configProperties":{"System.GC.Path":"/tmp/evil/libevil.so"}}}""",
        "'app.RuntimeConfig.json' sets System.GC.Path to '/tmp/evil/libevil.so': the runtime would load that library as its garbage collector")]
    [InlineData("APP.DEPS.JSON", """{"targets":{"t":{"ApiRoutes/0.1.0":{"runtime":{"/tmp/evil/ApiRoutes.dll":{}}}}}}""",
        "'APP.DEPS.JSON' names the file '/tmp/evil/ApiRoutes.dll' of 'ApiRoutes/0.1.0', which is not a path inside the app's folder")]
    public void A_host_file_listed_in_another_case_is_read_as_the_host_would_read_it(string path, string json, string problem)
    {
        File.Delete(Path.Combine(_root, "App.runtimeconfig.json"));
        File.WriteAllText(Path.Combine(_root, path), json);
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(VerifierFixture.Manifest with
        {
            Files = [.. VerifierFixture.Manifest.Files.Where(file => file.Path != "App.runtimeconfig.json").Append(VerifierFixture.Describe(path, json)).OrderBy(file => file.Path, StringComparer.Ordinal)],
        }));

        Assert.StartsWith(problem, Assert.Single(BundleVerifier.Verify(_root)), StringComparison.Ordinal);
    }

    // Review 46c F2: a deps file's asset path is joined to the app's folder: '../../tmp/46c-evil/ApiRoutes.dll' loaded the
    // ApiRoutes that checked the bundle from outside it, under apiroutes serve.
    [Theory]
    [InlineData("runtimeTargets", "../../../../tmp/46c-evil/ApiRoutes.dll")]
    [InlineData("runtime", "/tmp/46c-evil/ApiRoutes.dll")]
    [InlineData("native", "runtimes/linux-x64/native/../../../../../tmp/libevil.so")]
    [InlineData("resources", "de//App.resources.dll")]
    [InlineData("runtime", "lib\\..\\..\\evil.dll")]
    public void A_deps_file_that_names_a_file_outside_the_folder_is_refused(string kind, string asset)
    {
        var json = $$"""
            {
              "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0/linux-x64" },
              "targets": {
                ".NETCoreApp,Version=v10.0/linux-x64": {
                  "App/1.0.0": { "runtime": { "App.dll": {} } },
                  "ApiRoutes/0.1.0": { "{{kind}}": { {{System.Text.Json.JsonSerializer.Serialize(asset)}}: { "rid": "linux-x64", "assetType": "runtime" } } }
                }
              },
              "libraries": {}
            }
            """;
        AddFile("App.deps.json", json);

        Assert.Equal(
            [$"'App.deps.json' names the file {BundlePath.Quote(asset)} of 'ApiRoutes/0.1.0', which is not a path inside the app's folder (it is rooted, or has an empty, '.' or '..' part): "
             + "the .NET host would load it from outside the bundle before any check of the app runs. Publish the app again."],
            BundleVerifier.Verify(_root));
    }

    // Review 48C F3: for a file of the deps file missing from the app's folder, the host looks in its package store
    // (<dotnet>/store/<arch>/<tfm>, where the installation has one), joining the library's path, or its name and version
    // when it has none, to the store's folder: under apiroutes serve, with a store and a bundle without ApiRoutes.dll whose
    // library had the path '../../../../../../tmp/s48c/pkg', the app ran /tmp/s48c/pkg/ApiRoutes.dll (41 files verified).
    [Theory]
    [InlineData("ApiRoutes/0.1.0", "../../../../../../tmp/s48c/pkg", "'App.deps.json' gives the library 'ApiRoutes/0.1.0' the path '../../../../../../tmp/s48c/pkg'")]
    [InlineData("ApiRoutes/0.1.0", "/tmp/s48c/pkg", "'App.deps.json' gives the library 'ApiRoutes/0.1.0' the path '/tmp/s48c/pkg'")]
    [InlineData("Cronos/0.13.0", "cronos\\..\\..\\evil", "'App.deps.json' gives the library 'Cronos/0.13.0' the path 'cronos\\..\\..\\evil'")]
    // No path: the host splits the name at its first '/' and joins both parts, so the version leaves the store.
    [InlineData("ApiRoutes/../../../../../../tmp/s48c/pkg", null, "'App.deps.json' gives the library 'ApiRoutes/../../../../../../tmp/s48c/pkg' the path 'ApiRoutes/../../../../../../tmp/s48c/pkg'")]
    [InlineData("ApiRoutes/../../tmp/x", "", "'App.deps.json' gives the library 'ApiRoutes/../../tmp/x' the path 'ApiRoutes/../../tmp/x'")]   // an empty path is none
    public void A_deps_file_whose_library_path_leaves_the_package_store_is_refused(string library, string? path, string problem)
    {
        var json = $$"""
            {
              "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0" },
              "targets": { ".NETCoreApp,Version=v10.0": { {{System.Text.Json.JsonSerializer.Serialize(library)}}: { "runtime": { "ApiRoutes.dll": {} } } } },
              "libraries": { {{System.Text.Json.JsonSerializer.Serialize(library)}}: { "type": "package", "serviceable": false, "sha512": "sha512-x"{{(path is null ? "" : ", \"path\": " + System.Text.Json.JsonSerializer.Serialize(path))}} } }
            }
            """;
        AddFile("App.deps.json", json);

        var found = Assert.Single(BundleVerifier.Verify(_root));
        Assert.StartsWith(problem, found, StringComparison.Ordinal);
        Assert.EndsWith(", which is not a path inside a folder (it is rooted, or has an empty, '.' or '..' part): where the .NET installation has a package store "
            + "(<dotnet>/store/<arch>/<tfm>), the host joins it to the store's folder to look for the library's files missing from the app's folder, and would load "
            + "them from outside the bundle and the store. Publish the app again.", found, StringComparison.Ordinal);
    }

    [Fact]
    public void A_deps_file_as_a_publish_writes_it_verifies_and_one_that_is_not_json_is_refused()
    {
        AddFile("App.deps.json", """
            {
              "runtimeTarget": { "name": ".NETCoreApp,Version=v10.0/linux-x64", "signature": "" },
              "compilationOptions": {},
              "targets": {
                ".NETCoreApp,Version=v10.0": {},
                ".NETCoreApp,Version=v10.0/linux-x64": {
                  "App/1.0.0": { "dependencies": { "Cronos": "0.13.0" }, "runtime": { "App.dll": {} } },
                  "Cronos/0.13.0": { "runtime": { "lib/net6.0/Cronos.dll": { "assemblyVersion": "0.13.0.0", "fileVersion": "0.13.0.0" } } },
                  "SQLitePCLRaw.lib.e_sqlite3/2.1.13": { "native": { "runtimes/linux-x64/native/libe_sqlite3.so": { "fileVersion": "0.0.0.0" } } },
                  "Humanizer/2.14.1": { "resources": { "de/Humanizer.resources.dll": { "locale": "de" } } },
                  "System.IO.Ports/8.0.0": { "runtimeTargets": { "runtimes/linux/lib/net8.0/System.IO.Ports.dll": { "rid": "linux", "assetType": "runtime" } } }
                }
              },
              "libraries": {
                "App/1.0.0": { "type": "project", "serviceable": false, "sha512": "" },
                "Cronos/0.13.0": { "type": "package", "path": "cronos/0.13.0", "sha512": "sha512-x", "hashPath": "cronos.0.13.0.nupkg.sha512" },
                "ApiRoutes.Reference/0.1.0.0": { "type": "reference", "serviceable": false, "sha512": "" }
              }
            }
            """);

        Assert.Empty(BundleVerifier.Verify(_root));

        AddFile("App.deps.json", """{"targets": {""");
        Assert.StartsWith("'App.deps.json' is not JSON the .NET host would read (", Assert.Single(BundleVerifier.Verify(_root)), StringComparison.Ordinal);
    }

    // Review 46c F5: a file whose name is not valid UTF-8 was refused as "a symbolic link".
    [Fact]
    public void A_file_whose_name_is_not_utf8_is_refused_as_such_not_as_a_link()
    {
        // .NET cannot name the file (nor delete it with the folder): bash makes it and removes it.
        Run("bash", "-c", "touch \"$1\"/$'x\\xff.dll'", "touch", _root);
        try
        {
            Assert.Equal(
                [$"{BundlePath.Quote("x\uFFFD.dll")} cannot be reached by its name (one that is not valid UTF-8, shown with U+FFFD, or a file removed meanwhile): present but not listed in apiroutes.bundle.json."],
                BundleVerifier.Verify(_root));
        }
        finally
        {
            Run("bash", "-c", "rm -f -- \"$1\"/$'x\\xff.dll'", "rm", _root);
        }
    }

    [Fact]
    public void A_development_runtime_configuration_in_the_bundle_is_refused()
    {
        const string development = """{"runtimeOptions":{"additionalProbingPaths":["/root/.nuget/packages"]}}""";
        File.WriteAllText(Path.Combine(_root, "App.runtimeconfig.dev.json"), development);
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(VerifierFixture.Manifest with
        {
            Files = [.. VerifierFixture.Manifest.Files.Append(VerifierFixture.Describe("App.runtimeconfig.dev.json", development)).OrderBy(file => file.Path, StringComparer.Ordinal)],
        }));

        Assert.Equal(
            ["'App.runtimeconfig.dev.json' is a development file, which a publish does not write: the .NET host would probe the package folders it names for the app's assemblies, outside the bundle. Publish the app again."],
            BundleVerifier.Verify(_root));
    }

    // The bundle with one more file, listed as published (or the file replaced, and its entry with it).
    private void AddFile(string path, string content)
    {
        File.WriteAllText(Path.Combine(_root, path), content);
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(VerifierFixture.Manifest with
        {
            Files = [.. VerifierFixture.Manifest.Files.Append(VerifierFixture.Describe(path, content)).OrderBy(file => file.Path, StringComparer.Ordinal)],
        }));
    }

    // The bundle with another App.runtimeconfig.json, listed as published.
    private void ReplaceRuntimeConfig(string json)
    {
        File.WriteAllText(Path.Combine(_root, "App.runtimeconfig.json"), json);
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(VerifierFixture.Manifest with
        {
            Files = [.. VerifierFixture.Manifest.Files.Select(file => file.Path == "App.runtimeconfig.json" ? VerifierFixture.Describe(file.Path, json) : file)],
        }));
    }

    private static void Run(string command, params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(command);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        Assert.True(process.WaitForExit(10_000) && process.ExitCode == 0, $"{command} failed");
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }
}
