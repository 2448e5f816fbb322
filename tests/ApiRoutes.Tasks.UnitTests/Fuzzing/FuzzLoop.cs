using System.Diagnostics;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// Runs generated cases from consecutive fixed seeds, bounded in count and in time, and collects every case whose
/// check finds a problem or throws. Each input is a pure function of its seed, so a failure message's seed
/// reproduces the case: generate it again with <c>new Random(seed)</c>.
/// </summary>
internal sealed class FuzzLoop(string name, int firstSeed, int maxCases, TimeSpan budget)
{
    private readonly List<string> _failures = [];

    public int Cases { get; private set; }

    /// <summary>Runs <paramref name="check"/> per seed; it returns null when the case is fine, else what is wrong.</summary>
    public FuzzLoop Run(Func<int, string?> check)
    {
        var clock = Stopwatch.StartNew();
        for (var seed = firstSeed; Cases < maxCases && clock.Elapsed < budget; seed++)
        {
            Cases++;
            try
            {
                if (check(seed) is { } problem)
                {
                    _failures.Add($"seed {seed}: {problem}");
                }
            }
            catch (Exception e)
            {
                _failures.Add($"seed {seed}: {e.GetType().FullName} escaped: {e.Message}\n{e.StackTrace?.Split('\n').FirstOrDefault()}");
            }
        }

        return this;
    }

    /// <summary>Reports the counts and fails with the first few problems, each with its seed.</summary>
    public void AssertNoEscapes(ITestOutputHelper output)
    {
        output.WriteLine($"{name}: {Cases} cases, {_failures.Count} escapes");
        Assert.True(
            _failures.Count == 0,
            $"{name}: {_failures.Count} of {Cases} cases failed (first seed {firstSeed}):\n{string.Join("\n", _failures.Take(10))}");
    }

    /// <summary>An input as a failure message shows it: escaped and cut to a readable length.</summary>
    public static string Show(string input)
    {
        var shown = input.Length > 300 ? input[..300] + $"... ({input.Length} chars)" : input;
        return "\"" + string.Concat(shown.Select(c => c switch
        {
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            '"' => "\\\"",
            '\\' => "\\\\",
            _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
            _ => c.ToString(),
        })) + "\"";
    }
}
