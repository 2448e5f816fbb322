using ApiRoutes.Development;
using ApiRoutes.Manifest;
using ApiRoutes.Watch;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The handlers' source texts the app keeps for the tombstones of dotnet watch's workspace, on real files: the files a
/// manifest names, each text once, older texts kept, the last text of a deleted file kept, the first record replacing
/// whatever an earlier process left.
/// </summary>
public sealed class HandlerSourceSnapshotTests : IDisposable
{
    private readonly string _project = Directory.CreateTempSubdirectory("apiroutes-sources-").FullName;

    private string SnapshotPath => Path.Combine(_project, "obj", "apiroutes-watch", SourceSnapshot.FileName);

    [Fact]
    public void The_first_record_replaces_an_earlier_process_snapshot_with_the_files_the_manifest_names()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SnapshotPath)!);
        File.WriteAllText(SnapshotPath, SourceSnapshot.Write([new("/gone/Old.cs", "class Old { }")]));
        Write("Api/Hello.cs", "class Hello { }");
        Write("Api/Other.cs", "class Other { }");   // no route names it: not recorded

        new HandlerSourceSnapshot(_project, SnapshotPath).Record(Manifest("Api/Hello.cs", "Api/Hello.cs", null));

        Assert.Equal([new(Path.Combine(_project, "Api", "Hello.cs"), "class Hello { }")], Read());
    }

    [Fact]
    public void A_changed_file_adds_its_new_text_and_keeps_the_old_one_an_unchanged_or_deleted_one_adds_nothing()
    {
        var snapshot = new HandlerSourceSnapshot(_project, SnapshotPath);
        Write("Api/Hello.cs", "class Hello { }");
        snapshot.Record(Manifest("Api/Hello.cs"));
        var written = File.GetLastWriteTimeUtc(SnapshotPath);
        File.SetLastWriteTimeUtc(SnapshotPath, written.AddMinutes(-1));

        snapshot.Record(Manifest("Api/Hello.cs"));
        Assert.Equal(written.AddMinutes(-1), File.GetLastWriteTimeUtc(SnapshotPath));   // unchanged: not rewritten

        Write("Api/Hello.cs", "class Renamed { }");
        snapshot.Record(Manifest("Api/Hello.cs"));
        File.Delete(Path.Combine(_project, "Api", "Hello.cs"));
        snapshot.Record(Manifest("Api/Hello.cs"));

        Assert.Equal(["class Hello { }", "class Renamed { }"], Read().Select(entry => entry.Value));

        // A build emptied it (as every real build of the app does): the next record writes it whole again.
        File.WriteAllText(SnapshotPath, "");
        snapshot.Record(Manifest("Api/Hello.cs"));
        Assert.Equal(["class Hello { }", "class Renamed { }"], Read().Select(entry => entry.Value));
    }

    // A project that moves obj/ (UseArtifactsOutput): the workspace reads the snapshot in the folder the analysis names,
    // not where the app started writing it. Every text recorded before goes there at once; the next records follow it.
    [Fact]
    public void A_move_writes_every_text_recorded_at_the_new_path_at_once_and_the_next_records_there()
    {
        var snapshot = new HandlerSourceSnapshot(_project, SnapshotPath);
        Write("Api/Hello.cs", "class Hello { }");
        snapshot.Record(Manifest("Api/Hello.cs"));
        var moved = Path.Combine(_project, "artifacts", "obj", "Shop", "apiroutes-watch", SourceSnapshot.FileName);
        Directory.CreateDirectory(Path.GetDirectoryName(moved)!);

        snapshot.MoveTo(moved);
        Assert.Equal(moved, snapshot.Path);
        Assert.Equal(["class Hello { }"], Read(moved).Select(entry => entry.Value));

        Write("Api/Hello.cs", "class Renamed { }");
        File.WriteAllText(SnapshotPath, "left");
        snapshot.Record(Manifest("Api/Hello.cs"));
        Assert.Equal(["class Hello { }", "class Renamed { }"], Read(moved).Select(entry => entry.Value));
        Assert.Equal("left", File.ReadAllText(SnapshotPath));   // the old path: written no more

        // A move to where it is already rewrites nothing.
        File.SetLastWriteTimeUtc(moved, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        snapshot.MoveTo(moved);
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc), File.GetLastWriteTimeUtc(moved));
    }

    // Review 24c F3: a handler added by hot reload, saved again unchanged (or removed and made again as it was: git stash
    // and pop), then deleted with its tombstone made Roslyn's delta emit throw, and dotnet watch itself ended. Such a
    // file leaves the snapshot for good: its deletion restarts the app, as without tombstones.
    [Fact]
    public void A_file_written_again_with_the_bytes_it_had_leaves_the_snapshot_for_good()
    {
        var snapshot = new HandlerSourceSnapshot(_project, SnapshotPath);
        Write("Api/Hello.cs", "class Hello { }");
        Write("Api/Added.cs", "class Added { }");
        snapshot.Record(Manifest("Api/Hello.cs"));
        snapshot.Record(Manifest("Api/Hello.cs", "Api/Added.cs"));

        Write("Api/Hello.cs", "class Hello { int X; }");                                      // a real edit: stays
        Assert.False(snapshot.Rewritten(Path.Combine(_project, "Api", "Hello.cs")));
        Assert.False(snapshot.Rewritten(Path.Combine(_project, "Api", "Other.cs")));          // no handler file
        Write("Api/Added.cs", "class Added { }");                                              // saved unchanged
        Assert.True(snapshot.Rewritten(Path.Combine(_project, "Api", "Added.cs")));
        Assert.Equal(["class Hello { }"], Read().Select(entry => entry.Value));

        Write("Api/Added.cs", "class Added { int Y; }");                                       // not taken in again
        snapshot.Record(Manifest("Api/Hello.cs", "Api/Added.cs"));
        Assert.Equal(["class Hello { }", "class Hello { int X; }"], Read().Select(entry => entry.Value));
    }

    // Review 6, R6-4: a symbolic link planted where a fixed temporary name would be is never written through (its
    // target, any file the developer can write, keeps its content); no temporary file is left behind.
    [Fact]
    public void A_link_planted_at_the_temporary_file_is_not_written_through()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(SnapshotPath)!);
        Write("Api/Hello.cs", "class Hello { }");
        var precious = Path.Combine(_project, "outside-obj.txt");
        File.WriteAllText(precious, "precious");
        File.CreateSymbolicLink(SnapshotPath + ".tmp", precious);

        new HandlerSourceSnapshot(_project, SnapshotPath).Record(Manifest("Api/Hello.cs"));

        Assert.Equal("precious", File.ReadAllText(precious));
        Assert.Equal(["class Hello { }"], Read().Select(entry => entry.Value));
        Assert.Equal([SourceSnapshot.FileName, SourceSnapshot.FileName + ".tmp"], Directory.GetFiles(Path.GetDirectoryName(SnapshotPath)!).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    // R6-8: the snapshot stays within the size the generator reads (SourceSnapshot.MaxLength, here a small one); the
    // oldest texts go first.
    [Fact]
    public void The_snapshot_stays_within_the_size_the_generator_reads()
    {
        var text = new string('x', 299);
        var line = SourceSnapshot.LineLength(new(Path.Combine(_project, "Api", "Hello.cs"), "1" + text));
        var snapshot = new HandlerSourceSnapshot(_project, SnapshotPath, maxLength: line * 2 + line / 2);
        foreach (var version in new[] { "1", "2", "3" })
        {
            Write("Api/Hello.cs", version + text);
            snapshot.Record(Manifest("Api/Hello.cs"));
        }

        Assert.Equal(line * 2, new FileInfo(SnapshotPath).Length);
        Assert.Equal(["2", "3"], Read().Select(entry => entry.Value[..1]));

        // A single text over the bound is not kept either: the generator would not read the file.
        Write("Api/Hello.cs", new string('y', (int)line * 3));
        snapshot.Record(Manifest("Api/Hello.cs"));
        Assert.Equal(["2", "3"], Read().Select(entry => entry.Value[..1]));
    }

    private List<KeyValuePair<string, string>> Read(string? path = null) => SourceSnapshot.Read(File.ReadAllText(path ?? SnapshotPath));

    private void Write(string file, string text)
    {
        var path = Path.Combine(_project, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static RouteManifest Manifest(params string?[] sources) => new()
    {
        Generator = "test",
        Assembly = new ManifestAssembly("Shop", "Shop.dll", Guid.Empty),
        Routes = [.. sources.Select((source, i) => new ManifestRoute
        {
            Route = "/api/r" + i,
            Kind = RouteKind.Standard,
            Handler = new ManifestHandler("Shop.Api.R" + i, "Shop"),
            Source = source is null ? null : new ManifestSource(source, 1),
        })],
    };

    public void Dispose() => Directory.Delete(_project, recursive: true);
}
