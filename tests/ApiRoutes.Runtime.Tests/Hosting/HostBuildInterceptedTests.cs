using System.Diagnostics;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>
/// How the generated entry point knows that a test or a tool takes its host (WebApplicationFactory, <c>dotnet ef</c>):
/// then the store's early open, made before their settings apply, is left out (review 28c F22). The template's tests on
/// a real WebApplicationFactory are in TemplateTests.
/// </summary>
/// <remarks>
/// Alone (<see cref="ProcessListeners"/>): its listeners of every listener are the process's, and an app another class
/// starts meanwhile through ApiRoutesApplication.RunAsync took them for a resolver taking its host and left out its
/// store's early open (helper 37a F2).
/// </remarks>
[Collection(ProcessListeners.Name)]
public sealed class HostBuildInterceptedTests
{
    [Fact]
    public void Only_a_listener_for_the_host_build_on_this_flow_counts_as_taking_the_host()
    {
        Assert.False(ApiRoutesApplication.HostBuildIntercepted());

        using (new HostTaker())
        {
            Assert.True(ApiRoutesApplication.HostBuildIntercepted());
            Assert.True(ApiRoutesApplication.HostBuildIntercepted());   // asking twice: the first ask's end left it listening
        }

        Assert.False(ApiRoutesApplication.HostBuildIntercepted());
    }

    [Fact]
    public void Tracing_that_listens_to_every_listener_on_every_flow_is_not_taking_the_host()
    {
        // Review 29a F3: under dotnet-trace's DiagnosticSource provider (or an APM agent) a production start was taken for
        // a test's, and lost the store's early open.
        using var tracing = new EveryListener();

        Assert.False(ApiRoutesApplication.HostBuildIntercepted(typeof(HostBuildInterceptedTests).Assembly));   // an app's entry assembly
    }

    [Fact]
    public void Under_tracing_that_listens_everywhere_a_resolver_running_the_entry_point_from_a_program_of_its_own_still_takes_the_host()
    {
        // Session 29's note: WebApplicationFactory under such tracing (an APM agent's test visibility) opened the
        // development store early again. The test host's entry assembly does not reference ApiRoutes; the app's does.
        using var tracing = new EveryListener();
        using var resolver = new HostTaker();
        var testHost = typeof(Xunit.FactAttribute).Assembly;
        var app = typeof(HostBuildInterceptedTests).Assembly;

        Assert.Equal((true, false), (ApiRoutesApplication.HostBuildIntercepted(testHost), ApiRoutesApplication.HostBuildIntercepted(app)));
        Assert.False(ApiRoutesApplication.HostBuildIntercepted(null));
    }

    // Review 46g F1: under WebApplicationFactory a refusal at MapApiRoutes was a line on standard error (which dotnet test
    // does not show) and exit code 1, and the test met "Cannot access a disposed object: IServiceProvider" instead.
    [Fact]
    public async Task A_start_up_refusal_is_thrown_to_a_resolver_taking_the_host_and_is_one_line_with_exit_code_1_otherwise()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"apiroutes-46g-{Guid.NewGuid():N}", "apiroutes.manifest.json");
        string[] args = ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={missing}", "--ApiRoutes:Store:Provider=InMemory"];

        Assert.Equal(1, await ApiRoutesApplication.RunAsync(args));
        using (new HostTaker())
        {
            var refusal = await Assert.ThrowsAnyAsync<ApiRoutesStartupException>(() => ApiRoutesApplication.RunAsync(args));   // the manifest's own kind of it
            Assert.Contains(missing, refusal.Message, StringComparison.Ordinal);
        }
    }

    // Review 47B F3: the refusals before the host is built (a log level, a listen address, ApiRoutes:VerifyBundle) were a
    // line on standard error too, and the factory said only "The entry point exited without ever building an IHost".
    [Theory]
    [InlineData("--Logging:LogLevel:Default=Verbose", "The log level 'Verbose' of Logging:LogLevel:Default is not one")]
    [InlineData("--urls=http://127.0.0.1:4201O", "4201O")]
    public async Task A_refusal_before_the_host_is_built_is_thrown_to_a_resolver_taking_the_host_and_is_one_line_with_exit_code_1_otherwise(string setting, string said)
    {
        string[] args = [setting, "--ApiRoutes:Store:Provider=InMemory"];

        Assert.Equal(1, await ApiRoutesApplication.RunAsync(args));
        using (new HostTaker())
        {
            var refusal = await Assert.ThrowsAsync<ApiRoutesStartupException>(() => ApiRoutesApplication.RunAsync(args));
            Assert.Contains(said, refusal.Message, StringComparison.Ordinal);
        }
    }

    private sealed class EveryListener : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly IDisposable _all;

        public EveryListener() => _all = DiagnosticListener.AllListeners.Subscribe(this);

        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == "Microsoft.Extensions.Hosting")
            {
                value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose() => _all.Dispose();
    }

    // What HostFactoryResolver does: every listener named Microsoft.Extensions.Hosting made on the entry point's flow
    // (an async local) is subscribed to, for HostBuilding and HostBuilt.
    private sealed class HostTaker : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private static readonly AsyncLocal<HostTaker?> Current = new();
        private readonly IDisposable _all;
        private IDisposable? _hosting;

        public HostTaker()
        {
            Current.Value = this;
            _all = DiagnosticListener.AllListeners.Subscribe(this);
        }

        public void OnNext(DiagnosticListener value)
        {
            if (Current.Value == this && value.Name == "Microsoft.Extensions.Hosting")
            {
                _hosting = value.Subscribe(this);
            }
        }

        public void OnNext(KeyValuePair<string, object?> value)
        {
        }

        public void OnCompleted() => _hosting?.Dispose();

        public void OnError(Exception error)
        {
        }

        public void Dispose()
        {
            _all.Dispose();
            Current.Value = null;
        }
    }
}

/// <summary>Test classes that listen to every diagnostic listener of the process: they run after the others, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessListeners
{
    public const string Name = "Process listeners";
}
