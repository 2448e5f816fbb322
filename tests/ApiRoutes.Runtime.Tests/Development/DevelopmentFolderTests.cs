using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The development folder (the analysis, the compiler server's files, the tombstones' snapshot): where dotnet watch's
/// build of the app names it (runtimeconfig.json, $(BaseIntermediateOutputPath)apiroutes-watch, so the tombstone
/// generator reads the snapshot where the app writes it); obj/apiroutes-watch when it names none or no full path.
/// </summary>
public sealed class DevelopmentFolderTests
{
    private static readonly ProjectLocation Shop = new("/src/Shop/Shop.csproj", "Debug", "net10.0", "/usr/bin/dotnet");

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

    // The folder an analysis names for dotnet watch's workspace (workspace-folder.txt): only a full path to a folder
    // that exists, whatever else the file holds — the app writes there.
    [Fact]
    public void The_workspace_folder_is_read_only_when_the_file_names_a_folder_that_exists()
    {
        var root = Directory.CreateTempSubdirectory("apiroutes-workspace-folder-").FullName;
        try
        {
            var folder = Directory.CreateDirectory(Path.Combine(root, "artifacts", "obj", "Shop", "apiroutes-watch")).FullName;
            var file = Path.Combine(root, "workspace-folder.txt");

            Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file));   // none written yet
            foreach (var (content, expected) in new (string, string?)[]
            {
                (folder + "/\n", folder),
                ("  " + folder + "/../apiroutes-watch/  \r\n", folder),
                ("", null),
                ("artifacts/obj/Shop/apiroutes-watch/", null),               // not a full path
                (Path.Combine(root, "missing") + "/", null),               // no such folder
                (folder + "/\n" + folder + "/\n", null),                    // two lines
                (folder + "\0/etc", null),
                (folder + "/" + new string('a', 5000), null),              // over the bound
                (Path.Combine(root, "workspace-folder.txt"), null),        // a file, not a folder
            })
            {
                File.WriteAllText(file, content);
                Assert.Equal(expected, ProjectAnalysis.ReadWorkspaceFolder(file));
            }

            File.WriteAllBytes(file, [0xFF, 0xFE, 0x00, 0xD8, 0x2F]);
            Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file));
            File.Delete(file);
            Directory.CreateDirectory(file);   // a folder where the file was
            Assert.Null(ProjectAnalysis.ReadWorkspaceFolder(file));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
