namespace ApiRoutes.Development;

/// <summary>
/// The point an analysis cannot pass once the app is stopping for a restart: its compile. An analysis killed while it
/// compiles takes the compiler server down with it (Roslyn's server shuts down when a client goes away mid-request),
/// and the restart's build is about to compile on that server; an analysis killed before it compiles harms nothing. So
/// each analysis gets a gate file, which its build renames to <c>.passed</c> as it reaches the compile (the target
/// <c>_ApiRoutesWatchCompileGate</c>, just before <c>CoreCompile</c>: a missing gate fails the build there), and the
/// stopping app renames it to <c>.closed</c>. Both are one <c>rename</c> of the same file: exactly one of them wins,
/// so the app knows, without guessing from the time, whether it may kill the analysis at once.
/// </summary>
internal sealed class CompileGate(string folder)
{
    public string Path { get; } = System.IO.Path.Combine(folder, "compile.gate");

    private string Passed => Path + ".passed";

    private string Closed => Path + ".closed";

    /// <summary>Opens the gate for the next analysis (what an earlier one left is removed).</summary>
    public void Open()
    {
        Directory.CreateDirectory(folder);
        File.Delete(Passed);
        File.Delete(Closed);
        File.WriteAllText(Path, string.Empty);
    }

    /// <summary>Whether the analysis has reached its compile (its build renamed the gate to <c>.passed</c>).</summary>
    public bool IsPassed => File.Exists(Passed);

    /// <summary>
    /// Closes the gate: true when the analysis had not reached its compile (it never will: kill it at once), false when
    /// it had (the gate was passed, or never opened).
    /// </summary>
    public bool TryClose()
    {
        try
        {
            File.Move(Path, Closed, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }
}
