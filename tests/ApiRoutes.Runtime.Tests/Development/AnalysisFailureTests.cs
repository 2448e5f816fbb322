using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>What the dashboard and event 6003 say when an analysis gives no manifest.</summary>
public sealed class AnalysisFailureTests
{
    [Fact]
    public void A_name_the_analysis_cannot_find_says_a_referenced_project_may_need_a_restart()
    {
        // Review 16a F2: a type added to a referenced project and used by the app is applied by hot reload, but the
        // analysis compiles against the project as dotnet watch last built it: the error was one dotnet watch never showed.
        var missing = BuildDiagnostic.Parse("/p/Api/Probe.cs(8,81): error CS0234: The type or namespace name 'ReviewProbe' does not exist in the namespace 'ApiRoutes.Storage' [/p/Shop.csproj]")!;
        var syntax = BuildDiagnostic.Parse("/p/Api/Probe.cs(1,1): error CS1002: ; expected [/p/Shop.csproj]")!;

        Assert.Equal($"the project does not compile: {missing}{ProjectAnalysis.ReferencedProjectHint}", ProjectAnalysis.Failure(1, [missing], ""));
        Assert.EndsWith("restart the app (Ctrl+R)", ProjectAnalysis.Failure(1, [missing], ""), StringComparison.Ordinal);
        Assert.Equal($"the project does not compile: {syntax}", ProjectAnalysis.Failure(1, [syntax], ""));
        Assert.Equal("the build wrote no route manifest (is ApiRoutesEnabled false in the project?)", ProjectAnalysis.Failure(0, [], ""));
        Assert.Equal("'dotnet msbuild -t:ApiRoutesWatchAnalyze' exited with 1: boom", ProjectAnalysis.Failure(1, [], " boom \n"));

        // Review 46f F2: a project that references no other project is not told to restart for a typo.
        Assert.Equal($"the project does not compile: {missing}", ProjectAnalysis.Failure(1, [missing], "", mayReferenceProjects: false));
    }

    [Fact]
    public void Whether_a_project_may_reference_another_is_read_from_its_restores_assets()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-assets-").FullName;
        try
        {
            Assert.True(ProjectAnalysis.MayReferenceProjects(folder));   // not restored yet: it may
            Directory.CreateDirectory(Path.Combine(folder, "obj"));
            var assets = Path.Combine(folder, "obj", "project.assets.json");
            File.WriteAllText(assets, """{ "libraries": { "Cronos/0.13.0": { "type": "package" } } }""");
            Assert.False(ProjectAnalysis.MayReferenceProjects(folder));
            File.WriteAllText(assets, """{ "libraries": { "Shop.Data/1.0.0": { "type": "project", "path": "../Shop.Data/Shop.Data.csproj" } } }""");
            Assert.True(ProjectAnalysis.MayReferenceProjects(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
