using ApiRoutes.Tasks.Diagnostics;

namespace ApiRoutes.Tasks.UnitTests.Diagnostics;

/// <summary>TreatWarningsAsErrors, WarningsAsErrors, WarningsNotAsErrors and NoWarn, read as the compiler reads them.</summary>
public sealed class WarningPolicyTests
{
    private static readonly Diagnostic Warning = DiagnosticCodes.UnknownRouteConstraint.Create(null, "w");
    private static readonly Diagnostic Error = DiagnosticCodes.InvalidSchedule.Create(null, "e");

    [Theory]
    // nothing set: a warning is a warning
    [InlineData(false, "", "", "", "warning")]
    // TreatWarningsAsErrors: every warning is an error
    [InlineData(true, "", "", "", "error")]
    // ... except those in WarningsNotAsErrors
    [InlineData(true, "", "AR4101;AR2101", "", "warning")]
    // WarningsAsErrors alone, with the compiler's separators, spaces and any case
    [InlineData(false, "CS0168, ar2101", "", "", "error")]
    // NoWarn silences it, also under TreatWarningsAsErrors and also when listed as an error
    [InlineData(true, "AR2101", "", "1701;1702;AR2101", "none")]
    // another code in NoWarn changes nothing
    [InlineData(true, "", "", "AR0101", "error")]
    public void A_warning_is_reported_as_the_project_says(bool treatAsErrors, string asErrors, string notAsErrors, string noWarn, string expected)
    {
        var policy = new WarningPolicy(treatAsErrors, asErrors, notAsErrors, noWarn);

        var reported = policy.Apply([Warning]);

        Assert.Equal(expected, reported.Count == 0 ? "none" : reported[0].Severity.ToString().ToLowerInvariant());
        Assert.All(reported, d => Assert.Equal(("AR2101", "w"), (d.Code, d.Message)));
    }

    [Fact]
    public void What_MSBuild_itself_makes_an_error_is_logged_as_one_unless_NoWarn_silences_it()
    {
        // -warnaserror: the engine would turn the warning into an error after the task had written its manifest.
        var engine = new WarningPolicy(false, "", "", "", code => code == "AR2101");
        var silenced = new WarningPolicy(false, "", "", "AR2101", code => code == "AR2101");

        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(engine.Apply([Warning])).Severity);
        Assert.Empty(silenced.Apply([Warning]));
    }

    [Theory]
    // the engine says so (-warnaserror:AR2101, MSBuildWarningsAsErrors): an error
    [InlineData(true, "", "", "", "error")]
    // the command line's -warnaserror makes it an error (the engine, in an SDK project, did not say so: review 33c F4)
    [InlineData(false, "AR0101,AR2101", "", "", "error")]
    // ... except when the project's MSBuildWarningsNotAsErrors exempts it, as MSBuild's logger does
    [InlineData(false, "AR2101", "CS0168; ar2101", "", "warning")]
    // ... or its MSBuildWarningsAsMessages (with NoWarn in it) shows it as a message
    [InlineData(false, "AR2101", "", "1701;AR2101", "warning")]
    // another code on the command line changes nothing
    [InlineData(false, "AR0101", "", "", "warning")]
    public void What_MSBuild_makes_an_error_is_what_its_engine_or_its_command_line_says(bool engine, string commandLine, string notAsErrors, string asMessages, string expected)
    {
        var policy = new WarningPolicy(false, "", "", "", WarningPolicy.MSBuildMakesError(_ => engine, commandLine, notAsErrors, asMessages));

        Assert.Equal(expected, Assert.Single(policy.Apply([Warning])).Severity.ToString().ToLowerInvariant());
    }

    [Fact]
    public void Errors_stay_errors_whatever_NoWarn_says()
    {
        var policy = new WarningPolicy(false, "", "AR4001", "AR4001");

        Assert.Equal(DiagnosticSeverity.Error, Assert.Single(policy.Apply([Error])).Severity);
    }
}
