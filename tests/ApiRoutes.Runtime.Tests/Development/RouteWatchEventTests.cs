using ApiRoutes.Development;
using Microsoft.Extensions.Logging.Abstractions;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Which files an event of the project folder's watch names for the settle's comparison, and what a folder's move
/// forgets (review 20a F2, F3): the events as the watcher raises them, the files real.
/// </summary>
public sealed class RouteWatchEventTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-events-").FullName;
    private readonly RouteWatchService _service = new(null!, null!, null!, new RouteWatchStatus(), TimeProvider.System, null!, NullLoggerFactory.Instance);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_save_that_moves_the_file_aside_first_with_the_bytes_it_had_is_no_change()
    {
        // vim's and JetBrains' safe write: Hello.cs to Hello.cs~, Hello.cs written, Hello.cs~ removed (an event the
        // watch's filters drop). The backup's name, gone once the burst settles, was a change.
        var file = Path.Combine(_folder, "Hello.cs");
        File.WriteAllText(file, "class Hello {}");
        Settle(new FileSystemEventArgs(WatcherChangeTypes.Changed, _folder, "Hello.cs"));

        File.Move(file, file + "~");
        File.WriteAllText(file, "class Hello {}");
        File.Delete(file + "~");

        Assert.False(Settle(
            new RenamedEventArgs(WatcherChangeTypes.Renamed, _folder, "Hello.cs~", "Hello.cs"),
            new FileSystemEventArgs(WatcherChangeTypes.Created, _folder, "Hello.cs"),
            new FileSystemEventArgs(WatcherChangeTypes.Changed, _folder, "Hello.cs")));
    }

    [Theory]
    [InlineData("Hello.cs", "Hello.cs.tmp", new[] { "Hello.cs" })]                 // an atomic write: the new name counts
    [InlineData("Hello.cs~", "Hello.cs", new[] { "Hello.cs" })]                    // moved aside: the old name counts
    [InlineData("Hello.cs.bak", "Hello.cs", new[] { "Hello.cs" })]                 // renamed away: it left the code
    [InlineData("Api/Orders.cs", "Orders.cs", new[] { "Api/Orders.cs", "Orders.cs" })]
    [InlineData("obj/Hello.cs", "Hello.cs", new[] { "Hello.cs" })]                 // into obj/: not the developer's
    public void A_rename_names_each_of_its_files_that_is_watched(string name, string oldName, string[] touched)
    {
        var e = new RenamedEventArgs(WatcherChangeTypes.Renamed, _folder, name, oldName);

        Assert.Equal(touched.Select(path => Path.Combine(_folder, path)).Order(StringComparer.Ordinal), _service.Touches(e).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_folder_moved_away_and_back_forgets_what_its_files_held()
    {
        // Moved away, a file of it edited, moved back (one event of the folder each way, none of its files), then the
        // file edited back to the bytes remembered: compared with what was remembered, it was no change.
        var api = Directory.CreateDirectory(Path.Combine(_folder, "Api")).FullName;
        var file = Path.Combine(api, "Hello.cs");
        File.WriteAllText(file, "// 1");
        Settle(new FileSystemEventArgs(WatcherChangeTypes.Changed, api, "Hello.cs"));

        Directory.Move(api, api + "2");
        _service.OnFolderChanged(null, new RenamedEventArgs(WatcherChangeTypes.Renamed, _folder, "Api2", "Api"));
        File.WriteAllText(Path.Combine(api + "2", "Hello.cs"), "// 2");
        Directory.Move(api + "2", api);
        _service.OnFolderChanged(null, new RenamedEventArgs(WatcherChangeTypes.Renamed, _folder, "Api", "Api2"));
        File.WriteAllText(file, "// 1");

        Assert.True(Settle(new FileSystemEventArgs(WatcherChangeTypes.Changed, api, "Hello.cs")));
    }

    [Fact]
    public void A_folder_linked_into_the_project_or_its_link_removed_is_a_change_of_the_folder_and_other_names_are_not()
    {
        // Review 30c F1: inotify names a symbolic link as a file (no IN_ISDIR), here of no watched extension: neither
        // watch counted a folder of handlers linked in or out, and the routes stayed as they were until another save.
        var shared = Directory.CreateTempSubdirectory("apiroutes-shared-").FullName;
        try
        {
            var atStart = Path.Combine(_folder, "Shared");
            Directory.CreateSymbolicLink(atStart, shared);
            Directory.CreateDirectory(Path.Combine(_folder, "obj"));
            Directory.CreateSymbolicLink(Path.Combine(_folder, "obj", "Linked"), shared);
            _service.FindLinkedFolders(_folder);

            Directory.CreateSymbolicLink(Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "Api")).FullName, "Ext"), shared);
            File.WriteAllText(Path.Combine(_folder, "4913"), "");   // vim's probe of the folder, a plain file
            Assert.True(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Created, _folder, "Api/Ext")));
            Assert.False(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Created, _folder, "4913")));
            Assert.False(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Created, _folder, "obj/Linked")));

            File.Delete(Path.Combine(_folder, "Api", "Ext"));
            File.Delete(Path.Combine(_folder, "4913"));
            File.Delete(atStart);
            Assert.True(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Deleted, _folder, "Api/Ext")));
            Assert.True(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Deleted, _folder, "Shared")));
            Assert.False(_service.IsFolderLink(new FileSystemEventArgs(WatcherChangeTypes.Deleted, _folder, "4913")));
        }
        finally
        {
            Directory.Delete(shared, recursive: true);
        }
    }

    private bool Settle(params FileSystemEventArgs[] events)
    {
        foreach (var path in events.SelectMany(_service.Touches))
        {
            _service.Contents.Note(path);
        }

        return _service.Contents.Settle();
    }
}
