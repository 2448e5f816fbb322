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
}
