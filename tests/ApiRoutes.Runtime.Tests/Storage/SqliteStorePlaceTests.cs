using System.Collections.Concurrent;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Start-up says when the SQLite store's place costs what it promises, with the way out, and only then: a folder that
/// configuration watches for a file it reloads on change (appsettings.json in the content root, watched with every
/// folder below it) wakes that watch at every commit, which cost the durable 202 a fifth of its accepted requests a
/// second (event 4006, bench/load/README.md); a file system held in memory loses every accepted execution when the
/// machine restarts (event 4007).
/// </summary>
public sealed class SqliteStorePlaceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-watched-").FullName;
    private readonly List<IDisposable> _owned = [];

    public void Dispose()
    {
        _owned.ForEach(owned => owned.Dispose());
        Directory.Delete(_root, recursive: true);
    }

    [Theory]
    [InlineData("executions.db")]
    [InlineData("data/executions.db")]
    [InlineData("data/deeper/still/executions.db")]
    [InlineData("other/../data/executions.db")]
    public void A_store_in_the_watched_folder_or_below_it_is_seen(string relative)
    {
        var app = Folder("app");

        Assert.Equal(app, Path.TrimEndingDirectorySeparator(SqliteStorePlace.WatchedBy(Configuration(app), Path.Combine(app, relative))!));
    }

    [Theory]
    [InlineData("app-data/executions.db")]   // a sibling whose name starts with the watched folder's
    [InlineData("elsewhere/executions.db")]
    [InlineData("app/../executions.db")]
    public void A_store_outside_the_watched_folder_is_not(string relative)
    {
        var app = Folder("app");

        Assert.Null(SqliteStorePlace.WatchedBy(Configuration(app), Path.Combine(_root, relative)));
    }

    [Fact]
    public void A_file_read_once_or_polled_for_changes_has_no_watch_to_wake()
    {
        var app = Folder("app");
        var store = Path.Combine(app, "executions.db");

        Assert.Null(SqliteStorePlace.WatchedBy(Configuration(app, reloadOnChange: false), store));
        Assert.Null(SqliteStorePlace.WatchedBy(Configuration(app, polling: true), store));
        Assert.Null(SqliteStorePlace.WatchedBy(new ConfigurationBuilder().AddInMemoryCollection().Build(), store));
        Assert.Null(SqliteStorePlace.WatchedBy(null, store));
    }

    [Fact]
    public void A_link_outside_the_watched_folder_to_a_store_in_it_is_seen()
    {
        var app = Folder("app");
        var target = Path.Combine(app, "executions.db");
        File.WriteAllText(target, "");
        var link = Path.Combine(Folder("elsewhere"), "executions.db");
        File.CreateSymbolicLink(link, target);

        Assert.NotNull(SqliteStorePlace.WatchedBy(Configuration(app), link));
    }

    [Fact]
    public void A_watch_in_configuration_chained_into_the_apps_is_seen()
    {
        var app = Folder("app");
        var chained = new ConfigurationBuilder().AddConfiguration(Configuration(app)).AddInMemoryCollection().Build();

        Assert.NotNull(SqliteStorePlace.WatchedBy(chained, Path.Combine(app, "data", "executions.db")));
    }

    [Fact]
    public async Task The_generated_entry_point_warns_of_a_store_in_its_content_root_with_the_way_out()
    {
        var app = Folder("app");
        var store = Path.Combine(app, "data", "executions.db");

        var logged = await StartAndStopAsync(app, store);

        var warning = Assert.Single(logged, line => line.StartsWith("ApiRoutes[4006] Warning: ", StringComparison.Ordinal));
        Assert.Contains($"The SQLite store {store} is in {app}", warning, StringComparison.Ordinal);
        Assert.Contains("Set ApiRoutes:Store:Path to a file outside", warning, StringComparison.Ordinal);
        Assert.Contains("hostBuilder:reloadConfigOnChange=false", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_generated_entry_point_says_nothing_of_a_store_outside_its_content_root_or_without_reloading()
    {
        var app = Folder("app");

        var outside = await StartAndStopAsync(app, Path.Combine(Folder("data"), "executions.db"));
        var notReloading = await StartAndStopAsync(app, Path.Combine(app, "data", "executions.db"), "--hostBuilder:reloadConfigOnChange=false");

        Assert.Contains(outside, line => line.StartsWith("ApiRoutes[1000] ", StringComparison.Ordinal));
        Assert.DoesNotContain(outside, line => line.StartsWith("ApiRoutes[4006] ", StringComparison.Ordinal));
        Assert.Contains(notReloading, line => line.StartsWith("ApiRoutes[1000] ", StringComparison.Ordinal));
        Assert.DoesNotContain(notReloading, line => line.StartsWith("ApiRoutes[4006] ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_file_system_held_in_memory_is_told_from_a_disk_as_the_mount_table_says()
    {
        Assert.True(OperatingSystem.IsLinux(), "the mount table read here is Linux's");
        var candidates = new[] { _root, "/dev/shm/apiroutes-store/executions.db", Path.Combine(_root, "not/made/yet/executions.db") };

        foreach (var path in candidates)
        {
            var expected = MountedFileSystem(path) is "tmpfs" or "ramfs";
            Assert.Equal(expected, SqliteStorePlace.HeldInMemory(path) is not null);
        }

        Assert.Equal("tmpfs", MountedFileSystem("/dev/shm/x"));   // so that one case above is held in memory
    }

    [Fact]
    public async Task The_generated_entry_point_warns_of_a_store_on_a_file_system_held_in_memory()
    {
        var folder = Directory.CreateDirectory($"/dev/shm/apiroutes-place-{Guid.NewGuid():N}").FullName;
        try
        {
            var store = Path.Combine(folder, "executions.db");

            var logged = await StartAndStopAsync(Folder("app"), store);

            var warning = Assert.Single(logged, line => line.StartsWith("ApiRoutes[4007] Warning: ", StringComparison.Ordinal));
            Assert.Contains($"The SQLite store {store} is on a file system held in memory (tmpfs)", warning, StringComparison.Ordinal);
            Assert.Contains("Set ApiRoutes:Store:Path to a file on a disk", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(await StartAndStopAsync(Folder("app"), Path.Combine(Folder("disk"), "executions.db")), line => line.StartsWith("ApiRoutes[4007] ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // The file system /proc/self/mounts gives the longest mount point above the path.
    private static string MountedFileSystem(string path)
    {
        var mounts = File.ReadAllLines("/proc/self/mounts")
            .Select(line => line.Split(' '))
            .Select(fields => (Point: fields[1].Replace("\\040", " ", StringComparison.Ordinal), Type: fields[2]));
        var full = Path.GetFullPath(path);
        return mounts.Where(mount => mount.Point == "/" || full == mount.Point || full.StartsWith(mount.Point + "/", StringComparison.Ordinal))
            .MaxBy(mount => mount.Point.Length).Type;
    }

    // The app ApiRoutes generates, on Kestrel, in the content root given, on the SQLite store given: its log lines.
    private static async Task<List<string>> StartAndStopAsync(string contentRoot, string store, params string[] args)
    {
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var lines = new ConcurrentQueue<string>();
        var code = await ApiRoutesApplication.RunAsync(
            [.. args, "--urls=http://127.0.0.1:0", $"--contentRoot={contentRoot}", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={store}"],
            configureBuilder: builder => builder.Logging.AddProvider(new ListLoggerProvider(lines)),
            configureApp: app => app.Lifetime.ApplicationStarted.Register(app.Lifetime.StopApplication)).WaitAsync(Probe.Patience);

        Assert.Equal(0, code);
        return [.. lines];
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    // As ASP.NET Core's host reads appsettings.json from its content root.
    private ConfigurationManager Configuration(string folder, bool reloadOnChange = true, bool polling = false)
    {
        var files = new PhysicalFileProvider(folder) { UsePollingFileWatcher = polling, UseActivePolling = polling };   // as DOTNET_USE_POLLING_FILE_WATCHER sets them
        var configuration = new ConfigurationManager();
        _owned.Add(files);
        _owned.Add(configuration);
        configuration.SetFileProvider(files);
        configuration.AddJsonFile("appsettings.json", optional: true, reloadOnChange: reloadOnChange);
        return configuration;
    }
}
