using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>What the analysis needs to know about the project being built.</summary>
internal sealed record AnalysisRequest
{
    /// <summary>The compiled assembly (<c>obj/…/App.dll</c>); its PDB is found beside it or embedded.</summary>
    public required string AssemblyPath { get; init; }

    /// <summary>The project folder: default place of <c>apiroutes.yaml</c>, base of the manifest's source paths.</summary>
    public required string ProjectDirectory { get; init; }

    /// <summary>Handlers in <c>&lt;RootNamespace&gt;.Api</c> get default routes.</summary>
    public string RootNamespace { get; init; } = "";

    /// <summary><c>apiroutes.yaml</c>; a path that does not exist means "no configuration".</summary>
    public string? ConfigPath { get; init; }

    /// <summary>Compile references, to follow handler base classes into other assemblies.</summary>
    public IReadOnlyList<string> References { get; init; } = [];

    /// <summary>
    /// The referenced assemblies that may be class libraries of the solution (not the framework's): their handlers are
    /// not routes, and each one is a warning.
    /// </summary>
    public IReadOnlyList<LibraryReference> Libraries { get; init; } = [];

    public SourcePathMap PathMap { get; init; } = SourcePathMap.Identity;

    /// <summary>Where a diagnostic points when no source location is known (the project file).</summary>
    public string? FallbackFile { get; init; }

    /// <summary>"Now", for checking that a schedule fires at all.</summary>
    public DateTime NowUtc { get; init; } = DateTime.UtcNow;

    public string Generator { get; init; } = "ApiRoutes";
}

/// <summary>The manifest (null when any error was found) and every diagnostic, in a stable order.</summary>
internal sealed record AnalysisResult(RouteManifest? Manifest, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}
