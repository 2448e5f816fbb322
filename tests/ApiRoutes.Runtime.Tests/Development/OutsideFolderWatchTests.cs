using ApiRoutes.Development;
using ApiRoutes.Runtime.Tests.Handlers;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The watch of the files a project reads from outside its folder (review 16a F5), on real folders: a listed file's
/// save counts, a new source file in a folder of sources counts, anything else there does not; the folders follow each
/// analysis's list.
/// </summary>
public sealed class OutsideFolderWatchTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-outside-").FullName;
    private readonly List<string> _degraded = [];
    private int _changes;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task A_file_the_project_reads_from_outside_its_folder_is_followed_and_nothing_else_there()
    {
        var (project, shared, config) = (Folder("Shop"), Folder("Shared"), Folder("config"));
        using var watch = new OutsideFolderWatch(project, () => Interlocked.Increment(ref _changes), _degraded.Add);

        Assert.True(watch.Update([Path.Combine(project, "Api", "Hello.cs"), Path.Combine(shared, "Handlers.cs"), Path.Combine(config, "apiroutes.yaml"), Path.Combine(_root, "Directory.Build.props")]));
        Assert.Equal([_root, shared, config], watch.Folders);   // ordinal: upper case first

        await CountsAsync(() => File.WriteAllText(Path.Combine(config, "apiroutes.yaml"), "routes: {}"));
        await CountsAsync(() => File.WriteAllText(Path.Combine(shared, "Handlers.cs"), "// changed"));
        await CountsAsync(() => File.WriteAllText(Path.Combine(shared, "New.cs"), "// a new file the project's pattern may take in"));
        await CountsAsync(() => File.WriteAllText(Path.Combine(_root, "Directory.Build.props"), "<Project />"));
        await CountsAsync(() => File.Move(Path.Combine(config, "apiroutes.yaml"), Path.Combine(config, "apiroutes.yaml.bak")));   // renamed away

        await CountsNotAsync(() => File.WriteAllText(Path.Combine(config, "notes.yaml"), "not read"));
        await CountsNotAsync(() => File.WriteAllText(Path.Combine(_root, "README.md"), "not read"));
        await CountsNotAsync(() => File.WriteAllText(Path.Combine(project, "Inside.cs"), "// the project folder has a watch of its own"));
        Assert.Empty(_degraded);
    }

    [Fact]
    public async Task Folders_follow_each_analysis_and_one_that_cannot_be_watched_is_said_once()
    {
        var (project, shared) = (Folder("Shop"), Folder("Shared"));
        var missing = Path.Combine(_root, "nowhere");
        using var watch = new OutsideFolderWatch(project, () => Interlocked.Increment(ref _changes), _degraded.Add);
        watch.Update([Path.Combine(shared, "Handlers.cs"), Path.Combine(missing, "apiroutes.yaml")]);

        Assert.False(watch.Update([Path.Combine(shared, "Handlers.cs"), Path.Combine(missing, "apiroutes.yaml")]));   // the same folders
        Assert.Equal([shared], watch.Folders);
        var said = Assert.Single(_degraded);
        Assert.StartsWith($"'{missing}', which the project reads files from, cannot be watched (", said, StringComparison.Ordinal);

        // The project no longer reads from Shared: its folder is no longer watched.
        Assert.True(watch.Update([Path.Combine(project, "Api", "Hello.cs")]));
        Assert.Empty(watch.Folders);
        await CountsNotAsync(() => File.WriteAllText(Path.Combine(shared, "Handlers.cs"), "// no longer read"));

        // Relative or empty lines (a damaged list) are not watched.
        Assert.False(watch.Update(["Shared/Handlers.cs", "", "."]));
    }

    [Fact]
    public void Past_the_limit_of_folders_the_rest_is_said_not_watched()
    {
        using var watch = new OutsideFolderWatch(Folder("Shop"), () => { }, _degraded.Add);

        watch.Update(Enumerable.Range(0, OutsideFolderWatch.MaxFolders + 3).Select(i => Path.Combine(Folder($"f{i:D2}"), "a.cs")));

        Assert.Equal(OutsideFolderWatch.MaxFolders, watch.Folders.Count);
        Assert.StartsWith($"the project reads files in more than {OutsideFolderWatch.MaxFolders} folders outside it", Assert.Single(_degraded), StringComparison.Ordinal);
    }

    [Fact]
    public void The_inputs_list_is_read_without_blank_lines_and_a_missing_one_is_none()
    {
        var path = Path.Combine(_root, "inputs.txt");
        Assert.Null(ProjectAnalysis.ReadInputs(path));

        File.WriteAllText(path, "/a/b.cs\n\n  /c/apiroutes.yaml  \n/d/e.cs\n");

        Assert.Equal(["/a/b.cs", "/c/apiroutes.yaml"], ProjectAnalysis.ReadInputs(path, limit: 2));
    }

    private string Folder(string name) => Directory.CreateDirectory(Path.Combine(_root, name)).FullName;

    // The change counts: the callback comes (the watcher's events arrive on a thread of their own).
    private async Task CountsAsync(Action change)
    {
        var before = Volatile.Read(ref _changes);
        change();
        for (var deadline = DateTime.UtcNow + Probe.Patience; Volatile.Read(ref _changes) == before; await Task.Delay(10))
        {
            Assert.True(DateTime.UtcNow < deadline, "the change was not followed");
        }
    }

    // The change does not count: a file that does count, saved after it, is the next one seen. Events come in order.
    private async Task CountsNotAsync(Action change)
    {
        var before = Volatile.Read(ref _changes);
        change();
        await Task.Delay(200);
        Assert.Equal(before, Volatile.Read(ref _changes));
    }
}
