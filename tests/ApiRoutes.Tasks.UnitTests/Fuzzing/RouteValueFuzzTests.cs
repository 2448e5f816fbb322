using ApiRoutes.Scheduling;
using ApiRoutes.Tasks.Routing;
using ApiRoutes.Tasks.UnitTests.Routing;
using ApiRoutes.Text;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// Random route templates judged by our parser and by ASP.NET Core itself, and random cron strings: never an
/// exception, and never a template the build accepts that the app would then refuse.
/// </summary>
public sealed class RouteValueFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    [Fact]
    public void Random_templates_are_judged_as_AspNetCore_judges_them() =>
        new FuzzLoop("route templates", 4_000_000, 4_000, Budget).Run(seed =>
        {
            var template = RouteInputs.Template(new Random(seed));
            var ours = RouteTemplateParser.Parse(template);
            var theirs = AspNetCoreRoutes.Accept(template);
            return (ours.IsValid, theirs is not null) switch
            {
                (true, false) => $"the build accepts {FuzzLoop.Show(template)}, which ASP.NET Core refuses",
                (false, true) when !DeliberatelyStricter(template) => $"the build refuses {FuzzLoop.Show(template)}, which ASP.NET Core accepts: {ours.Error}",
                (true, true) when RouteText.Parameters(theirs!) != RouteText.Parameters(ours.Template!) => $"the parameters of {FuzzLoop.Show(template)} differ",
                (false, _) when ours.ErrorPosition < 0 || ours.ErrorPosition > template.Length => $"the error position {ours.ErrorPosition} is outside {FuzzLoop.Show(template)}",
                _ => null,
            };
        }).AssertNoEscapes(output);

    [Fact]
    public void Random_cron_strings_are_a_schedule_or_a_reason() =>
        new FuzzLoop("cron strings", 5_000_000, 4_000, Budget).Run(seed =>
        {
            var cron = RouteInputs.Cron(new Random(seed));
            var result = CronSchedule.Parse(cron);
            return result.IsValid == string.IsNullOrEmpty(result.Message) ? null : $"{FuzzLoop.Show(cron)} is {result.Error} with message '{result.Message}'";
        }).AssertNoEscapes(output);

    // README's deliberate differences: empty templates and whitespace at either end are refused as likely typos; characters
    // that do not show, which the app refuses in its manifest, and dot segments, which no request reaches (review 33c F2, F3);
    // a percent escape Kestrel decodes, which no request reaches as written (review 45b F1; also in a parameter, where it
    // is not refused: then the two agree).
    private static bool DeliberatelyStricter(string template) =>
        string.IsNullOrWhiteSpace(template) || char.IsWhiteSpace(template[0]) || char.IsWhiteSpace(template[^1])
        || RouteCharacters.FirstRefused(template) is not null
        || template.Replace("~/", "/", StringComparison.Ordinal).Split('/').Any(segment => PathEscapes.Decode(segment) is "." or "..")
        || PathEscapes.First(template, 0, template.Length) is not null;
}
