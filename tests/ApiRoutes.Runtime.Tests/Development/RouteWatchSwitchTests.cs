using ApiRoutes.Development;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>The development loop is on only in Development under dotnet watch (DOTNET_WATCH=1), and can be turned off.</summary>
public sealed class RouteWatchSwitchTests
{
    [Theory]
    [InlineData("Development", "1", true, true)]    // dotnet watch
    [InlineData("Development", null, true, false)]  // dotnet run
    [InlineData("Development", "0", true, false)]
    [InlineData("Production", "1", true, false)]    // never in a published app, whatever the environment says
    [InlineData("Staging", "1", true, false)]
    [InlineData("Development", "1", false, false)]  // ApiRoutes:Watch:Enabled=false
    public void Is_on_only_under_dotnet_watch_in_development(string environment, string? dotnetWatch, bool enabled, bool expected)
    {
        var host = new Environment { EnvironmentName = environment };

        Assert.Equal(expected, RouteWatchService.IsOn(host, new WatchOptions { Enabled = enabled }, dotnetWatch));
    }

    [Theory]
    [InlineData(".NETCoreApp,Version=v10.0", "net10.0")]
    [InlineData(".NETCoreApp,Version=v9.0", "net9.0")]
    [InlineData(".NETFramework,Version=v4.8", null)]
    [InlineData(null, null)]
    public void Names_the_target_framework_as_the_project_file_does(string? frameworkName, string? expected) =>
        Assert.Equal(expected, ProjectLocation.ShortName(frameworkName));

    [Fact]
    public void Finds_the_one_project_file_of_the_content_root_or_the_one_named_after_the_app()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-watch-").FullName;
        try
        {
            Assert.Null(ProjectLocation.Find(folder, "Shop", null));
            File.WriteAllText(Path.Combine(folder, "Shop.csproj"), "<Project />");
            Assert.Equal(Path.Combine(folder, "Shop.csproj"), ProjectLocation.Find(folder, "Other", null)!.ProjectFile);
            File.WriteAllText(Path.Combine(folder, "Tools.csproj"), "<Project />");
            Assert.Equal(Path.Combine(folder, "Shop.csproj"), ProjectLocation.Find(folder, "Shop", null)!.ProjectFile);
            Assert.Null(ProjectLocation.Find(folder, "Other", null));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private sealed class Environment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "";

        public string ApplicationName { get; set; } = "Shop";

        public string ContentRootPath { get; set; } = "";

        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }
}
