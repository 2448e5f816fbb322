using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ApiRoutes.Development;

/// <summary>
/// The compiler server the development loop compiles with: Roslyn's own (VBCSCompiler, what <c>dotnet build</c> uses by
/// default), under a pipe name of this project's, so that it is warm from the second compile on (a compiler started cold
/// spends seconds on its own start-up), isolated from the developer's other builds. The app's analyses use it, and so do
/// dotnet watch's builds of the project while it runs (the package's build logic finds it by the same name:
/// <c>apiroutes-</c> and the first 20 hex digits of the SHA-256 of the project's full path, MSBuild's
/// <c>StableStringHash(…, 'Sha256')</c>), so that the build of a restart compiles warm too. Its name is the same for
/// every run of the app, so a restarted app finds the server its predecessor left; Roslyn ends it after its idle timeout.
/// </summary>
internal sealed class CompilerServer(ProjectLocation project, string analysisFolder)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    public string PipeName { get; } = NameFor(project.ProjectFile);

    /// <summary>The pipe name of a project's server; the package's build logic computes the same one.</summary>
    public static string NameFor(string projectFullPath) =>
        "apiroutes-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(projectFullPath)))[..20];

    /// <summary>Where the analysis target writes the server's path (Roslyn's, as the project's build resolves it).</summary>
    public string PathFile => Path.Combine(analysisFolder, "compiler-server.path");

    /// <summary>The properties that make the analysis's compile use this server.</summary>
    public IEnumerable<string> BuildArguments => ["-p:UseSharedCompilation=true", $"-p:SharedCompilationId={PipeName}"];

    /// <summary>Asks the server to stop (<c>VBCSCompiler -shutdown</c>); quietly does nothing when no analysis ran.</summary>
    public async Task StopAsync()
    {
        var server = File.Exists(PathFile) ? (await File.ReadAllTextAsync(PathFile)).Trim() : null;
        if (server is null || !File.Exists(server))
        {
            return;
        }

        var start = new ProcessStartInfo(project.DotNet) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { server, "-shutdown", $"-pipename:{PipeName}" })
        {
            start.ArgumentList.Add(argument);
        }

        try
        {
            using var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(StopTimeout);
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(timeout.Token), process.StandardError.ReadToEndAsync(timeout.Token));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
                await drain;
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception e) when (e is IOException or System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            // Best effort: a server left running ends itself after Roslyn's idle timeout.
        }
    }
}
