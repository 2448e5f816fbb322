using Microsoft.Build.Framework;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Keeps the first error of a build, formatted as the compiler prints it (<c>File.cs(6,17): error AR4001: …</c>), for
/// a command that reports a failed build in one line instead of the build's whole log.
/// </summary>
internal sealed class FirstErrorLogger : ILogger
{
    public string? Error { get; private set; }

    public LoggerVerbosity Verbosity { get; set; } = LoggerVerbosity.Quiet;

    public string? Parameters { get; set; }

    public void Initialize(IEventSource eventSource) => eventSource.ErrorRaised += (_, e) => Error ??= Format(e);

    public void Shutdown()
    {
    }

    private static string Format(BuildErrorEventArgs e)
    {
        var file = string.IsNullOrEmpty(e.File) ? e.ProjectFile : e.File;
        var where = e.LineNumber > 0 ? $"{file}({e.LineNumber},{e.ColumnNumber})" : file;
        var code = string.IsNullOrEmpty(e.Code) ? "" : " " + e.Code;
        return CommandRunner.Flatten($"{where}: error{code}: {e.Message}");
    }
}
