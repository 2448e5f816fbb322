using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>AR2xxx and AR3xxx: route templates, duplicates, kinds and time limits declared with attributes.</summary>
public class RouteDiagnosticsTests
{
    private const string Body = "public Task HandleAsync(HttpContext context) => Task.CompletedTask;";

    private static (Infrastructure.TestProject Project, ApiRoutes.Tasks.Analysis.AnalysisResult Result) Analyze(string declarations)
    {
        var project = new TestProject().Source("Api/Handler.cs", "namespace Shop.Api;\n\n" + declarations.Replace("BODY", Body, StringComparison.Ordinal) + "\n");
        return (project, project.Analyze());
    }

    [Theory]
    // the template argument is pointed at: line 3, column of the opening quote
    [InlineData("""[ApiRoute("/api/{id}/{id}")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    [InlineData("""[ApiRoute("/api//x")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    [InlineData("""[ApiRoute("/api/{*rest}/more")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    [InlineData("""[ApiRoute("")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    // 29 segments built, and the published app then failed to start (ASP.NET Core's limit is 28)
    [InlineData("""[ApiRoute("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    // a built-in constraint that cannot be created: every request of the app answered 500
    [InlineData("""[ApiRoute("/api/{id:range(10,1)}")] public sealed class A : IApiHandler { BODY }""", "AR2001 Api/Handler.cs(3,11)")]
    public void Invalid_templates_are_errors_at_the_attribute_argument(string declarations, string where)
    {
        var (project, result) = Analyze(declarations);
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2001");

        Assert.Equal(where, Render.Where(diagnostic, project));
        Assert.StartsWith("The route template '", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    // the same text
    [InlineData("""[ApiRoute("/api/orders/{id}")] public sealed class A : IApiHandler { BODY }""", """[ApiRoute("/api/orders/{id}")] public sealed class B : IApiHandler { BODY }""")]
    // differing only in letter case (the error goes to the second handler in name order)
    [InlineData("""[ApiRoute("/api/Orders/{id}")] public sealed class A : IApiHandler { BODY }""", """[ApiRoute("/api/orders/{id}")] public sealed class B : IApiHandler { BODY }""")]
    // differing only in parameter names
    [InlineData("""[ApiRoute("/api/orders/{id}")] public sealed class A : IApiHandler { BODY }""", """[ApiRoute("/api/orders/{orderId}")] public sealed class B : IApiHandler { BODY }""")]
    // an explicit template equal to another handler's default route
    [InlineData("""public sealed class Hello : IApiHandler { BODY }""", """[ApiRoute("/API/hello")] public sealed class Second : IApiHandler { BODY }""")]
    public void Two_handlers_on_the_same_route_are_an_error_on_the_second(string first, string second)
    {
        var (project, result) = Analyze(first + "\n" + second);
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2002");

        Assert.Equal("AR2002 Api/Handler.cs(4,11)", Render.Where(diagnostic, project));
        Assert.Contains("Api/Handler.cs(3,", diagnostic.Message, StringComparison.Ordinal);
        Assert.EndsWith("Give one of them another route with [ApiRoute(\"...\")].", diagnostic.Message, StringComparison.Ordinal);
    }

    // Review 33f F4: GARAY capital and small a (U+10D50, U+10D70, Unicode 16) are one to routing (OrdinalIgnoreCase asks
    // .NET's own data outside the BMP) but were two to a fold that asked ICU 72: no AR2002, and the app answered 500.
    [Fact]
    public void Two_handlers_on_routes_that_differ_only_in_the_case_of_a_letter_outside_the_BMP_are_an_error()
    {
        var (project, result) = Analyze(
            "[ApiRoute(\"/api/g/\U00010D50\")] public sealed class A : IApiHandler { BODY }\n"
            + "[ApiRoute(\"/api/g/\U00010D70\")] public sealed class B : IApiHandler { BODY }");
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2002");

        Assert.Equal("AR2002 Api/Handler.cs(4,11)", Render.Where(diagnostic, project));
    }

    [Fact]
    public void Two_handlers_for_different_methods_of_one_route_are_told_to_be_one_handler()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/items", Methods = ["GET"])] public sealed class ListItems : IApiHandler { BODY }
            [ApiRoute("/api/items", Methods = ["POST"])] public sealed class AddItem : IApiHandler { BODY }
            """);
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2002");

        Assert.Contains("answer the methods in one handler (switch on context.Request.Method, with Methods listing them all)", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Different_constraints_are_different_routes()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/items/{id:int}")] public sealed class ById : IApiHandler { BODY }
            [ApiRoute("/api/items/{slug}")] public sealed class BySlug : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Manifest!.Routes.Count);
    }

    [Theory]
    // the case that answered 500 at run time: /api/items/5 is both an int and a long
    [InlineData("{id:int}", "{id:long}", "/api/items/0")]
    [InlineData("{id:min(1)}", "{n:max(10)}", "/api/items/1")]
    [InlineData("{id:range(1,10)}", "{id:range(10,20)}", "/api/items/10")]
    [InlineData("{name:alpha}", "{name:maxlength(3)}", "/api/items/a")]
    [InlineData("{id:int:length(3)}", "{id:long:minlength(3)}", "/api/items/111")]
    [InlineData("{when:datetime}", "{id:regex(^[0-9]{{4}}-)}", "/api/items/2024-01-31")]
    [InlineData("{*path:minlength(2)}", "{*path:file}", "/api/items/1.5")]
    // review 25a F13: an optional parameter or a default value does not change the rank (both answered 500 on /api/items/5)
    [InlineData("{id}", "{page?}", "/api/items/0")]
    [InlineData("{id:int}", "{page:int=1}", "/api/items/0")]
    // review 25a F12: a complex segment ranks the same whatever its constraints (/api/items/a.1 answered 500)
    [InlineData("{name}.{ext}", "{name}.{ext:int}", "/api/items/0.0")]
    [InlineData("v{n:int}-{tag}", "V{n:long}-{tag:alpha}", "/api/items/v0-true")]
    // review 33c F5: a regex accepts values no kind of value gave (/api/archive/2024 and /api/p1/b answered 500)
    [InlineData("{year:regex(^\\\\d{{4}}$)}", "{id:int}", "/api/items/1111")]
    [InlineData("{x:regex(^b$)}", "{x:alpha}", "/api/items/b")]
    [InlineData("{code:regex(^(draft|live)$)}", "{slug:alpha:minlength(5)}", "/api/items/draft")]
    public void Routes_that_differ_only_in_overlapping_constraints_are_an_error_naming_a_path_both_match(string first, string second, string path)
    {
        var (project, result) = Analyze($$"""
            [ApiRoute("/api/items/{{first}}")] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{{second}}")] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2004");

        Assert.Equal("AR2004 Api/Handler.cs(4,11)", Render.Where(diagnostic, project));
        Assert.Contains($"both match '{path}'", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("Api/Handler.cs(3,", diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Theory]
    [InlineData("/_apiroutes/api/session")]
    [InlineData("/_APIRoutes/{**rest}")]
    [InlineData("_apiroutes/health/live")]
    public void A_route_under_the_reserved_prefix_is_an_error(string template)
    {
        var (project, result) = Analyze($$"""[ApiRoute("{{template}}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2005");

        Assert.Equal("AR2005 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.Contains($"The route '{template}' of 'Shop.Api.A' is under /_apiroutes", diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void Catastrophic_regex_constraints_are_probed_in_linear_time_and_a_pattern_that_still_overlaps_is_found()
    {
        // (a+)+b backtracks exponentially on 'aaa…a': probed with backtracking, each of these pairs took seconds (a
        // review measured 2 min 28 s for 8 such routes). The overlap of the last two is still found.
        var handlers = string.Join("\n", Enumerable.Range(0, 8).Select(i =>
            $$"""[ApiRoute("/api/r/{x:regex(^(a+)+b$):length({{250 + i}})}")] public sealed class R{{i}} : IApiHandler { BODY }"""));
        var (project, result) = Analyze(handlers + """

            [ApiRoute("/api/s/{x:regex(^(a+)+$)}")] public sealed class S1 : IApiHandler { BODY }
            [ApiRoute("/api/s/{x:alpha}")] public sealed class S2 : IApiHandler { BODY }
            """);
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2004");
        Assert.Contains("S2", diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Diagnostics, d => d.Code == "AR2004" && d.Message.Contains("/api/r/", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{id:int}", "{slug:alpha}")]
    [InlineData("{id:range(1,10)}", "{id:range(11,20)}")]
    [InlineData("{id:guid}", "{id:long}")]
    [InlineData("{name:file}", "{name:nonfile}")]
    // review 25a F4: regex arguments compare as written (\d and \D match disjoint values; this was a false AR2002)
    [InlineData("{v:regex(^\\\\d+$)}", "{v:regex(^\\\\D+$)}")]
    // complex segments with different literals, or constraints that share no value
    [InlineData("{name}.{ext:int}", "{name}.{ext:alpha}")]
    [InlineData("{name}.{ext}", "{name}-{ext}")]
    [InlineData("{id:int}", "{id}")]
    // a constraint the app registers: nothing to probe with, so nothing is claimed
    [InlineData("{id:even}", "{id:int}")]
    // bounds at the ends of long (the build task once crashed on them)
    [InlineData("{id:min(9223372036854775807)}", "{id:max(-9223372036854775808)}")]
    [InlineData("{id:long:range(-9223372036854775808,-1)}", "{id:int:min(0)}")]
    public void Routes_whose_constraints_share_no_value_or_rank_differently_are_both_served(string first, string second)
    {
        var (project, result) = Analyze($$"""
            [ApiRoute("/api/items/{{first}}")] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{{second}}")] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.DoesNotContain(result.Diagnostics, diagnostic => diagnostic.Code is "AR2004" or "AR2002");
        Assert.Equal(2, result.Manifest!.Routes.Count);
    }

    [Fact]
    public void Bounds_at_the_ends_of_long_that_overlap_are_still_found()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/items/{id:long:range(1,9223372036854775807)}")] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{id:int}")] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.Contains("both match '/api/items/1'", Render.Single(result, "AR2004").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_route_with_methods_outranks_an_overlapping_one_without()
    {
        // The second review's case: ASP.NET Core sends GET to A and every other method to B; nothing is ambiguous.
        var (project, result) = Analyze("""
            [ApiRoute("/api/items/{id:int}", Methods = ["GET"])] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{id:long}")] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Manifest!.Routes.Count);
    }

    [Fact]
    public void Overlapping_constraints_on_routes_with_a_method_in_common_are_an_error()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/items/{id:int}", Methods = ["GET", "POST"])] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{id:long}", Methods = ["POST"])] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.Contains("both match '/api/items/0'", Render.Single(result, "AR2004").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Overlapping_constraints_on_routes_with_different_methods_never_meet()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/items/{id:int}", Methods = ["GET"])] public sealed class A : IApiHandler { BODY }
            [ApiRoute("/api/items/{id:long}", Methods = ["POST"])] public sealed class B : IApiHandler { BODY }
            """);
        using var _ = project;

        Assert.Empty(result.Diagnostics);
        Assert.Equal(2, result.Manifest!.Routes.Count);
    }

    // Review 33c F2: the build accepted it, and the app then refused its own manifest at start-up. The message quotes the
    // template escaped, so it stays on one line.
    [Fact]
    public void A_control_character_in_a_template_is_an_error_on_one_line()
    {
        var (project, result) = Analyze("""[ApiRoute("/api/line\nbreak")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var diagnostic = Render.Single(result, "AR2001");

        Assert.Equal("AR2001 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.StartsWith(
            "The route template '/api/line\\u000Abreak' of 'Shop.Api.A' is invalid: The route template holds the control character U+000A at index 9 (after '/api/line');",
            diagnostic.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', diagnostic.Message);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void A_default_route_from_a_deep_namespace_is_held_to_the_segment_limit_at_the_class()
    {
        // "/api" plus 27 namespace segments plus the class: 29.
        var names = string.Join(".", Enumerable.Range(1, 27).Select(i => $"N{i}"));
        using var project = new TestProject().Source("Api/Deep.cs", $"namespace Shop.Api.{names};\n\npublic sealed class Deep : IApiHandler {{ {Body} }}\n");

        var diagnostic = Render.Single(project.Analyze(), "AR2001");

        Assert.Equal("AR2001 Api/Deep.cs(3,21)", Render.Where(diagnostic, project));
        Assert.Contains("has 29 segments", diagnostic.Message, StringComparison.Ordinal);
    }

    [Theory]
    // Review 39b F5: Next.js' and Express' parameters are literal text to ASP.NET Core; the route answered no real id.
    [InlineData("/api/orders/[id]", "'[id]' in the route template '/api/orders/[id]' of 'Shop.Api.A' is a literal here, which only a request with the text '[id]' itself matches; a route parameter is written '{id}' ('/api/orders/{id}'). If the literal text is meant, suppress AR2102 for this handler: [UnconditionalSuppressMessage(\"ApiRoutes\", \"AR2102\", Justification = \"...\")].")]
    [InlineData("/api/docs/[...slug]", "'[...slug]' in the route template '/api/docs/[...slug]' of 'Shop.Api.A' is a literal here, which only a request with the text '[...slug]' itself matches; a route parameter is written '{*slug}' ('/api/docs/{*slug}').")]
    [InlineData("/api/docs/[[...slug]]", "a route parameter is written '{*slug}' ('/api/docs/{*slug}').")]
    [InlineData("/api/express/:id", "'{id}' ('/api/express/{id}').")]
    [InlineData("/api/[shop]/orders/:id", "'[shop]' in the route template '/api/[shop]/orders/:id' of 'Shop.Api.A' is a literal here, which only a request with the text '[shop]' itself matches; a route parameter is written '{shop}' ('/api/{shop}/orders/{id}'), and ':id' '{id}'.")]
    [InlineData("/api/files/[name].json", "a route parameter is written '{name}' ('/api/files/{name}.json').")]
    public void A_parameter_written_as_another_framework_writes_it_is_a_warning_at_the_template(string template, string message)
    {
        var (project, result) = Analyze($$"""[ApiRoute("{{template}}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var diagnostic = Assert.Single(result.Diagnostics);

        Assert.Equal("AR2102 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Manifest);
    }

    [Theory]
    // ':' inside a segment is ordinary text (Google's custom methods), and '[' in a regex constraint is a character class
    [InlineData("/api/things:batchGet")]
    [InlineData("/api/items/{code:regex(^[a-z]+$)}")]
    [InlineData("/api/[]/x")]
    public void Brackets_and_colons_that_are_no_parameter_are_not_warned_about(string template)
    {
        var (project, result) = Analyze($$"""[ApiRoute("{{template}}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        Assert.Empty(result.Diagnostics);
    }

    // Note 45 (review 45b): ASP.NET Core accepts a parameter that no value passes, and the route answered no request.
    [Theory]
    [InlineData("/api/items/{id:int:min(1):max(0)}", "'id'", "no whole number is at least 1 and at most 0 (int, min(1), max(0))")]
    [InlineData("/api/items/{id:min(10):range(1,5)}", "'id'", "no whole number is at least 10 and at most 5 (min(10), range(1,5))")]
    [InlineData("/api/items/{id:int:min(3000000000)}", "'id'", "no whole number is at least 3000000000 and at most 2147483647 (int, min(3000000000))")]
    [InlineData("/api/codes/{code:minlength(5):maxlength(3)}", "'code'", "no text is at least 5 and at most 3 characters long (minlength(5), maxlength(3))")]
    [InlineData("/api/codes/{code:length(2):minlength(3)}/x", "'code'", "no text is at least 3 and at most 2 characters long (length(2), minlength(3))")]
    [InlineData("/api/names/{name:alpha:int}", "'name'", "'alpha' passes letters only, and 'int' a whole number only")]
    [InlineData("/api/names/{a}/{name:ALPHA:long}", "'name'", "'ALPHA' passes letters only, and 'long' a whole number only")]
    [InlineData("/api/pages/{page:int:min(5):max(1)=7}", "'page'", "no whole number is at least 5 and at most 1 (int, min(5), max(1))")]   // a default is checked as a value
    [InlineData("/api/files/{*path:minlength(5):maxlength(3)}", "'path'", "no text is at least 5 and at most 3 characters long (minlength(5), maxlength(3))")]
    public void A_parameter_no_value_passes_is_a_warning_at_the_template(string template, string parameter, string why)
    {
        var (project, result) = Analyze($$"""[ApiRoute("{{template}}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var diagnostic = Assert.Single(result.Diagnostics);

        Assert.Equal("AR2103 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.Equal(
            $"The parameter {parameter} of the route template '{template}' of 'Shop.Api.A' passes no value: {why}, so no request reaches the route. "
            + "Correct or remove a constraint.",
            diagnostic.Message);
        Assert.NotNull(result.Manifest);
    }

    [Theory]
    [InlineData("/api/items/{id:int:min(1):max(1)}")]
    [InlineData("/api/items/{id:long:min(3000000000)}")]
    [InlineData("/api/codes/{code:alpha:length(3)}")]
    [InlineData("/api/flags/{flag:bool:alpha}")]     // "true"
    [InlineData("/api/values/{value:double:alpha}")] // "NaN"
    [InlineData("/api/codes/{code:length(0,3):maxlength(0)}")]
    [InlineData("/api/codes/{code:regex(^[0-9]+$):alpha}")]   // a regex is the app's to judge
    // Review 46d F2, F3: an optional parameter passes when it is absent; 32 of the letters a to f are a GUID alpha passes.
    [InlineData("/api/items/{id:int:min(5):max(1)?}")]
    [InlineData("/api/names/{a}/{name:alpha:guid}")]
    public void Constraints_some_value_passes_are_not_warned_about(string template)
    {
        var (project, result) = Analyze($$"""[ApiRoute("{{template}}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        Assert.Empty(result.Diagnostics);
    }

    [Fact]
    public void An_unknown_constraint_is_a_warning()
    {
        var (project, result) = Analyze("""[ApiRoute("/api/items/{id:integer}")] public sealed class A : IApiHandler { BODY }""");
        using var _ = project;

        var diagnostic = Assert.Single(result.Diagnostics);

        Assert.Equal("AR2101 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.Contains("'integer'", diagnostic.Message, StringComparison.Ordinal);
        // What the runtime really does (RouteConstraintCheck): it stops at start-up.
        Assert.Contains("o.SetParameterPolicy<...>(\"integer\")", diagnostic.Message, StringComparison.Ordinal);
        Assert.Contains("it stops at start-up with exit code 1, naming the constraint", diagnostic.Message, StringComparison.Ordinal);
        Assert.NotNull(result.Manifest);
    }

    [Fact]
    public void Background_and_scheduled_together_is_an_error()
    {
        var (project, result) = Analyze("""[BackgroundRoute, ScheduledRoute("@daily")] public sealed class Both : IApiHandler { BODY }""");
        using var _ = project;

        Assert.Equal("AR3001 Api/Handler.cs(3,2)", Render.Where(Assert.Single(result.Diagnostics), project));
    }

    [Fact]
    public void A_scheduled_route_with_parameters_is_an_error_at_its_template()
    {
        var (project, result) = Analyze("""
            [ApiRoute("/api/tenants/{tenant}/cleanup")]
            [ScheduledRoute("@daily")]
            public sealed class Cleanup : IApiHandler { BODY }
            """);
        using var _ = project;

        var diagnostic = Assert.Single(result.Diagnostics);
        Assert.Equal("AR3002 Api/Handler.cs(3,11)", Render.Where(diagnostic, project));
        Assert.Contains("route parameters", diagnostic.Message, StringComparison.Ordinal);
    }

    // Review 27a F6: an attribute written over several lines was reported at its name, not at the argument on the line
    // below; and a comment ending in a brace after the attribute ended the search for it, so the class was pointed at.
    [Theory]
    [InlineData("[ScheduledRoute(\"0 3 * * *\",\n    TimeZone = \"Europe/Berln\")]\npublic sealed class Job : IApiHandler { BODY }", "AR4010 Api/Handler.cs(4,16)")]
    [InlineData("[ScheduledRoute(\n    \"0 0 * * * *\")]\npublic sealed class Job : IApiHandler { BODY }", "AR4008 Api/Handler.cs(4,5)")]
    [InlineData("[ApiRoute(\"/api/q/{id}/{id}\")] // note {see}\npublic sealed class Job : IApiHandler { BODY }", "AR2001 Api/Handler.cs(3,11)")]
    [InlineData("[BackgroundRoute(\n    TimeLimitSeconds = 0)] // a comment's \"quote\" {\npublic sealed class Job : IApiHandler { BODY }", "AR3004 Api/Handler.cs(4,24)")]
    public void An_argument_on_a_line_of_its_own_or_before_a_comment_is_pointed_at(string declarations, string expected)
    {
        var (project, result) = Analyze(declarations);
        using var _ = project;

        Assert.Equal(expected, Render.Where(Assert.Single(result.Diagnostics), project));
    }

    [Theory]
    [InlineData("[BackgroundRoute(TimeLimitSeconds = 901)]", "AR3003", "(3,37)")]  // one second over 15 minutes
    [InlineData("[BackgroundRoute(TimeLimitSeconds = -5)]", "AR3004", "(3,37)")]
    [InlineData("[BackgroundRoute(TimeLimitSeconds = 0)]", "AR3004", "(3,37)")]             // review 27a F4: 0 was the default
    [InlineData("[ScheduledRoute(\"@daily\", TimeLimitSeconds = 0)]", "AR3004", "(3,46)")]
    [InlineData("[ScheduledRoute(\"@daily\", TimeLimitSeconds = 3600)]", "AR3003", "(3,46)")]
    public void Time_limits_outside_one_second_to_fifteen_minutes_are_errors(string attribute, string code, string position)
    {
        var (project, result) = Analyze(attribute + " public sealed class Job : IApiHandler { BODY }");
        using var _ = project;

        Assert.Equal($"{code} Api/Handler.cs{position}", Render.Where(Assert.Single(result.Diagnostics), project));
    }

    [Theory]
    [InlineData("[BackgroundRoute(TimeLimitSeconds = 900)]", 900)]  // exactly 15 minutes
    [InlineData("[BackgroundRoute]", 900)]                          // the default
    [InlineData("[ScheduledRoute(\"@daily\")]", 30)]                // the scheduled default
    [InlineData("[ScheduledRoute(\"@daily\", TimeLimitSeconds = 1)]", 1)]
    public void Time_limits_within_bounds_reach_the_manifest(string attribute, int seconds)
    {
        var (project, result) = Analyze(attribute + " public sealed class Job : IApiHandler { BODY }");
        using var _ = project;

        Assert.Empty(result.Diagnostics);
        Assert.Equal(seconds, Assert.Single(result.Manifest!.Routes).TimeLimitSeconds);
    }
}
