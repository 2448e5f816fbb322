using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace ApiRoutes.Cli.Tests;

/// <summary><c>apiroutes schedule</c>, run in process: the build's rules, codes and messages, without building anything.</summary>
[Collection(WholeProcessCollection.Name)]   // Standard_input_without_line_breaks_is_read_in_constant_memory counts the process's allocations
public sealed class ScheduleCommandTests(ITestOutputHelper log) : IDisposable
{
    private const string After = "2026-01-01T00:00:00Z";

    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Fact]
    public async Task A_valid_schedule_shows_its_normalized_form_description_and_next_runs_in_utc()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "0 9 1 * MON", "--after", After, "--count", "3"));

        Assert.Equal(
            """
            0 9 1 * MON  valid
              normalized  0 9 1 * 1
              in words    at 09:00 on the 1st of the month and on every Monday
              next (UTC)  2026-01-01T09:00:00Z
                          2026-01-05T09:00:00Z
                          2026-01-12T09:00:00Z

            """.ReplaceLineEndings(),
            _output.ToString());
    }

    [Fact]
    public async Task Macros_are_schedules_not_response_files()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "@daily", "--after", After, "--count", "1"));

        Assert.StartsWith("@daily  valid", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_after_the_occurrences_are_those_after_now()
    {
        var now = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2031, 5, 6, 7, 59, 30, TimeSpan.Zero));

        Assert.Equal(0, await Program.RunAsync(["schedule", "0 8 * * *", "--json", "--count", "2"], _output, _error, time: now));

        using var json = JsonDocument.Parse(_output.ToString());
        Assert.Equal(["2031-05-06T08:00:00Z", "2031-05-07T08:00:00Z"], json.RootElement.GetProperty("next").EnumerateArray().Select(at => at.GetString()));
    }

    [Fact]
    public async Task An_invalid_schedule_prints_the_builds_code_and_message_and_exits_1()
    {
        Assert.Equal(1, await Run(input: null, "schedule", "@daily", "0 0 12 * * MON", "--after", After, "--count", "1"));

        // Word for word what the build reports for the same schedule (ScheduleDiagnosticsTests).
        Assert.EndsWith(
            "0 0 12 * * MON  error AR4008: '0 0 12 * * MON' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month "
            + "day-of-week). A first field of seconds is Quartz's and Spring's format: drop it and write '0 12 * * MON'." + Environment.NewLine,
            _output.ToString());
    }

    // Review 26c F1: with a time zone, an --after within 28 years of the calendar's end overflowed the daylight-saving
    // report's horizon: a raw ArgumentOutOfRangeException.
    [Fact]
    public async Task A_schedule_in_a_time_zone_is_reported_near_the_end_of_the_calendar()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "30 2 * * *", "--time-zone", "Europe/Berlin", "--after", "9985-06-30T00:00:00Z", "--count", "1"));

        Assert.Contains("next (UTC)  9985-06-30T00:30:00Z", _output.ToString(), StringComparison.Ordinal);
        Assert.Empty(_error.ToString());
    }

    // Review 26c F3: a list saved with a byte-order mark had its first schedule refused for U+FEFF.
    [Fact]
    public async Task A_list_with_a_byte_order_mark_is_read_as_text()
    {
        Assert.Equal(0, await Run(new StringReader("\uFEFF0 3 * * *\n@daily\n"), "schedule", "-", "--after", After, "--count", "1"));

        Assert.StartsWith("0 3 * * *  valid", _output.ToString(), StringComparison.Ordinal);
    }

    // Review 26a F4: 'schedule -' reads expressions from a file; its escape sequences reached the terminal raw.
    [Fact]
    public async Task An_expression_is_printed_with_its_control_characters_escaped()
    {
        Assert.Equal(1, await Run(new StringReader("\u001b]0;x\u0007* * * * *\n"), "schedule", "-", "--after", After, "--count", "1"));

        Assert.StartsWith("\\u001B]0;x\\u0007* * * * *  error AR", _output.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain('\u001b', _output.ToString());
    }

    // Review 35c F2: a line was read whole (6 GB for a 200 MB line; /dev/zero ended in OutOfMemoryException), then split
    // into a string per field. A line over 4,096 characters is one error line naming it, read past in constant memory.
    [Fact]
    public async Task A_line_of_standard_input_over_4096_characters_is_one_error_line_and_the_next_lines_are_read()
    {
        var input = new StringReader("0 3 * * *\r\n" + new string('0', 5_000_000) + "\r\n@daily\n");

        Assert.Equal(1, await Run(input, "schedule", "-", "--after", After, "--count", "1"));

        Assert.Equal(
            "apiroutes: line 2 of standard input is over 4096 characters; a schedule is one short line (5 fields or a macro). It is skipped.",
            _error.ToString().Trim());
        Assert.StartsWith("0 3 * * *  valid", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("@daily  valid", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Standard_input_without_line_breaks_is_read_in_constant_memory()
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);

        Assert.Equal(1, await Run(new Endless(100_000_000), "schedule", "-", "--after", After, "--count", "1"));

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.True(allocated < 32 << 20, $"{allocated:N0} bytes allocated for 100,000,000 characters");
        Assert.Equal(
            "apiroutes: line 1 of standard input is over 4096 characters; a schedule is one short line (5 fields or a macro). It is skipped.",
            _error.ToString().Trim());
    }

    // The shared rules bound a schedule before splitting it (an argument is no line of standard input).
    [Fact]
    public async Task A_schedule_over_1024_characters_is_refused_as_too_long()
    {
        Assert.Equal(1, await Run(input: null, "schedule", string.Concat(Enumerable.Repeat("0 ", 1500)), "--after", After));

        Assert.Contains("error AR4001: ", _output.ToString(), StringComparison.Ordinal);
        Assert.Contains("is not a valid crontab schedule: it is 2,999 characters long; a schedule is 5 short fields or a macro, at most 1,024 characters.", _output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_prints_one_object_per_line_with_the_documented_fields()
    {
        Assert.Equal(1, await Run(input: null, "schedule", "*/15,50 0 * * *", "H * * * *", "--json", "--after", After, "--count", "2"));

        var lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
            """{"expression":"*/15,50 0 * * *","valid":true,"code":null,"message":null,"normalized":"*/15,50 0 * * *","description":"at 00:00, 00:15, 00:30, 00:45 and 00:50 every day","next":["2026-01-01T00:15:00Z","2026-01-01T00:30:00Z"]}""",
            lines[0]);
        using var invalid = JsonDocument.Parse(lines[1]);
        Assert.Equal(["expression", "valid", "code", "message", "normalized", "description", "next"], invalid.RootElement.EnumerateObject().Select(p => p.Name));
        Assert.False(invalid.RootElement.GetProperty("valid").GetBoolean());
        Assert.Equal("AR4008", invalid.RootElement.GetProperty("code").GetString());
        Assert.StartsWith("'H * * * *' is not crontab: 'H' in the minute field is Jenkins' hashed value", invalid.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, invalid.RootElement.GetProperty("next").GetArrayLength());
    }

    [Fact]
    public async Task Warnings_come_with_valid_schedules()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "0 9 1-7 * MON", "--json", "--after", After, "--count", "0"));

        using var line = JsonDocument.Parse(_output.ToString());
        Assert.Equal("AR4101", line.RootElement.GetProperty("warnings")[0].GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_time_zone_runs_the_schedule_by_its_wall_clock_and_warns_about_its_changes()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "30 2 * * *", "--time-zone", "Europe/Berlin", "--json", "--after", "2026-03-28T00:00:00Z", "--count", "3"));

        using var line = JsonDocument.Parse(_output.ToString());
        var root = line.RootElement;
        Assert.Equal(["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"], root.GetProperty("next").EnumerateArray().Select(at => at.GetString()));
        Assert.Equal("Europe/Berlin", root.GetProperty("timeZone").GetString());
        Assert.Equal("AR4102", root.GetProperty("warnings")[0].GetProperty("code").GetString());
        Assert.StartsWith("'30 2 * * *': In Europe/Berlin, 02:30 does not exist on 2026-03-29", root.GetProperty("warnings")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_legacy_time_zone_name_is_the_builds_AR4103()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "0 9 * * MON-FRI", "--time-zone", "US/Eastern", "--json", "--after", After, "--count", "1"));

        using var line = JsonDocument.Parse(_output.ToString());
        var warning = Assert.Single(line.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("AR4103", warning.GetProperty("code").GetString());
        Assert.EndsWith("Write 'America/New_York'; it runs on the same clock.", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["2026-01-01T14:00:00Z"], line.RootElement.GetProperty("next").EnumerateArray().Select(at => at.GetString()));
    }

    [Fact]
    public async Task A_fixed_offset_zone_is_the_builds_AR4104_and_runs_behind_UTC_for_a_plus_sign()
    {
        Assert.Equal(0, await Run(input: null, "schedule", "0 9 * * MON-FRI", "--time-zone", "Etc/GMT+5", "--json", "--after", After, "--count", "1"));

        using var line = JsonDocument.Parse(_output.ToString());
        var warning = Assert.Single(line.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.Equal("AR4104", warning.GetProperty("code").GetString());
        Assert.StartsWith("'Etc/GMT+5' is 5 hours behind UTC (UTC-05:00)", warning.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["2026-01-01T14:00:00Z"], line.RootElement.GetProperty("next").EnumerateArray().Select(at => at.GetString()));
    }

    // Review 45c: where the legacy names are not installed (Debian and Ubuntu ship them in tzdata-legacy), 'US/Eastern' was
    // told "Did you mean 'Pacific/Easter'?" (Easter Island). The CLI's own process, with its time zone data in a folder
    // (TZDIR) that has the current zones and none of the legacy names.
    [Fact]
    public async Task A_legacy_time_zone_name_a_machine_lacks_is_told_its_current_name()
    {
        var zones = Directory.CreateTempSubdirectory("apiroutes-tzdir-").FullName;
        try
        {
            foreach (var file in new[] { "America/New_York", "Pacific/Easter", "Europe/Berlin", "Etc/UTC", "zone.tab", "zone1970.tab", "tzdata.zi" })
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(zones, file))!);
                File.Copy(Path.Combine("/usr/share/zoneinfo", file), Path.Combine(zones, file));
            }

            var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "apiroutes"), ["schedule", "0 9 * * *", "--time-zone", "US/Eastern", "--after", After])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                Environment = { ["TZDIR"] = zones },
            };
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal(1, process.ExitCode);
            Assert.Equal(
                "0 9 * * *  error AR4010: 'US/Eastern' is a legacy name of the time zone database that this machine's time zone data does not have "
                + "(newer Linux distributions ship such names apart, in the tzdata-legacy package of Debian and Ubuntu). Write 'America/New_York', "
                + "the place's current name." + Environment.NewLine,
                output);
        }
        finally
        {
            Directory.Delete(zones, recursive: true);
        }
    }

    [Fact]
    public async Task An_unknown_time_zone_is_the_builds_AR4010()
    {
        Assert.Equal(1, await Run(input: null, "schedule", "@daily", "--time-zone", "Europe/Berln", "--after", After));

        Assert.Equal(
            "@daily  error AR4010: 'Europe/Berln' is not a time zone this machine knows. Write an IANA id such as 'Europe/Berlin' or "
            + "'America/New_York' (leave it out for UTC). Did you mean 'Europe/Berlin'?" + Environment.NewLine,
            _output.ToString());
    }

    [Fact]
    public async Task Thousands_of_expressions_from_standard_input_in_one_process()
    {
        var expressions = Expressions().Take(3000).ToList();
        var input = new StringReader(string.Join('\n', expressions) + "\n\n");
        var clock = Stopwatch.StartNew();

        var exitCode = await Run(input, "schedule", "-", "--json", "--after", After);

        log.WriteLine($"{expressions.Count} expressions in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(0, exitCode);
        var lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expressions, lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("expression").GetString()));
        Assert.All(lines, l => Assert.Equal(5, JsonDocument.Parse(l).RootElement.GetProperty("next").GetArrayLength()));
    }

    [Theory]
    [InlineData(new[] { "schedule", "* * * * *", "--after", "yesterday" }, "apiroutes: --after 'yesterday' is not an ISO 8601 instant, such as 2026-01-01T00:00:00Z.")]
    [InlineData(new[] { "schedule", "* * * * *", "--count", "5000" }, "apiroutes: --count must be between 0 and 1000; it is 5000.")]
    public async Task Bad_options_are_one_clear_line_and_exit_code_1(string[] args, string message)
    {
        Assert.Equal(1, await Run(input: null, args));
        Assert.Equal(message, _error.ToString().Trim());
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
    }

    // Every combination of a few values per field: 4 x 4 x 4 x 3 x 4 = 768 distinct valid expressions, repeated.
    private static IEnumerable<string> Expressions()
    {
        string[][] values = [["*", "*/5", "7", "0-30/10"], ["*", "*/2", "9", "1-5"], ["*", "1", "1-7", "*/2"], ["*", "JAN", "*/3"], ["*", "MON", "1-5", "sat,SUN"]];
        while (true)
        {
            foreach (var m in values[0])
            foreach (var h in values[1])
            foreach (var dom in values[2])
            foreach (var month in values[3])
            foreach (var dow in values[4])
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"{m} {h} {dom} {month} {dow}");
            }
        }
    }

    // '0 0 0 …' without a line break, as a binary file or /dev/zero gives it.
    private sealed class Endless(long length) : TextReader
    {
        private long _left = length;

        public override int Peek() => _left > 0 ? '0' : -1;

        public override int Read() => _left-- > 0 ? (_left % 2 == 0 ? ' ' : '0') : -1;

        public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

        public override int Read(Span<char> buffer)
        {
            var n = (int)Math.Min(buffer.Length, _left);
            for (var i = 0; i < n; i++)
            {
                buffer[i] = i % 2 == 0 ? '0' : ' ';
            }

            _left -= n;
            return n;
        }
    }

    private Task<int> Run(TextReader? input, params string[] args) =>
        Program.RunAsync(args, _output, _error, input);
}
