using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Runtime.Tests;

/// <summary>Configuration means what it says: lists replace the defaults, and every bad value stops start-up with one line.</summary>
[Collection(Hosting.ConsoleErrorCollection.Name)]
public sealed class OptionsValidationTests
{
    [Fact]
    public void Retry_delays_from_configuration_replace_the_defaults()
    {
        var options = Resolve(new() { ["ApiRoutes:Background:RetryDelays:0"] = "00:00:01" });

        Assert.Equal([TimeSpan.FromSeconds(1)], options.Background.RetryDelays);
    }

    [Fact]
    public void An_empty_list_of_retry_delays_in_json_turns_retries_off()
    {
        var options = Resolve(new(), json: """{ "ApiRoutes": { "Background": { "RetryDelays": [] } } }""");

        Assert.Empty(options.Background.RetryDelays);
    }

    [Fact]
    public void Without_configuration_the_defaults_hold()
    {
        var options = Resolve(new());

        Assert.Equal([TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(2)], options.Background.RetryDelays);
    }

    [Theory]
    [InlineData("ApiRoutes:Background:RetryDelays:0", "banana", "ApiRoutes:Background:RetryDelays:0 is 'banana', which is not a time span")]
    [InlineData("ApiRoutes:Background:RetryDelays:1", "-00:00:05", "ApiRoutes:Background:RetryDelays:1 is -00:00:05")]
    [InlineData("ApiRoutes:Background:MaxConcurrency", "0", "ApiRoutes:Background:MaxConcurrency is 0")]
    [InlineData("ApiRoutes:Background:MaxConcurrency", "-3", "ApiRoutes:Background:MaxConcurrency is -3")]
    [InlineData("ApiRoutes:Background:MaxQueueLength", "0", "ApiRoutes:Background:MaxQueueLength is 0")]
    [InlineData("ApiRoutes:Background:MaxRequestBodyBytes", "-1", "ApiRoutes:Background:MaxRequestBodyBytes is -1")]
    [InlineData("ApiRoutes:Background:RetryAfterSeconds", "-1", "ApiRoutes:Background:RetryAfterSeconds is -1")]
    [InlineData("ApiRoutes:ShutdownDrainTimeout", "-00:00:01", "ApiRoutes:ShutdownDrainTimeout is -00:00:01")]
    [InlineData("ApiRoutes:Watch:Debounce", "00:01:00", "ApiRoutes:Watch:Debounce is 00:01:00")]
    [InlineData("ApiRoutes:Watch:Timeout", "00:00:00", "ApiRoutes:Watch:Timeout is 00:00:00")]
    [InlineData("ApiRoutes:Store:LeaseDuration", "00:00:00.5", "ApiRoutes:Store:LeaseDuration is 00:00:00.5000000")]
    [InlineData("ApiRoutes:Store:Retention", "00:00:00", "ApiRoutes:Store:Retention is 00:00:00")]
    [InlineData("ApiRoutes:Store:Provider", "MySql", "ApiRoutes:Store:Provider is 'MySql'; use Sqlite, InMemory or PostgreSql")]
    [InlineData("ApiRoutes:Background:MaxConcurrency", "many", "ApiRoutes:Background:MaxConcurrency is 'many'")]
    [InlineData("ApiRoutes:Scheduling:ExternalTriggerSecret", "short", "ApiRoutes:Scheduling:ExternalTriggerSecret is shorter than 32 characters")]
    [InlineData("ApiRoutes:Dashboard:Token", "abc", "ApiRoutes:Dashboard:Token is shorter than 32 characters")]
    [InlineData("ApiRoutes:Scheduling:ExternalTriggerTolerance", "00:00:00", "ApiRoutes:Scheduling:ExternalTriggerTolerance is 00:00:00")]
    [InlineData("ApiRoutes:Health:OverdueAfter", "00:00:00", "ApiRoutes:Health:OverdueAfter is 00:00:00; it must be more than 00:00:00 and at most 1.00:00:00 (default 00:01:00).")]
    // Review 25b: values the runtime cannot honour, a bare number read as days, an enum number, '~', an empty manifest path.
    [InlineData("ApiRoutes:ShutdownDrainTimeout", "60", "ApiRoutes:ShutdownDrainTimeout is '60', which reads as 60 days; write hh:mm:ss (00:01:00 is 60 seconds), or 60.00:00:00 if days are meant. It must be from 00:00:00 to 01:00:00")]
    [InlineData("ApiRoutes:ShutdownDrainTimeout", "2.00:00:00", "ApiRoutes:ShutdownDrainTimeout is 2.00:00:00; it must be from 00:00:00 to 01:00:00 (default 00:00:30).")]
    [InlineData("ApiRoutes:Store:Retention", "10675199.02:48:05", "ApiRoutes:Store:Retention is 10675199.02:48:05; it must be from 00:01:00 to 3650.00:00:00")]
    [InlineData("ApiRoutes:Health:OverdueAfter", "1000000", "ApiRoutes:Health:OverdueAfter is '1000000', which reads as 1000000 days")]
    [InlineData("ApiRoutes:Health:OverdueAfter", "2.00:00:00", "ApiRoutes:Health:OverdueAfter is 2.00:00:00; it must be more than 00:00:00 and at most 1.00:00:00")]
    [InlineData("ApiRoutes:Store:LeaseDuration", "200", "ApiRoutes:Store:LeaseDuration is '200', which reads as 200 days; write hh:mm:ss (00:03:20 is 200 seconds)")]
    [InlineData("ApiRoutes:Store:LeaseDuration", "1.00:00:00", "ApiRoutes:Store:LeaseDuration is 1.00:00:00; it must be from 00:00:01 to 01:00:00")]
    [InlineData("ApiRoutes:Background:MaxConcurrency", "2147483647", "ApiRoutes:Background:MaxConcurrency is 2147483647; it must be from 1 to 1024 (default 16).")]
    [InlineData("ApiRoutes:Background:RetryDelays:0", "10", "ApiRoutes:Background:RetryDelays:0 is '10', which reads as 10 days; write hh:mm:ss (00:00:10 is 10 seconds).")]
    [InlineData("ApiRoutes:Background:RetryDelays", "00:00:10,banana", "ApiRoutes:Background:RetryDelays is 'banana', which is not a time span")]
    [InlineData("ApiRoutes:Store:Provider", "1", "ApiRoutes:Store:Provider is '1'; use Sqlite, InMemory or PostgreSql, by name.")]
    [InlineData("ApiRoutes:Store:Provider", "Sqlite,InMemory", "ApiRoutes:Store:Provider is 'Sqlite,InMemory'; use Sqlite, InMemory or PostgreSql, by name.")]
    [InlineData("ApiRoutes:Store:Path", "~/apiroutes/executions.db", "ApiRoutes:Store:Path is '~/apiroutes/executions.db'; '~' is not your home folder here (no shell expands it)")]
    [InlineData("ApiRoutes:Store:Path", "/data/executions.db ", "ApiRoutes:Store:Path is '/data/executions.db ', which begins or ends with a blank: the store would be another file than '/data/executions.db', without the work accepted before. Remove the blank.")]   // review 33b F7: a .env line's blank
    [InlineData("ApiRoutes:Store:Path", "\t/data/executions.db", "ApiRoutes:Store:Path is '\t/data/executions.db', which begins or ends with a blank")]
    [InlineData("ApiRoutes:ManifestPath", "/app/apiroutes.manifest.json ", "ApiRoutes:ManifestPath is '/app/apiroutes.manifest.json ', which begins or ends with a blank; remove the blank.")]
    [InlineData("ApiRoutes:ManifestPath", "", "ApiRoutes:ManifestPath is empty; name the manifest file, or leave it out for apiroutes.manifest.json beside the app.")]
    [InlineData("ApiRoutes:Scheduler:Enabled", "false", "ApiRoutes:Scheduler:Enabled is not a setting of ApiRoutes; did you mean ApiRoutes:Scheduling:Enabled?")]
    [InlineData("ApiRoutes:Background:MaxConcurency", "1", "ApiRoutes:Background:MaxConcurency is not a setting of ApiRoutes; did you mean ApiRoutes:Background:MaxConcurrency?")]
    [InlineData("ApiRoutes:Frobnicate", "1", "ApiRoutes:Frobnicate is not a setting of ApiRoutes; remove it (README lists the settings under Configuration).")]
    // Review 38b F3: a list of secret headers written with another separator than a comma protected nothing, silently.
    [InlineData("ApiRoutes:Background:SecretHeaders", "X-Api-Key; X-Auth-Token", "ApiRoutes:Background:SecretHeaders holds 'X-Api-Key; X-Auth-Token', which is not a header name: it holds ';'. Separate the names with commas (X-Api-Key,X-Auth-Token), or give them as numbered keys (ApiRoutes:Background:SecretHeaders:0=X-Api-Key).")]
    [InlineData("ApiRoutes:Background:SecretHeaders", "X-Api-Key X-Auth-Token", "ApiRoutes:Background:SecretHeaders holds 'X-Api-Key X-Auth-Token', which is not a header name: it holds a blank.")]
    [InlineData("ApiRoutes:Background:SecretHeaders", "[\"X-Api-Key\",\"X-Auth-Token\"]", "ApiRoutes:Background:SecretHeaders holds '[\"X-Api-Key\"', which is not a header name: it holds '['.")]
    [InlineData("ApiRoutes:Background:SecretHeaders", "\"X-Api-Key\"", "ApiRoutes:Background:SecretHeaders holds '\"X-Api-Key\"', which is not a header name: it holds a quote.")]
    [InlineData("ApiRoutes:Background:SecretHeaders:1", "X-Api-Key:", "ApiRoutes:Background:SecretHeaders holds 'X-Api-Key:', which is not a header name: it holds ':'.")]
    public void A_bad_value_is_one_line_that_names_the_key(string key, string value, string expected)
    {
        var error = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(Provider(new() { [key] = value })));

        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    // Review 25b F8: one value (an environment variable cannot hold a JSON list) was read as an empty list: no retries.
    [Theory]
    [InlineData("00:00:10", new[] { 10 })]
    [InlineData("00:00:10, 00:01:00", new[] { 10, 60 })]
    [InlineData("", new int[0])]
    [InlineData("0", new[] { 0 })]
    public void Retry_delays_given_as_one_value_are_that_list(string value, int[] seconds)
    {
        var options = Resolve(new() { ["ApiRoutes:Background:RetryDelays"] = value });

        Assert.Equal(seconds.Select(s => TimeSpan.FromSeconds(s)), options.Background.RetryDelays);
    }

    // Review 26b F7: one value from the environment beside appsettings.json's list was refused as "set both", and an
    // empty one (no retries) was ignored: the later source wins, as everywhere in configuration.
    [Theory]
    [InlineData("00:00:05", new[] { 5 })]
    [InlineData("", new int[0])]
    public void One_value_from_a_later_source_replaces_an_earlier_list(string value, int[] seconds)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("""{ "ApiRoutes": { "Background": { "RetryDelays": [ "00:01:00", "00:02:00" ] } } }""")))
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ApiRoutes:Background:RetryDelays"] = value })
            .Build();

        Assert.Equal(seconds.Select(s => TimeSpan.FromSeconds(s)), ResolveFrom(configuration).Background.RetryDelays);
    }

    [Fact]
    public void A_list_from_a_later_source_replaces_an_earlier_value()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ApiRoutes:Background:RetryDelays"] = "00:00:05" })
            .AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes("""{ "ApiRoutes": { "Background": { "RetryDelays": [ "00:01:00" ] } } }""")))
            .Build();

        Assert.Equal([TimeSpan.FromMinutes(1)], ResolveFrom(configuration).Background.RetryDelays);
    }

    // Review 26b F4: zero is zero in every unit, so a bare 0 is no mistake to refuse.
    [Fact]
    public void A_bare_zero_is_a_time_span_of_zero()
    {
        Assert.Equal(TimeSpan.Zero, Resolve(new() { ["ApiRoutes:ShutdownDrainTimeout"] = "0" }).ShutdownDrainTimeout);
    }

    // Review 26b F6: a secret file holding only a newline read as "no token", which opened the Development dashboard.
    [Fact]
    public void A_blank_dashboard_token_is_refused()
    {
        var error = Assert.Throws<ApiRoutesStartupException>(() => Resolve(new() { ["ApiRoutes:Dashboard:Token"] = " \n" }));

        Assert.Equal("ApiRoutes:Dashboard:Token is blank; set the secret (at least 32 characters), or leave the key out.", error.Message);
    }

    // Review 25b F7: 'ApiRoutes__Background__SecretHeaders=X-Api-Key' was skipped by the binder, and the header was stored.
    [Fact]
    public void Secret_headers_given_as_one_value_are_secret()
    {
        var options = Resolve(
            new() { ["ApiRoutes:Background:SecretHeaders"] = "X-Api-Key, X-Auth-Token" },
            json: """{ "ApiRoutes": { "Background": { "SecretHeaders": [ "X-Tenant-Key" ] } } }""");

        Assert.Equal(["X-Tenant-Key", "X-Api-Key", "X-Auth-Token"], options.Background.SecretHeaders);
        Assert.True(new ApiRoutes.Execution.SecretHeaders(options.Background.SecretHeaders).IsSecret("x-api-key"));
    }

    // Review 25b F15: a token read from a file ends in a newline; the presented one is trimmed, so none ever matched.
    [Fact]
    public void The_dashboard_token_is_taken_without_surrounding_blanks()
    {
        var options = Resolve(new() { ["ApiRoutes:Dashboard:Token"] = "0123456789abcdef0123456789abcdef\n" });

        Assert.Equal("0123456789abcdef0123456789abcdef", options.Dashboard.Token);
    }

    // The list of keys that unknown ones are checked against is every setting of the options, and only those.
    [Fact]
    public void Every_setting_of_the_options_is_a_known_key()
    {
        static IEnumerable<string> Settings(Type type, string prefix) =>
            type.GetProperties().Where(p => p.CanWrite).SelectMany(p =>
                p.PropertyType.IsClass && p.PropertyType != typeof(string) && p.PropertyType.Namespace == "ApiRoutes"
                    ? Settings(p.PropertyType, prefix + p.Name + ":")
                    : [prefix + p.Name]);

        Assert.Equal(Settings(typeof(ApiRoutesOptions), "").Order(), ApiRoutesOptionsValidation.Keys.Order());
    }

    [Fact]
    public void Known_keys_in_any_case_list_items_and_empty_json_sections_are_not_unknown()
    {
        var options = Resolve(
            new() { ["apiroutes:background:maxconcurrency"] = "3", ["ApiRoutes:Background:SecretHeaders:0"] = "X-Api-Key" },
            json: """{ "ApiRoutes": { "Watch": {}, "Health": { "MapEndpoints": true }, "Background": { "RetryDelays": [ "00:00:01" ] } } }""");

        Assert.Equal(3, options.Background.MaxConcurrency);
    }

    [Fact]
    public void More_retries_than_a_stored_attempt_may_count_are_refused()
    {
        var settings = Enumerable.Range(0, 1000).ToDictionary(i => $"ApiRoutes:Background:RetryDelays:{i}", _ => (string?)"00:00:01");

        var error = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(Provider(settings)));

        Assert.StartsWith("ApiRoutes:Background:RetryDelays has 1000 items; at most 999 retries are allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void With_external_triggers_the_record_of_runs_outlives_every_request_that_could_replay_it()
    {
        var error = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(Provider(new()
        {
            ["ApiRoutes:Scheduling:ExternalTriggerSecret"] = new string('s', 32),
            ["ApiRoutes:Store:Retention"] = "00:09:00",
        })));

        Assert.StartsWith("ApiRoutes:Store:Retention is 00:09:00; with external triggers it must be at least twice ApiRoutes:Scheduling:ExternalTriggerTolerance (00:10:00)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_value_is_named_not_only_the_first()
    {
        var error = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(Provider(new()
        {
            ["ApiRoutes:Background:MaxConcurrency"] = "0",
            ["ApiRoutes:Background:RetryDelays:0"] = "banana",
        })));

        Assert.Contains("MaxConcurrency is 0", error.Message, StringComparison.Ordinal);
        Assert.Contains("RetryDelays:0 is 'banana'", error.Message, StringComparison.Ordinal);
    }

    // Review 25d F3: a value the binder cannot convert stopped it there, so the line named that one key alone, and the user
    // fixed one, restarted, met the next.
    [Fact]
    public void Values_that_do_not_convert_are_named_with_every_other_bad_value()
    {
        var error = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(Provider(new()
        {
            ["ApiRoutes:Store:Provider"] = "Mongo",
            ["ApiRoutes:Background:MaxConcurrency"] = "abc",
            ["ApiRoutes:ShutdownDrainTimeout"] = "xyz",
            ["ApiRoutes:Background:MaxQueueLength"] = "-5",
        })));

        Assert.Contains("ApiRoutes:Store:Provider is 'Mongo'; use Sqlite, InMemory or PostgreSql.", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Background:MaxConcurrency is 'abc'; expected a whole number.", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:ShutdownDrainTimeout is 'xyz'; expected a time span (hh:mm:ss).", error.Message, StringComparison.Ordinal);
        Assert.Contains("ApiRoutes:Background:MaxQueueLength is -5", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public async Task The_application_stops_with_exit_code_1_and_one_line_before_it_listens()
    {
        var (code, error) = await RunAsync("--ApiRoutes:Background:MaxConcurrency=-3", "--ApiRoutes:Background:RetryDelays:0=banana");

        Assert.Equal(1, code);
        Assert.Equal(
            "ApiRoutes: ApiRoutes:Background:RetryDelays:0 is 'banana', which is not a time span; write hh:mm:ss, for example 00:01:00. "
            + "ApiRoutes:Background:MaxConcurrency is -3; it must be from 1 to 1024 (default 16).",
            error.ToString().TrimEnd());
    }

    // Review 25b F13: an empty ApiRoutes:ManifestPath (compose's '${MANIFEST}' unset) crashed start-up with exit 134.
    [Fact]
    public async Task An_empty_manifest_path_stops_the_application_with_exit_code_1_and_one_line()
    {
        var (code, error) = await RunAsync("--ApiRoutes:ManifestPath=");

        Assert.Equal(1, code);
        Assert.Equal(
            "ApiRoutes: ApiRoutes:ManifestPath is empty; name the manifest file, or leave it out for apiroutes.manifest.json beside the app.",
            error.ToString().TrimEnd());
    }

    // Review 26a F11: a settings file that is not JSON crashed start-up (exit 134, a stack trace); with VerifyBundle that
    // hid the bundle's refusal of a file that was never published.
    [Theory]
    [InlineData(false, "ApiRoutes: Failed to load configuration from file '{0}appsettings.json'.")]
    [InlineData(true, "ApiRoutes: The app was started with the content root '{0}', not its bundle's folder")]
    public async Task A_settings_file_that_is_not_json_stops_the_application_with_one_line(bool verifyBundle, string start)
    {
        var contentRoot = Directory.CreateTempSubdirectory("apiroutes-settings-").FullName + "/";
        File.WriteAllText(contentRoot + "appsettings.json", "hi");
        int code;
        StringWriter error;
        try
        {
            (code, error) = await RunAsync($"--contentRoot={contentRoot}", $"--ApiRoutes:VerifyBundle={verifyBundle}");
        }
        finally
        {
            Directory.Delete(contentRoot, recursive: true);
        }

        Assert.Equal(1, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(string.Format(System.Globalization.CultureInfo.InvariantCulture, start, contentRoot), line, StringComparison.Ordinal);
        Assert.EndsWith(verifyBundle ? "" : "Correct the file (it must be JSON), or remove it.", line.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_options_are_bound_and_validated_once_for_IOptions_and_the_start_up_validation()
    {
        var settings = new Dictionary<string, string?> { ["ApiRoutes:Background:MaxConcurrency"] = "7" };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddSingleton<IHostEnvironment>(new TestEnvironment());
        services.AddLogging();
        services.AddApiRoutes();
        var bindings = 0;
        services.Configure<ApiRoutesOptions>(_ => Interlocked.Increment(ref bindings));
        using var provider = services.BuildServiceProvider();

        var options = ApiRoutesOptionsValidation.Resolve(provider);
        // What ValidateOnStart runs when the host starts: the monitor's value, validated.
        provider.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal(1, bindings);
        Assert.Equal(7, options.Background.MaxConcurrency);
        Assert.Same(options, provider.GetRequiredService<IOptionsMonitor<ApiRoutesOptions>>().CurrentValue);
        Assert.Same(options, provider.GetRequiredService<IOptions<ApiRoutesOptions>>().Value);
    }

    [Fact]
    public void Options_that_fail_validation_fail_at_every_read_and_at_start()
    {
        using var provider = Provider(new() { ["ApiRoutes:Background:MaxConcurrency"] = "0" });

        var first = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(provider));
        var second = Assert.Throws<ApiRoutesStartupException>(() => ApiRoutesOptionsValidation.Resolve(provider));
        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());

        Assert.StartsWith("ApiRoutes:Background:MaxConcurrency is 0", first.Message, StringComparison.Ordinal);
        Assert.Equal(first.Message, second.Message);
        Assert.Equal(first.Message, string.Join(" ", atStart.Failures));
    }

    // The generated entry point's run, on an in-memory store, with what it writes to standard error.
    private static async Task<(int Code, StringWriter Error)> RunAsync(params string[] args)
    {
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        try
        {
            return (await ApiRoutesApplication.RunAsync(["--urls=http://127.0.0.1:0", "--ApiRoutes:Store:Provider=InMemory", .. args]), error);
        }
        finally
        {
            Console.SetError(previous);
        }
    }

    private static ApiRoutesOptions Resolve(Dictionary<string, string?> settings, string? json = null) =>
        ApiRoutesOptionsValidation.Resolve(Provider(settings, json));

    private static ApiRoutesOptions ResolveFrom(IConfiguration configuration)
    {
        var services = new ServiceCollection();
        services.AddSingleton(configuration);
        services.AddSingleton<IHostEnvironment>(new TestEnvironment());
        services.AddLogging();
        services.AddApiRoutes();
        using var provider = services.BuildServiceProvider();
        return ApiRoutesOptionsValidation.Resolve(provider);
    }

    private static ServiceProvider Provider(Dictionary<string, string?> settings, string? json = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings);
        if (json is not null)
        {
            configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        }

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration.Build());
        services.AddSingleton<IHostEnvironment>(new TestEnvironment());
        services.AddLogging();
        services.AddApiRoutes();
        return services.BuildServiceProvider();
    }

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = "Production";

        public string ApplicationName { get; set; } = "Tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = null!;
    }
}
