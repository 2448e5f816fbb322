using ApiRoutes.Tasks.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// The last word on "the build accepts it, so the app runs": random templates that our parser accepts without a
/// warning, all mapped in
/// one real app on Kestrel (127.0.0.1), which must start, build its route matcher at the first request and answer
/// without a 500 — as a 29-segment route or a constraint like int(5) did not.
/// </summary>
public sealed class AcceptedTemplatesServeTests(ITestOutputHelper output)
{
    private const int FirstSeed = 7_000_000;
    private const int Wanted = 300;

    [Fact]
    public async Task An_app_with_every_accepted_template_starts_and_answers()
    {
        var accepted = new List<(int Seed, string Template)>();
        for (var seed = FirstSeed; accepted.Count < Wanted && seed < FirstSeed + 5_000; seed++)
        {
            // Constraints that are not built in stop the app unless it registers them, so the build warns (AR2101).
            var template = RouteInputs.Template(new Random(seed));
            if (RouteTemplateParser.Parse(template).Template is { } parsed
                && parsed.Parameters.SelectMany(parameter => parameter.Constraints).All(constraint => RouteConstraints.IsKnown(constraint.Name)))
            {
                accepted.Add((seed, template));
            }
        }

        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        await using var app = builder.Build();
        for (var order = 0; order < accepted.Count; order++)
        {
            // A distinct order per endpoint: two random templates may match the same path, and that is not the point.
            var endpoint = app.Map(accepted[order].Template, () => "ok");
            var rank = order;
            endpoint.Add(b => ((RouteEndpointBuilder)b).Order = rank);
        }

        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        var answers = new List<string>();
        foreach (var path in new[] { "/", "/api/orders/5", "/x/1/a.b", "/a-b/c" })
        {
            var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            answers.Add($"{path} {(int)response.StatusCode}");
        }

        await app.StopAsync();
        output.WriteLine($"{accepted.Count} accepted templates (seeds {FirstSeed} on) mapped; {string.Join(", ", answers)}");
        Assert.True(accepted.Count >= 100, $"Only {accepted.Count} generated templates were accepted.");
        Assert.DoesNotContain(answers, answer => answer.EndsWith(" 500", StringComparison.Ordinal));
    }
}
