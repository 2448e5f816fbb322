using ApiRoutes.Bundling;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The store's file found as the kernel finds it: links followed where they are met, '..' climbing from where the walk is.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class StorePathTests : IDisposable
{
    private readonly string _root = RealPaths.Of(Directory.CreateTempSubdirectory("apiroutes-storepath-").FullName);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void A_path_without_links_is_itself_and_holds_none()
    {
        var named = Path.Combine(_root, "data", "executions.db");

        var resolved = StorePath.Resolve(named);

        Assert.Equal(named, resolved.File);
        Assert.Empty(resolved.LinkHolders);
    }

    [Fact]
    public void Dot_dot_after_a_link_climbs_from_the_folder_the_link_leads_to()
    {
        var deep = Directory.CreateDirectory(Path.Combine(_root, "real", "deep")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), deep);

        var resolved = StorePath.Resolve(Path.Combine(_root, "link", "..", "executions.db"));

        Assert.Equal(Path.Combine(_root, "real", "executions.db"), resolved.File);
        Assert.Equal([(_root, "link")], resolved.LinkHolders);
        Assert.Equal(RealPaths.Of(Path.Combine(_root, "link", "..")), Path.GetDirectoryName(resolved.File));   // as the C library resolves it
    }

    [Fact]
    public void A_chain_of_links_is_followed_through_every_folder_it_passes()
    {
        var a = Directory.CreateDirectory(Path.Combine(_root, "a")).FullName;
        var b = Directory.CreateDirectory(Path.Combine(_root, "b")).FullName;
        var c = Directory.CreateDirectory(Path.Combine(_root, "c")).FullName;
        File.CreateSymbolicLink(Path.Combine(a, "one.db"), "../b/two.db");                 // relative, from a
        File.CreateSymbolicLink(Path.Combine(b, "two.db"), Path.Combine(c, "three.db"));   // absolute
        File.WriteAllText(Path.Combine(c, "three.db"), "");

        var resolved = StorePath.Resolve(Path.Combine(a, "one.db"));

        Assert.Equal(Path.Combine(c, "three.db"), resolved.File);
        Assert.Equal([(a, "one.db"), (b, "two.db")], resolved.LinkHolders);
    }

    [Fact]
    public void A_link_to_a_file_not_made_yet_names_that_file()
    {
        var a = Directory.CreateDirectory(Path.Combine(_root, "a")).FullName;
        var later = Directory.CreateDirectory(Path.Combine(_root, "later")).FullName;
        File.CreateSymbolicLink(Path.Combine(a, "link.db"), "../later/./executions.db");

        Assert.Equal(Path.Combine(later, "executions.db"), StorePath.OnDisk(Path.Combine(a, "link.db")));
    }

    [Fact]
    public void A_relative_path_is_walked_from_the_working_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(folder, "link"), Directory.CreateDirectory(Path.Combine(_root, "real", "deep")).FullName);

        Assert.Equal(Path.Combine(_root, "data", "executions.db"), StorePath.Resolve("./../data/executions.db", folder).File);
        Assert.Equal(Path.Combine(_root, "real", "executions.db"), StorePath.Resolve("link/../executions.db", folder).File);
    }

    [Theory]
    [InlineData("/")]          // a link to the root
    [InlineData(".")]          // to its own folder
    [InlineData("../..")]      // to a folder above
    public void A_link_to_a_folder_as_the_stores_file_is_refused(string target)
    {
        var a = Directory.CreateDirectory(Path.Combine(_root, "a", "b")).FullName;
        File.CreateSymbolicLink(Path.Combine(a, "store.db"), target);

        var error = Assert.Throws<IOException>(() => StorePath.OnDisk(Path.Combine(a, "store.db")));

        Assert.Contains("names a folder, not the store's file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_link_to_a_folder_that_is_not_there_is_refused_and_nothing_is_made_where_it_leads()
    {
        // A volume not mounted yet: its folder made on the disk below, and an empty store opened there, would hide the
        // store's work until the next start with the volume.
        var app = Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(app, "data"), Path.Combine(_root, "volume", "data"));
        File.CreateSymbolicLink(Path.Combine(app, "file.db"), Path.Combine(_root, "volume", "data", "executions.db"));

        foreach (var named in new[] { Path.Combine(app, "data", "executions.db"), Path.Combine(app, "file.db") })
        {
            var error = Assert.Throws<IOException>(() => StorePath.OnDisk(named));

            Assert.Contains("a link on the way leads to '", error.Message, StringComparison.Ordinal);
            Assert.Contains("which is not there (a volume not mounted?)", error.Message, StringComparison.Ordinal);
        }

        Assert.False(Directory.Exists(Path.Combine(_root, "volume")));
    }

    [Fact]
    public void A_link_target_or_a_working_folder_whose_name_is_not_UTF8_is_refused_not_taken_for_another_name()
    {
        // .NET reads such bytes as U+FFFD: the walk would lead to a folder of that name, made anew, not to the one there.
        var a = Directory.CreateDirectory(Path.Combine(_root, "a")).FullName;
        Directory.CreateDirectory(Path.Combine(a, "x\uFFFDy"));
        Assert.Equal(0, Symlink([(byte)'x', 0xff, (byte)'y', 0], Path.Combine(a, "bad")));

        var error = Assert.Throws<IOException>(() => StorePath.OnDisk(Path.Combine(a, "bad", "executions.db")));

        Assert.Contains("has a name that is not UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Contains("not UTF-8", Assert.Throws<IOException>(() => StorePath.Resolve("executions.db", "/tmp/x\uFFFDy")).Message, StringComparison.Ordinal);
        Assert.Equal(Path.Combine(_root, "x\uFFFDy", "executions.db"), StorePath.OnDisk(Path.Combine(_root, "x\uFFFDy", "executions.db")));   // as configured: a name, not bytes read back
    }

    [Fact]
    public void A_loop_of_links_is_refused_not_followed_for_ever()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "x"), Path.Combine(_root, "y"));
        File.CreateSymbolicLink(Path.Combine(_root, "y"), Path.Combine(_root, "x"));

        var error = Assert.Throws<IOException>(() => StorePath.OnDisk(Path.Combine(_root, "x")));

        Assert.Contains("more than 40 symbolic links on the way", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data/")]
    [InlineData("a")]          // a folder that is there
    [InlineData("data/..")]
    [InlineData("data/.")]
    [InlineData("")]
    public void A_path_that_names_a_folder_is_refused(string named)
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        var error = Assert.Throws<IOException>(() => StorePath.OnDisk(named.Length == 0 ? named : Path.Combine(_root, named)));

        Assert.Contains("names a folder, not the store's file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Dot_dot_after_a_folder_not_made_yet_climbs_back_on_paper_as_SQLite_does_and_links_after_it_are_followed()
    {
        var real = Directory.CreateDirectory(Path.Combine(_root, "real")).FullName;
        Directory.CreateSymbolicLink(Path.Combine(_root, "link"), real);

        var resolved = StorePath.Resolve(Path.Combine(_root, "missing", "..", "link", "new", "executions.db"));

        Assert.Equal(Path.Combine(real, "new", "executions.db"), resolved.File);
        Assert.Equal([(_root, "link")], resolved.LinkHolders);
    }

    [Fact]
    public void Random_paths_of_links_dots_and_missing_parts_resolve_as_GNU_realpath_does_or_are_refused_where_the_C_library_fails()
    {
        // Fuzz: a small tree of folders and links (relative, absolute, to the root, looping, dangling), walked by random
        // paths, each compared with coreutils' realpath -m (every part followed where it is there, the rest on paper).
        Directory.CreateDirectory(Path.Combine(_root, "f", "g"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "g", "back"), Path.Combine(_root, "f") + "/");
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "root"), "/");
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "gone"), "nowhere/deeper");
        File.CreateSymbolicLink(Path.Combine(_root, "f", "dangling"), "nowhere/x.db");
        File.CreateSymbolicLink(Path.Combine(_root, "f", "later"), "g/later.db");
        File.CreateSymbolicLink(Path.Combine(_root, "f", "loop"), "loop");
        File.WriteAllText(Path.Combine(_root, "f", "g", "file.db"), "");
        string[] parts = ["f", "g", "up", "back", "..", ".", "dangling", "later", "gone", "root", "loop", "file.db", "missing"];
        var random = new Random(20261204);
        var walked = new List<(string Named, string? Resolved)>();
        for (var round = 0; round < 2000; round++)
        {
            var named = _root + "/f/" + string.Join('/', Enumerable.Range(0, random.Next(1, 7)).Select(_ => parts[random.Next(parts.Length)]));
            try
            {
                walked.Add((named, StorePath.OnDisk(named)));
            }
            catch (IOException)
            {
                walked.Add((named, null));
            }
        }

        var gnu = GnuRealPaths(walked.Select(path => path.Named));
        var (agreed, refused) = (0, 0);
        for (var i = 0; i < walked.Count; i++)
        {
            var (named, resolved) = walked[i];
            if (resolved is not null)
            {
                Assert.True(gnu[i] == resolved, $"'{named}': walked to '{resolved}', realpath -m says '{gnu[i]}'");
                agreed++;
            }
            else
            {
                // Refused: a folder, or a path the C library cannot resolve either (a loop, a link leading nowhere).
                if (!Directory.Exists(named) && Resolves(named))
                {
                    Assert.Fail($"'{named}' was refused, and it names the file '{RealPaths.Of(named)}'");
                }

                refused++;
            }
        }

        Assert.True(agreed > 300 && refused > 300, $"{agreed} paths compared and {refused} refused of 2000: the tree no longer tests both");
    }

    private static bool Resolves(string path)
    {
        try
        {
            RealPaths.Of(path);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    // Each path as coreutils' realpath -m resolves it, in one run (NUL-separated).
    private static string[] GnuRealPaths(IEnumerable<string> paths)
    {
        var start = new System.Diagnostics.ProcessStartInfo("realpath") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-m", "-z", "--", .. paths])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)), "realpath did not finish");
        Assert.Equal(0, process.ExitCode);
        return output.Result.Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "symlink", SetLastError = true)]
    private static extern int Symlink(byte[] target, string link);
}
