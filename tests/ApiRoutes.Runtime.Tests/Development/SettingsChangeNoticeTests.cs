using ApiRoutes.Development;
using ApiRoutes.Runtime.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// Review 30c F4: under dotnet watch a saved appsettings*.json reloads the configuration, but the ApiRoutes settings are
/// read once, at start-up: the change (an invalid one too, which then stopped the next start) was ignored without a word.
/// </summary>
public sealed class SettingsChangeNoticeTests
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _logs = new();

    [Fact]
    public void A_change_of_the_settings_is_said_with_its_keys_never_its_values_and_whether_the_next_start_would_fail()
    {
        var memory = new MemoryConfigurationSource { InitialData = [KeyValuePair.Create("ApiRoutes:Dashboard:Token", (string?)"first-secret"), KeyValuePair.Create("Logging:LogLevel:Default", (string?)"Information")] };
        var configuration = new ConfigurationBuilder().Add(memory).Build();
        var provider = configuration.Providers.OfType<MemoryConfigurationProvider>().Single();
        string? problem = null;
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(new ListLoggerProvider(_logs)));
        using var notice = new SettingsChangeNotice(configuration, () => problem, loggers.CreateLogger(ApiRoutes.Diagnostics.Log.Category));

        provider.Set("Logging:LogLevel:Default", "Debug");   // not ApiRoutes': nothing said
        configuration.Reload();
        Assert.Empty(_logs);

        provider.Set("ApiRoutes:Dashboard:Token", "second-secret");
        provider.Set("ApiRoutes:Scheduling:Enabled", "true");
        configuration.Reload();
        Assert.Equal(
            ["ApiRoutes[6014] Warning: The ApiRoutes settings changed (Dashboard:Token, Scheduling:Enabled): they are read once, at start-up, and apply at the next start; restart the app (Ctrl+R) to use them."],
            _logs);

        configuration.Reload();   // nothing changed since
        provider.Set("ApiRoutes:Background:MaxConcurrency", "0");
        problem = "ApiRoutes:Background:MaxConcurrency must be at least 1.";
        configuration.Reload();
        Assert.Equal(2, _logs.Count);
        Assert.EndsWith("restart the app (Ctrl+R) to use them. As they are now, the next start will fail: ApiRoutes:Background:MaxConcurrency must be at least 1.", _logs.Last(), StringComparison.Ordinal);
        Assert.DoesNotContain(_logs, line => line.Contains("secret", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Background:MaxConcurrency", "1", null)]
    [InlineData("Background:MaxConcurrency", "0", "ApiRoutes:Background:MaxConcurrency is refused (the next start says why).")]
    [InlineData("Background:MaxConcurrency", "hunter2pw", "ApiRoutes:Background:MaxConcurrency is refused (the next start says why).")]   // does not bind
    [InlineData("Store:Provider", "Host=db;Username=app;Password=Pg-Secret-77", "ApiRoutes:Store:Provider is refused (the next start says why).")]
    public void The_next_start_is_judged_by_the_options_own_binding_and_validation_and_named_by_its_keys_never_its_values(string key, string value, string? said)
    {
        // Review 31b F1: the binder's message (and some failures) quote the value: a password pasted under the wrong key
        // was written to the log.
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([KeyValuePair.Create("ApiRoutes:" + key, (string?)value)]).Build();
        using var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddLogging().AddApiRoutes().BuildServiceProvider();

        var problem = RouteWatchService.StartProblem(services.GetRequiredService<IOptionsFactory<ApiRoutesOptions>>());

        Assert.Equal(said, problem);
    }
}
