using ApiRoutes.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// Asks MSBuild which ApiRoutes warnings its command line makes errors (<c>-warnaserror</c>, bare or with codes, less
/// <c>-warnnotaserror</c> and <c>-warnasmessage</c>). It runs in a project of its own
/// (<c>build/ApiRoutes.CommandLineWarnings.proj</c>), because in the app's project the engine cannot answer for the bare
/// switch (review 33c F4): it answers from the project's <c>MSBuildWarningsAsErrors</c> joined with the command line's
/// codes, and the bare switch's set is the empty one meaning "all"; the SDK puts NU1605 in every project's set, so the
/// join is never empty and "all" is lost, while the logger, which reads the command line's set first, still makes the
/// warning an error after the task has written the manifest. A project that sets none of those has no set of its own.
/// </summary>
public sealed class ReadApiRoutesCommandLineWarnings : ApiRoutesTask
{
    /// <summary>The ApiRoutes warning codes that MSBuild's command line makes errors.</summary>
    [Output]
    public string[] AsErrors { get; private set; } = [];

    private protected override void ExecuteCore()
    {
        var engine = BuildEngine as IBuildEngine8;
        AsErrors =
        [
            .. DiagnosticCodes.All
                .Where(descriptor => descriptor.Severity == DiagnosticSeverity.Warning)
                .Select(descriptor => descriptor.Code)
                .Where(code => engine?.ShouldTreatWarningAsError(code) == true),
        ];
    }
}
