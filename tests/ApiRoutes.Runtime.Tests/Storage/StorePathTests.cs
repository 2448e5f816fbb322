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
        File.CreateSymbolicLink(Path.Combine(a, "link.db"), Path.Combine(_root, "later", "executions.db"));

        Assert.Equal(Path.Combine(_root, "later", "executions.db"), StorePath.OnDisk(Path.Combine(a, "link.db")));
    }

    [Fact]
    public void A_relative_path_is_walked_from_the_working_folder()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "work")).FullName;
        var was = Directory.GetCurrentDirectory();
        Directory.SetCurrentDirectory(folder);
        try
        {
            Assert.Equal(Path.Combine(_root, "data", "executions.db"), StorePath.OnDisk("./../data/executions.db"));
        }
        finally
        {
            Directory.SetCurrentDirectory(was);
        }
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
    [InlineData("data/..")]
    [InlineData("data/.")]
    [InlineData("")]
    public void A_path_that_names_a_folder_is_refused(string named)
    {
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
    public void Random_paths_of_links_dots_and_missing_parts_resolve_as_the_C_library_does_or_are_refused_with_an_IOException()
    {
        // Fuzz: a small tree of folders and links (some relative, some looping, some dangling), walked by random paths.
        Directory.CreateDirectory(Path.Combine(_root, "f", "g"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "up"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_root, "f", "g", "back"), Path.Combine(_root, "f"));
        File.CreateSymbolicLink(Path.Combine(_root, "f", "dangling"), "nowhere/x.db");
        File.CreateSymbolicLink(Path.Combine(_root, "f", "loop"), "loop");
        File.WriteAllText(Path.Combine(_root, "f", "g", "file.db"), "");
        string[] parts = ["f", "g", "up", "back", "..", ".", "dangling", "loop", "file.db", "missing"];
        var random = new Random(20261204);
        var agreed = 0;
        for (var round = 0; round < 2000; round++)
        {
            var named = _root + "/f/" + string.Join('/', Enumerable.Range(0, random.Next(1, 7)).Select(_ => parts[random.Next(parts.Length)]));
            string? resolved;
            try
            {
                resolved = StorePath.OnDisk(named);
            }
            catch (IOException)
            {
                continue;   // a loop, a folder named, or '..' out of a missing folder
            }

            // Where the C library resolves the same path (all of it there), the walk agrees with it.
            string? real = null;
            try
            {
                real = RealPaths.Of(named);
            }
            catch (IOException)
            {
                // a part missing (or a dangling link): the C library cannot say
            }

            if (real is not null)
            {
                Assert.Equal(real, resolved);
                agreed++;
            }
            else if (Path.GetDirectoryName(resolved) is { } folder && Directory.Exists(folder))
            {
                Assert.Equal(RealPaths.Of(folder), folder);   // no link, '.' or '..' left in a folder that is there
            }
        }

        Assert.True(agreed > 80, $"only {agreed} of 2000 random paths were there to compare with the C library's");
    }
}
