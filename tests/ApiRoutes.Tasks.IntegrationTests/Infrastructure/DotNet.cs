using System.Diagnostics;
using System.Text;

namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>Runs the real <c>dotnet</c> CLI as a user would, isolated from the test host's MSBuild settings.</summary>
internal static class DotNet
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(5);

    public static Task<CommandResult> RunAsync(string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunProgramAsync("dotnet", workingDirectory, environment, arguments);

    /// <summary>Runs another program (the installed <c>apiroutes</c> tool) the same way.</summary>
    public static Task<CommandResult> RunProgramAsync(string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        RunProgramAsync(DefaultTimeout, program, workingDirectory, environment, arguments);

    /// <summary>Runs a program that may take longer than most (a Native AOT publish), killed after <paramref name="timeout"/>.</summary>
    public static async Task<CommandResult> RunProgramAsync(TimeSpan timeout, string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var start = StartInfo(program, workingDirectory, environment, arguments);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{program} {string.Join(' ', arguments)}' ran past {timeout}:\n{output}");
        }

        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString(), arguments);
        }

        void Append(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    /// <summary>
    /// A process as a user's shell would start it: none of the test host's MSBuild, VSTest or ASP.NET Core variables
    /// (a user's shell has none), node reuse off, and the given variables on top.
    /// </summary>
    public static ProcessStartInfo StartInfo(string program, string workingDirectory, IReadOnlyDictionary<string, string>? environment, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var key in start.Environment.Keys.Where(IsInherited).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static bool IsInherited(string key) =>
        key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
        || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
        || key is "DOTNET_HOST_PATH" or "DOTNET_ENVIRONMENT";
}

internal sealed record CommandResult(int ExitCode, string Output, IReadOnlyList<string> Arguments)
{
    public CommandResult ShouldSucceed()
    {
        Assert.True(ExitCode == 0, $"'dotnet {string.Join(' ', Arguments)}' exited with {ExitCode}:\n{Output}");
        return this;
    }

    public CommandResult ShouldFail()
    {
        Assert.True(ExitCode != 0, $"'dotnet {string.Join(' ', Arguments)}' succeeded but should have failed:\n{Output}");
        return this;
    }
}
