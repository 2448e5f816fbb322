using System.Reflection;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Analysis;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// Reads the compiled assembly's metadata, finds its API handlers, merges <c>apiroutes.yaml</c>, validates routes and
/// schedules, and writes <c>apiroutes.manifest.json</c>. On any error the stale manifest is deleted, so an
/// out-of-date manifest never sits beside a new assembly.
/// </summary>
public sealed class GenerateApiRoutesManifest : ApiRoutesTask
{
    /// <summary>The compiled assembly, normally <c>@(IntermediateAssembly)</c>.</summary>
    [Required]
    public string AssemblyPath { get; set; } = "";

    /// <summary>The project folder; manifest source paths are relative to it.</summary>
    [Required]
    public string ProjectDirectory { get; set; } = "";

    /// <summary>Where to write the manifest, normally <c>$(OutDir)apiroutes.manifest.json</c>.</summary>
    [Required]
    public string ManifestPath { get; set; } = "";

    /// <summary>The project file, used as the location of diagnostics that have no source location.</summary>
    public string? ProjectFile { get; set; }

    /// <summary>The project's root namespace; handlers in <c>$(RootNamespace).Api</c> get default routes.</summary>
    public string? RootNamespace { get; set; }

    /// <summary>The path of <c>apiroutes.yaml</c>; the file is optional.</summary>
    public string? ConfigFile { get; set; }

    /// <summary>The compile references (<c>@(ReferencePath)</c>), to follow handler base classes.</summary>
    public ITaskItem[] References { get; set; } = [];

    /// <summary>When set, a SARIF 2.1.0 report of the diagnostics is written there, also when the build fails.</summary>
    public string? ReportFile { get; set; }

    /// <summary>
    /// <c>$(ApiRoutesRepositoryRoot)</c>: the folder the report's paths are relative to. Default: the git repository's
    /// root above the project, else the project folder.
    /// </summary>
    public string? RepositoryRoot { get; set; }

    /// <summary><c>$(TreatWarningsAsErrors)</c>: every ApiRoutes warning is an error, except those in <see cref="WarningsNotAsErrors"/>.</summary>
    public bool TreatWarningsAsErrors { get; set; }

    /// <summary><c>$(WarningsAsErrors)</c>: codes reported as errors.</summary>
    public string? WarningsAsErrors { get; set; }

    /// <summary><c>$(WarningsNotAsErrors)</c>: codes that stay warnings under <see cref="TreatWarningsAsErrors"/>.</summary>
    public string? WarningsNotAsErrors { get; set; }

    /// <summary><c>$(NoWarn)</c>: warnings not reported at all.</summary>
    public string? NoWarn { get; set; }

    /// <summary>The <c>@(SourceRoot)</c> items; their <c>MappedPath</c> maps deterministic PDB paths back to files.</summary>
    public ITaskItem[] SourceRoots { get; set; } = [];

    /// <summary>MSBuild's MSBuildWarningsAsMessages: codes it shows as messages, which do not make the analysis run again.</summary>
    public string? WarningsAsMessages { get; set; }

    /// <summary>MSBuild's MSBuildWarningsNotAsErrors: codes that its <c>-warnaserror</c> leaves warnings.</summary>
    public string? MSBuildWarningsNotAsErrors { get; set; }

    /// <summary>
    /// The ApiRoutes warning codes MSBuild's command line makes errors, read by <see cref="ReadApiRoutesCommandLineWarnings"/>
    /// in a project of its own: the engine does not answer for the bare <c>-warnaserror</c> here (review 33c F4).
    /// </summary>
    public string? CommandLineWarningsAsErrors { get; set; }

    /// <summary>Whether the analysis logged a warning: the build then runs it again next time, to say it again.</summary>
    [Output]
    public bool Warned { get; private set; }

    /// <summary>
    /// <c>$(PathMap)</c> (<c>/real/path/=/src/,…</c>), which the compiler applies to the PDB's paths: mapped back as the
    /// source roots are, for a project that sets it itself (review 25a F7: every location pointed at a file under /src/).
    /// </summary>
    public string? PathMap { get; set; }

    private protected override void ExecuteCore()
    {
        var result = RouteAnalyzer.Analyze(new AnalysisRequest
        {
            AssemblyPath = AssemblyPath,
            ProjectDirectory = ProjectDirectory,
            RootNamespace = RootNamespace ?? "",
            ConfigPath = string.IsNullOrEmpty(ConfigFile) ? null : ConfigFile,
            References = References.Select(item => item.ItemSpec).ToList(),
            Libraries = Libraries(References),
            PathMap = new SourcePathMap(SourceRoots.Select(item => (item.GetMetadata("MappedPath"), item.ItemSpec)).Concat(SourcePathMap.Parse(PathMap))),
            FallbackFile = string.IsNullOrEmpty(ProjectFile) ? null : ProjectFile,
            Generator = "ApiRoutes " + Version,
        });

        var engine = BuildEngine as IBuildEngine8;
        var msbuildAsErrors = WarningPolicy.MSBuildMakesError(code => engine?.ShouldTreatWarningAsError(code) == true, CommandLineWarningsAsErrors, MSBuildWarningsNotAsErrors, WarningsAsMessages);
        var policy = new WarningPolicy(TreatWarningsAsErrors, WarningsAsErrors, WarningsNotAsErrors, NoWarn, msbuildAsErrors);
        var diagnostics = policy.Apply(result.Diagnostics);
        var asMessages = (WarningsAsMessages ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var diagnostic in diagnostics)
        {
            LogDiagnostic(diagnostic);
            Warned |= diagnostic.Severity != DiagnosticSeverity.Error && !asMessages.Contains(diagnostic.Code);
        }

        if (!string.IsNullOrEmpty(ReportFile))
        {
            WriteIfChanged(ReportFile, SarifReport.Create(diagnostics, Version, Diagnostics.RepositoryRoot.Find(RepositoryRoot, ProjectDirectory)));
        }

        // A warning made an error fails the build like any error: no manifest may be left beside the assembly.
        if (result.Manifest is null || Log.HasLoggedErrors)
        {
            Writing = ManifestPath;
            File.Delete(ManifestPath);
            return;
        }

        WriteIfChanged(ManifestPath, ManifestJson.Serialize(result.Manifest));
        Log.LogMessage(MessageImportance.Normal, "ApiRoutes: {0} route(s) -> {1}", result.Manifest.Routes.Count, ManifestPath);
    }

    // The framework's reference assemblies are many and never hold handlers; everything else may be a class library.
    private static List<LibraryReference> Libraries(ITaskItem[] references) =>
        [.. references
            .Where(item => item.GetMetadata("FrameworkReferenceName").Length == 0)
            .Select(item => new LibraryReference(item.ItemSpec, item.GetMetadata("MSBuildSourceProjectFile") is { Length: > 0 } project ? project : null))];

    // Leaves the file (and its timestamp) alone when nothing changed, so incremental copies downstream stay quiet.
    private void WriteIfChanged(string path, string content)
    {
        Writing = path;
        if (File.Exists(path) && File.ReadAllText(path) == content)
        {
            return;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, content);
    }

    internal static string Version { get; } =
        typeof(GenerateApiRoutesManifest).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?
            .InformationalVersion.Split('+')[0] ?? "0.0.0";
}
