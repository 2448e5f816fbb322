using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// What <c>apiroutes schedule</c> prints for one expression: a short block for people, or one JSON object per line
/// for scripts (<c>expression, valid, code, message, normalized, description, next</c>, then <c>timeZone</c> and
/// <c>warnings</c> when there are any).
/// </summary>
internal sealed class ScheduleReport(TextWriter console, bool json, DateTime afterUtc, int count, string? timeZone)
{
    // Standard output flushes on every write; thousands of expressions from standard input are written in batches.
    private const int Batch = 64 * 1024;

    // Messages quote expressions ('0 0 L * *'): keep the quotes readable; the output is never embedded in HTML.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly MemoryStream _buffer = new();
    private readonly StringWriter _output = new(CultureInfo.InvariantCulture);

    /// <summary>Writes what is pending to the console.</summary>
    public void Flush()
    {
        console.Write(_output.ToString());
        console.Flush();
        _output.GetStringBuilder().Clear();
    }

    /// <summary>Writes the report of one expression; returns whether it is valid.</summary>
    public bool Write(string expression)
    {
        var result = CronSchedule.Parse(expression, timeZone);
        var schedule = result.Schedule;
        var next = schedule?.NextOccurrences(afterUtc, count).ToList() ?? [];
        var warnings = schedule is null ? [] : CronSchedule.Warnings(expression, schedule, afterUtc);
        if (json)
        {
            WriteJson(expression, result, next, warnings);
        }
        else
        {
            WriteText(expression, result, next, warnings);
        }

        if (_output.GetStringBuilder().Length > Batch)
        {
            Flush();
        }

        return result.IsValid;
    }

    private void WriteText(string expression, CronParseResult result, List<DateTime> next, IReadOnlyList<CronWarning> warnings)
    {
        var text = new StringBuilder();
        if (result.Schedule is not { } schedule)
        {
            // 'schedule -' reads expressions from a file, text the operator did not type: escape sequences in it are printed
            // escaped, as every other command prints what it did not write (review 26a F4).
            text.Append(CultureInfo.InvariantCulture, $"{Terminal.Safe(expression.Trim())}  error {result.Code}: {Terminal.Safe(result.Message)}").AppendLine();
            _output.Write(text.ToString());
            return;
        }

        text.Append(CultureInfo.InvariantCulture, $"{Terminal.Safe(expression.Trim())}  valid").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  normalized  {schedule.Normalized}").AppendLine();
        text.Append(CultureInfo.InvariantCulture, $"  in words    {schedule.Description}{(schedule.TimeZoneId is { } zone ? $" ({zone} time)" : "")}").AppendLine();
        for (var i = 0; i < next.Count; i++)
        {
            text.Append(i == 0 ? "  next (UTC)  " : "              ").Append(Instant(next[i])).AppendLine();
        }

        foreach (var warning in warnings)
        {
            text.Append(CultureInfo.InvariantCulture, $"  warning {warning.Code}: {Terminal.Safe(warning.Message)}").AppendLine();
        }

        _output.Write(text.ToString());
    }

    private void WriteJson(string expression, CronParseResult result, List<DateTime> next, IReadOnlyList<CronWarning> warnings)
    {
        _buffer.SetLength(0);
        using (var writer = new Utf8JsonWriter(_buffer, JsonOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("expression", expression);
            writer.WriteBoolean("valid", result.IsValid);
            writer.WriteString("code", result.Code);
            writer.WriteString("message", result.Message);
            writer.WriteString("normalized", result.Normalized);
            writer.WriteString("description", result.Schedule?.Description);
            writer.WriteStartArray("next");
            foreach (var at in next)
            {
                writer.WriteStringValue(Instant(at));
            }

            writer.WriteEndArray();
            if (timeZone is not null)
            {
                writer.WriteString("timeZone", timeZone);
            }

            if (warnings.Count > 0)
            {
                writer.WriteStartArray("warnings");
                foreach (var warning in warnings)
                {
                    writer.WriteStartObject();
                    writer.WriteString("code", warning.Code);
                    writer.WriteString("message", warning.Message);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        _output.WriteLine(Encoding.UTF8.GetString(_buffer.GetBuffer(), 0, (int)_buffer.Length));
    }

    private static string Instant(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
