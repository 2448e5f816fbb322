using System.Diagnostics;
using ApiRoutes.Bundling;
using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// A server killed with SIGKILL cannot remove the folder it unpacked into. Its lock file tells the next
/// <c>apiroutes serve</c> that nobody uses the folder any more; a folder in use, or one made a moment ago, stays.
/// </summary>
public sealed class AbandonedBundleTests : IDisposable
{
    // Five minutes after now, when it is asked (a field set as the class loads is not 'later' once the run is that old).
    private static DateTimeOffset Later => DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5);

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-abandoned-").FullName;

    private string Cache => Path.Combine(_folder, "cache");

    [Fact]
    public void A_folder_whose_lock_nobody_holds_is_removed_with_its_lock_file()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var extracted = BundleExtractor.Extract(bundle, Cache, new BundleLimits());
        Assert.True(File.Exists(extracted.Folder + ".lock"));

        // What SIGKILL leaves: the folder and its lock file, no longer held.
        ReleaseWithoutRemoving(extracted);
        var (removed, problems) = BundleFolderLock.RemoveAbandoned(Cache, Later);

        Assert.Equal(1, removed);
        Assert.Empty(problems);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));
    }

    [Fact]
    public void A_folder_being_served_stays()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        using var served = BundleExtractor.Extract(bundle, Cache, new BundleLimits());

        var (removed, _) = BundleFolderLock.RemoveAbandoned(Cache, Later);

        Assert.Equal(0, removed);
        Assert.Empty(BundleVerifier.Verify(served.Folder));
    }

    [Fact]
    public void An_unheld_lock_younger_than_a_minute_is_left_alone()
    {
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var extracted = BundleExtractor.Extract(bundle, Cache, new BundleLimits());
        ReleaseWithoutRemoving(extracted);

        var (removed, _) = BundleFolderLock.RemoveAbandoned(Cache, DateTimeOffset.UtcNow);

        Assert.Equal(0, removed);
        Assert.True(Directory.Exists(extracted.Folder));
    }

    [Fact]
    public void A_folder_whose_lock_could_not_be_taken_is_never_removed()
    {
        // Where the file system would not lock (NFS without lockd, an SMB mount): serve says so in the lock file.
        Directory.CreateDirectory(Cache);
        var folder = Directory.CreateDirectory(Path.Combine(Cache, "bundle-" + new string('c', 32))).FullName;
        File.WriteAllText(folder + ".lock", "not locked");
        File.SetLastWriteTimeUtc(folder + ".lock", DateTime.UtcNow - TimeSpan.FromMinutes(2));

        Assert.Equal(0, BundleFolderLock.RemoveAbandoned(Cache, Later).Removed);
        Assert.True(Directory.Exists(folder));
    }

    [Fact]
    public void A_lock_that_serve_takes_is_really_held()
    {
        Directory.CreateDirectory(Cache);
        var folder = Path.Combine(Cache, "bundle-" + new string('d', 32));
        using var held = BundleFolderLock.Take(folder);
        Directory.CreateDirectory(folder);
        File.SetLastWriteTimeUtc(folder + ".lock", DateTime.UtcNow - TimeSpan.FromMinutes(2));

        Assert.True(held.IsLocked || OperatingSystem.IsWindows());
        Assert.Equal(0, new FileInfo(folder + ".lock").Length);
        Assert.Equal(0, BundleFolderLock.RemoveAbandoned(Cache, Later).Removed);
    }

    [Fact]
    public void Only_lock_files_named_as_serve_names_them_count_and_a_link_goes_without_what_it_points_to()
    {
        Directory.CreateDirectory(Cache);
        var kept = Directory.CreateDirectory(Path.Combine(_folder, "kept")).FullName;
        File.WriteAllText(Path.Combine(kept, "precious.txt"), "x");
        var linked = Path.Combine(Cache, "bundle-" + new string('a', 32));
        Directory.CreateSymbolicLink(linked, kept);
        File.WriteAllText(linked + ".lock", "");
        Directory.CreateDirectory(Path.Combine(Cache, "bundle-other"));
        File.WriteAllText(Path.Combine(Cache, "bundle-other.lock"), "");

        var (removed, _) = BundleFolderLock.RemoveAbandoned(Cache, Later);

        Assert.Equal(1, removed);
        Assert.False(Path.Exists(linked));
        Assert.True(File.Exists(Path.Combine(kept, "precious.txt")));
        Assert.True(Directory.Exists(Path.Combine(Cache, "bundle-other")));
    }

    [Fact]
    public async Task A_lock_held_by_a_process_killed_with_SIGKILL_is_free_and_serve_removes_its_folder()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));
        var extracted = BundleExtractor.Extract(bundle, Cache, new BundleLimits());
        var lockFile = extracted.Folder + ".lock";
        ReleaseWithoutRemoving(extracted);

        // Another process holds the lock as a running serve would (flock; --close: only flock itself, not its sleep, so
        // that its exit is the end of the lock), then dies without letting go.
        using (var holder = Process.Start(new ProcessStartInfo("flock", ["--shared", "--close", lockFile, "sleep", "60"]) { UseShellExecute = false })!)
        {
            try
            {
                await WaitUntilHeldAsync(lockFile);
                Assert.Equal(0, BundleFolderLock.RemoveAbandoned(Cache, Later).Removed);
            }
            finally
            {
                holder.Kill(entireProcessTree: true);
                await holder.WaitForExitAsync();
            }
        }

        // serve itself, with a bundle that is refused: the sweep comes first.
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow - TimeSpan.FromMinutes(2));
        var missing = Path.Combine(_folder, "Other.bundle.zip");
        File.WriteAllText(missing, "not a zip");
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await Program.CreateRootCommand(output, error).Parse(["serve", missing, "--cache", Cache])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });

        Assert.Equal(1, exitCode);
        Assert.Equal($"apiroutes: removed 1 unpacked bundle folder left in '{Cache}' by a server that did not exit cleanly\n", output.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));
    }

    [Fact]
    public async Task The_app_that_serve_starts_holds_the_lock_too_so_a_killed_serve_does_not_lose_the_folder_of_an_app_still_running()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        Directory.CreateDirectory(Cache);
        var folder = Path.Combine(Cache, "bundle-" + new string('b', 32));
        var held = BundleFolderLock.Take(folder);
        Directory.CreateDirectory(folder);
        File.SetLastWriteTimeUtc(folder + ".lock", DateTime.UtcNow - TimeSpan.FromMinutes(2));

        // As serve starts the app: a child process, which inherits the lock; then serve goes (SIGKILL closes its handle
        // and removes nothing).
        using var app = Process.Start(new ProcessStartInfo("sleep", ["60"]) { UseShellExecute = false })!;
        try
        {
            // What SIGKILL does: the descriptor closed by the kernel, no unlock (Dispose would unlock for the app too).
            var handle = held.Handle;
            Assert.Equal(0, Close((int)handle.DangerousGetHandle()));
            handle.SetHandleAsInvalid();

            Assert.Equal(0, BundleFolderLock.RemoveAbandoned(Cache, Later).Removed);
            Assert.True(Directory.Exists(folder));
        }
        finally
        {
            app.Kill();
            await app.WaitForExitAsync();
        }

        Assert.Equal(1, BundleFolderLock.RemoveAbandoned(Cache, Later).Removed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Cache));
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Lets go of the lock and keeps both the folder and its lock file, as a process that dies does.
    private static void ReleaseWithoutRemoving(ExtractedBundle extracted)
    {
        var lockFile = extracted.Folder + ".lock";
        extracted.Dispose();
        Directory.CreateDirectory(extracted.Folder);
        File.WriteAllText(Path.Combine(extracted.Folder, "App.dll"), "left behind");

        // A new file: a process another test started meanwhile may hold the old one (the lock is inherited).
        File.Delete(lockFile);
        File.WriteAllBytes(lockFile, []);
        File.SetLastWriteTimeUtc(lockFile, DateTime.UtcNow);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);

    private static async Task WaitUntilHeldAsync(string lockFile)
    {
        // Bounded by a deadline, not a count of short waits: flock(1) is a process to start on a machine that may be busy.
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); DateTime.UtcNow < deadline;)
        {
            try
            {
                using var probe = new FileStream(lockFile, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                return;
            }

            await Task.Delay(10);
        }

        Assert.Fail("flock never took the lock");
    }
}
