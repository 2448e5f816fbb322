using System.Diagnostics;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Runs <c>apiroutes serve</c> as an operator does, through the CLI's apphost (not <c>dotnet apiroutes.dll</c>), in a
/// folder and an environment of the test's choosing; and writes a fake <c>dotnet</c> that records how it was run.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class ServeProcess
{
    public static string AppHost => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "apiroutes.exe" : "apiroutes");

    /// <summary>A shell script named <c>dotnet</c> in <paramref name="folder"/> that writes its arguments, its environment and the modes of its folder and lock file to <paramref name="record"/>.</summary>
    public static string FakeDotnet(string folder, string record)
    {
        var path = Path.Combine(folder, "dotnet");
        File.WriteAllText(path, $"#!/bin/sh\necho \"ran: $*\" > '{record}'\nenv >> '{record}'\nstat -c 'mode %a %n' \"$PWD\" \"$PWD.lock\" >> '{record}'\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <param name="shellPrefix">Shell commands run before the CLI in the same process (such as <c>umask 0277</c>).</param>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string workingDirectory, Action<IDictionary<string, string?>> environment, string shellPrefix, params string[] arguments)
    {
        var start = new ProcessStartInfo("/bin/sh") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-c", shellPrefix + "; exec \"$0\" \"$@\"", AppHost, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        environment(start.Environment);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await output, await error);
    }
}
