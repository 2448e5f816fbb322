using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using ApiRoutes.Tasks.UnitTests.Routing;
using Cronos;
using Microsoft.CodeAnalysis.CSharp;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// Random attribute values — templates, schedules, time limits, catch-up — on many handlers compiled into one
/// assembly per batch (one Roslyn compile, not one per value) and analysed as the task does. Each handler lives in
/// its own file, so its diagnostics can be told apart: a value that ASP.NET Core, Cronos or the 1-900 s range
/// refuses must leave an error in that file, and the run as a whole must be coded.
/// </summary>
public sealed class AttributeFuzzTests(ITestOutputHelper output)
{
    private const int Batches = 2;
    private const int HandlersPerBatch = 250;

    [Fact]
    public void Random_attribute_values_always_give_a_coded_result_and_an_error_where_a_value_is_refused() =>
        new FuzzLoop($"attribute values ({Batches} compiled batches of {HandlersPerBatch} handlers)", 6_000_000, Batches, TimeSpan.FromSeconds(30))
            .Run(seed =>
            {
                var random = new Random(seed);
                var handlers = Enumerable.Range(0, HandlersPerBatch).Select(index => Handler.Random(random, index)).ToList();
                using var project = new TestProject();
                foreach (var handler in handlers)
                {
                    project.Source(handler.File, handler.Source());
                }

                var result = project.Analyze();
                var problems = handlers
                    .Select(handler => handler.Problem(result.Diagnostics
                        .Where(d => d.Severity == DiagnosticSeverity.Error && d.Location?.File == project.PathOf(handler.File))
                        .Select(d => d.Code)
                        .ToList()))
                    .Append(FuzzProject.Uncoded(result, project.ConfigPath))
                    .OfType<string>()
                    .ToList();
                return problems.Count == 0 ? null : string.Join("\n", problems.Take(5));
            })
            .AssertNoEscapes(output);

    // Kind: null (standard), "Background", "Scheduled" or "Both"; a handler without [ApiRoute] gets /api/h{Index}.
    private sealed record Handler(int Index, bool HasApiRoute, string? Template, string? Kind, string? Schedule, int TimeLimit, bool CatchUp)
    {
        public string File => $"Api/H{Index}.cs";

        public static Handler Random(Random random, int index) => new(
            index,
            random.Next(5) != 0,
            random.Next(8) == 0 ? RouteInputs.Pick(random, [null, "", "/", "/api/h0"]) : RouteInputs.Template(random),
            RouteInputs.Pick(random, [null, "Background", "Scheduled", "Scheduled", "Both"]),
            random.Next(6) == 0 ? RouteInputs.Pick(random, [null, "", "@hourly", "0 3 * * *"]) : RouteInputs.Cron(random),
            RouteInputs.TimeLimit(random),
            random.Next(2) == 0);

        public string Source()
        {
            var route = HasApiRoute ? $"[ApiRoute({Literal(Template)})]\n" : "";
            var limit = TimeLimit == 0 ? "" : $"TimeLimitSeconds = {TimeLimit}";
            var background = Kind is "Background" or "Both" ? $"[BackgroundRoute({limit})]\n" : "";
            var scheduled = Kind is "Scheduled" or "Both"
                ? $"[ScheduledRoute({string.Join(", ", new[] { Schedule is null ? null : Literal(Schedule), limit, CatchUp ? "CatchUp = true" : null }.Where(s => !string.IsNullOrEmpty(s)))})]\n"
                : "";
            return $"namespace Shop.Api;\n\n{route}{background}{scheduled}public sealed class H{Index} : IApiHandler {{ public Task HandleAsync(HttpContext c) => Task.CompletedTask; }}\n";
        }

        /// <summary>What is wrong with the build's verdict on this handler, given the errors located in its file.</summary>
        public string? Problem(IReadOnlyList<string> errors)
        {
            // A null template is refused by both (ASP.NET Core throws ArgumentNullException).
            var runtimeRefusesRoute = HasApiRoute && (Template is null || AspNetCoreRoutes.Accept(Template) is null);
            if (runtimeRefusesRoute && !errors.Contains("AR2001"))
            {
                return $"H{Index}: ASP.NET Core refuses {FuzzLoop.Show(Template ?? "null")}, but the build reported no AR2001 ({string.Join(", ", errors)})";
            }

            if (errors.Count > 0)
            {
                return null;
            }

            // No error: then every value must be one that the runtime and the rules accept.
            var limitRefused = Kind is not null && TimeLimit is < 0 or > 900;
            var scheduleRefused = Kind == "Scheduled" && (Schedule is null || !Fires(Schedule));
            return runtimeRefusesRoute || limitRefused || scheduleRefused || Kind == "Both"
                ? $"H{Index}: no error for {Source()}"
                : null;
        }

        private static bool Fires(string schedule)
        {
            try
            {
                return CronExpression.Parse(schedule.Trim(), CronFormat.Standard).GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)) is not null;
            }
            catch (Exception e) when (e is CronFormatException or MissingSeedException)
            {
                // 5-field rules on top of Cronos' macros: a macro that Cronos reads may still be refused (@reboot).
                return false;
            }
        }

        private static string Literal(string? value) => value is null ? "null!" : SymbolDisplay.FormatLiteral(value, quote: true);
    }
}
