using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>The development loop reads back the diagnostics MSBuild printed for the build's own analysis.</summary>
public sealed class BuildDiagnosticTests
{
    [Theory]
    // the analysis' error at an attribute argument, with MSBuild's project suffix
    [InlineData("/p/Api/Cleanup.cs(6,17): error AR4001: '61 * * * *' is not valid: minutes are 0-59. [/p/Shop.csproj]",
        "error", "AR4001", "/p/Api/Cleanup.cs", 6, 17, "'61 * * * *' is not valid: minutes are 0-59.")]
    // a YAML location, indented as minimal verbosity prints it
    [InlineData("    /p/apiroutes.yaml(3,15): warning AR5101: The route entry '/api/a' sets nothing. [/p/Shop.csproj]",
        "warning", "AR5101", "/p/apiroutes.yaml", 3, 15, "The route entry '/api/a' sets nothing.")]
    // no line: the project file
    [InlineData("/p/Shop.csproj : warning AR0101: No API handlers were found in 'Shop'. [/p/Shop.csproj]",
        "warning", "AR0101", "/p/Shop.csproj", 0, 0, "No API handlers were found in 'Shop'.")]
    // the compiler's, with an end position
    [InlineData("/p/Api/X.cs(1,2,1,5): error CS1002: ; expected [/p/Shop.csproj]", "error", "CS1002", "/p/Api/X.cs", 1, 2, "; expected")]
    // MSBuild's own, no file
    [InlineData("MSBUILD : error MSB1009: Project file does not exist.", "error", "MSB1009", null, 0, 0, "Project file does not exist.")]
    public void Reads_a_diagnostic_line(string line, string severity, string code, string? file, int lineNumber, int column, string message)
    {
        Assert.Equal(new BuildDiagnostic(severity, code, file, lineNumber, column, message), BuildDiagnostic.Parse(line));
    }

    [Theory]
    [InlineData("  Shop -> /p/bin/Debug/net10.0/Shop.dll")]
    [InlineData("Build succeeded.")]
    [InlineData("")]
    public void Other_lines_are_not_diagnostics(string line) => Assert.Null(BuildDiagnostic.Parse(line));

    [Fact]
    public void Prints_as_the_build_does()
    {
        Assert.Equal("/p/Api/Cleanup.cs(6,17): error AR4001: bad", new BuildDiagnostic("error", "AR4001", "/p/Api/Cleanup.cs", 6, 17, "bad").ToString());
        Assert.Equal("/p/Shop.csproj: warning AR0101: none", new BuildDiagnostic("warning", "AR0101", "/p/Shop.csproj", 0, 0, "none").ToString());
    }
}
