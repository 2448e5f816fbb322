using ApiRoutes.Execution;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>An execution's earlier attempts as the stores keep them (a JSON array), and as a record keeps them.</summary>
public sealed class StoredAttemptsTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Attempts_read_back_as_written_with_any_text_in_their_errors_and_none_are_no_json()
    {
        IReadOnlyList<EarlierAttempt> attempts =
        [
            new() { Attempt = 1, StartedAt = Start, FinishedAt = Start.AddSeconds(1.25), Error = "boom: \"quoted\" \0 née 日本 😀\n   at Handler()" },
            new() { Attempt = 2, StartedAt = Start.AddMinutes(1) },
            new() { Attempt = 1000 },
        ];

        var json = StoredAttempts.ToJson(attempts)!;

        Assert.Equal(attempts, StoredAttempts.FromJson(json));
        Assert.True(json.All(char.IsAscii), json);   // every store holds it as it is, whatever its encoding
        Assert.Null(StoredAttempts.ToJson([]));
        Assert.Empty(StoredAttempts.FromJson(null));
    }

    [Fact]
    public void An_error_with_half_a_surrogate_pair_is_written_with_the_replacement_character()
    {
        var json = StoredAttempts.ToJson([new EarlierAttempt { Attempt = 1, Error = "a\uD800b" }])!;

        Assert.Equal("a\uFFFDb", Assert.Single(StoredAttempts.FromJson(json)).Error);
    }

    [Fact]
    public void A_stored_error_longer_than_an_earlier_attempt_keeps_is_read_cut_with_the_cut_marked()
    {
        var json = StoredAttempts.ToJson([new EarlierAttempt { Attempt = 1, Error = new string('x', 1_000_000) }])!;

        var error = Assert.Single(StoredAttempts.FromJson(json)).Error!;

        Assert.StartsWith(new string('x', EarlierAttempt.MaxErrorCharacters) + "… [cut: ", error, StringComparison.Ordinal);
        Assert.True(error.Length < EarlierAttempt.MaxErrorCharacters + 100, $"{error.Length} characters");
    }

    [Fact]
    public void A_record_keeps_the_first_attempt_and_the_latest_ones_and_each_error_bounded()
    {
        var record = new ExecutionRecord { Id = "e", Route = "/api/job", Kind = "background", Status = ExecutionStatus.Running, AcceptedAt = Start };
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var started = record with { Attempt = attempt, StartedAt = Start.AddMinutes(attempt) };
            record = started with { EarlierAttempts = started.WithCurrentFailed(Start.AddMinutes(attempt).AddSeconds(1), $"failure {attempt}: " + new string('y', 20_000)) };
        }

        Assert.Equal([1, 4, 5, 6, 7, 8, 9, 10, 11, 12], record.EarlierAttempts.Select(a => a.Attempt));
        Assert.Equal(ExecutionRecord.MaxEarlierAttempts, record.EarlierAttempts.Count);
        Assert.All(record.EarlierAttempts, a => Assert.StartsWith($"failure {a.Attempt}: yyy", a.Error, StringComparison.Ordinal));
        Assert.All(record.EarlierAttempts, a => Assert.EndsWith("more characters]", a.Error, StringComparison.Ordinal));
        Assert.All(record.EarlierAttempts, a => Assert.Equal(Start.AddMinutes(a.Attempt), a.StartedAt));
        Assert.True(record.EarlierAttempts.SequenceEqual(StoredAttempts.FromJson(StoredAttempts.ToJson(record.EarlierAttempts))), "read back as written");
    }

    [Fact]
    public void Records_with_the_same_earlier_attempts_are_equal_and_with_different_ones_are_not()
    {
        var record = new ExecutionRecord { Id = "e", Route = "/api/job", Kind = "background", Status = ExecutionStatus.Queued, AcceptedAt = Start, Attempt = 2 };
        var attempt = new EarlierAttempt { Attempt = 1, StartedAt = Start, FinishedAt = Start, Error = "boom" };

        Assert.Equal(record with { EarlierAttempts = [attempt] }, record with { EarlierAttempts = new List<EarlierAttempt> { attempt with { } } });
        Assert.Equal((record with { EarlierAttempts = [attempt] }).GetHashCode(), (record with { EarlierAttempts = [attempt with { }] }).GetHashCode());
        Assert.NotEqual(record with { EarlierAttempts = [attempt] }, record with { EarlierAttempts = [attempt with { Error = "bang" }] });
        Assert.NotEqual(record with { EarlierAttempts = [attempt] }, record);
        Assert.Equal(record with { EarlierAttempts = [] }, record);
    }

    [Fact]
    public void Any_damage_to_a_stored_history_reads_as_one_entry_saying_so_never_as_an_exception()
    {
        // Fuzzed from valid histories: characters changed, dropped, doubled, cut, as a damaged file or a hand edit might.
        var valid = StoredAttempts.ToJson(
        [
            new EarlierAttempt { Attempt = 1, StartedAt = Start, FinishedAt = Start.AddSeconds(1), Error = "boom \\ \"x\" née" },
            new EarlierAttempt { Attempt = 2, StartedAt = Start.AddMinutes(1) },
        ])!;
        var random = new Random(1501);
        const string alphabet = "[]{}\":,0123456789-.eE tfnulrsaTZ\\u\0é";
        int read = 0, unreadable = 0;
        for (var i = 0; i < 5000; i++)
        {
            var text = valid.ToCharArray().ToList();
            for (var changes = random.Next(1, 4); changes > 0 && text.Count > 0; changes--)
            {
                var at = random.Next(text.Count);
                switch (random.Next(4))
                {
                    case 0: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                    case 1: text.RemoveAt(at); break;
                    case 2: text.Insert(at, text[at]); break;
                    default: text.RemoveRange(at, text.Count - at); break;
                }
            }

            var attempts = StoredAttempts.FromJson(new string([.. text]));

            Assert.InRange(attempts.Count, 0, ExecutionRecord.MaxEarlierAttempts);
            Assert.All(attempts, a => Assert.InRange(a.Attempt, 0, StoredRecord.MaxAttempt));
            Assert.All(attempts, a => Assert.True(a.Error is null || a.Error.Length < EarlierAttempt.MaxErrorCharacters + 100));
            if (attempts is [{ Attempt: 0, Error: { } error }])
            {
                Assert.StartsWith(StoredAttempts.Unreadable + ": ", error, StringComparison.Ordinal);
                unreadable++;
            }
            else
            {
                read++;
            }
        }

        Assert.True(unreadable > 1000 && read > 100, $"{unreadable} unreadable, {read} read");   // both paths were taken
    }
}
