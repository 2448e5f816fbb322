using ApiRoutes.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// The generated entry point opens the SQLite store's file on another thread while it builds the app: the store takes
/// it only for the path the options name, any other file is closed before the store opens its own, and a file that
/// cannot be opened fails as it does without the preload.
/// </summary>
public sealed class SqliteStorePreloadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-preload-").FullName;

    private string DatabasePath => Path.Combine(_folder, "executions.db");

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task The_store_takes_the_preloaded_file_when_the_options_name_it()
    {
        using var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Path", DatabasePath)), Environment())!;

        var store = preload.TakeFor(DatabasePath, TimeProvider.System);

        Assert.NotNull(store);
        await using (store)
        {
            Assert.Equal(DatabasePath, store.Path);
            preload.Dispose();   // the store holds the file now, not the preload
            var second = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));
            Assert.Contains("is in use by another process", second.Message, StringComparison.Ordinal);
            Assert.Null(preload.TakeFor(DatabasePath, TimeProvider.System));   // taken once
        }
    }

    [Fact]
    public async Task Another_path_chosen_by_code_gets_nothing_and_the_preloaded_file_is_closed_first()
    {
        using var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Path", DatabasePath)), Environment())!;

        Assert.Null(preload.TakeFor(DatabasePath + ".other", TimeProvider.System));

        // Closed by the time TakeFor returned: the store (of any process) can open it.
        await using var store = SqliteExecutionStore.Open(DatabasePath);
        Assert.Equal(DatabasePath, store.Path);
    }

    [Fact]
    public async Task A_preload_disposed_before_the_store_asks_for_it_gives_nothing_and_closes_the_file()
    {
        var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Path", DatabasePath)), Environment())!;

        preload.Dispose();

        Assert.Null(preload.TakeFor(DatabasePath, TimeProvider.System));
        await using var store = SqliteExecutionStore.Open(DatabasePath);
    }

    [Fact]
    public void A_file_that_cannot_be_opened_fails_with_the_error_of_an_open_without_preload()
    {
        // A folder cannot be made under a file.
        var file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "");
        var path = Path.Combine(file, "executions.db");
        using var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Path", path)), Environment())!;

        var preloaded = Assert.Throws<ExecutionStoreUnavailableException>(() => preload.TakeFor(path, TimeProvider.System));

        Assert.Equal(Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(path)).Message, preloaded.Message);
        Assert.StartsWith($"The execution store '{path}' cannot be opened: ", preloaded.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("InMemory", false)]     // another store: nothing to open
    [InlineData("PostgreSql", false)]
    [InlineData("sqlite", true)]        // the binder ignores case
    [InlineData("Sqlite", true)]
    public void Only_the_SQLite_provider_is_preloaded(string provider, bool preloaded)
    {
        using var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Provider", provider), ("ApiRoutes:Store:Path", DatabasePath)), Environment());

        Assert.Equal(preloaded, preload is not null);
        Assert.Null(preload?.TakeFor(DatabasePath + ".other", TimeProvider.System));   // waits until the file is closed again
    }

    [Fact]
    public void A_default_file_that_does_not_exist_yet_is_not_preloaded()
    {
        // Code may still choose another store: a preload must not leave a new file behind.
        var environment = Environment();
        using var preload = SqliteStorePreload.Start(Configuration(), environment);

        Assert.Null(preload);
        Assert.False(File.Exists(DefaultStorePath.For(environment)));
    }

    // Review 33b F8, F7: the preload runs before the options are validated; a path they refuse was made anyway (a folder
    // named '~' with a store in it in the working folder; a second store whose name ends in a blank).
    [Theory]
    [InlineData("~/{0}/executions.db")]     // relative to the working folder
    [InlineData("{1}/executions.db ")]      // a blank at the end
    public async Task A_path_the_options_refuse_is_neither_made_nor_opened(string pattern)
    {
        var mark = "apiroutes-preload-" + Guid.NewGuid().ToString("N");
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, mark, _folder);
        try
        {
            using (var preload = SqliteStorePreload.Start(Configuration(("ApiRoutes:Store:Path", path)), Environment()))
            {
                await (preload?.Opened ?? Task.CompletedTask);   // what an open would make, made before it is looked for
                Assert.Null(preload);
            }

            Assert.False(Directory.Exists(Path.Combine("~", mark)));
            Assert.Empty(Directory.EnumerateFileSystemEntries(_folder));
        }
        finally
        {
            // What the preload made before the fix, in the working folder (only the test's own folder below '~').
            if (Directory.Exists(Path.Combine("~", mark)))
            {
                Directory.Delete(Path.Combine("~", mark), recursive: true);
            }
        }
    }

    private static IHostEnvironment Environment() =>
        new HostingEnvironment { ApplicationName = "PreloadTest" + Guid.NewGuid().ToString("N"), EnvironmentName = Environments.Production };

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();
}
