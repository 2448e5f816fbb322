namespace ApiRoutes.Development;

/// <summary>
/// Produces a route manifest for the code as it is now, with the build's diagnostics. The real one compiles the
/// project into a folder of its own and runs the build's analysis (<see cref="ProjectAnalysis"/>); tests use fakes.
/// </summary>
internal interface IRouteAnalysis
{
    Task<RouteAnalysisResult> AnalyzeAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The app is stopping for a restart: keeps the analysis in progress (and any later one) from starting its compile.
    /// True when none is compiling, so it may be killed at once; false when one is (killing it would take the compiler
    /// server the restart's build uses down with it).
    /// </summary>
    bool TryStopBeforeCompile();

    /// <summary>
    /// Whether an analysis is in progress past its compile's gate: it reads the sources now, so a file written
    /// meanwhile may have been read in a state that a settle, comparing only where a burst ends, never sees.
    /// </summary>
    bool Compiling { get; }
}

/// <param name="ManifestPath">The manifest written, when the analysis succeeded.</param>
/// <param name="Diagnostics">Every diagnostic the build reported, errors and warnings.</param>
/// <param name="Failure">Why no manifest could be produced when no ApiRoutes error says so (the code does not compile, the build could not run).</param>
internal sealed record RouteAnalysisResult(string? ManifestPath, IReadOnlyList<BuildDiagnostic> Diagnostics, string? Failure = null);

/// <summary>Puts a manifest's routes into service; throws when they cannot be bound or mapped, leaving the old ones.</summary>
internal interface IRouteSwap
{
    /// <param name="manifestPath">The analysed manifest.</param>
    /// <param name="leaveOut">
    /// Handler types hot reload did not apply however long it was waited for (dotnet watch did not see their files): the
    /// routes of these are left out, rather than hold every other route's change back.
    /// </param>
    SwapResult Apply(string manifestPath, IReadOnlySet<string> leaveOut);
}

/// <param name="Count">
/// How many routes are now served; null when the manifest names a handler type hot reload has not applied yet, other
/// than those left out (nothing changed: the change that hot reload applies next asks for another refresh).
/// </param>
/// <param name="Unapplied">The handler types the manifest names that hot reload has not applied.</param>
/// <param name="LeftOut">The routes not served for them (when <paramref name="Count"/> is not null).</param>
/// <param name="LeftOutFiles">
/// The source files of the handlers of <paramref name="LeftOut"/>, as the manifest names them (relative to the project
/// folder under it); null when one has none (no PDB).
/// </param>
internal sealed record SwapResult(int? Count, IReadOnlyList<string> Unapplied, IReadOnlyList<string> LeftOut, IReadOnlyList<string>? LeftOutFiles = null);
