using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.UnitTests.Scheduling.Reference;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// No input escapes the schedule rules as an exception: random text, random tokens, and the generated corpus, each
/// either refused with a code and a one-line message or accepted with a normalized form, a description and
/// occurrences that are all valid again.
/// </summary>
public sealed class ParserFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 20_000;

    [Fact]
    public void Random_text_and_tokens_never_throw_and_every_refusal_has_a_code_and_message()
    {
        var corpus = new CronCorpus(seed: 4242);
        var inputs = Enumerable.Range(0, Cases).Select(i => i % 2 == 0 ? corpus.Garbage() : corpus.Expressions(1).Single())
            .Concat(Hostile())
            .ToList();
        var refused = 0;
        var start = new DateTime(2026, 3, 1, 0, 0, 0, DateTimeKind.Utc);
        foreach (var input in inputs)
        {
            var result = CronSchedule.Parse(input);
            if (!result.IsValid)
            {
                refused++;
                Assert.Matches("^AR40(0[1-9]|10)$", result.Code);
                Assert.False(string.IsNullOrWhiteSpace(result.Message), input);
                Assert.DoesNotContain('\n', result.Message);
                Assert.True(result.Message!.Length < 700, result.Message);
                continue;
            }

            var schedule = result.Schedule!;
            Assert.True(CronSchedule.Parse(schedule.Normalized).IsValid, $"'{input}' normalized to '{schedule.Normalized}', which is not valid");
            Assert.False(string.IsNullOrWhiteSpace(schedule.Description));
            Assert.DoesNotContain(input.Trim(), schedule.Description, StringComparison.Ordinal);
            Assert.NotEmpty(schedule.NextOccurrences(start, 2));
            _ = CronSchedule.Warnings(input, schedule, start);
        }

        output.WriteLine($"{inputs.Count} fuzz cases: {refused} refused with a code, {inputs.Count - refused} accepted, 0 exceptions.");
    }

    private static IEnumerable<string> Hostile() =>
    [
        "H * * * *", "H(0-29)/10 * * * *", "@", "@@", "*/", "/5 * * * *", "-", "- - - - -", "*/99999999999999999999 * * * *",
        new string('1', 5000) + " * * * *", new string('*', 10_000), string.Join(',', Enumerable.Repeat("1", 10_000)) + " * * * *",
        "0 0 * * 5#", "0 0 #5 * *", "\0 * * * *", "* * * * *\u00A0", "\u0660 * * * *", "１ * * * *", "0\t0\t*\t*\t*",
        "*/1-5 * * * *", "1-5-7 * * * *", "1//2 * * * *", "1-/2 * * * *", "JAN-DEC/2 * * * *", "* * * JAN-DEC/0 *",
        "0 0 1 * MON-", "0 0 1 * -MON", "0 0 1 * MON-SUN", "0 0 1 * 7-0", "0 0 31 2 7", "0 0 * * 8", "@every_", "@EVERY_SECOND",
        "0 0 29 2 1", "0 0 */31 2 *", "0 0 L-3 * *", "0 0 LW * *", "0 0 * * 5L", "0 0 W * *", "? ? ? ? ?", "\uD800 * * * *",
    ];
}
