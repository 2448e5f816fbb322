using ApiRoutes.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// Base of the ApiRoutes tasks: turns expected failures (I/O on the files the task reads and writes) into coded
/// errors, lets bugs surface as MSBuild's own task-failure error, and logs analysis diagnostics with their locations.
/// </summary>
public abstract class ApiRoutesTask : Microsoft.Build.Utilities.Task
{
    /// <inheritdoc />
    public sealed override bool Execute()
    {
        try
        {
            ExecuteCore();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // At the file it could not write, when it knows which (review 30c F7: the package's targets file, in the NuGet
            // cache, was where an editor's error list led).
            Log.LogError(null, DiagnosticCodes.ManifestUnwritable.Code, null, Writing, 0, 0, 0, 0,
                "ApiRoutes could not write its output: {0}", e.Message);
        }

        return !Log.HasLoggedErrors;
    }

    /// <summary>The file being written, for the error when it cannot be.</summary>
    private protected string? Writing { get; set; }

    /// <summary>Does the work; diagnostics go through <see cref="LogDiagnostic"/>.</summary>
    private protected abstract void ExecuteCore();

    private protected void LogDiagnostic(Diagnostic diagnostic)
    {
        // Line and column only, as the C# compiler reports them: "File.cs(3,17): error AR4001: …" is what CI
        // annotators and editors already recognise.
        var location = diagnostic.Location;
        var (file, line, column) = (location?.File, location?.Line ?? 0, location?.Column ?? 0);
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            Log.LogError(null, diagnostic.Code, null, file, line, column, 0, 0, "{0}", diagnostic.Message);
        }
        else
        {
            Log.LogWarning(null, diagnostic.Code, null, file, line, column, 0, 0, "{0}", diagnostic.Message);
        }
    }
}
