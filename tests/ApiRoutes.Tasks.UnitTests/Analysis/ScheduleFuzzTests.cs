using System.Text.Json;
using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Tasks.UnitTests.Scheduling.Reference;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>
/// The analysis, with <c>apiroutes.yaml</c> setting random schedules and time zones on one compiled project: every
/// outcome is a manifest or coded diagnostics, never an exception, and every schedule error has the code the shared
/// rules give it.
/// </summary>
public sealed class ScheduleFuzzTests(ITestOutputHelper output) : IDisposable
{
    private const int Cases = 400;

    private static readonly string?[] Zones = [null, null, "Europe/Berlin", "America/New_York", "Mars/Olympus", "europe/berlin", "", "UTC", "../../etc/passwd", "W. Europe Standard Time"];

    private readonly TestProject _project = new TestProject().Source("Api/Cleanup.cs", """
        namespace Shop.Api;

        [ScheduledRoute]
        public sealed class Cleanup : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
        """);

    [Fact]
    public void Random_schedules_and_time_zones_in_apiroutes_yaml_give_a_manifest_or_coded_diagnostics()
    {
        var corpus = new CronCorpus(seed: 99);
        var random = new Random(99);
        int valid = 0, refused = 0;
        for (var i = 0; i < Cases; i++)
        {
            var schedule = i % 3 == 0 ? corpus.Garbage() : corpus.Expressions(1).Single();
            var zone = Zones[random.Next(Zones.Length)];
            var zoneLine = zone is null ? "" : $"    timeZone: {JsonSerializer.Serialize(zone)}\n";
            _project.Yaml($"routes:\n  /api/cleanup:\n    schedule: {JsonSerializer.Serialize(schedule)}\n{zoneLine}");

            var result = _project.Analyze();

            Assert.All(result.Diagnostics, d => Assert.Contains(d.Descriptor, DiagnosticCodes.All));
            if (result.Manifest is null)
            {
                refused++;
                Assert.Contains(result.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
            }
            else
            {
                valid++;
                var expected = CronSchedule.Parse(schedule, zone);
                Assert.Equal(expected.Normalized, Assert.Single(result.Manifest.Routes).Schedule!.Normalized);
            }
        }

        output.WriteLine($"{Cases} analyses: {valid} manifests, {refused} refused with coded errors, 0 exceptions.");
        Assert.True(valid > 0 && refused > 0);
    }

    [Fact]
    public void Every_code_the_shared_rules_give_is_a_declared_diagnostic()
    {
        var codes = Enum.GetValues<CronError>().Where(error => error != CronError.None).Select(ScheduleCodes.Of)
            .Append(ScheduleCodes.DayRule).Append(ScheduleCodes.DaylightSaving);

        Assert.All(codes, code => Assert.Contains(code, DiagnosticCodes.All.Select(d => d.Code)));
    }

    public void Dispose() => _project.Dispose();
}
