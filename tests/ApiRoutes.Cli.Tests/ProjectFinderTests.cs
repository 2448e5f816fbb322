using ApiRoutes.Cli;
using ApiRoutes.Cli.Commands;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Which project a command works on, as <c>dotnet build</c> finds it: real project and solution files, read by
/// MSBuild's own parser and evaluation (no build, no restore).
/// </summary>
public sealed class ProjectFinderTests : IDisposable
{
    private const string App = """
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
          <ItemGroup><PackageReference Include="ApiRoutes" Version="0.1.0" /></ItemGroup>
        </Project>
        """;

    private const string TestProject = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
          <ItemGroup><ProjectReference Include="../MyApi/MyApi.csproj" /></ItemGroup>
        </Project>
        """;

    private const string Library = """
        <Project Sdk="Microsoft.NET.Sdk">
          <PropertyGroup><TargetFramework>net10.0</TargetFramework></PropertyGroup>
          <ItemGroup><PackageReference Include="ApiRoutes" Version="0.1.0" /></ItemGroup>
        </Project>
        """;

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-find-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public void A_folder_with_one_project_is_that_project()
    {
        var project = Write("Shop.csproj", "<Project />");

        Assert.Equal(project, ProjectFinder.Find(_folder));
    }

    [Fact]
    public void The_templates_solution_folder_finds_the_app_and_not_its_test_project()
    {
        // The layout 'dotnet new apiroutes' writes: MyApi.slnx at the root, the app and its tests below.
        var app = Write("MyApi/MyApi.csproj", App);
        Write("MyApi.Tests/MyApi.Tests.csproj", TestProject);
        Write("MyApi.slnx", """
            <Solution>
              <Project Path="MyApi/MyApi.csproj" />
              <Project Path="MyApi.Tests/MyApi.Tests.csproj" />
            </Solution>
            """);

        Assert.Equal(app, ProjectFinder.Find(_folder));
        Assert.Equal(app, ProjectFinder.Find(Path.Combine(_folder, "MyApi.slnx")));
    }

    [Fact]
    public void A_classic_sln_works_the_same_and_a_class_library_that_references_ApiRoutes_is_not_an_app()
    {
        var app = Write("Api/Api.csproj", App);
        Write("Shared/Shared.csproj", Library);
        Write("All.sln", Sln(("Api", "Api/Api.csproj"), ("Shared", "Shared/Shared.csproj")));

        Assert.Equal(app, ProjectFinder.Find(_folder));
    }

    [Fact]
    public async Task Two_ApiRoutes_apps_in_a_solution_are_one_line_that_names_both()
    {
        Write("A/A.csproj", App);
        Write("B/B.csproj", App);
        var solution = Write("Two.slnx", """<Solution><Project Path="A/A.csproj" /><Project Path="B/B.csproj" /></Solution>""");

        Assert.Equal(1, await Run("routes", _folder));

        Assert.Equal($"apiroutes: '{solution}' has several ApiRoutes apps (A/A.csproj, B/B.csproj); pass one of them.", SingleErrorLine());
    }

    [Fact]
    public async Task A_solution_without_an_ApiRoutes_app_is_one_line()
    {
        Write("MyApi.Tests/MyApi.Tests.csproj", TestProject);
        var solution = Write("Only.slnx", """<Solution><Project Path="MyApi.Tests/MyApi.Tests.csproj" /></Solution>""");

        Assert.Equal(1, await Run("validate", _folder));

        Assert.StartsWith($"apiroutes: No project in '{solution}' is an app that references the ApiRoutes package.", SingleErrorLine(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_solution_that_is_not_one_is_one_line()
    {
        var solution = Write("Broken.slnx", "<Solution><Project");

        Assert.Equal(1, await Run("routes", solution));

        Assert.StartsWith($"apiroutes: The solution '{solution}' cannot be read: ", SingleErrorLine(), StringComparison.Ordinal);
    }

    [Theory]
    // Each a folder dotnet build refuses too, for the same reason.
    [InlineData(new string[0], "There is no .csproj, .sln or .slnx in '{0}'. Pass a project file or its folder.")]
    [InlineData(new[] { "A.csproj", "B.csproj" }, "'{0}' holds several projects (A.csproj, B.csproj); pass one of them.")]
    [InlineData(new[] { "A.sln", "B.slnx" }, "'{0}' holds several solutions (A.sln, B.slnx); pass one of them, or the project.")]
    public async Task A_folder_without_one_project_or_solution_is_one_line(string[] files, string message)
    {
        foreach (var file in files)
        {
            Write(file, "<Project />");
        }

        Assert.Equal(1, await Run("routes", _folder));

        Assert.Equal("apiroutes: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, message, _folder), SingleErrorLine());
    }

    [Fact]
    public async Task A_path_that_does_not_exist_is_one_line()
    {
        var missing = Path.Combine(_folder, "nowhere");

        Assert.Equal(1, await Run("validate", missing));

        Assert.Equal($"apiroutes: '{missing}' does not exist. Pass a project file, a solution file, or a folder that holds one.", SingleErrorLine());
    }

    // Review 45b (minor): 'apiroutes validate' on a FIFO named *.csproj hung, as MSBuild's read of it never ended.
    [Theory]
    [InlineData("Shop.csproj", false)]
    [InlineData("Shop.csproj", true)]     // found in its folder
    [InlineData("Shop.sln", true)]
    public async Task A_project_or_solution_that_is_a_fifo_is_one_line_not_a_hang(string name, bool byFolder)
    {
        var fifo = Path.Combine(_folder, name);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            Assert.True(mkfifo.WaitForExit(10_000) && mkfifo.ExitCode == 0);
        }

        var run = Task.Run(() => Run("validate", byFolder ? _folder : fifo));   // a hang must not block the test

        Assert.True(await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))) == run, "the command did not end");
        Assert.Equal(1, await run);
        Assert.Equal($"apiroutes: '{fifo}' is not a regular file (a FIFO, a socket or a device), so it is no project or solution to read. Pass the project file itself.", SingleErrorLine());
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private string Write(string relativePath, string content)
    {
        var path = Path.Combine(_folder, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private string SingleErrorLine() => Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)).TrimEnd('\r');

    private Task<int> Run(params string[] args) => Program.RunAsync(args, _output, _error);

    // A Visual Studio solution as 'dotnet new sln' and 'dotnet sln add' write it.
    private static string Sln(params (string Name, string Path)[] projects)
    {
        var text = new System.Text.StringBuilder("\nMicrosoft Visual Studio Solution File, Format Version 12.00\n# Visual Studio Version 17\n");
        foreach (var (name, path) in projects)
        {
            text.Append("Project(\"{FAE04EC0-301F-11D3-BF4B-00C04F79EFBC}\") = \"").Append(name).Append("\", \"").Append(path.Replace('/', '\\'))
                .Append("\", \"{").Append(Guid.NewGuid().ToString().ToUpperInvariant()).Append("}\"\nEndProject\n");
        }

        return text.Append("Global\nEndGlobal\n").ToString();
    }
}
