using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Review 17c F4: a build step that writes a source on every build made every analysis start the next one. A file
/// written again with the bytes it had is no change; anything that may differ is.
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

        Assert.True(_contents.Written(file));    // seen the first time
        Assert.False(_contents.Written(file));   // written again as it was (the build step's next run)
        Write("Generated.cs", "// version 2");
        Assert.True(_contents.Written(file));
        Write("Generated.cs", "// version 1");
        Assert.True(_contents.Written(file));    // back to an earlier content is a change too
        Assert.False(_contents.Changed(new FileSystemEventArgs(WatcherChangeTypes.Changed, _folder, "Generated.cs")));
    }

    [Fact]
    public void A_removed_file_is_a_change_and_the_same_bytes_made_again_are_one_too()
    {
        var file = Write("Hello.cs", "class Hello {}");
        _contents.Written(file);
        File.Delete(file);

        Assert.True(_contents.Changed(new FileSystemEventArgs(WatcherChangeTypes.Deleted, _folder, "Hello.cs")));
        Write("Hello.cs", "class Hello {}");
        Assert.True(_contents.Changed(new FileSystemEventArgs(WatcherChangeTypes.Created, _folder, "Hello.cs")));
        Assert.True(_contents.Gone(file));
        Assert.True(_contents.Written(file));
    }

    [Fact]
    public void A_file_put_in_place_by_a_rename_with_the_bytes_it_had_is_no_change()
    {
        var file = Write("Version.cs", "// 1.2.3");
        _contents.Written(file);

        // Written to a temporary file, then moved over the old one (an atomic write), with the same content.
        var temporary = Write("Version.cs.tmp", "// 1.2.3");
        File.Move(temporary, file, overwrite: true);

        Assert.False(_contents.Changed(new RenamedEventArgs(WatcherChangeTypes.Renamed, _folder, "Version.cs", "Version.cs.tmp")));
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
            Assert.True(_contents.Written(path));
            Assert.True(_contents.Written(path));
        }
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_folder, name);
        File.WriteAllText(path, content);
        return path;
    }
}
