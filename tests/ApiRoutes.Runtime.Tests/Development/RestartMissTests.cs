using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Which left-out handler files dotnet watch's last restart missed (review 46f F3, 47A F1): files of the project folder
/// itself written after the running app's build; not a folder moved in (older times), linked in, or outside the project.
/// </summary>
public sealed class RestartMissTests : IDisposable
{
    private static readonly DateTime Built = new(2026, 12, 7, 19, 13, 2, DateTimeKind.Utc);
    private readonly string _project = Directory.CreateTempSubdirectory("apiroutes-restart-miss-").FullName;
    private readonly List<string> _linked = [];

    [Fact]
    public void A_file_of_the_project_written_after_the_build_is_missed_with_both_times()
    {
        Write("Api/Something.cs", Built.AddSeconds(1.4));
        Write("Api/Other.cs", Built.AddMinutes(2));

        Assert.Equal(
            $"{Path.Combine("Api", "Something.cs")} (saved at 19:13:03 UTC), {Path.Combine("Api", "Other.cs")} (saved at 19:15:02 UTC), after the build of the running app (19:13:02 UTC)",
            Miss().Describe(["Api/Something.cs", "Api/Other.cs"]));
    }

    [Theory]
    // A folder moved into the project: its files keep their older times (the general message, which says to save one).
    [InlineData("Api/Moved/Old.cs", -60)]
    // Written the very instant the build wrote the assembly: compiled.
    [InlineData("Api/Same.cs", 0)]
    public void A_file_written_before_the_build_is_not(string file, int seconds)
    {
        Write(file, Built.AddSeconds(seconds));
        Assert.Null(Miss().Describe([file]));
    }

    [Fact]
    public void A_file_of_a_linked_folder_or_outside_the_project_is_not_nor_a_set_of_which_one_is()
    {
        var outside = Directory.CreateTempSubdirectory("apiroutes-restart-miss-linked-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "Linked.cs"), "");
            File.SetLastWriteTimeUtc(Path.Combine(outside, "Linked.cs"), Built.AddMinutes(1));
            var link = Path.Combine(_project, "Api", "Linked");
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            Directory.CreateSymbolicLink(link, outside);
            _linked.Add(link);
            Write("Api/Something.cs", Built.AddMinutes(1));

            Assert.Null(Miss().Describe(["Api/Linked/Linked.cs"]));                        // dotnet watch does not follow the link
            Assert.Null(Miss().Describe([Path.Combine(outside, "Linked.cs")]));          // outside the project
            Assert.Null(Miss().Describe(["Api/Something.cs", "Api/Linked/Linked.cs"]));  // not all of them
            Assert.Null(Miss().Describe(["Api/Gone.cs"]));                               // not there any more
            Assert.Null(Miss().Describe([]));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    public void Dispose() => Directory.Delete(_project, recursive: true);

    private RestartMiss Miss() => new(_project, Built, () => _linked);

    private void Write(string file, DateTime writtenUtc)
    {
        var path = Path.Combine(_project, file);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "namespace Shop.Api;");
        File.SetLastWriteTimeUtc(path, writtenUtc);
    }
}
