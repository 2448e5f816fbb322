using System.Collections;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks.UnitTests.Infrastructure;

/// <summary>Records what a task logs as "ERROR CODE: message" lines with their locations.</summary>
internal sealed class MockEngine : IBuildEngine
{
    public List<string> Errors { get; } = [];

    public List<string> Warnings { get; } = [];

    public List<string> Messages { get; } = [];

    public bool ContinueOnError => false;

    public int LineNumberOfTaskNode => 0;

    public int ColumnNumberOfTaskNode => 0;

    public string ProjectFileOfTaskNode => "test.csproj";

    public void LogErrorEvent(BuildErrorEventArgs e) =>
        Errors.Add($"{Path.GetFileName(e.File)}({e.LineNumber},{e.ColumnNumber}): ERROR {e.Code}: {e.Message}");

    public void LogWarningEvent(BuildWarningEventArgs e) =>
        Warnings.Add($"{Path.GetFileName(e.File)}({e.LineNumber},{e.ColumnNumber}): WARNING {e.Code}: {e.Message}");

    public void LogMessageEvent(BuildMessageEventArgs e) => Messages.Add(e.Message ?? "");

    public void LogCustomEvent(CustomBuildEventArgs e) => Messages.Add(e.Message ?? "");

    public bool BuildProjectFile(string projectFileName, string[] targetNames, IDictionary globalProperties, IDictionary targetOutputs) =>
        throw new NotSupportedException();
}
