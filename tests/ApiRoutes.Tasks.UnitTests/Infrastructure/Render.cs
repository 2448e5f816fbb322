using ApiRoutes.Tasks.Analysis;
using ApiRoutes.Tasks.Diagnostics;

namespace ApiRoutes.Tasks.UnitTests.Infrastructure;

/// <summary>Short, exact text forms of analysis results for assertions.</summary>
internal static class Render
{
    /// <summary><c>AR4001 Api/Cleanup.cs(5,17)</c>: code and location, relative to the project folder.</summary>
    public static string Where(Diagnostic diagnostic, TestProject project)
    {
        var location = diagnostic.Location;
        if (location is null)
        {
            return diagnostic.Code;
        }

        var file = Path.GetRelativePath(project.Directory, location.File).Replace('\\', '/');
        return location.Line > 0 ? $"{diagnostic.Code} {file}({location.Line},{location.Column})" : $"{diagnostic.Code} {file}";
    }

    public static string[] Codes(AnalysisResult result) => result.Diagnostics.Select(d => d.Code).ToArray();

    public static Diagnostic Single(AnalysisResult result, string code)
    {
        var matching = result.Diagnostics.Where(d => d.Code == code).ToList();
        Assert.True(matching.Count == 1, $"Expected one {code}, got:\n{string.Join("\n", result.Diagnostics)}");
        return matching[0];
    }
}
