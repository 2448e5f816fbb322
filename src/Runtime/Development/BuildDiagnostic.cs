using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Development;

/// <summary>
/// One diagnostic of the development loop's build, as MSBuild printed it: <c>Api/Cleanup.cs(6,17): error AR4001: …</c>.
/// The analysis that produced it is the build's own (the same task, the same codes); this only reads its line back.
/// </summary>
internal sealed partial record BuildDiagnostic(string Severity, string Code, string? File, int Line, int Column, string Message)
{
    public bool IsError => Severity == "error";

    /// <summary>An ApiRoutes diagnostic (<c>AR</c> codes), as opposed to the compiler's or MSBuild's.</summary>
    public bool IsRouteDiagnostic => Code.StartsWith("AR", StringComparison.Ordinal);

    /// <summary>The line as the build prints it, so editors and terminals recognise the location.</summary>
    public override string ToString() => File is null
        ? $"{Severity} {Code}: {Message}"
        : Line > 0 ? $"{File}({Line},{Column}): {Severity} {Code}: {Message}" : $"{File}: {Severity} {Code}: {Message}";

    /// <summary>Reads a line of MSBuild's console output; null when it is not a diagnostic.</summary>
    public static BuildDiagnostic? Parse(string line)
    {
        var match = Pattern().Match(line.Trim());
        if (!match.Success)
        {
            return null;
        }

        var origin = match.Groups["origin"].Value.Trim();
        return new BuildDiagnostic(
            match.Groups["severity"].Value,
            match.Groups["code"].Value,
            origin.Length == 0 || origin == "MSBUILD" ? null : origin,
            Number(match.Groups["line"]),
            Number(match.Groups["column"]),
            match.Groups["message"].Value);
    }

    private static int Number(Group group) => group.Success ? int.Parse(group.Value, CultureInfo.InvariantCulture) : 0;

    // "origin(line,col[,endLine,endCol]): error CODE: message [project]"; the origin and location are optional.
    [GeneratedRegex(@"^(?<origin>[^\r\n]*?)(?:\((?<line>\d+)(?:,(?<column>\d+))?(?:,\d+,\d+)?\))?\s*:\s*(?<severity>error|warning)\s+(?<code>[A-Za-z]+\d+)\s*:\s*(?<message>.*?)(?:\s+\[[^\[\]]+\])?$")]
    private static partial Regex Pattern();
}
