using ApiRoutes.Manifest;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Configuration;

/// <summary>apiroutes.yaml: how it changes routes, and AR5xxx (and the AR3/AR4 codes it can trigger) at its lines.</summary>
public sealed class YamlConfigTests : IDisposable
{
    private readonly TestProject _project = new TestProject().Source("Api/Handlers.cs", """
        namespace Shop.Api;

        public sealed class Hello : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [BackgroundRoute]
        public sealed class GenerateReport : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [ScheduledRoute("@hourly")]
        public sealed class Cleanup : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [ScheduledRoute]
        public sealed class Digest : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }

        [ApiRoute("/api/orders/{id}")]
        public sealed class OrderById : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
        """);

    private const string DigestSchedule = """
        routes:
          /api/digest:
            schedule: "0 7 * * *"

        """;

    [Fact]
    public void Yaml_sets_and_overrides_schedule_background_time_limit_and_enabled()
    {
        _project.Yaml("""
            # yaml-language-server: $schema=https://example.invalid/apiroutes.schema.json
            defaults:
              background:
                timeLimit: 10m
              standard:
                timeLimit: 20
            routes:
              /api/digest:
                schedule: "0 7 * * *"
              /api/cleanup:
                schedule: "*/30 * * * *"
                timeLimit: 1m30s
              /api/hello:
                background: true
              /api/generate-report:
                enabled: false
              /api/Orders/{orderId}:      # matches /api/orders/{id}: case and parameter names do not matter
                timeLimit: 5s
            """);

        var result = _project.Analyze();

        Assert.Empty(result.Diagnostics);
        Assert.Equal(
            [
                "/api/cleanup scheduled */30 * * * * 90",
                "/api/digest scheduled 0 7 * * * 30",
                "/api/hello background - 600",
                "/api/orders/{id} standard - 5",
            ],
            result.Manifest!.Routes.Select(r => $"{r.Route} {Kind(r.Kind)} {r.Schedule?.Expression ?? "-"} {r.TimeLimitSeconds}"));
    }

    [Fact]
    public void CatchUp_is_recorded_for_scheduled_routes_and_refused_for_others()
    {
        _project.Yaml(DigestSchedule + "  /api/cleanup:\n    catchUp: true\n");
        var routes = _project.Analyze().Manifest!.Routes;
        Assert.True(routes.Single(r => r.Route == "/api/cleanup").CatchUp);
        Assert.Null(routes.Single(r => r.Route == "/api/digest").CatchUp);

        _project.Yaml(DigestSchedule + "  /api/hello:\n    catchUp: true\n");
        Assert.Equal("AR4007 apiroutes.yaml(5,14)", Render.Where(Assert.Single(_project.Analyze().Diagnostics), _project));
    }

    [Fact]
    public void Methods_are_set_by_yaml_with_the_attributes_rules_and_override_the_attribute()
    {
        _project.Source("Api/Items.cs", """
            namespace Shop.Api;

            [ApiRoute("/api/items", Methods = ["GET"])]
            public sealed class Items : IApiHandler { public Task HandleAsync(HttpContext c) => Task.CompletedTask; }
            """);
        _project.Yaml(DigestSchedule + "  /api/hello:\n    methods: [get, Head]\n  /api/generate-report:\n    methods: POST\n  /api/items:\n    methods: [DELETE, GET]\n");
        var routes = _project.Analyze().Manifest!.Routes;
        Assert.Equal(["GET", "HEAD"], routes.Single(r => r.Route == "/api/hello").Methods);
        Assert.Equal(["POST"], routes.Single(r => r.Route == "/api/generate-report").Methods);
        Assert.Equal(["GET", "DELETE"], routes.Single(r => r.Route == "/api/items").Methods);   // the YAML's, in the usual order
        Assert.Null(routes.Single(r => r.Route == "/api/orders/{id}").Methods);

        // The attribute's codes, at the YAML's line and column.
        _project.Yaml(DigestSchedule + "  /api/hello:\n    methods: [GET, FETCH]\n");
        var unknown = Assert.Single(_project.Analyze().Diagnostics);
        Assert.Equal("AR2003 apiroutes.yaml(5,14)", Render.Where(unknown, _project));
        Assert.Contains("The methods in apiroutes.yaml of 'Shop.Api.Hello' name 'FETCH', which is not an HTTP method", unknown.Message, StringComparison.Ordinal);

        _project.Yaml(DigestSchedule + "  /api/hello:\n    methods: []\n");
        Assert.Contains("name no method", Assert.Single(_project.Analyze().Diagnostics).Message, StringComparison.Ordinal);

        _project.Yaml(DigestSchedule + "  /api/cleanup:\n    methods: [GET]\n");
        var scheduled = Assert.Single(_project.Analyze().Diagnostics);
        Assert.Equal("AR3005 apiroutes.yaml(5,14)", Render.Where(scheduled, _project));
        Assert.EndsWith("Remove 'methods' from its entry in apiroutes.yaml.", scheduled.Message, StringComparison.Ordinal);

        _project.Yaml(DigestSchedule + "  /api/hello:\n    methods: {get: true}\n");
        var shape = Assert.Single(_project.Analyze().Diagnostics);
        Assert.Equal("AR5004", shape.Code);
        Assert.Contains("'/api/hello.methods' must be a list of HTTP methods, such as [GET, HEAD]; found a mapping", shape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TimeZone_is_recorded_for_scheduled_routes_checked_and_refused_for_others()
    {
        _project.Yaml(DigestSchedule + "  /api/cleanup:\n    timeZone: Europe/Berlin\n");
        var routes = _project.Analyze().Manifest!.Routes;
        Assert.Equal(new ManifestSchedule("@hourly", "0 * * * *", "Europe/Berlin"), routes.Single(r => r.Route == "/api/cleanup").Schedule);
        Assert.Null(routes.Single(r => r.Route == "/api/digest").Schedule!.TimeZone);

        _project.Yaml(DigestSchedule + "  /api/cleanup:\n    timeZone: Europe/Berln\n");
        var unknown = Assert.Single(_project.Analyze().Diagnostics);
        Assert.Equal("AR4010 apiroutes.yaml(5,15)", Render.Where(unknown, _project));
        Assert.EndsWith("Did you mean 'Europe/Berlin'?", unknown.Message, StringComparison.Ordinal);

        _project.Yaml(DigestSchedule + "  /api/hello:\n    timeZone: Europe/Berlin\n");
        Assert.Equal("AR4011 apiroutes.yaml(5,15)", Render.Where(Assert.Single(_project.Analyze().Diagnostics), _project));

        _project.Yaml(DigestSchedule + "  /api/cleanup:\n    timeZone: Asia/Calcutta\n");
        var legacy = Assert.Single(_project.Analyze().Diagnostics);
        Assert.Equal("AR4103 apiroutes.yaml(5,15)", Render.Where(legacy, _project));
        Assert.EndsWith("Write 'Asia/Kolkata'; it runs on the same clock.", legacy.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Background_false_turns_a_background_route_into_a_standard_one()
    {
        _project.Yaml(DigestSchedule + "  /api/generate-report:\n    background: false\n");

        var route = _project.Analyze().Manifest!.Routes.Single(r => r.Route == "/api/generate-report");

        Assert.Equal(RouteKind.Standard, route.Kind);
        Assert.Null(route.TimeLimitSeconds);
    }

    [Theory]
    // syntax error: an unquoted cron expression starting with '*' is a YAML alias
    [InlineData("routes:\n  /api/digest:\n    schedule: */5 * * * *\n", "AR5001 apiroutes.yaml(3,15)", "Put the cron expression in quotes: schedule: \"*/5 * * * *\".")]
    // the advice quotes what was written (review 25d F5: "*/5 * * * *" whatever it was, a user copying it ran every 5 minutes)
    [InlineData("routes:\n  /api/digest:\n    schedule: @hourly   # on the hour\r\n", "AR5001 apiroutes.yaml(3,15)", "Put the cron expression in quotes: schedule: \"@hourly\".")]
    [InlineData("routes:\n  /api/digest:\n    schedule: *  3 * * 1-5\n", "AR5001 apiroutes.yaml(3,15)", "Put the cron expression in quotes: schedule: \"*  3 * * 1-5\".")]
    // unknown key, with a suggestion
    [InlineData("routes:\n  /api/digest:\n    schedul: \"@daily\"\n", "AR5002 apiroutes.yaml(3,5)", "Did you mean 'schedule'?")]
    [InlineData("route:\n  /api/digest: {}\n", "AR5002 apiroutes.yaml(1,1)", "Did you mean 'routes'?")]
    [InlineData("defaults:\n  backgroud:\n    timeLimit: 5\n", "AR5002 apiroutes.yaml(2,3)", "Did you mean 'background'?")]
    // a route that does not exist, with a suggestion
    [InlineData("routes:\n  /api/helo:\n    enabled: false\n", "AR5003 apiroutes.yaml(2,3)", "Did you mean '/api/hello'?")]
    // bad values
    [InlineData("routes:\n  /api/hello:\n    background: maybe\n", "AR5004 apiroutes.yaml(3,17)", "must be true or false; found 'maybe'")]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: 10 minutes\n", "AR5004 apiroutes.yaml(3,16)", "must be whole seconds")]
    [InlineData("routes:\n  /api/hello:\n    enabled: [true]\n", "AR5004 apiroutes.yaml(3,14)", "found a list")]
    // review 33c L1-L3: a quoted boolean, a list in a list of methods, a merge key
    [InlineData("routes:\n  /api/hello:\n    background: \"true\"\n", "AR5004 apiroutes.yaml(3,17)", "must be true or false; found the quoted text 'true': write true without quotes, since in quotes YAML reads it as text.")]
    [InlineData("routes:\n  /api/hello:\n    methods: [GET, \"\", ~, [POST]]\n", "AR5004 apiroutes.yaml(3,27)", "must be a list of HTTP methods, such as [GET, HEAD]; its item 4 is a list, not a method name.")]
    [InlineData("defaults:\n  background: &slow {timeLimit: 60}\nroutes:\n  /api/hello:\n    <<: *slow\n    enabled: false\n", "AR5002 apiroutes.yaml(5,5)", "YAML merge keys ('<<') are not supported, in '/api/hello': write the settings out")]
    // digits of another script (what a CJK input method types) crashed the task with MSB4018 (review 25a F16)
    [InlineData("routes:\n  /api/hello:\n    timeLimit: \uFF11\uFF10m\n", "AR5004 apiroutes.yaml(3,16)", "must be whole seconds")]
    // a tab as indentation: YamlDotNet says (1,1) wherever it is (review 25a F9)
    [InlineData("defaults:\n  standard:\n    timeLimit: 30s\nroutes:\n  /api/hello:\n\tenabled: false\n", "AR5001 apiroutes.yaml(6,1)", "Line 6 is indented with a tab")]
    [InlineData("routes:\n  - /api/hello\n", "AR5004 apiroutes.yaml(2,3)", "must be a mapping")]
    // more than one document, also after an empty first one (which once made the build read no settings at all)
    [InlineData("---\n---\nroutes:\n  /api/hello:\n    enabled: false\n", "AR5001 apiroutes.yaml(3,1)", "more than one YAML document")]
    [InlineData("---\n# nothing yet\n---\nroutes:\n  /api/hello:\n    enabled: false\n", "AR5001 apiroutes.yaml(4,1)", "more than one YAML document")]
    [InlineData("routes:\n  /api/hello:\n    enabled: false\n---\n", "AR5001 apiroutes.yaml(5,2)", "more than one YAML document")]
    // what the file says is quoted on one line: no escape sequence, no second line that passes for a diagnostic
    [InlineData("routes:\n  \"/api/nope\\e[31m\\nerror AR9999: injected\": {enabled: false}\n", "AR5003 apiroutes.yaml(2,3)", "'/api/nope\\u001B[31m\\u000Aerror AR9999: injected' in apiroutes.yaml is not a valid route template (The route template holds the control character U+001B at index 9 (after '/api/nope');")]   // no route holds one (review 33c F2)
    // the same route twice, spelt differently
    [InlineData("routes:\n  /api/hello: {enabled: true}\n  /API/Hello: {enabled: false}\n", "AR5005 apiroutes.yaml(3,3)", "merge the two entries")]
    // review 39b F5: a Next.js parameter in a route key names a literal route
    [InlineData("routes:\n  /api/orders/[id]:\n    enabled: false\n", "AR5003 apiroutes.yaml(2,3)",
        "apiroutes.yaml configures '/api/orders/[id]', but no handler has that route. '[id]' is a literal here; a route parameter is written '{id}'. Did you mean '/api/orders/{id}'?")]
    // review 39b F1: the same route twice, spelt the same (the copy-paste case) was YamlDotNet's "Duplicate key", AR5001;
    // any other key twice said neither where the first one is nor what to do
    [InlineData("routes:\n  /api/cleanup:\n    timeLimit: 90\n  /api/cleanup:\n    timeLimit: 60\n", "AR5005 apiroutes.yaml(4,3)",
        "The route '/api/cleanup' appears twice under 'routes', at line 2 and at line 4; merge the two entries into one.")]
    [InlineData("routes:\n  \"/api/hello\": {enabled: true}\n  /api/hello: {enabled: false}\n", "AR5005 apiroutes.yaml(3,3)",
        "The route '/api/hello' appears twice under 'routes', at line 2 and at line 3; merge the two entries into one.")]
    [InlineData("routes:\n  /api/hello: {enabled: true, enabled: false}\n", "AR5001 apiroutes.yaml(2,31)",
        "'enabled' is set twice for '/api/hello', on line 2 (at columns 16 and 31); keep one of the two.")]
    [InlineData("routes:\n  /api/hello:\n    timeLimit: 90\n    enabled: true\n    timeLimit: 60\n", "AR5001 apiroutes.yaml(5,5)",
        "'timeLimit' is set twice for '/api/hello', at line 3 and at line 5; keep one of the two.")]
    [InlineData("routes:\n  /api/hello: {enabled: true}\ndefaults: {}\nroutes:\n  /api/cleanup: {enabled: true}\n", "AR5001 apiroutes.yaml(4,1)",
        "'routes' appears twice at the top level, at line 1 and at line 4; write it once, with all of its entries under it.")]
    [InlineData("defaults:\n  standard:\n    timeLimit: 60\n  standard:\n    timeLimit: 90\n", "AR5001 apiroutes.yaml(4,3)",
        "'standard' appears twice under 'defaults', at line 2 and at line 4; merge the two into one.")]
    [InlineData("defaults:\n  standard:\n    timeLimit: 60\n    timeLimit: 90\n", "AR5001 apiroutes.yaml(4,5)",
        "'timeLimit' is set twice in 'defaults.standard', at line 3 and at line 4; keep one of the two.")]
    // a key twice deeper than the file's shape (refused by the shape later, but the YAML itself is read first)
    [InlineData("routes:\n  /api/hello:\n    methods: [{a: 1, a: 2}]\n", "AR5001 apiroutes.yaml(3,22)",
        "the key 'a' appears twice in one mapping, on line 3 (at columns 16 and 22); YAML allows a key once per mapping: keep one of the two.")]
    public void Yaml_problems_are_errors_at_the_yaml_line_and_column(string yaml, string where, string message)
    {
        _project.Yaml(yaml);

        var result = _project.Analyze();

        var diagnostic = Assert.Single(result.Diagnostics, d => d.Code.StartsWith("AR5", StringComparison.Ordinal));
        Assert.Equal(where, Render.Where(diagnostic, _project));
        Assert.Contains(message, diagnostic.Message, StringComparison.Ordinal);
        Assert.Null(result.Manifest);
    }

    [Theory]
    [InlineData("routes:\n  /api/digest:\n    schedule: */30 * * * *\n", "AR5001")]
    [InlineData("routes:\n  /api/digest:\n    schedule: \"0 7 * * *\"\n  /api/digest:\n    enabled: true\n", "AR5005")]
    public void A_file_that_cannot_be_read_is_its_one_error_not_also_a_schedule_missing_that_it_holds(string yaml, string code)
    {
        // Review 28c F20: beside AR5001, AR4004 told the user to write in apiroutes.yaml the schedule written there.
        _project.Yaml(yaml);

        var result = _project.Analyze();

        Assert.Equal(code, Assert.Single(result.Diagnostics).Code);
        Assert.Null(result.Manifest);
    }

    [Theory]
    // a schedule for a route that is not scheduled
    [InlineData("  /api/hello:\n    schedule: \"@daily\"\n", "AR4005 apiroutes.yaml(5,15)")]
    // a bad schedule in YAML is reported in YAML
    [InlineData("  /api/cleanup:\n    schedule: \"@reboot\"\n", "AR4002 apiroutes.yaml(5,15)")]
    [InlineData("  /api/cleanup:\n    schedule: \"* * * * * *\"\n", "AR4003 apiroutes.yaml(5,15)")]
    // background on a scheduled route
    [InlineData("  /api/cleanup:\n    background: true\n", "AR3001 apiroutes.yaml(5,17)")]
    // time limits
    [InlineData("  /api/generate-report:\n    timeLimit: 16m\n", "AR3003 apiroutes.yaml(5,16)")]
    [InlineData("  /api/generate-report:\n    timeLimit: 0\n", "AR3004 apiroutes.yaml(5,16)")]
    public void Route_settings_in_yaml_are_validated_where_they_are_written(string entry, string where)
    {
        _project.Yaml(DigestSchedule + entry);

        var diagnostic = Assert.Single(_project.Analyze().Diagnostics);

        Assert.Equal(where, Render.Where(diagnostic, _project));
    }

    [Fact]
    public void A_default_time_limit_over_the_maximum_is_an_error_in_defaults()
    {
        _project.Yaml(DigestSchedule + "defaults:\n  background:\n    timeLimit: 1h\n");

        Assert.Equal("AR3003 apiroutes.yaml(6,16)", Render.Where(Assert.Single(_project.Analyze().Diagnostics), _project));
    }

    [Fact]
    public void A_scheduled_route_left_without_a_schedule_is_an_error()
    {
        var diagnostic = Assert.Single(_project.Analyze().Diagnostics);

        Assert.Equal("AR4004 Api/Handlers.cs(11,2)", Render.Where(diagnostic, _project));
    }

    [Theory]
    [InlineData("  /api/hello:\n")]
    [InlineData("  /api/hello: {}\n")]   // review 24c: an empty mapping said nothing
    public void An_empty_entry_warns(string entry)
    {
        _project.Yaml(DigestSchedule + entry);

        Assert.Equal("AR5101 apiroutes.yaml(4,3)", Render.Where(Assert.Single(_project.Analyze().Diagnostics), _project));
    }

    [Theory]
    [InlineData("")]                                // an empty file
    [InlineData("# only a comment\n")]
    [InlineData("routes:\n")]                       // empty sections
    [InlineData("defaults:\nroutes: ~\n")]
    public void An_empty_configuration_changes_nothing(string yaml)
    {
        _project.Yaml(yaml);

        // Digest's schedule is expected from apiroutes.yaml; nothing else is reported.
        Assert.Equal(["AR4004"], Render.Codes(_project.Analyze()));
    }

    public void Dispose() => _project.Dispose();

    private static string Kind(RouteKind kind) => kind.ToString().ToLowerInvariant();
}
