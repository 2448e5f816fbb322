using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.Build.Utilities;

namespace ApiRoutes.Tasks.UnitTests.Tasks;

/// <summary>
/// Review 35a F6: dotnet watch's Watch item named a linked apiroutes.yaml by the link only, so after a failed restart a
/// fix of the file it leads to did not rebuild. The task gives where each link leads, for a second Watch item.
/// </summary>
public sealed class ResolveApiRoutesLinksTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-links-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_link_gives_the_file_it_leads_to_through_every_link_and_anything_else_nothing()
    {
        if (OperatingSystem.IsWindows())
        {
            return;   // a symbolic link needs a right Windows does not give every user
        }

        var shared = Directory.CreateDirectory(Path.Combine(_folder, "shared")).FullName;
        var real = Path.Combine(shared, "apiroutes.yaml");
        File.WriteAllText(real, "routes: {}");
        var (link, chained, plain, dangling) = (Path.Combine(_folder, "apiroutes.yaml"), Path.Combine(_folder, "chained.yaml"), Path.Combine(_folder, "plain.yaml"), Path.Combine(_folder, "dangling.yaml"));
        File.CreateSymbolicLink(link, Path.Combine("shared", "apiroutes.yaml"));
        File.CreateSymbolicLink(chained, "apiroutes.yaml");   // a link to the link
        File.WriteAllText(plain, "routes: {}");
        File.CreateSymbolicLink(dangling, "not-there.yaml");
        var engine = new MockEngine();
        var task = new ResolveApiRoutesLinks { BuildEngine = engine, Files = [new TaskItem(link), new TaskItem(chained), new TaskItem(plain), new TaskItem(dangling)] };

        Assert.True(task.Execute());

        Assert.Equal([real], task.Targets.Select(item => item.ItemSpec));
        Assert.Empty(engine.Errors);
    }
}
