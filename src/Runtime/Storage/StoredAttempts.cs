using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ApiRoutes.Storage;

/// <summary>
/// An execution's earlier attempts (<see cref="ExecutionRecord.EarlierAttempts"/>) as the stores keep them: a JSON array
/// in the <c>earlier_attempts</c> column, none when there are none (most executions: their first attempt is the only
/// one), so the hot writes bind a null. A stored value is input like any other: one that cannot be read leaves the row
/// readable, its history read as one entry (attempt 0) saying so (<see cref="Unreadable"/>).
/// </summary>
internal static class StoredAttempts
{
    /// <summary>The one entry a history that cannot be read is read as: its error says so, and why.</summary>
    public const string Unreadable = "The history of this execution's earlier attempts cannot be read";

    // A stored error longer than an earlier attempt keeps with its cut marked was not written by ApiRoutes: read cut, as
    // it would be written. One written cut is read as it is.
    private const int MaxStoredCharacters = EarlierAttempt.MaxErrorCharacters + 64;

    /// <summary>The JSON of <paramref name="attempts"/>, or null when there are none.</summary>
    public static string? ToJson(IReadOnlyList<EarlierAttempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var attempt in attempts)
            {
                json.WriteStartObject();
                json.WriteNumber("attempt", attempt.Attempt);
                WriteInstant(json, "startedAt", attempt.StartedAt);
                WriteInstant(json, "finishedAt", attempt.FinishedAt);
                json.WriteString("error", attempt.Error);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// The attempts <paramref name="text"/> holds, as <see cref="ToJson"/> writes them; a text that is not that (a damaged
    /// or hand-edited row) reads as one entry saying so, never as an exception: the execution itself still reads and runs.
    /// </summary>
    public static IReadOnlyList<EarlierAttempt> FromJson(string? text)
    {
        if (text is null)
        {
            return [];
        }

        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("it is not a JSON array.");
            }

            var attempts = new List<EarlierAttempt>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                if (attempts.Count == ExecutionRecord.MaxEarlierAttempts)
                {
                    throw new FormatException($"it holds more than {ExecutionRecord.MaxEarlierAttempts} attempts.");
                }

                var number = item.GetProperty("attempt").GetInt32();
                var said = !item.TryGetProperty("error", out var error) || error.ValueKind == JsonValueKind.Null ? null : error.GetString();
                // Attempt 0 is the entry that says an earlier history could not be read, written back with the retries
                // after it (review 41b F1: read as a wrong number, it lost them).
                var unreadable = number == 0 && attempts.Count == 0 && said?.StartsWith(Unreadable, StringComparison.Ordinal) == true;
                attempts.Add(new EarlierAttempt
                {
                    Attempt = number is >= 1 and <= StoredRecord.MaxAttempt || unreadable
                        ? number : throw new FormatException($"an attempt is numbered {number}, not from 1 to {StoredRecord.MaxAttempt}."),
                    StartedAt = ReadInstant(item, "startedAt"),
                    FinishedAt = ReadInstant(item, "finishedAt"),
                    Error = said is { Length: > MaxStoredCharacters } ? EarlierAttempt.Bounded(said) : said,
                });
            }

            return attempts;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            return [new EarlierAttempt { Attempt = 0, Error = $"{Unreadable}: {Reason(e)}" }];
        }
    }

    private static string Reason(Exception e) => e switch
    {
        JsonException => "it is not valid JSON.",
        KeyNotFoundException => "an attempt has no number.",
        InvalidOperationException or FormatException when e.Message.StartsWith("it ", StringComparison.Ordinal) || e.Message.StartsWith("an ", StringComparison.Ordinal) => e.Message,
        _ => "a value is not of the kind ApiRoutes writes.",
    };

    private static void WriteInstant(Utf8JsonWriter json, string name, DateTimeOffset? instant)
    {
        if (instant is { } value)
        {
            json.WriteString(name, value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static DateTimeOffset? ReadInstant(JsonElement item, string name) =>
        !item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : DateTimeOffset.TryParseExact(value.GetString(), "O", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant)
            ? instant
            : throw new FormatException($"an attempt's {name} is not an instant.");
}
