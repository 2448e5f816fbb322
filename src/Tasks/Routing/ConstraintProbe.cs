using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// Finds a path segment that two lists of ASP.NET Core's built-in inline constraints both accept, by trying probes: the
/// usual kinds of value (numbers of each size, booleans, dates, GUIDs, words, file names) and the edges each
/// constraint's own arguments give (<c>min(5)</c> gives 4, 5 and 6; <c>length(3)</c> three letters and three digits).
/// A value found is proof (both accept it); none found is not proof of the opposite, as a regex can accept values no
/// probe has. Each check is the one the constraint's ASP.NET Core class makes, in the invariant culture.
/// </summary>
internal static class ConstraintProbe
{
    private const int LongestProbe = 256;

    private static readonly string[] Common =
    [
        "0", "1", "5", "-1", "42", "2147483648", "9223372036854775808", "1.5", "-2.5", "1e3", "true", "false",
        "2024-01-31", "2024-01-31T12:00:00", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "a", "abc", "ABC", "a1", "abc-1",
        "x.json", "file.txt", "_",
    ];

    /// <summary>A value both constraint lists accept, or null when no probe is (or a constraint is not built in).</summary>
    /// <param name="first">The constraints of one parameter.</param>
    /// <param name="second">The constraints of the other.</param>
    /// <param name="avoid">Texts the value must not contain (the literals of a complex segment), compared ignoring case.</param>
    public static string? CommonValue(IReadOnlyList<RouteConstraint> first, IReadOnlyList<RouteConstraint> second, IReadOnlyList<string>? avoid = null)
    {
        var all = first.Concat(second).ToList();
        if (all.Any(constraint => !RouteConstraints.IsKnown(constraint.Name) || RouteConstraintArguments.Check(constraint) is not null))
        {
            return null;
        }

        return Probes(all).FirstOrDefault(value =>
            (avoid is null || !avoid.Any(text => value.Contains(text, StringComparison.OrdinalIgnoreCase)))
            && all.All(constraint => Accepts(constraint, value)));
    }

    private static IEnumerable<string> Probes(IReadOnlyList<RouteConstraint> constraints)
    {
        foreach (var value in Common)
        {
            yield return value;
        }

        // A regex accepts what no kind of value above may be (review 33c F5: ^\d{4}$ beside int, ^b$ beside alpha were not
        // found, and the app answered 500 for /api/archive/2024): every letter and digit alone, runs of them up to 12
        // long, and the words the pattern itself spells (its escapes left out: \d is no 'd').
        if (constraints.Any(constraint => string.Equals(constraint.Name, "regex", StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var c in "abcdefghijklmnopqrstuvwxyz0123456789")
            {
                yield return c.ToString();
            }

            for (var length = 2; length <= 12; length++)
            {
                yield return new string('1', length);
                yield return new string('a', length);
            }

            foreach (var constraint in constraints.Where(constraint => string.Equals(constraint.Name, "regex", StringComparison.OrdinalIgnoreCase)))
            {
                foreach (var word in Words(constraint.Argument ?? ""))
                {
                    yield return word;
                }
            }
        }

        foreach (var constraint in constraints)
        {
            // The edges ± 1 of long.MinValue and long.MaxValue are no numbers: those bounds give no probes.
            foreach (var number in Numbers(constraint.Argument).Where(number => number is > long.MinValue and < long.MaxValue))
            {
                foreach (var edge in (long[])[number - 1, number, number + 1])
                {
                    yield return edge.ToString(CultureInfo.InvariantCulture);
                    if (edge is > 0 and <= LongestProbe)
                    {
                        yield return new string('a', (int)edge);
                        yield return new string('1', (int)edge);
                    }
                }
            }
        }
    }

    // The runs of letters, digits, '-', '_' and '.' a pattern spells, its escapes (\d, \w, \.) left out.
    private static IEnumerable<string> Words(string pattern)
    {
        var word = new System.Text.StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\')
            {
                i++;
            }
            else if (char.IsAsciiLetterOrDigit(pattern[i]) || pattern[i] is '-' or '_')
            {
                word.Append(pattern[i]);
                continue;
            }

            if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }

    // The whole numbers among a constraint's arguments: "5", "1,10"; none for a regex.
    private static IEnumerable<long> Numbers(string? argument) =>
        RouteConstraintArguments.Split(argument)
            .Select(piece => RouteConstraintArguments.IsLong(piece, out var number) ? number : (long?)null)
            .OfType<long>();

    private static bool Accepts(RouteConstraint constraint, string value)
    {
        var invariant = CultureInfo.InvariantCulture;
        var numbers = Numbers(constraint.Argument).ToArray();
        return constraint.Name.ToLowerInvariant() switch
        {
            "int" => int.TryParse(value, NumberStyles.Integer, invariant, out _),
            "long" => RouteConstraintArguments.IsLong(value, out _),
            "bool" => bool.TryParse(value, out _),
            "datetime" => DateTime.TryParse(value, invariant, DateTimeStyles.None, out _),
            "decimal" => decimal.TryParse(value, NumberStyles.Number, invariant, out _),
            "double" => double.TryParse(value, NumberStyles.Float | NumberStyles.AllowThousands, invariant, out _),
            "float" => float.TryParse(value, NumberStyles.Float | NumberStyles.AllowThousands, invariant, out _),
            "guid" => Guid.TryParse(value, out _),
            "alpha" => value.All(char.IsAsciiLetter),
            "required" => value.Length > 0,
            "minlength" => value.Length >= numbers[0],
            "maxlength" => value.Length <= numbers[0],
            "length" => numbers.Length == 1 ? value.Length == numbers[0] : value.Length >= numbers[0] && value.Length <= numbers[1],
            "min" => RouteConstraintArguments.IsLong(value, out var min) && min >= numbers[0],
            "max" => RouteConstraintArguments.IsLong(value, out var max) && max <= numbers[0],
            "range" => RouteConstraintArguments.IsLong(value, out var number) && number >= numbers[0] && number <= numbers[1],
            "regex" => Matches(constraint.Argument!, value),
            "file" => IsFileName(value),
            "nonfile" => !IsFileName(value),
            _ => false,
        };
    }

    // FileNameRouteConstraint.IsFileName: the last segment has a '.' followed somewhere by something else.
    private static bool IsFileName(string value)
    {
        var last = value[(value.LastIndexOf('/') + 1)..];
        var dot = last.IndexOf('.', StringComparison.Ordinal);
        return dot >= 0 && last[(dot + 1)..].Any(c => c != '.');
    }

    // Linear time with the non-backtracking engine, so that no pattern makes a build slow; a pattern it cannot run
    // (backreferences, lookarounds) runs with backtracking under a short timeout, and once it times out it matches
    // nothing more: at most one timeout per pattern in a process, however many routes and probes.
    private static bool Matches(string pattern, string value)
    {
        if (Patterns.Count > MaxPatterns)
        {
            Patterns.Clear();
        }

        var regex = Patterns.GetOrAdd(pattern, Compile);
        if (regex is null)
        {
            return false;
        }

        try
        {
            return regex.IsMatch(value);
        }
        catch (RegexMatchTimeoutException)
        {
            Patterns[pattern] = null;
            return false;
        }
    }

    private const int MaxPatterns = 1000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Regex?> Patterns = new(StringComparer.Ordinal);

    // Only for the backtracking engine. The non-backtracking one is linear in the probe (a short path) and gets none: its
    // timeout counted its first use too, the JIT of the engine and the building of the pattern's automaton, which on a
    // busy machine took over the 100 ms it had, and the pattern then matched nothing (a missed AR2004 seen in CI).
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private static Regex? Compile(string pattern)
    {
        const RegexOptions options = RegexOptions.CultureInvariant | RegexOptions.IgnoreCase;
        try
        {
            return new Regex(pattern, options | RegexOptions.NonBacktracking, Regex.InfiniteMatchTimeout);
        }
        catch (NotSupportedException)
        {
            return new Regex(pattern, options, Timeout);
        }
        catch (ArgumentException)
        {
            return null;   // not a pattern .NET reads: AR2101 says so
        }
    }
}
