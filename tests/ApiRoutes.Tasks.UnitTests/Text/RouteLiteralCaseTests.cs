using System.Diagnostics;
using System.Globalization;
using System.Text;
using ApiRoutes.Text;

namespace ApiRoutes.Tasks.UnitTests.Text;

/// <summary>
/// The fold of route literals agrees with the comparison ASP.NET Core's routing makes (OrdinalIgnoreCase) for every
/// pair of code points, as this process's OrdinalIgnoreCase has them: with ICU, and with invariant globalization
/// (review 33c F1; review 33f F4: the Garay pairs U+10D50/U+10D70, one to OrdinalIgnoreCase by .NET's own Unicode 16
/// data, were two to a fold that asked ICU 72).
/// </summary>
public class RouteLiteralCaseTests
{
    /// <summary>The argument that makes this test assembly's entry point run <see cref="Disagreements"/>.</summary>
    public const string ChildArgument = "route-literal-case-disagreements";

    [Fact]
    public void Every_two_code_points_are_one_to_the_fold_exactly_when_they_are_one_to_routing()
    {
        Assert.Empty(Disagreements());
    }

    // The build may run with ICU and the app with invariant globalization (InvariantGlobalization, usual for slim and AOT
    // images): the same comparison there, in a child process, as the mode is fixed when a process starts.
    [Fact]
    public async Task Every_two_code_points_are_one_to_the_fold_exactly_when_they_are_one_to_routing_with_invariant_globalization()
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1" },
        };
        foreach (var argument in new[] { "exec", typeof(RouteLiteralCaseTests).Assembly.Location, ChildArgument })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(process.ExitCode == 0, await output + await error);
        Assert.Equal("invariant globalization: 0 disagreements", (await output).Trim());
    }

    /// <summary>
    /// Groups every code point by OrdinalIgnoreCase and by the fold; the two groupings are one exactly when each code
    /// point has the same first (lowest) partner in both. Lists the code points where they differ (at most 10).
    /// </summary>
    internal static List<string> Disagreements()
    {
        var disagreements = new List<string>();
        var byRouting = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var byFold = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var code = 0; code <= 0x10FFFF && disagreements.Count < 10; code++)
        {
            if (!Rune.IsValid(code))
            {
                continue;
            }

            var text = char.ConvertFromUtf32(code);
            var routingFirst = byRouting.TryAdd(text, code) ? code : byRouting[text];
            var fold = RouteLiteralCase.Fold(text);
            var foldFirst = byFold.TryAdd(fold, code) ? code : byFold[fold];
            if (routingFirst != foldFirst)
            {
                disagreements.Add($"U+{code:X4} is one to routing with U+{routingFirst:X4} and folds as U+{foldFirst:X4} does");
            }
        }

        return disagreements;
    }

    /// <summary>What the child process prints: its mode, and how many code points disagree (and which).</summary>
    internal static int RunAsChild()
    {
        var invariant = CultureInfo.GetCultures(CultureTypes.AllCultures) is [{ Name: "" }];
        var disagreements = Disagreements();
        Console.WriteLine($"{(invariant ? "invariant globalization" : "ICU")}: {disagreements.Count} disagreements");
        disagreements.ForEach(Console.WriteLine);
        return disagreements.Count == 0 ? 0 : 1;
    }

    [Theory]
    [InlineData("/api/Kelvin", "/api/kelvin", true)]
    [InlineData("/api/\u212Aelvin", "/api/kelvin", false)]
    [InlineData("/api/\u017Ftatus", "/api/status", false)]
    [InlineData("/api/\u00E9t\u00E9", "/api/\u00C9T\u00C9", true)]
    [InlineData("/api/\uD801\uDC28", "/api/\uD801\uDC00", true)]   // DESERET small and capital long i: a pair outside the BMP
    [InlineData("/api/g/\U00010D70", "/api/g/\U00010D50", true)]    // GARAY small and capital a (Unicode 16): unknown to ICU 72
    public void Literals_fold_alike_exactly_when_routing_takes_them_for_one(string first, string second, bool same)
    {
        Assert.Equal(same, string.Equals(first, second, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(same, RouteLiteralCase.Fold(first) == RouteLiteralCase.Fold(second));
    }

    [Theory]
    [InlineData("/api/Orders", "/API/ORDERS")]
    [InlineData("/api/\u00E9t\u00E9", "/API/\u00C9T\u00C9")]            // a letter of the BMP folds to its uppercase, as before
    [InlineData("/api/\u212Aelvin", "/API/\u212AELVIN")]
    [InlineData("/api/\u017Ftatus", "/API/\u017FTATUS")]
    [InlineData("/api/g/\U00010D70", "/API/G/\U00010D50")]              // one outside it to the first of its partners
    [InlineData("/api/\U0001D41A", "/API/\U0001D41A")]                  // MATHEMATICAL BOLD SMALL A: a letter without partner
    public void Folds_read_like_the_literal_in_capitals(string literal, string fold) =>
        Assert.Equal(fold, RouteLiteralCase.Fold(literal));

    [Fact]
    public void Halves_of_surrogate_pairs_are_only_themselves()
    {
        // Built here: xunit's test data turns a lone surrogate into U+FFFD.
        var (first, second) = ("/api/" + (char)0xD800, "/api/" + (char)0xD801);

        Assert.False(string.Equals(first, second, StringComparison.OrdinalIgnoreCase));
        Assert.NotEqual(RouteLiteralCase.Fold(first), RouteLiteralCase.Fold(second));
        Assert.Equal(first.ToUpperInvariant(), RouteLiteralCase.Fold(first));
    }
}
