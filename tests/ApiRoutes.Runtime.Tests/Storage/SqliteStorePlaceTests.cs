using System.Collections.Concurrent;
using ApiRoutes.Bundling;
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
/// machine restarts (event 4007); files other users can read or change, or a folder they can write to, open every
/// accepted request to them (event 4008).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]   // links, the mount table
public sealed class SqliteStorePlaceTests : IDisposable
{
    private const UnixFileMode Searchable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;   // 0755

    // Below a temporary folder others can reach (4008 counts only what they can): TMPDIR may be a private one (below a
    // home of 0700, systemd's per-user runtime folder), which would make every "named" case vacuous; /tmp then.
    private readonly string _root = ReachableByOthers(Path.GetTempPath())
        ? Directory.CreateTempSubdirectory("apiroutes-watched-").FullName
        : Directory.CreateDirectory(Path.Combine("/tmp", "apiroutes-watched-" + Guid.NewGuid().ToString("N"))).FullName;
    private readonly List<IDisposable> _owned = [];
    private readonly List<string> _made = [];

    public void Dispose()
    {
        _owned.ForEach(owned => owned.Dispose());
        _made.Where(Directory.Exists).ToList().ForEach(folder => Directory.Delete(folder, recursive: true));
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
    public void A_folder_below_the_watched_one_that_is_a_link_elsewhere_is_not_watched()
    {
        // Capistrano's shared data: <root>/data -> ../shared. .NET's watcher follows a link at its root only (review 21 F3).
        var app = Folder("app");
        var shared = Folder("shared");
        Directory.CreateSymbolicLink(Path.Combine(app, "data"), shared);

        Assert.Null(SqliteStorePlace.WatchedBy(Configuration(app), Path.Combine(app, "data", "executions.db")));
    }

    [Fact]
    public void A_watched_folder_reached_through_a_link_is_seen_by_either_name_of_the_store()
    {
        // /srv/current -> releases/5: the watch follows its root's link (review 21 F4).
        var release = Folder("release");
        var current = Path.Combine(_root, "current");
        Directory.CreateSymbolicLink(current, release);

        Assert.NotNull(SqliteStorePlace.WatchedBy(Configuration(current), Path.Combine(release, "data", "executions.db")));
        Assert.NotNull(SqliteStorePlace.WatchedBy(Configuration(release), Path.Combine(current, "data", "executions.db")));
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
        var memory = InMemoryFolder();
        var candidates = new[] { _root, AppContext.BaseDirectory, Path.Combine(memory, "executions.db"), Path.Combine(_root, "not/made/yet/executions.db") };

        foreach (var path in candidates)
        {
            Assert.Equal((path, MountedFileSystem(path) is "tmpfs" or "ramfs"), (path, SqliteStorePlace.HeldInMemory(path) is not null));
        }

        Assert.NotNull(SqliteStorePlace.HeldInMemory(Path.Combine(memory, "executions.db")));   // one case is held in memory
    }

    [Fact]
    public async Task The_generated_entry_point_warns_of_a_store_on_a_file_system_held_in_memory()
    {
        var folder = Directory.CreateDirectory(Path.Combine(InMemoryFolder(), $"apiroutes-place-{Guid.NewGuid():N}")).FullName;
        try
        {
            var store = Path.Combine(folder, "executions.db");

            var logged = await StartAndStopAsync(Folder("app"), store);

            var warning = Assert.Single(logged, line => line.StartsWith("ApiRoutes[4007] Warning: ", StringComparison.Ordinal));
            Assert.Contains($"The SQLite store {store} is on a file system held in memory (", warning, StringComparison.Ordinal);
            Assert.Contains("Set ApiRoutes:Store:Path to a file on a disk", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(await StartAndStopAsync(Folder("app"), Path.Combine(DiskFolder(), "executions.db")), line => line.StartsWith("ApiRoutes[4007] ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_store_it_made_itself_is_the_owners_only_and_files_found_open_to_others_are_named_with_the_command_that_closes_them()
    {
        var folder = SearchableFolder("it's data");
        var store = Path.Combine(folder, "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            Assert.True(File.Exists(store + "-wal"));
            Assert.Null(SqliteStorePlace.OpenToOthers(store, NoOwnGroup));

            File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.SetUnixFileMode(store + "-wal", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
            File.SetUnixFileMode(store + ".lock", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);   // opened, it can be held: the app would not start

            var (found, remedy) = SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value;
            Assert.Equal("executions.db 0644, executions.db-wal 0660, executions.db.lock 0604", found);
            var quoted = $"'{ApiRoutes.Bundling.RealPaths.Of(folder).Replace("'", "'\\''", StringComparison.Ordinal)}/executions.db";
            Assert.Equal($"chmod 600 {quoted}' {quoted}-wal' {quoted}.lock'; or set ApiRoutes:Store:Path to a file in a folder of this user's own", remedy);
        }
    }

    [Fact]
    public async Task The_group_bits_of_the_users_own_group_open_nothing_to_anyone_else()
    {
        // Ubuntu's homes (0750, umask 002): the group is the user's private one, and no one else is in it.
        var folder = SearchableFolder("home");
        var store = Path.Combine(folder, "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            const UnixFileMode privateGroup = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite;   // 0660
            File.SetUnixFileMode(store, privateGroup);
            File.SetUnixFileMode(folder, Searchable | UnixFileMode.GroupWrite);   // 0775
            var own = new SqliteStoreAccess.User(UnixFiles.CurrentUser, UnixFiles.CurrentGroup);   // the files' group, as the user's own

            Assert.Null(SqliteStorePlace.OpenToOthers(store, own));
            Assert.Equal($"executions.db 0660, folder {ApiRoutes.Bundling.RealPaths.Of(folder)} 0775", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);

            // An ACL's mask stands in the group bits' place: 0660 may then grant another user, whatever the group.
            PosixAcl.GrantUser(store, 54321);
            Assert.Equal("executions.db 0770", SqliteStorePlace.OpenToOthers(store, own)!.Value.Found);
        }
    }

    [Theory]
    [InlineData(UnixFileMode.GroupWrite, "0770", true)]
    [InlineData(UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute | UnixFileMode.StickyBit, "1707", false)]   // as /tmp: others cannot rename the store, but can put a write-ahead log beside it
    public async Task A_folder_others_can_write_to_is_named_and_only_a_folder_of_the_apps_own_is_to_be_closed(UnixFileMode othersWrite, string shown, bool closed)
    {
        var folder = SearchableFolder("shared");
        var store = Path.Combine(folder, "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | othersWrite
                | (othersWrite.HasFlag(UnixFileMode.GroupWrite) ? UnixFileMode.GroupRead | UnixFileMode.GroupExecute : UnixFileMode.None));

            var (found, remedy) = SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value;
            var real = ApiRoutes.Bundling.RealPaths.Of(folder);   // as the store's folder is compared: every link resolved
            Assert.Equal($"folder {real} {shown}", found);
            Assert.Equal(
                closed
                    ? $"chmod go-w '{real}'; or set ApiRoutes:Store:Path to a file in a folder of this user's own"
                    : "set ApiRoutes:Store:Path to a file in a folder of this user's own (one the user does not share)",   // never 'chmod go-w /tmp'
                remedy);
        }

        File.SetUnixFileMode(folder, Searchable);
        Assert.Null(SqliteStorePlace.OpenToOthers(store, NoOwnGroup));   // 0755: others may list it, not write to it
    }

    [Theory]
    [InlineData("exec.db", "exec.db")]                      // the store's path is a link in a shared folder
    [InlineData("dir/executions.db", "dir")]                // a folder on it is
    public async Task A_link_on_the_way_to_the_store_in_a_folder_others_can_write_to_is_named(string named, string link)
    {
        var mine = SearchableFolder("mine");
        var shared = SearchableFolder("shared-links");
        File.CreateSymbolicLink(Path.Combine(shared, "exec.db"), Path.Combine(mine, "executions.db"));
        Directory.CreateSymbolicLink(Path.Combine(shared, "dir"), mine);
        var store = Path.Combine(shared, named);
        await using (SqliteExecutionStore.Open(store))
        {
            Assert.Null(SqliteStorePlace.OpenToOthers(store, NoOwnGroup));   // 0755: no one else can point the link elsewhere

            File.SetUnixFileMode(shared, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);   // 0777: anyone can
            var real = RealPaths.Of(shared);
            var (found, remedy) = SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value;
            Assert.Equal($"folder {real} 0777 (holding the link {link})", found);
            Assert.Equal($"chmod go-w '{real}'; or set ApiRoutes:Store:Path to a file in a folder of this user's own", remedy);

            File.SetUnixFileMode(shared, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit);   // 1777: only the link's owner may replace it
            Assert.Null(SqliteStorePlace.OpenToOthers(store, NoOwnGroup));
        }
    }

    [Fact]
    public async Task A_link_to_a_store_no_one_else_can_reach_is_named_when_others_can_repoint_it()
    {
        var hidden = SearchableFolder("hidden");
        File.SetUnixFileMode(hidden, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);   // 0700: the store itself is the user's
        var shared = SearchableFolder("open-links");
        File.SetUnixFileMode(shared, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);   // 0777
        Directory.CreateSymbolicLink(Path.Combine(shared, "data"), hidden);
        var store = Path.Combine(shared, "data", "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            Assert.Equal($"folder {RealPaths.Of(shared)} 0777 (holding the link data)", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);
        }
    }

    [Fact]
    public async Task A_link_met_inside_another_links_target_is_named_when_others_can_repoint_it()
    {
        // Review 22: only the configured path's own parts were walked. Here it names a link in a folder of the user's own
        // (0755), which leads through a link in a folder anyone can write to.
        var mine = SearchableFolder("mine-chain");
        var entry = SearchableFolder("entry-chain");
        var shared = SearchableFolder("shared-chain");
        File.SetUnixFileMode(shared, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);   // 0777
        File.CreateSymbolicLink(Path.Combine(shared, "target.db"), Path.Combine(mine, "executions.db"));
        File.CreateSymbolicLink(Path.Combine(entry, "exec.db"), "../shared-chain/target.db");
        var store = Path.Combine(entry, "exec.db");
        await using (SqliteExecutionStore.Open(store))
        {
            Assert.Equal($"folder {RealPaths.Of(shared)} 0777 (holding the link target.db)", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);
        }

        Assert.True(File.Exists(Path.Combine(mine, "executions.db.lock")), "the lock is beside the file the chain ends at");
    }

    [Fact]
    public async Task A_link_before_dot_dot_on_the_configured_path_is_named_and_the_store_is_where_the_kernel_climbs_to()
    {
        // "shared/up/../executions.db" with up -> mine/deep: the store is mine/executions.db, and whoever can write to
        // shared decides which folder ".." climbs from. Folded on paper, the walk saw shared/executions.db and no link.
        var mine = SearchableFolder("mine-up");
        var deep = Directory.CreateDirectory(Path.Combine(mine, "deep")).FullName;
        var shared = SearchableFolder("shared-up");
        File.SetUnixFileMode(shared, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite);   // 0777
        Directory.CreateSymbolicLink(Path.Combine(shared, "up"), deep);
        var store = Path.Combine(shared, "up", "..", "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            Assert.True(File.Exists(Path.Combine(mine, "executions.db")));
            Assert.False(File.Exists(Path.Combine(shared, "executions.db")));
            Assert.Equal($"folder {RealPaths.Of(shared)} 0777 (holding the link up)", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);
        }
    }

    [Fact]
    public async Task In_a_sticky_folder_a_link_of_another_user_is_theirs_to_repoint()
    {
        var mine = SearchableFolder("mine-sticky");
        var sticky = SearchableFolder("sticky-links");
        File.SetUnixFileMode(sticky, Searchable | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite | UnixFileMode.StickyBit);   // 1777
        var link = Path.Combine(sticky, "exec.db");
        File.CreateSymbolicLink(link, Path.Combine(mine, "executions.db"));
        await using (SqliteExecutionStore.Open(link))
        {
            Assert.Null(SqliteStorePlace.OpenToOthers(link, NoOwnGroup));   // the user's own link: only the user (and root) may replace it
            if (UnixFiles.CurrentUser != 0)
            {
                return;   // only root can give a link away
            }

            Assert.Equal(0, LinkChown(link, 54321, 54321));
            Assert.Equal($"folder {RealPaths.Of(sticky)} 1777 (holding the link exec.db)", SqliteStorePlace.OpenToOthers(link, NoOwnGroup)!.Value.Found);
        }
    }

    [Fact]
    public async Task A_file_of_another_user_is_named_with_its_owner()
    {
        var folder = SearchableFolder("theirs");
        var store = Path.Combine(folder, "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            // Root makes the file another user's; any other user sees its own files as another's (the app's user + 1).
            var user = NoOwnGroup;
            uint owner;
            if (user.Id == 0)
            {
                owner = 54321;
                Assert.Equal(0, Chown(store, owner, UnixFiles.CurrentGroup));
            }
            else
            {
                owner = user.Id;
                user = user with { Id = user.Id + 1 };
            }

            var (found, remedy) = SqliteStorePlace.OpenToOthers(store, user)!.Value;
            Assert.StartsWith($"executions.db 0600 of user {owner}", found, StringComparison.Ordinal);
            Assert.Equal("set ApiRoutes:Store:Path to a file in a folder of this user's own (one the user does not share)", remedy);
        }
    }

    [Fact]
    public async Task Files_open_to_others_below_a_folder_they_cannot_search_are_not_named()
    {
        var owners = SearchableFolder("owners");
        var store = Path.Combine(owners, "executions.db");
        await using (SqliteExecutionStore.Open(store))
        {
            File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            const UnixFileMode ownersOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
            var own = NoOwnGroup with { OwnGroup = UnixFiles.CurrentGroup };

            File.SetUnixFileMode(owners, ownersOnly);   // as a home folder of 0700
            Assert.Null(SqliteStorePlace.OpenToOthers(store, NoOwnGroup));

            File.SetUnixFileMode(owners, ownersOnly | UnixFileMode.OtherExecute);   // 0701: others cannot list it, but open a file they know the name of
            Assert.Equal("executions.db 0644", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);

            File.SetUnixFileMode(owners, ownersOnly | UnixFileMode.GroupExecute);   // 0710: the group can, unless it is the user's own
            Assert.Equal("executions.db 0644", SqliteStorePlace.OpenToOthers(store, NoOwnGroup)!.Value.Found);
            Assert.Null(SqliteStorePlace.OpenToOthers(store, own));
        }
    }

    [Fact]
    public async Task The_generated_entry_point_warns_of_a_store_made_before_its_files_were_the_owners_only()
    {
        var store = Path.Combine(SearchableFolder("data"), "executions.db");
        var first = await StartAndStopAsync(Folder("app"), store);
        File.SetUnixFileMode(store, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);   // as the store made it before

        var again = await StartAndStopAsync(Folder("app"), store);

        Assert.Contains(first, line => line.StartsWith("ApiRoutes[1000] ", StringComparison.Ordinal));
        Assert.DoesNotContain(first, line => line.StartsWith("ApiRoutes[4008] ", StringComparison.Ordinal));
        var warning = Assert.Single(again, line => line.StartsWith("ApiRoutes[4008] Warning: ", StringComparison.Ordinal));
        Assert.Contains($"The SQLite store {store} is open to users other than this app's (executions.db 0644", warning, StringComparison.Ordinal);
        Assert.Contains($"chmod 600 '{ApiRoutes.Bundling.RealPaths.Of(store)}'", warning, StringComparison.Ordinal);
    }

    // A writable tmpfs from the mount table (/dev/shm on Linux, with systemd or in a container).
    private static string InMemoryFolder()
    {
        Assert.True(OperatingSystem.IsLinux(), "the mount table read here is Linux's");
        var memory = Mounts().Where(mount => mount.Type == "tmpfs" && Writable(mount.Point)).Select(mount => mount.Point)
            .OrderBy(point => point == "/dev/shm" ? 0 : 1).FirstOrDefault();
        Assert.True(memory is not null, "no writable tmpfs is mounted");
        return memory;
    }

    // A folder on a disk, for the store that must not be reported: the temporary folder may be a tmpfs (Fedora, Arch).
    private string DiskFolder()
    {
        var disk = new[] { _root, AppContext.BaseDirectory }.FirstOrDefault(folder => MountedFileSystem(folder) is not ("tmpfs" or "ramfs"));
        Assert.True(disk is not null, "neither the temporary folder nor the tests' own is on a disk");
        var folder = Directory.CreateDirectory(Path.Combine(disk, $"apiroutes-disk-{Guid.NewGuid():N}")).FullName;
        _made.Add(folder);
        return folder;
    }

    private static bool Writable(string folder)
    {
        try
        {
            Directory.Delete(Directory.CreateDirectory(Path.Combine(folder, $"apiroutes-probe-{Guid.NewGuid():N}")).FullName);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static IEnumerable<(string Point, string Type)> Mounts() => File.ReadAllLines("/proc/self/mounts")
        .Select(line => line.Split(' '))
        .Select(fields => (Point: fields[1].Replace("\\040", " ", StringComparison.Ordinal), Type: fields[2]));

    // The file system the mount table gives for the longest mount point above the path, its links resolved.
    private static string MountedFileSystem(string path)
    {
        var existing = Path.GetFullPath(path);
        while (!Path.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing)!;
        }

        var real = ApiRoutes.Bundling.RealPaths.Of(existing);
        return Mounts().Where(mount => mount.Point == "/" || real == mount.Point || real.StartsWith(mount.Point + "/", StringComparison.Ordinal))
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

    // A folder below the test's own, made searchable by others (0755) as /tmp and its parents are.
    private string SearchableFolder(string name)
    {
        File.SetUnixFileMode(_root, Searchable);
        var folder = Folder(name);
        File.SetUnixFileMode(folder, Searchable);
        for (var above = Path.GetDirectoryName(_root); above is not null; above = Path.GetDirectoryName(above))
        {
            Assert.True(File.GetUnixFileMode(above).HasFlag(UnixFileMode.OtherExecute), $"others cannot search {above}, above the temporary folder");
        }

        return folder;
    }

    private static bool ReachableByOthers(string folder)
    {
        for (var at = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder)); at is not null; at = Path.GetDirectoryName(at))
        {
            if (!File.GetUnixFileMode(at).HasFlag(UnixFileMode.OtherExecute))
            {
                return false;
            }
        }

        return true;
    }

    // The app's user, with no group of its own: every group bit counts (the machine's root group may be root's alone).
    private static SqliteStoreAccess.User NoOwnGroup => new(UnixFiles.CurrentUser, OwnGroup: null);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int Chown(string path, uint owner, uint group);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    private static extern int LinkChown(string path, uint owner, uint group);

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
