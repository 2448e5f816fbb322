using System.Globalization;
using ApiRoutes.Development;
using ApiRoutes.Watch;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The development folder (the analysis, the compiler server's files, the tombstones' snapshot): where dotnet watch's
/// build of the app names it (runtimeconfig.json, $(BaseIntermediateOutputPath)apiroutes-watch, so the tombstone
/// generator reads the snapshot where the app writes it); obj/apiroutes-watch when it names none or no full path. And the
/// folder dotnet watch's reading of the project uses, as the app's analyses name it (workspace-folder.txt).
/// </summary>
public sealed class DevelopmentFolderTests : IDisposable
{
    private static readonly ProjectLocation Shop = new("/src/Shop/Shop.csproj", "Debug", "net10.0", "/usr/bin/dotnet");

    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-workspace-folder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(null, "/src/Shop/obj/apiroutes-watch")]
    [InlineData("", "/src/Shop/obj/apiroutes-watch")]
    [InlineData("artifacts/obj/Shop/apiroutes-watch/", "/src/Shop/obj/apiroutes-watch")]
    [InlineData("/src/artifacts/obj/Shop/apiroutes-watch/", "/src/artifacts/obj/Shop/apiroutes-watch")]
    [InlineData("/src/Shop/build/../obj2/apiroutes-watch", "/src/Shop/obj2/apiroutes-watch")]
    public void The_folder_is_the_one_the_build_names_when_it_names_a_full_path(string? configured, string expected)
    {
        Assert.Equal(expected, ProjectAnalysis.FolderOf(Shop, configured));
    }

    // The folder an analysis names for dotnet watch's workspace (workspace-folder.txt, after the project file it is
    // for): only a full path to a development folder that exists, whatever else the file holds — the app writes there.
    [Fact]
    public async Task The_workspace_folder_is_read_only_when_the_file_names_a_folder_that_exists()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_root, "artifacts", "obj", "Shop", "apiroutes-watch")).FullName;
        var file = Path.Combine(_root, "workspace-folder.txt");
        var project = Path.Combine(_root, "Shop", "Shop.csproj");
        var line = project + "\n";

        Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file, project));   // none written yet
        foreach (var (content, expected) in new (string, string?)[]
        {
            (line + folder + "/\n", folder),
            (line + "  " + folder + "/../apiroutes-watch/  \r\n", folder),
            (project + "\r\n" + folder, folder),
            (Path.Combine(_root, "Shop", ".", "Shop.csproj") + "\n" + folder, folder),
            (line + Path.Combine(_root, "artifacts", "obj") + "//Shop/apiroutes-watch/", folder),   // as obj\ makes it
            ("", null),
            (line, null),
            (folder + "/\n", null),                                            // no project file
            (line + "artifacts/obj/Shop/apiroutes-watch/", null),               // not a full path
            (line + Path.Combine(_root, "missing", "apiroutes-watch") + "/", null),   // no such folder
            (line + folder + "/..", null),                                     // no development folder
            (line + folder + "/\n" + folder + "/\n", null),                    // three lines
            ("Shop/Shop.csproj\n" + folder + "/\n", null),                     // the project file, not a full path
            (line + folder + "\0/etc", null),
            (line + folder + "/" + new string('a', 9000), null),              // over the bound
            (line + Path.Combine(_root, "workspace-folder.txt"), null),        // a file, not a folder
        })
        {
            File.WriteAllText(file, content);
            Assert.Equal(expected, ProjectAnalysis.ReadWorkspaceFolder(file, project));
        }

        File.WriteAllBytes(file, [0xFF, 0xFE, 0x00, 0xD8, 0x2F]);
        Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file, project));
        File.Delete(file);
        Directory.CreateDirectory(file);   // a folder where the file was
        Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file, project));

        // A FIFO where the file was: opened, one without a writer blocks for good, and the app's start with it.
        Directory.Delete(file);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [file]))
        {
            Assert.True(mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0);
        }

        var read = Task.Run(() => ProjectAnalysis.ReadWorkspaceFolder(file, project));
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(30))));   // else: it never returned
        Assert.Null(await read);
    }

    // A workspace-folder file the app did not get from an analysis of its own project is never where it writes: a
    // project folder copied with its obj/ (cp -r Shop Shop2) named the original's folder, which exists, and the copy's
    // first session wrote its snapshot over the original's until its first analysis; a file planted in obj/ named any
    // folder that exists, and the app created tombstones.txt there at its start. ({0}: the original project file,
    // {1}: its development folder, {2}: the copy's project file, {3}: a folder that exists, not a development folder.)
    [Theory]
    [InlineData("{1}/\n")]            // as 977b817's analysis of Shop wrote it
    [InlineData("{0}\n{1}/\n")]       // as an analysis of Shop writes it
    [InlineData("{3}/\n")]            // planted
    [InlineData("{2}\n{3}/\n")]       // planted, naming the copy
    [InlineData("{2}\n{2}\n")]        // the project file, no folder
    public void A_workspace_folder_named_for_another_project_or_not_a_development_folder_is_not_used(string content)
    {
        var original = new ProjectLocation(Path.Combine(_root, "Shop", "Shop.csproj"), "Debug", "net10.0", "dotnet");
        var originalFolder = Directory.CreateDirectory(Path.Combine(_root, "Shop", "obj", "apiroutes-watch")).FullName;
        var copy = new ProjectLocation(Path.Combine(_root, "Shop2", "Shop.csproj"), "Debug", "net10.0", "dotnet");
        var copyFolder = Directory.CreateDirectory(Path.Combine(_root, "Shop2", "obj", "apiroutes-watch")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        File.WriteAllText(Path.Combine(copyFolder, "workspace-folder.txt"), string.Format(CultureInfo.InvariantCulture, content, original.ProjectFile, originalFolder, copy.ProjectFile, elsewhere));

        Assert.Equal(copyFolder, new ProjectAnalysis(copy).WorkspaceFolder);
    }

    // What an analysis of the project itself names is used from the start, wherever the project moved obj/.
    [Fact]
    public void A_workspace_folder_named_for_the_project_is_used()
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(_root, "artifacts", "obj", "Shop", "apiroutes-watch")).FullName;
        var (shop, _) = ShopNaming(artifacts);
        File.WriteAllText(Path.Combine(artifacts, SourceSnapshot.FileName), "");   // as the build that started the app left it

        Assert.Equal(artifacts, new ProjectAnalysis(shop).WorkspaceFolder);
    }

    // The project switched UseArtifactsOutput off since its last session: the folder the last analysis named is the
    // artifacts' one, which is still there, and the app wrote its snapshot there, where nothing reads it, until its
    // first analysis (a handler deleted meanwhile restarted the app). The build that started this process emptied the
    // snapshot in the folder it used; one holding texts is a folder no build used since an app wrote there.
    [Fact]
    public void A_workspace_folder_no_build_used_since_the_last_session_is_not_used_at_the_start()
    {
        var artifacts = Directory.CreateDirectory(Path.Combine(_root, "artifacts", "obj", "Shop", "apiroutes-watch")).FullName;
        var (shop, folder) = ShopNaming(artifacts);
        File.WriteAllText(Path.Combine(folder, SourceSnapshot.FileName), "");
        File.WriteAllText(Path.Combine(artifacts, SourceSnapshot.FileName), "the last session's texts");

        Assert.Equal(folder, new ProjectAnalysis(shop).WorkspaceFolder);
    }

    // Review 49C F2: where the project's BaseIntermediateOutputPath is a folder inside it that is not obj/ (build/obj/;
    // artifacts/ with UseArtifactsOutput and a Directory.Build.props beside the project file), the app rewrites
    // reevaluate.props in the folder the analysis names, a .props file that its own watch of the project folder took for
    // the developer's: each request that dotnet watch read the project again started one more analysis. That folder is
    // the build's, as the analysis's own is; the rest of the moved folder stays as it was.
    [Fact]
    public void The_workspace_folder_inside_the_project_is_the_builds_for_the_apps_watch()
    {
        var moved = Directory.CreateDirectory(Path.Combine(_root, "Shop", "build", "obj", "apiroutes-watch")).FullName;
        var (shop, folder) = ShopNaming(moved);
        File.WriteAllText(Path.Combine(moved, SourceSnapshot.FileName), "");
        var analysis = new ProjectAnalysis(shop);
        Assert.Equal(moved, analysis.WorkspaceFolder);

        Assert.True(IsBuilds(Path.Combine(moved, "reevaluate.props")));
        Assert.True(IsBuilds(Path.Combine(folder, "obj", "Shop.AssemblyInfo.cs")));
        Assert.True(IsBuilds(Path.Combine(_root, "Shop", "build", "obj", "Debug", "net10.0", "Shop.GeneratedMSBuildEditorConfig.editorconfig")));
        Assert.False(IsBuilds(Path.Combine(_root, "Shop", "build", "Directory.Build.props")));
        Assert.False(IsBuilds(Path.Combine(_root, "Shop", "build", "Api", "Hello.cs")));

        // A BaseIntermediateOutputPath of the project folder itself (or one above it): only its development folder.
        ShopNaming(Directory.CreateDirectory(Path.Combine(_root, "Shop", "apiroutes-watch")).FullName);
        File.WriteAllText(Path.Combine(_root, "Shop", "apiroutes-watch", SourceSnapshot.FileName), "");
        analysis = new ProjectAnalysis(shop);
        Assert.True(IsBuilds(Path.Combine(_root, "Shop", "apiroutes-watch", "reevaluate.props")));
        Assert.False(IsBuilds(Path.Combine(_root, "Shop", "Api", "Hello.cs")));

        bool IsBuilds(string path) =>
            RouteWatchService.IsBuilds(Path.GetRelativePath(shop.Directory, path).Split(Path.DirectorySeparatorChar), path, analysis);
    }

    // A project Shop under the test's folder whose last analysis named the folder given (its workspace-folder.txt), and
    // the analysis folder that file is in.
    private (ProjectLocation Shop, string Folder) ShopNaming(string named)
    {
        var shop = new ProjectLocation(Path.Combine(_root, "Shop", "Shop.csproj"), "Debug", "net10.0", "dotnet");
        var folder = Directory.CreateDirectory(Path.Combine(_root, "Shop", "obj", "apiroutes-watch")).FullName;
        File.WriteAllText(Path.Combine(folder, "workspace-folder.txt"), shop.ProjectFile + "\n" + named + "/\n");
        return (shop, folder);
    }
}
