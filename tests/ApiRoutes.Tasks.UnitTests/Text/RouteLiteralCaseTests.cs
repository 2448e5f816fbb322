using System.Text;
using ApiRoutes.Text;

namespace ApiRoutes.Tasks.UnitTests.Text;

/// <summary>
/// The fold of route literals agrees with the comparison ASP.NET Core's routing makes (OrdinalIgnoreCase) for every
/// character and its case partners, as .NET's own tables have them on this machine (review 33c F1).
/// </summary>
public class RouteLiteralCaseTests
{
    [Fact]
    public void Every_character_and_its_case_partners_are_one_to_the_fold_exactly_when_they_are_one_to_routing()
    {
        var disagreements = new List<string>();
        var pairs = 0;
        for (var code = 0; code <= 0x10FFFF && disagreements.Count < 10; code++)
        {
            if (!Rune.IsValid(code))
            {
                continue;
            }

            var rune = new Rune(code);
            foreach (var partner in new[] { Rune.ToUpperInvariant(rune), Rune.ToLowerInvariant(rune) })
            {
                var (a, b) = (rune.ToString(), partner.ToString());
                pairs++;
                if (string.Equals(a, b, StringComparison.OrdinalIgnoreCase) != (RouteLiteralCase.Fold(a) == RouteLiteralCase.Fold(b)))
                {
                    disagreements.Add($"U+{code:X4} and U+{partner.Value:X4}");
                }
            }
        }

        Assert.Empty(disagreements);
        Assert.True(pairs > 2_000_000, $"{pairs} pairs compared");
    }

    [Theory]
    [InlineData("/api/Kelvin", "/api/kelvin", true)]
    [InlineData("/api/\u212Aelvin", "/api/kelvin", false)]
    [InlineData("/api/\u017Ftatus", "/api/status", false)]
    [InlineData("/api/\u00E9t\u00E9", "/api/\u00C9T\u00C9", true)]
    [InlineData("/api/\uD801\uDC28", "/api/\uD801\uDC00", true)]   // DESERET small and capital long i: a pair outside the BMP
    public void Literals_fold_alike_exactly_when_routing_takes_them_for_one(string first, string second, bool same)
    {
        Assert.Equal(same, string.Equals(first, second, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(same, RouteLiteralCase.Fold(first) == RouteLiteralCase.Fold(second));
    }

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
