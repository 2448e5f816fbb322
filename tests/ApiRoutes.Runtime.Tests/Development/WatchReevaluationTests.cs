using System.Xml.Linq;
using ApiRoutes.Development;
using Microsoft.Extensions.Time.Testing;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The rewrite of <c>reevaluate.props</c> that makes dotnet watch read the project again (review 46f F3 rest): only a file
/// a dotnet watch build made, other bytes each time, always a whole MSBuild project that defines nothing, never written
/// through a link planted in its place.
/// </summary>
public sealed class WatchReevaluationTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-reevaluate-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private string FilePath => Path.Combine(_folder, WatchReevaluation.FileName);

    [Fact]
    public void Without_the_file_a_dotnet_watch_build_makes_nothing_is_written_and_the_request_says_it_could_not()
    {
        // dotnet watch imports the file only when its build made it: one made now is in obj/, outside its watch.
        Assert.False(new WatchReevaluation(FilePath, _time).Request());
        Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
    }

    [Fact]
    public void Each_request_rewrites_the_file_whole_with_other_bytes_as_a_project_that_defines_nothing()
    {
        var made = "<!-- ApiRoutes under dotnet watch: the app rewrites this file to make dotnet watch read the project again. -->\n<Project />\n";
        File.WriteAllText(FilePath, made);
        var reevaluation = new WatchReevaluation(FilePath, _time);

        Assert.True(reevaluation.Request());
        var first = File.ReadAllText(FilePath);
        Assert.True(reevaluation.Request());   // the same instant: the request's number still changes the bytes
        var second = File.ReadAllText(FilePath);

        Assert.NotEqual(made, first);
        Assert.NotEqual(first, second);
        foreach (var text in new[] { first, second })
        {
            var project = XDocument.Parse(text).Root!;
            Assert.Equal("Project", project.Name.LocalName);
            Assert.Empty(project.Nodes());
            Assert.Empty(project.Attributes());
        }

        Assert.Equal([FilePath], Directory.EnumerateFileSystemEntries(_folder));   // no temporary file left
    }

    [Fact]
    public void A_link_planted_in_the_file_place_is_replaced_not_written_through()
    {
        var outside = Path.Combine(_folder, "outside.txt");
        File.WriteAllText(outside, "not ApiRoutes' file");
        File.CreateSymbolicLink(FilePath, outside);

        Assert.True(new WatchReevaluation(FilePath, _time).Request());

        Assert.Equal("not ApiRoutes' file", File.ReadAllText(outside));
        Assert.Null(new FileInfo(FilePath).LinkTarget);
        Assert.Equal("Project", XDocument.Parse(File.ReadAllText(FilePath)).Root!.Name.LocalName);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
