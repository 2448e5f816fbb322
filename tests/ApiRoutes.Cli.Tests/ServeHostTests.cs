using System.Runtime.Versioning;
using ApiRoutes.Bundling;
using ApiRoutes.Cli.Bundling;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Which <c>dotnet</c> <c>apiroutes serve</c> runs the verified app with, and with what environment: never a file that
/// happens to be called dotnet in the current folder, never with variables that load unverified code into the app.
/// </summary>
[UnsupportedOSPlatform("windows")]
[Collection(ProcessEnvironment.Name)]
public sealed class ServeHostTests : IDisposable
{
    private static readonly string RealDotnet = Path.GetFullPath(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "/usr/share/dotnet/dotnet");

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-serve-host-").FullName;

    [Theory]
    // The review's case: DOTNET_HOST_PATH unset, run through an apphost, and a PATH entry relative to the current folder
    // (as '.' is) that holds a 'dotnet'.
    [InlineData(null, "{abs}/self/apiroutes", "{rel}", null)]
    // A relative DOTNET_HOST_PATH or DOTNET_ROOT is not taken either.
    [InlineData("{rel}/dotnet", "{abs}/self/apiroutes", "", null)]
    // DOTNET_HOST_PATH first, when absolute and a file.
    [InlineData("{abs}/host/dotnet", "{abs}/self/dotnet", "{abs}/path", "{abs}/host/dotnet")]
    // One that does not exist is skipped; the running dotnet comes next.
    [InlineData("{abs}/none/dotnet", "{abs}/self/dotnet", "{abs}/path", "{abs}/self/dotnet")]
    // The running process is not dotnet (an apphost): DOTNET_ROOT, then PATH's absolute entries in order.
    [InlineData(null, "{abs}/self/apiroutes", "rel:{abs}/none:{abs}/path", "{abs}/path/dotnet")]
    public void The_host_is_an_absolute_path_never_found_in_the_current_folder(string? hostPath, string processPath, string path, string? expected)
    {
        foreach (var folder in new[] { "host", "self", "path", "rel" })
        {
            Directory.CreateDirectory(Path.Combine(_folder, folder));
            File.WriteAllText(Path.Combine(_folder, folder, "dotnet"), "");
        }

        // Relative to the test's current folder, so that a search that took relative entries would find it.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.Combine(_folder, "rel"));
        Assert.True(File.Exists(Path.Combine(relative, "dotnet")));
        string? Abs(string? text) => text?.Replace("{abs}", _folder, StringComparison.Ordinal).Replace("{rel}", relative, StringComparison.Ordinal);
        var variables = new Dictionary<string, string?> { ["DOTNET_HOST_PATH"] = Abs(hostPath), ["PATH"] = Abs(path), ["DOTNET_ROOT"] = hostPath?.StartsWith("{rel}", StringComparison.Ordinal) == true ? relative : null };

        Assert.Equal(Abs(expected), DotnetHost.Find(name => variables.GetValueOrDefault(name), Abs(processPath)));
    }

    [Fact]
    public void No_host_is_one_line_saying_where_to_point()
    {
        var error = Assert.Throws<CommandException>(() => DotnetHost.Require(name => name == "PATH" ? ".:bin" : null, "/opt/tools/apiroutes"));

        Assert.Equal(
            "no 'dotnet' was found to run the app with: set DOTNET_HOST_PATH to its full path, or DOTNET_ROOT to the folder that holds it, "
            + "or put that folder on PATH as an absolute path (relative PATH entries and the current folder are never searched).",
            error.Message);
    }

    [Fact]
    public async Task Serve_through_its_apphost_does_not_run_a_dotnet_in_the_current_folder()
    {
        var record = Path.Combine(_folder, "ran.txt");
        ServeProcess.FakeDotnet(_folder, record);
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var cache = Path.Combine(_folder, "cache");

        var (_, output, _) = await ServeProcess.RunAsync(_folder, environment =>
        {
            environment.Remove("DOTNET_HOST_PATH");
            environment["PATH"] = ".:" + environment["PATH"];
            environment["DOTNET_ROOT"] = Path.GetDirectoryName(RealDotnet);
        }, "true", "serve", bundle, "--cache", cache);

        Assert.False(File.Exists(record), "the 'dotnet' in the current folder ran");
        Assert.Contains($" with {RealDotnet} (5 files verified)", output, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    [Fact]
    public void Diagnostic_ports_other_collectors_preloaded_libraries_and_another_content_root_are_removed_too()
    {
        // Review 15, F7: a diagnostic port's tool can attach a profiler or a startup hook; LD_PRELOAD loads a library
        // into the app; a content root elsewhere reads configuration files no list covers.
        var environment = new Dictionary<string, string?>
        {
            ["DOTNET_DiagnosticPorts"] = "/tmp/port,nosuspend", ["COMPlus_DiagnosticPorts"] = "/tmp/port", ["DOTNET_GCName"] = "libevil.so",
            ["DOTNET_GCPath"] = "/tmp/libevil.so", ["LD_PRELOAD"] = "/tmp/libevil.so", ["LD_AUDIT"] = "/tmp/libaudit.so",
            ["DYLD_INSERT_LIBRARIES"] = "/tmp/libevil.dylib", ["ASPNETCORE_CONTENTROOT"] = "/tmp", ["DOTNET_CONTENTROOT"] = "/tmp",
            ["DOTNET_gcServer"] = "1", ["PATH"] = "/usr/bin",

            // Review 26a F16: OpenSSL's configuration loaded a module of its naming into the verified app; the loader's
            // search path finds libssl, ICU and zlib, which the runtime opens by name, elsewhere first.
            ["OPENSSL_CONF"] = "/tmp/openssl.cnf", ["OPENSSL_MODULES"] = "/tmp", ["OPENSSL_ENGINES"] = "/tmp", ["LD_LIBRARY_PATH"] = "/tmp",
            ["DYLD_LIBRARY_PATH"] = "/tmp", ["CLR_ICU_VERSION_OVERRIDE"] = "99",

            // Review 48C F2: the name .NET 10 reads (strace: libicuuc.so.99 opened); it no longer reads CLR_ICU_VERSION_OVERRIDE.
            ["DOTNET_ICU_VERSION_OVERRIDE"] = "99",

            // Review 30e F1: the host's servicing folder is probed before the app's for every serviceable package
            // (Cronos, Microsoft.Data.Sqlite, SQLite's native library): the served app loaded a library from there.
            ["CORE_SERVICING"] = "/tmp/svc",
        };

        var removed = UnverifiedCodeVariables.Remove(environment);

        Assert.Equal(17, removed.Count);
        Assert.Contains("CORE_SERVICING", removed);
        Assert.Equal(["DOTNET_gcServer", "PATH"], environment.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Variables_that_load_code_are_not_passed_to_the_app_and_one_line_names_them()
    {
        var record = Path.Combine(_folder, "ran.txt");
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var set = new Dictionary<string, string?>
        {
            ["DOTNET_HOST_PATH"] = ServeProcess.FakeDotnet(_folder, record),
            ["DOTNET_STARTUP_HOOKS"] = "/tmp/Hook.dll",
            ["DOTNET_ADDITIONAL_DEPS"] = "/tmp/deps",
            ["CORECLR_ENABLE_PROFILING"] = "1",
            ["CORECLR_PROFILER_PATH_64"] = "/tmp/profiler.so",
            ["ASPNETCORE_HOSTINGSTARTUPASSEMBLIES"] = "Evil",
            ["DOTNET_gcServer"] = "1",   // tunes the runtime, loads nothing: kept
        };
        var previous = set.Keys.ToDictionary(name => name, Environment.GetEnvironmentVariable);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode;
        try
        {
            foreach (var (name, value) in set)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            exitCode = await Program.RunAsync(["serve", bundle, "--cache", Path.Combine(_folder, "cache")], output, error);
        }
        finally
        {
            foreach (var (name, value) in previous)
            {
                Environment.SetEnvironmentVariable(name, value);
            }
        }

        Assert.Equal(0, exitCode);
        Assert.Equal(
            "apiroutes: not passed to the app, as they would load code that was not verified into it: "
            + "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES, CORECLR_ENABLE_PROFILING, CORECLR_PROFILER_PATH_64, DOTNET_ADDITIONAL_DEPS, DOTNET_STARTUP_HOOKS",
            error.ToString().Trim());
        var ran = File.ReadAllLines(record);
        Assert.StartsWith("ran: ", ran[0], StringComparison.Ordinal);
        Assert.Contains("ApiRoutes__VerifyBundle=true", ran);
        Assert.Contains("DOTNET_hostBuilder__reloadConfigOnChange=false", ran);
        Assert.Contains("DOTNET_gcServer=1", ran);
        Assert.DoesNotContain(ran, line => line.StartsWith("DOTNET_STARTUP_HOOKS=", StringComparison.Ordinal) || line.StartsWith("CORECLR_", StringComparison.Ordinal)
            || line.StartsWith("DOTNET_ADDITIONAL_DEPS=", StringComparison.Ordinal) || line.StartsWith("ASPNETCORE_HOSTINGSTARTUP", StringComparison.Ordinal));
    }

    // Review 48C F1: serve passed DOTNET_OPENSSL_VERSION_OVERRIDE on; the runtime joins it to 'libssl.so.' and opens that path
    // from the bundle's folder, so '3/../../../../../../tmp/s48c/e' (with a folder 'libssl.so.3' in the bundle) loaded
    // /tmp/s48c/e into the served app. Refused before anything is unpacked or run; a version alone is passed on.
    [Theory]
    [InlineData("DOTNET_OPENSSL_VERSION_OVERRIDE", "3/../../../../../../tmp/s48c/e",
        "the environment sets DOTNET_OPENSSL_VERSION_OVERRIDE to '3/../../../../../../tmp/s48c/e', which names a folder: the runtime joins it to "
        + "libssl's file name and opens 'libssl.so.3/../../../../../../tmp/s48c/e' from the bundle's folder, which loads a library from outside the bundle "
        + "into the app, code that was not verified. Set it to the OpenSSL version alone (such as 3), or unset it.")]
    [InlineData("DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU", "/../../tmp/e:72",
        "the environment sets DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU to '/../../tmp/e:72', which names a folder: the runtime joins it to "
        + "ICU's file names (libicuuc, libicui18n, libicudata) and opens 'libicuuc/../../tmp/e.so.72' from the bundle's folder, which loads a library from outside the bundle "
        + "into the app, code that was not verified. Set it to the ICU version alone (such as 72.1.0.3, or suffix:72.1.0.3), or unset it.")]
    public async Task A_library_version_variable_that_names_a_folder_is_refused_before_the_app_starts(string name, string value, string reason)
    {
        var record = Path.Combine(_folder, "ran.txt");
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var cache = Path.Combine(_folder, "cache");
        var set = new Dictionary<string, string?> { ["DOTNET_HOST_PATH"] = ServeProcess.FakeDotnet(_folder, record), [name] = value };
        var previous = set.Keys.ToDictionary(variable => variable, Environment.GetEnvironmentVariable);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode;
        try
        {
            foreach (var (variable, setTo) in set)
            {
                Environment.SetEnvironmentVariable(variable, setTo);
            }

            exitCode = await Program.RunAsync(["serve", bundle, "--cache", cache], output, error);
        }
        finally
        {
            foreach (var (variable, setTo) in previous)
            {
                Environment.SetEnvironmentVariable(variable, setTo);
            }
        }

        Assert.Equal(1, exitCode);
        Assert.Equal($"apiroutes: '{bundle}' will not be served: {reason}", error.ToString().Trim());
        Assert.False(File.Exists(record), "the app was started");
        Assert.True(!Directory.Exists(cache) || !Directory.EnumerateFileSystemEntries(cache).Any(), "the bundle was unpacked");
    }

    [Fact]
    public async Task Under_a_umask_that_removes_the_owners_bits_the_bundle_is_served_from_an_owner_only_read_only_folder_and_nothing_is_left()
    {
        // The review's case: umask 0277 made the folder 0500, which was refused as "changed while it was made" and left
        // behind with a lock file of mode 0400 that no later serve could open to remove.
        var record = Path.Combine(_folder, "ran.txt");
        var host = ServeProcess.FakeDotnet(_folder, record);
        var bundle = CraftedBundle.Good().Add("wwwroot/css/deep/site.css", "body{}").Write(Path.Combine(_folder, "App.bundle.zip"));
        var cache = Path.Combine(_folder, "cache", "new");

        var (exitCode, output, error) = await ServeProcess.RunAsync(_folder, environment => environment["DOTNET_HOST_PATH"] = host, "umask 0277", "serve", bundle, "--cache", cache);

        Assert.True(exitCode == 0, $"exit code {exitCode}: {error}");
        Assert.Contains($" with {host} (6 files verified)", output, StringComparison.Ordinal);
        var modes = File.ReadAllLines(record).Where(line => line.StartsWith("mode ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, modes.Count);
        Assert.Matches(@"^mode 500 .*/bundle-[0-9a-f]{32}$", modes[0]);   // made 0700, sealed 0500 once written
        Assert.Matches(@"^mode 600 .*/bundle-[0-9a-f]{32}\.lock$", modes[1]);
        Assert.Equal(PrivateFolder.OwnerOnly, File.GetUnixFileMode(cache));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cache));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
