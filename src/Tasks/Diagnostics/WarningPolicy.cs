namespace ApiRoutes.Tasks.Diagnostics;

/// <summary>
/// The project's own say over warnings, read as the compiler (Csc) and NuGet's restore task read the same four
/// properties: <c>NoWarn</c> silences a warning, <c>WarningsAsErrors</c> makes it an error, and
/// <c>TreatWarningsAsErrors</c> makes every warning an error except those in <c>WarningsNotAsErrors</c>. Errors are
/// never changed. MSBuild itself maps only <c>WarningsAsErrors</c> and <c>NoWarn</c> onto a task's warnings, so the
/// task applies the policy and logs the result. What MSBuild itself promotes (<c>MSBuildTreatWarningsAsErrors</c>,
/// <c>MSBuildWarningsAsErrors</c>, <c>-warnaserror</c>) is asked of the engine and of the command line
/// (<see cref="MSBuildMakesError"/>), so that the task knows it failed and leaves no manifest behind.
/// </summary>
internal sealed class WarningPolicy
{
    private readonly bool _treatAsErrors;
    private readonly HashSet<string> _asErrors;
    private readonly HashSet<string> _notAsErrors;
    private readonly HashSet<string> _suppressed;
    private readonly Func<string, bool> _engineAsError;

    public WarningPolicy(bool treatWarningsAsErrors, string? warningsAsErrors, string? warningsNotAsErrors, string? noWarn, Func<string, bool>? engineAsError = null)
    {
        _engineAsError = engineAsError ?? (_ => false);
        _treatAsErrors = treatWarningsAsErrors;
        _asErrors = Codes(warningsAsErrors);
        _notAsErrors = Codes(warningsNotAsErrors);
        _suppressed = Codes(noWarn);
    }

    public static WarningPolicy None { get; } = new(false, null, null, null);

    /// <summary>
    /// Whether MSBuild's logger makes an error of a warning the project logs: when the project's engine says so, or when the
    /// command line does (<paramref name="commandLineAsErrors"/>, read in a project of its own, see
    /// ReadApiRoutesCommandLineWarnings) and the project's <c>MSBuildWarningsNotAsErrors</c> and <c>MSBuildWarningsAsMessages</c>
    /// do not exempt it, as the logger decides. The engine alone answered false for the bare <c>-warnaserror</c> in an SDK
    /// project, and the failed build kept the manifest (review 33c F4).
    /// </summary>
    public static Func<string, bool> MSBuildMakesError(Func<string, bool> engine, string? commandLineAsErrors, string? notAsErrors, string? asMessages)
    {
        var commandLine = Codes(commandLineAsErrors);
        var exempt = Codes(notAsErrors);
        exempt.UnionWith(Codes(asMessages));
        return code => engine(code) || (commandLine.Contains(code) && !exempt.Contains(code));
    }

    /// <summary>The diagnostics as the project wants them reported: suppressed ones left out, promoted ones as errors.</summary>
    public IReadOnlyList<Diagnostic> Apply(IEnumerable<Diagnostic> diagnostics) =>
        [.. diagnostics.Select(Apply).OfType<Diagnostic>()];

    private Diagnostic? Apply(Diagnostic diagnostic)
    {
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            return diagnostic;
        }

        // As for the compiler: a silenced warning is silenced even when it is also listed as an error.
        if (_suppressed.Contains(diagnostic.Code))
        {
            return null;
        }

        var asError = _asErrors.Contains(diagnostic.Code) || (_treatAsErrors && !_notAsErrors.Contains(diagnostic.Code)) || _engineAsError(diagnostic.Code);
        return asError ? diagnostic with { Descriptor = diagnostic.Descriptor with { Severity = DiagnosticSeverity.Error } } : diagnostic;
    }

    // The compiler accepts ';' and ',' between codes, and spaces around them.
    private static HashSet<string> Codes(string? list) =>
        new((list ?? "").Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
}
