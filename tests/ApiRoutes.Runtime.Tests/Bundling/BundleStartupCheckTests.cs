using ApiRoutes.Bundling;
using ApiRoutes.Manifest;
using ApiRoutes.ManifestLoading;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>ApiRoutes:VerifyBundle serves only the bundle's own route manifest, from the bundle's own app.</summary>
public sealed class BundleStartupCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-startup-").FullName;

    public BundleStartupCheckTests() => VerifierFixture.WriteBundle(_root);

    private string App => Path.Combine(_root, "App.dll");

    private string RouteManifest => Path.Combine(_root, "apiroutes.manifest.json");

    // One configuration source per value, in order, as appsettings.json, appsettings.{Environment}.json, ... are.
    private static IConfiguration Sources(params (string Key, string Value)[] values) =>
        values.Aggregate((IConfigurationBuilder)new ConfigurationBuilder(), (builder, value) => builder.AddInMemoryCollection([KeyValuePair.Create(value.Key, (string?)value.Value)])).Build();

    private static ApiRoutesOptions Options(IConfiguration configuration)
    {
        using var services = new ServiceCollection().AddSingleton(configuration).AddLogging().AddApiRoutes().BuildServiceProvider();
        return services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value;
    }

    [Fact]
    public void The_bundle_app_with_its_own_manifest_may_start() =>
        Assert.Empty(BundleStartupCheck.Problems(_root + "/", RouteManifest, App));

    [Fact]
    public void A_configuration_file_read_from_outside_the_folder_such_as_the_user_secrets_refuses_the_start()
    {
        // Review 30b: ASPNETCORE_ENVIRONMENT=Development in the operator's shell and a UserSecretsId: the verified app
        // read ~/.microsoft/usersecrets/<id>/secrets.json, which no list covers.
        var home = Directory.CreateTempSubdirectory("apiroutes-home-").FullName;
        try
        {
            var secrets = Directory.CreateDirectory(Path.Combine(home, ".microsoft", "usersecrets", "shop-1234")).FullName;
            File.WriteAllText(Path.Combine(secrets, "secrets.json"), """{"ApiRoutes":{"Dashboard":{"Enabled":true}}}""");
            File.WriteAllText(Path.Combine(_root, "appsettings.json"), "{}");
            var own = new ConfigurationBuilder().SetBasePath(_root).AddJsonFile("appsettings.json").AddJsonFile("appsettings.Production.json", optional: true)
                .AddJsonFile(Path.Combine(home, "nowhere.json"), optional: true).Build();
            var withSecrets = new ConfigurationBuilder().SetBasePath(_root).AddJsonFile("appsettings.json").AddJsonFile(Path.Combine(secrets, "secrets.json")).Build();

            Assert.Null(BundleStartupCheck.OutsideConfiguration(own, _root + "/"));
            Assert.Equal(
                $"The configuration file '{Path.Combine(secrets, "secrets.json")}' is read from outside the bundle's folder '{_root}/': with ApiRoutes:VerifyBundle "
                + "the app is configured by the verified files, the environment and the command line only. It holds the user secrets that the Development "
                + "environment reads for an app with a UserSecretsId: run the bundle outside Development (ASPNETCORE_ENVIRONMENT=Production, or unset it).",
                BundleStartupCheck.OutsideConfiguration(withSecrets, _root + "/"));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("{root}/Shop.dll:{fx}/System.Runtime.dll", "{root}/:{root}/runtimes/linux-x64/native/:{fx}/", null)]
    [InlineData("{root}/Shop.dll:/var/servicing/pkgs/cronos/0.11.1/lib/net6.0/Cronos.dll:{fx}/System.Runtime.dll", "{root}/:{fx}/", "/var/servicing/pkgs/cronos/0.11.1/lib/net6.0/Cronos.dll' (TRUSTED_PLATFORM_ASSEMBLIES)")]
    [InlineData("{root}/Shop.dll", "{root}/:/var/servicing/pkgs/sqlitepclraw/2.1.11/runtimes/linux-x64/native/", "/var/servicing/pkgs/sqlitepclraw/2.1.11/runtimes/linux-x64/native/' (NATIVE_DLL_SEARCH_DIRECTORIES)")]
    [InlineData("{root}2/Evil.dll", "", "2/Evil.dll' (TRUSTED_PLATFORM_ASSEMBLIES)")]   // a sibling folder whose name begins with the root's
    public void Code_the_host_was_told_to_load_from_outside_the_folder_and_the_shared_framework_refuses_the_start(string trusted, string native, string? outside)
    {
        // Review 30e: CORE_SERVICING (or DOTNET_ADDITIONAL_DEPS, DOTNET_SHARED_STORE) made the host load a Cronos.dll or
        // SQLite's native library from outside the bundle into an app started with ApiRoutes__VerifyBundle=true.
        var framework = "/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0";
        string Expand(string list) => list.Replace("{root}", _root, StringComparison.Ordinal).Replace("{fx}", framework, StringComparison.Ordinal).Replace(':', Path.PathSeparator);

        var problem = BundleStartupCheck.OutsideCode(_root, Expand(trusted), Expand(native), [framework]);

        if (outside is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.StartsWith("The .NET host was told to load '", problem, StringComparison.Ordinal);
            Assert.Contains(Expand(outside), problem, StringComparison.Ordinal);
            Assert.EndsWith("Start the bundle with apiroutes serve, which leaves them out, or unset the variable.", problem, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Variables_that_load_code_from_outside_any_list_refuse_the_start_and_the_content_root_is_left_to_its_own_check()
    {
        // Review 31c F3: DOTNET_STARTUP_HOOKS and a CORECLR_ profiler ran code from outside the folder, and the app served.
        var environment = new System.Collections.Hashtable
        {
            ["PATH"] = "/usr/bin",
            ["DOTNET_STARTUP_HOOKS"] = "/tmp/hook/OutsideHook.dll",
            ["CORECLR_PROFILER_PATH"] = "/tmp/prof/libp.so",
            ["LD_PRELOAD"] = "",                          // set empty: nothing is loaded
            ["ASPNETCORE_CONTENTROOT"] = _root,           // judged by the content root's own check
        };

        Assert.StartsWith(
            "The app's environment sets CORECLR_PROFILER_PATH, DOTNET_STARTUP_HOOKS, which make the .NET host or runtime load code that was not verified",
            BundleStartupCheck.UnverifiedEnvironment(environment),
            StringComparison.Ordinal);
        Assert.Null(BundleStartupCheck.UnverifiedEnvironment(new System.Collections.Hashtable { ["PATH"] = "/usr/bin", ["ASPNETCORE_CONTENTROOT"] = _root }));
    }

    // Review 48C F1: the runtime joins DOTNET_OPENSSL_VERSION_OVERRIDE to 'libssl.so.' and opens that path from the working
    // directory (the bundle's folder under apiroutes serve): '3/../../../../../../tmp/s48c/e', with a folder 'libssl.so.3' in
    // the bundle, loaded /tmp/s48c/e into the served app when it first hashed a file. A version alone only picks libssl.
    [Theory]
    [InlineData("DOTNET_OPENSSL_VERSION_OVERRIDE", "3/../../../../../../tmp/s48c/e", "libssl.so.3/../../../../../../tmp/s48c/e")]
    [InlineData("CLR_OPENSSL_VERSION_OVERRIDE", "3/../../tmp/e", "libssl.so.3/../../tmp/e")]            // its name before .NET 10
    [InlineData("DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU", "/../../tmp/e:72", "libicuuc/../../tmp/e.so.72")]
    [InlineData("DOTNET_OPENSSL_VERSION_OVERRIDE", @"3\..\x", @"libssl.so.3\..\x")]                   // Windows' separator
    public void A_library_version_variable_that_names_a_folder_refuses_the_start(string name, string value, string joined)
    {
        var environment = new System.Collections.Hashtable { ["PATH"] = "/usr/bin", [name] = value };

        var problem = BundleStartupCheck.UnverifiedEnvironment(environment);

        Assert.StartsWith($"The app's environment sets {name} to '{value}', which names a folder: the runtime joins it to ", problem, StringComparison.Ordinal);
        Assert.Contains($"'{joined}'", problem, StringComparison.Ordinal);
        Assert.Null(BundleStartupCheck.UnverifiedEnvironment(new System.Collections.Hashtable { [name] = name.Contains("ICU", StringComparison.Ordinal) ? "myicu:72.1.0.3" : "3" }));
    }

    [Fact]
    public void This_process_runs_on_the_shared_framework_folders_it_names()
    {
        var frameworks = BundleStartupCheck.Frameworks();

        Assert.Contains(Path.GetDirectoryName(typeof(object).Assembly.Location), frameworks);
        Assert.Null(BundleStartupCheck.OutsideCode(_root, typeof(object).Assembly.Location, null, frameworks));
        Assert.Null(BundleStartupCheck.MisplacedFramework(_root, BundleStartupCheck.FrameworkFolders()));
    }

    // Review 46c F1: a runtime configuration naming a framework by a path ran ASP.NET Core from /tmp/46c-fx/10.0.12, and its
    // folder was taken as the framework's, so its assemblies passed the check of what the host loaded.
    [Theory]
    [InlineData("/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0", "/tmp/46c-fx/10.0.12", "/tmp/46c-fx/10.0.12', which is not its folder in the .NET installation's shared folder ('/usr/share/dotnet/shared')")]
    [InlineData("/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0", "/opt/shared/Microsoft.AspNetCore.App/10.0.0", "'/opt/shared/Microsoft.AspNetCore.App/10.0.0', which is not its folder in the .NET installation's shared folder ('/usr/share/dotnet/shared')")]
    [InlineData("/tmp/evil/Microsoft.NETCore.App/10.0.0", "/tmp/evil/Microsoft.AspNetCore.App/10.0.0", "The shared framework Microsoft.NETCore.App was loaded from '/tmp/evil/Microsoft.NETCore.App/10.0.0', which is not its folder in the .NET installation's shared folder:")]
    [InlineData("/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.0", "/usr/share/dotnet/shared/Microsoft.AspNetCore.App/10.0.0", null)]
    [InlineData("/usr/lib/dotnet/shared/Microsoft.NETCore.App/10.0.0/", "/usr/lib/dotnet/shared/Microsoft.AspNetCore.App/10.0.0", null)]
    public void A_shared_framework_loaded_from_outside_the_installations_shared_folder_refuses_the_start(string core, string aspNet, string? problem)
    {
        var found = BundleStartupCheck.MisplacedFramework(_root, [("Microsoft.NETCore.App", core), ("Microsoft.AspNetCore.App", aspNet)]);

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found, StringComparison.Ordinal);
            Assert.EndsWith("Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig.", found, StringComparison.Ordinal);
        }
    }

    // Review 46d F1: CoreLib's path comes with links resolved, the host's list has the installation's own: with linked
    // framework folders (nixpkgs' combined installation) the two shared folders differed and a good start was refused. The
    // framework's folder is the one the host's list names.
    [Fact]
    public void The_base_frameworks_folder_is_the_one_the_hosts_list_names()
    {
        var listed = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Single(path => Path.GetFileName(path) == "System.Collections.dll");

        Assert.Equal(("Microsoft.NETCore.App", Path.GetDirectoryName(listed)!), BundleStartupCheck.FrameworkFolders()[0]);
    }

    [Fact]
    public void A_self_contained_apps_frameworks_are_its_own_folder()
    {
        Assert.Null(BundleStartupCheck.MisplacedFramework(_root, [("Microsoft.NETCore.App", _root), ("Microsoft.AspNetCore.App", _root)]));
    }

    // Review 46c F3: System.GC.Path given through dotnet exec --runtimeconfig loaded a collector from /tmp, and the verified
    // app served; DOTNET_GCPath in the environment was refused.
    [Fact]
    public void A_garbage_collector_of_the_runtimes_configuration_from_a_library_refuses_the_start()
    {
        Assert.Null(BundleStartupCheck.OutsideGarbageCollector(null, null));
        Assert.Null(BundleStartupCheck.OutsideGarbageCollector("", "libclrgc.so"));   // the runtime's own standalone collector
        Assert.Equal(
            "The runtime's configuration loads the garbage collector '/tmp/46c-gc/evilgc.so' (System.GC.Path), a library that was not verified, which has run "
            + "before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig.",
            BundleStartupCheck.OutsideGarbageCollector("/tmp/46c-gc/evilgc.so", null));
        Assert.StartsWith(
            "The runtime's configuration loads the garbage collector '../../tmp/gc.so' (System.GC.Name), named with a folder",
            BundleStartupCheck.OutsideGarbageCollector(null, "../../tmp/gc.so"),
            StringComparison.Ordinal);
    }

    // Review 48B F1, at start-up: an app-local ICU with a folder in it, from a dotnet exec --runtimeconfig file or from
    // DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU (which apiroutes serve passes on), loaded ICU's libraries from outside the folder.
    [Fact]
    public void An_app_local_icu_named_with_a_folder_refuses_the_start()
    {
        Assert.Null(BundleStartupCheck.OutsideIcu(null));
        Assert.Null(BundleStartupCheck.OutsideIcu("72.1.0.3"));
        Assert.Null(BundleStartupCheck.OutsideIcu("myicu:72.1.0.3"));
        Assert.Equal(
            "The runtime's configuration loads ICU by the name '/../../tmp/48b/e:72' (System.Globalization.AppLocalIcu, or the variable "
            + "DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU), which holds a folder: the runtime joined it to ICU's library names and loaded what that path names, "
            + "code that was not verified, before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without "
            + "--runtimeconfig, and give DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU the ICU version alone (such as 72.1.0.3), or unset it.",
            BundleStartupCheck.OutsideIcu("/../../tmp/48b/e:72"));
    }

    [Fact]
    public void Once_any_configuration_source_asks_for_the_check_a_later_one_cannot_turn_it_off()
    {
        // Review 15, F2: ApiRoutes:VerifyBundle true in the bundle's (listed) appsettings.json, and false in an unlisted
        // appsettings.Production.json put into the folder: the check was off, and the unlisted file with it.
        var configuration = Sources(("ApiRoutes:VerifyBundle", "true"), ("ApiRoutes:VerifyBundle", "false"));

        Assert.True(BundleStartupCheck.Requested(configuration, development: false));
        Assert.True(Options(configuration).VerifyBundle);
        Assert.Null(ManifestPreload.Start(configuration, new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { ApplicationName = "App" })!.TakeFor(new ApiRoutesOptions { VerifyBundle = false }, "App"));
        Assert.False(BundleStartupCheck.Requested(Sources(("ApiRoutes:VerifyBundle", "false")), development: false));
        Assert.False(BundleStartupCheck.Requested(Sources(), development: false));
        Assert.False(Options(Sources(("ApiRoutes:Store:Provider", "InMemory"))).VerifyBundle);
    }

    [Fact]
    public void An_app_built_with_ApiRoutesVerifyBundle_is_checked_outside_Development_whatever_its_configuration_says()
    {
        // Review 33a F2: the switch in the bundle's appsettings.json was lost with that file in a partial deploy. Compiled
        // into the app, it holds without any configuration, and against a configured false.
        Assert.True(BundleStartupCheck.Requested(Sources(), compiledIn: true, development: false));
        Assert.True(BundleStartupCheck.Requested(Sources(("ApiRoutes:VerifyBundle", "false")), compiledIn: true, development: false));

        // Review 34c F1: Development is the host's word, not the configuration's: a settings file of the folder or an
        // unprefixed ENVIRONMENT variable said Development to the check while the host ran in Production.
        Assert.True(BundleStartupCheck.Requested(Sources(("environment", "Development"), ("ASPNETCORE_ENVIRONMENT", "Development")), compiledIn: true, development: false));

        // Its build output, which is not a bundle, runs in Development (dotnet run's environment); configured, the check
        // holds there too.
        Assert.False(BundleStartupCheck.Requested(Sources(), compiledIn: true, development: true));
        Assert.True(BundleStartupCheck.Requested(Sources(("ApiRoutes:VerifyBundle", "true")), compiledIn: true, development: true));

        // Not compiled in (this test host's entry assembly has no such build): configuration alone decides.
        Assert.False(BundleStartupCheck.Requested(Sources(), compiledIn: false, development: false));
        Assert.False(BundleStartupCheck.Requested(Sources(), development: false));
        Assert.Equal("", BundleStartupCheck.BuildSwitchAdvice(Sources()));
    }

    // The host's environment as it reads it, for what start-up says before the host could be built: its own variables
    // (DOTNET_ over ASPNETCORE_) and the command line, not the app's settings.
    [Theory]
    [InlineData(new[] { "--environment=Development" }, true)]
    [InlineData(new[] { "--environment", "development" }, true)]
    [InlineData(new[] { "--environment=Production" }, false)]
    [InlineData(new[] { "--ENVIRONMENT=Staging" }, false)]
    public void The_hosts_environment_is_read_from_its_own_settings(string[] args, bool development) =>
        Assert.Equal(development, ApiRoutes.Hosting.StartupInputs.HostEnvironmentIsDevelopment(args));

    [Fact]
    public void A_content_root_other_than_the_bundles_folder_is_refused_before_the_folder_is_checked()
    {
        // Review 15, F3: started from another folder, the app read that folder's appsettings.json, which no list covers.
        var elsewhere = Path.GetTempPath();

        // Review 28c F5: said as a bundle that "does not match" and must be deployed again, with no folder to start in.
        Assert.Equal(
            $"The app was started with the content root '{elsewhere}', not its bundle's folder '{_root}/': with ApiRoutes:VerifyBundle its configuration "
            + $"files are read from the verified folder only. Start it in that folder (cd '{_root}'), or pass --contentRoot '{_root}'.",
            BundleStartupCheck.ContentRootProblem(_root + "/", elsewhere));
        Assert.Null(BundleStartupCheck.ContentRootProblem(_root + "/", _root));

        // Review 29a F8: the same folder written with a doubled separator, or through a link, is the folder; the advice
        // is the whole path quoted for a shell.
        Assert.Null(BundleStartupCheck.ContentRootProblem(_root + "/", _root + "//"));
        var link = _root + "-link";
        Directory.CreateSymbolicLink(link, _root);
        try
        {
            Assert.Null(BundleStartupCheck.ContentRootProblem(_root + "/", link));
        }
        finally
        {
            Directory.Delete(link);
        }

        var quoted = Path.Combine(Path.GetTempPath(), "bob's v1");
        Assert.EndsWith(@"Start it in that folder (cd '" + quoted.Replace("'", @"'\''", StringComparison.Ordinal) + "'), or pass --contentRoot '"
            + quoted.Replace("'", @"'\''", StringComparison.Ordinal) + "'.", BundleStartupCheck.ContentRootProblem(quoted + "/", elsewhere), StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_manifest_from_outside_the_bundle_is_refused()
    {
        var outside = Path.Combine(Path.GetTempPath(), "apiroutes.manifest.json");

        Assert.Equal(
            [$"ApiRoutes:ManifestPath is '{outside}', not the bundle's apiroutes.manifest.json; with ApiRoutes:VerifyBundle only the verified manifest is served. Remove ApiRoutes:ManifestPath."],
            BundleStartupCheck.Problems(_root, outside, App));
    }

    [Fact]
    public void An_app_from_outside_the_bundle_is_refused()
    {
        var outside = Path.Combine(Path.GetTempPath(), "App.dll");

        Assert.Equal([$"The running app is '{outside}', not the bundle's entry assembly 'App.dll'."], BundleStartupCheck.Problems(_root, RouteManifest, outside));
    }

    [Fact]
    public void A_folder_that_is_not_its_bundle_is_refused_first()
    {
        File.WriteAllText(Path.Combine(_root, "appsettings.Production.json"), "{}");

        Assert.Equal(["'appsettings.Production.json' is present but not listed in apiroutes.bundle.json."], BundleStartupCheck.Problems(_root, "/elsewhere/m.json", "/elsewhere/App.dll"));
    }

    [Theory]
    [InlineData("replaced")]     // another manifest, of another size
    [InlineData("appended")]     // the listed bytes and more
    [InlineData("same size")]    // as many bytes, other routes
    public void The_route_manifest_served_is_the_one_verified_even_when_it_is_replaced_after_the_check(string change)
    {
        // Review 15, F5: the folder was verified, then the manifest read again by its path: one written between the two
        // (by someone who can write the folder while the app starts) was served.
        const string BuildId = "0123456789abcdef0123456789abcdef";
        var manifest = TestManifest.Create(TestManifest.StandardRoute("/api/hello", typeof(Hello)));
        var verified = ManifestJson.Serialize(manifest with { Assembly = manifest.Assembly with { BuildId = BuildId } });
        File.WriteAllText(RouteManifest, verified);
        VerifierFixture.WriteManifest(_root, BundleManifest.Serialize(VerifierFixture.Manifest with
        {
            Files = [.. VerifierFixture.Manifest.Files.Select(file => file.Path == "apiroutes.manifest.json" ? VerifierFixture.Describe(file.Path, verified) : file)],
        }));
        Func<string, GeneratedHandlers?> registry = name => new GeneratedHandlers(typeof(Hello).Assembly, BuildId, new Dictionary<string, HandlerRegistration> { [typeof(Hello).FullName!] = new(typeof(Hello).FullName!, typeof(Hello)) });

        var table = ManifestLoader.LoadVerified(_root, RouteManifest, App, generatedHandlers: registry);
        Assert.Equal(["/api/hello"], table.Routes.Select(route => route.Entry.Route));

        File.WriteAllText(RouteManifest, change switch
        {
            "replaced" => verified.Replace("/api/hello", "/api/planted", StringComparison.Ordinal),
            "appended" => verified + "\n",
            _ => verified.Replace("/api/hello", "/api/hallo", StringComparison.Ordinal),
        });

        var error = Assert.Throws<ApiRoutesManifestException>(() => ManifestLoader.LoadVerified(_root, RouteManifest, App, generatedHandlers: registry));
        Assert.Equal(
            $"The deploy bundle in '{_root}' does not match its apiroutes.bundle.json, so it will not be served: 'apiroutes.manifest.json' changed "
            + "after the bundle was verified: it no longer has the size and SHA-256 that apiroutes.bundle.json lists. Deploy the bundle again as published.",
            error.Message);
    }

    // Review 33a F3: the verified app reads its configuration files once, whatever else the configuration says: the key
    // set where the host does not read it (the app's appsettings.json) skipped the rebuild, and a switch without a value
    // last on the command line (--trace) took the rebuild's switch as its value. Either way a settings file written into
    // the folder later opened the endpoints it named in the running app.
    [Theory]
    [InlineData("{}", "--trace")]
    [InlineData("""{"hostBuilder":{"reloadConfigOnChange":"false"}}""", null)]
    public void A_verified_app_reads_its_configuration_files_once_however_its_command_line_and_settings_are_written(string settings, string? last)
    {
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), settings);
        string[] args = ["--ApiRoutes:VerifyBundle=true", "--contentRoot", _root, .. last is null ? [] : new[] { last }];

        var verified = ApiRoutesApplication.CreateBuilder(args, out var verify);
        var plain = ApiRoutesApplication.CreateBuilder(["--contentRoot", _root], out var plainVerify);
        try
        {
            Assert.True(verify);
            Assert.Null(BundleStartupCheck.ReloadedFile(verified.Configuration));
            Assert.False(plainVerify);
            Assert.Equal(Path.Combine(_root, "appsettings.json"), BundleStartupCheck.ReloadedFile(plain.Configuration));   // the check can tell
        }
        finally
        {
            ((IDisposable)verified.Configuration).Dispose();
            ((IDisposable)plain.Configuration).Dispose();
        }
    }

    [Fact]
    public void A_verified_app_whose_command_line_turns_reloading_on_again_is_refused_with_what_to_do()
    {
        File.WriteAllText(Path.Combine(_root, "appsettings.json"), "{}");
        var builder = ApiRoutesApplication.CreateBuilder(["--ApiRoutes:VerifyBundle=true", "--contentRoot", _root, "--hostBuilder:reloadConfigOnChange=true"], out _);
        try
        {
            Assert.Equal(
                $"The configuration file '{Path.Combine(_root, "appsettings.json")}' is read again whenever it changes: with ApiRoutes:VerifyBundle the app reads its "
                + "configuration files once, as verified (a file written into the folder later would configure the running app). Add it with reloadOnChange: false, "
                + "and leave out hostBuilder:reloadConfigOnChange=true (command line, DOTNET_hostBuilder__reloadConfigOnChange); WebApplication.CreateBuilder "
                + "reloads appsettings.json unless DOTNET_hostBuilder__reloadConfigOnChange=false is set where the app starts, as apiroutes serve sets it.",
                BundleStartupCheck.ReloadedConfiguration(builder.Configuration));
        }
        finally
        {
            ((IDisposable)builder.Configuration).Dispose();
        }
    }

    // Review 33a F1: a startup hook given through a runtimeconfig.json of the command line (dotnet exec --runtimeconfig)
    // ran and the verified app served; the same hook in DOTNET_STARTUP_HOOKS was refused.
    [Fact]
    public void A_startup_hook_of_the_runtimes_configuration_outside_the_folder_refuses_the_start()
    {
        var outside = Path.Combine(Path.GetTempPath(), "hook", "Hook.dll");

        Assert.Null(BundleStartupCheck.OutsideStartupHooks(_root, null));
        Assert.Null(BundleStartupCheck.OutsideStartupHooks(_root, $"{Path.Combine(_root, "Hook.dll")}{Path.PathSeparator}NamedHook"));   // the bundle's own, or by name from its list
        Assert.Equal(
            $"The runtime's configuration names the startup hook '{outside}' (STARTUP_HOOKS), outside the bundle's folder: it has run code that was not verified "
            + "before the app. Start the bundle with its own runtimeconfig.json (dotnet App.dll, or apiroutes serve), without --runtimeconfig.",
            BundleStartupCheck.OutsideStartupHooks(_root, $"{Path.Combine(_root, "Hook.dll")}{Path.PathSeparator}{outside}"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
