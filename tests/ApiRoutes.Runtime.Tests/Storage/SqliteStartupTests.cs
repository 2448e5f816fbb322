using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The generated entry point opens the store's file (<c>SqliteStorePreload</c>) or warms SQLite up (<c>SqliteWarmUp</c>)
/// on another thread while it builds the app; the store is still opened before the app listens, on the file the options
/// name, and a store that cannot be opened still stops start-up in one line.
/// </summary>
public class SqliteStartupTests
{
    [Fact]
    public async Task A_store_that_cannot_be_opened_stops_the_application_with_exit_code_1_before_it_listens()
    {
        // A folder cannot be made under a file: the store's path is unusable.
        var file = Path.GetTempFileName();
        var path = Path.Combine(file, "executions.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await ApiRoutesApplication.RunAsync(["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"]);
        }
        finally
        {
            Console.SetError(previous);
            File.Delete(file);
        }

        Assert.Equal(1, code);
        Assert.StartsWith($"ApiRoutes: The execution store '{path}' cannot be opened: ", error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("Set ApiRoutes:Store:Path to a writable file, or ApiRoutes:Store:Provider to InMemory.", error.ToString().TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_store_is_on_the_configured_file_opened_while_the_app_was_built_and_releases_it_at_the_stop()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-preload-").FullName;
        var path = Path.Combine(folder, "executions.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        string? storePath = null;
        var preloaded = false;
        try
        {
            var code = await ApiRoutesApplication.RunAsync(
                ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={path}"],
                configureApp: app => app.Lifetime.ApplicationStarted.Register(() =>
                {
                    storePath = (app.Services.GetRequiredService<IExecutionStore>() as SqliteExecutionStore)?.Path;
                    preloaded = app.Services.GetService<SqliteStorePreload>() is not null;
                    app.Lifetime.StopApplication();
                }));

            Assert.Equal(0, code);
            Assert.True(preloaded);
            Assert.Equal(path, storePath);
            await using var again = SqliteExecutionStore.Open(path);   // released at the stop
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task A_store_path_set_by_code_is_the_one_opened_and_the_configured_file_is_left_free()
    {
        var folder = Directory.CreateTempSubdirectory("apiroutes-preload-").FullName;
        var configured = Path.Combine(folder, "configured.db");
        var chosen = Path.Combine(folder, "chosen.db");
        var manifest = TestManifest.Write(Create(StandardRoute("/api/hello", typeof(Hello))));
        string? storePath = null;
        Exception? configuredFileHeld = new InvalidOperationException("the app never started");
        try
        {
            var code = await ApiRoutesApplication.RunAsync(
                ["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={configured}"],
                configureBuilder: builder => builder.Services.Configure<ApiRoutesOptions>(options => options.Store.Path = chosen),
                configureApp: app => app.Lifetime.ApplicationStarted.Register(() =>
                {
                    storePath = (app.Services.GetRequiredService<IExecutionStore>() as SqliteExecutionStore)?.Path;
                    configuredFileHeld = Record.Exception(() => SqliteExecutionStore.Open(configured).DisposeAsync().AsTask().GetAwaiter().GetResult());
                    app.Lifetime.StopApplication();
                }));

            Assert.Equal(0, code);
            Assert.Equal(chosen, storePath);
            Assert.Null(configuredFileHeld);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
