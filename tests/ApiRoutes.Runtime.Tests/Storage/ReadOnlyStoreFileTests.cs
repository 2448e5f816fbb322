using System.Diagnostics;
using ApiRoutes.Runtime.Tests.Handlers;
using ApiRoutes.Runtime.Tests.Infrastructure;
using ApiRoutes.Storage;
using static ApiRoutes.Runtime.Tests.Infrastructure.TestManifest;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Review 33b F4: a store file this process may not write (made by an earlier run as root, then run as a service user;
/// its '-wal' or '-shm' left root's; an immutable file) was opened read-only by SQLite without a word: the app started,
/// listened and answered 503 to every background request until a restart. The open refuses it, naming the file.
/// </summary>
/// <remarks>
/// Root writes any file whatever its mode, so a test run as root makes the file immutable (chattr +i), which root
/// cannot write either; any other user takes its write permission away. Only where the file system has no immutable
/// flag (or chattr is missing) is there nothing to show, and the test returns.
/// </remarks>
[Collection(Hosting.ConsoleErrorCollection.Name)]
public sealed class ReadOnlyStoreFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-readonly-").FullName;
    private readonly List<string> _immutable = [];

    private string DatabasePath => Path.Combine(_folder, "executions.db");

    public void Dispose()
    {
        foreach (var file in _immutable)
        {
            Chattr("-i", file);
        }

        if (OperatingSystem.IsWindows())
        {
            foreach (var file in Directory.EnumerateFiles(_folder))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }
        }

        Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData("")]        // the database file itself
    [InlineData("-wal")]    // its write-ahead log, left by a process killed as another user
    [InlineData("-shm")]    // its shared-memory index, likewise
    public async Task A_store_file_this_process_cannot_write_is_refused_at_open_naming_it(string suffix)
    {
        await using (SqliteExecutionStore.Open(DatabasePath))
        {
        }

        var file = DatabasePath + suffix;
        if (!File.Exists(file))
        {
            File.WriteAllBytes(file, []);   // as a killed process leaves them: there, and not this user's to write
        }

        if (!MakeUnwritable(file))
        {
            return;   // a file system without the immutable flag: nothing to show here
        }

        var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => SqliteExecutionStore.Open(DatabasePath));

        Assert.StartsWith($"The execution store '{DatabasePath}' cannot be written by this process (user {Environment.UserName}, id ", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"'{file}' cannot be written (no write permission, or marked immutable).", refused.Message, StringComparison.Ordinal);
        Assert.Contains("every background request would be refused (503)", refused.Message, StringComparison.Ordinal);
        Assert.EndsWith("or set ApiRoutes:Store:Path to a file it may write.", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("InMemory", refused.Message, StringComparison.Ordinal);   // the store holds the work accepted before
    }

    [Fact]
    public async Task A_store_file_this_process_cannot_write_stops_start_up_in_one_line_with_exit_code_1()
    {
        await using (SqliteExecutionStore.Open(DatabasePath))
        {
        }

        if (!MakeUnwritable(DatabasePath))
        {
            return;
        }

        var manifest = TestManifest.Write(Create(BackgroundRoute("/api/job", typeof(Hello))));
        var error = new StringWriter();
        var previous = Console.Error;
        Console.SetError(error);
        int code;
        try
        {
            code = await ApiRoutesApplication.RunAsync(["--urls=http://127.0.0.1:0", $"--ApiRoutes:ManifestPath={manifest}", $"--ApiRoutes:Store:Path={DatabasePath}"])
                .WaitAsync(TimeSpan.FromMinutes(1));
        }
        finally
        {
            Console.SetError(previous);
        }

        Assert.Equal(1, code);
        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"ApiRoutes: The execution store '{DatabasePath}' cannot be written by this process", line, StringComparison.Ordinal);
    }

    private bool MakeUnwritable(string file)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(file, FileAttributes.ReadOnly);
            return true;
        }

        if (Environment.UserName != "root")
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead);
            return true;
        }

        if (!Chattr("+i", file))
        {
            return false;
        }

        _immutable.Add(file);
        return true;
    }

    private static bool Chattr(string flag, string path)
    {
        try
        {
            using var chattr = Process.Start(new ProcessStartInfo("chattr", [flag, path]) { RedirectStandardError = true });
            chattr!.WaitForExit(10_000);
            return chattr.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;   // no chattr
        }
    }
}
