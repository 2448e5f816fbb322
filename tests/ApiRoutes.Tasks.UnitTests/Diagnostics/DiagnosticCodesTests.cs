using System.Reflection;
using System.Text.RegularExpressions;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Testing;

namespace ApiRoutes.Tasks.UnitTests.Diagnostics;

public partial class DiagnosticCodesTests
{
    private static readonly DiagnosticDescriptor[] Declared = typeof(DiagnosticCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToArray();

    [Fact]
    public void Every_declared_code_is_listed_once_and_codes_are_unique()
    {
        Assert.Equal(Declared.Length, DiagnosticCodes.All.Count);
        Assert.Equal(Declared.Select(d => d.Code).Order(), DiagnosticCodes.All.Select(d => d.Code).Order());
        Assert.Equal(Declared.Length, Declared.Select(d => d.Code).Distinct().Count());
    }

    [Fact]
    public void Warning_codes_are_numbered_x1xx_and_error_codes_x0xx()
    {
        foreach (var descriptor in DiagnosticCodes.All)
        {
            var expected = descriptor.Code[3] == '1' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error;
            Assert.True(expected == descriptor.Severity, $"{descriptor.Code} is a {descriptor.Severity}");
        }
    }

    [Fact]
    public void The_readme_lists_exactly_the_declared_codes_with_their_severity()
    {
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));

        var rows = TableRow().Matches(readme).ToDictionary(m => m.Groups["code"].Value, m => m.Groups["severity"].Value);

        Assert.Equal(DiagnosticCodes.All.Select(d => d.Code).Order(), rows.Keys.Order());
        Assert.All(DiagnosticCodes.All, d => Assert.Equal(d.Severity.ToString().ToLowerInvariant(), rows[d.Code]));
    }

    [GeneratedRegex(@"^\| (?<code>AR\d{4}) \| (?<severity>error|warning) \|", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
