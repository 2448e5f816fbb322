using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Review 17c F4: a build step that writes a source on every build made every analysis start the next one. A file
/// written again with the bytes it had is no change; anything that may differ is. The files are read when the burst of
/// events settles, not at each event.
/// </summary>
public sealed class ContentChangesTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-contents-").FullName;
    private readonly ContentChanges _contents = new();

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_file_written_again_with_the_same_bytes_is_no_change_and_other_bytes_are()
    {
        var file = Write("Generated.cs", "// version 1");

        Assert.True(Settles(file));    // seen the first time
        Assert.False(Settles(file));   // written again as it was (the build step's next run)
        Write("Generated.cs", "// version 2");
        Assert.True(Settles(file));
        Write("Generated.cs", "// version 1");
        Assert.True(Settles(file));    // back to an earlier content is a change too
        Assert.False(_contents.Settle());   // nothing noted since
    }

    [Fact]
    public void A_file_whose_events_came_while_it_was_written_again_is_compared_as_it_is_once_settled()
    {
        // CI, 2026-12-04: File.WriteAllText truncates, then writes; the watcher's thread read the file between the two
        // (empty), which counted the same bytes written again as two changes (the outside watch's test saw 4 for 2).
        var file = Write("Generated.cs", "// build 2");
        Assert.True(Settles(file));

        File.WriteAllText(file, "");          // the rewrite's first event: the file truncated
        _contents.Note(file);
        File.WriteAllText(file, "// build 2");   // its next: the bytes it had
        _contents.Note(file);

        Assert.False(_contents.Settle());
    }

    [Fact]
    public void A_burst_is_a_change_when_any_file_of_it_changed_and_each_is_remembered_as_it_is()
    {
        var (same, other) = (Write("Same.cs", "// 1"), Write("Other.cs", "// 1"));
        _contents.Note(same);
        _contents.Note(other);
        Assert.True(_contents.Settle());

        _contents.Note(same);
        Write("Other.cs", "// 2");
        _contents.Note(other);
        Assert.True(_contents.Settle());
        Assert.False(Settles(same));
        Assert.False(Settles(other));   // remembered as the burst found it
    }

    [Fact]
    public void A_removed_file_is_a_change_and_the_same_bytes_made_again_are_one_too()
    {
        var file = Write("Hello.cs", "class Hello {}");
        Settles(file);
        File.Delete(file);

        Assert.True(Settles(file));
        Write("Hello.cs", "class Hello {}");
        Assert.True(Settles(file));
    }

    [Fact]
    public void A_file_put_in_place_by_a_rename_with_the_bytes_it_had_is_no_change()
    {
        var file = Write("Version.cs", "// 1.2.3");
        Settles(file);

        // Written to a temporary file, then moved over the old one (an atomic write), with the same content.
        var temporary = Write("Version.cs.tmp", "// 1.2.3");
        File.Move(temporary, file, overwrite: true);

        Assert.False(Settles(file));
    }

    [Fact]
    public void A_file_replaced_by_a_link_to_a_copy_with_the_same_bytes_is_a_change_and_so_is_the_link_pointed_at_another()
    {
        // Review 35a F5: apiroutes.yaml moved to a shared folder and linked back read the same bytes: no change, so no
        // analysis listed where it really is, and every later edit of the shared file was ignored.
        if (OperatingSystem.IsWindows())
        {
            return;   // a symbolic link needs a right Windows does not give every user
        }

        var file = Write("apiroutes.yaml", "routes: {}\n");
        var (shared, other) = (Directory.CreateDirectory(Path.Combine(_folder, "shared")).FullName, Directory.CreateDirectory(Path.Combine(_folder, "other")).FullName);
        Assert.True(Settles(file));   // seen the first time

        File.Move(file, Path.Combine(shared, "apiroutes.yaml"));
        File.CreateSymbolicLink(file, Path.Combine("shared", "apiroutes.yaml"));
        Assert.True(Settles(file));
        Assert.False(Settles(file));   // the same link, the same bytes

        File.Copy(Path.Combine(shared, "apiroutes.yaml"), Path.Combine(other, "apiroutes.yaml"));
        File.Delete(file);
        File.CreateSymbolicLink(file, Path.Combine("other", "apiroutes.yaml"));
        Assert.True(Settles(file));
    }

    [Fact]
    public void What_cannot_be_read_is_always_a_change()
    {
        var large = Path.Combine(_folder, "Large.cs");
        File.WriteAllBytes(large, new byte[ContentChanges.MaxBytes + 1]);
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "Api")).FullName;
        var missing = Path.Combine(_folder, "Missing.cs");

        foreach (var path in new[] { large, folder, missing, "", "\0" })
        {
            Assert.True(Settles(path));
            Assert.True(Settles(path));
        }
    }

    [Fact]
    public void A_forgotten_file_is_a_change_at_its_next_event_and_only_in_the_folder_named()
    {
        // Events were lost, or the folder was not watched: the file may have changed and changed back meanwhile.
        var inside = Write("Handlers.cs", "// 1");
        var below = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder, "Api")).FullName, "Hello.cs");
        File.WriteAllText(below, "// 1");
        Settles(inside);
        Settles(below);

        _contents.Forget(_folder + "/");
        Assert.True(Settles(inside));
        Assert.False(Settles(below));   // a subfolder is not forgotten with its parent

        _contents.Forget(_folder, subfolders: true);
        Assert.True(Settles(inside));
        Assert.True(Settles(below));

        _contents.ForgetFile(below);
        Assert.False(Settles(inside));
        Assert.True(Settles(below));

        _contents.Forget();
        Assert.True(Settles(inside));
        Assert.True(Settles(below));
    }

    [Fact]
    public void Past_the_limit_of_files_noted_the_burst_is_a_change_and_all_is_forgotten()
    {
        // A package restored into the folder: the files are not read one by one.
        var file = Write("Handlers.cs", "// 1");
        Settles(file);
        foreach (var i in Enumerable.Range(0, ContentChanges.MaxNoted + 1))
        {
            _contents.Note(Path.Combine(_folder, $"f{i}.cs"));
        }

        Assert.True(_contents.Settle());
        Assert.True(Settles(file));   // not read in the burst: what was remembered of it may be stale
        Assert.False(Settles(file));
    }

    private bool Settles(string path)
    {
        _contents.Note(path);
        return _contents.Settle();
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
