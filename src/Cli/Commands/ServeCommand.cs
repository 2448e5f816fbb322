using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using ApiRoutes.Bundling;
using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes serve BUNDLE.zip</c>: the reference edge host. Checks the bundle against its list, unpacks it into a
/// fresh private folder, verifies every file there, runs <c>dotnet &lt;App&gt;.dll</c> (which verifies again at
/// start-up), forwards SIGTERM/SIGINT so the app drains and shuts down gracefully, and removes the folder when the app
/// has exited. A refused bundle is one line on standard error and exit code 1, and leaves nothing behind.
/// </summary>
internal static partial class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error, TimeProvider time)
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "The deploy bundle written by 'dotnet publish' (App.bundle.zip)." };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, for example http://127.0.0.1:8080." };
        var cache = new Option<string?>("--cache") { Description = "Where bundles are unpacked, each into a fresh private folder removed when the app exits (default: the user's local application data)." };
        var maxSize = new Option<long>("--max-size") { Description = "The most bytes a bundle may unpack to (default 1 GiB).", DefaultValueFactory = _ => BundleLimits.DefaultMaxSize };
        var maxFiles = new Option<int>("--max-files") { Description = "The most files a bundle may hold (default 10000).", DefaultValueFactory = _ => BundleLimits.DefaultMaxFiles };
        var command = new Command("serve", "Check, unpack, verify and run a deploy bundle, as an edge host does.") { bundle, urls, cache, maxSize, maxFiles };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            var path = Path.GetFullPath(parse.GetValue(bundle)!);
            if (Directory.Exists(path))
            {
                throw new CommandException($"{BundlePath.Quote(path)} is a folder: pass the .zip that 'dotnet publish' wrote (it prints its path).");
            }

            if (!File.Exists(path))
            {
                throw new CommandException($"'{path}' does not exist. 'dotnet publish' prints the path of the bundle it writes.");
            }

            // A FIFO or a device was opened blind, and a FIFO with no writer hung the command forever (review 26a F12).
            if (UnixFileKind.IsSpecial(path))
            {
                throw new CommandException($"{BundlePath.Quote(path)} is not a regular file: pass the .zip that 'dotnet publish' wrote.");
            }

            var limits = new BundleLimits { MaxSize = parse.GetValue(maxSize), MaxFiles = parse.GetValue(maxFiles) };
            if (limits.MaxSize <= 0 || limits.MaxFiles <= 0)
            {
                throw new CommandException("--max-size and --max-files must be positive numbers.");
            }

            // Not removed as the variables that load code are: a version alone is what the variable is for (review 48C F1).
            if (LibraryVersionVariables.FolderIn(Environment.GetEnvironmentVariables()) is { } folder)
            {
                throw new CommandException($"{BundlePath.Quote(path)} will not be served: the {folder}");
            }

            var host = DotnetHost.Require(Environment.GetEnvironmentVariable, Environment.ProcessPath);
            var root = CacheRoot(parse.GetValue(cache));
            await RemoveAbandonedAsync(root, time.GetUtcNow(), output, error);
            using var extracted = Extract(path, root, limits);
            try
            {
                await output.WriteLineAsync($"apiroutes: serving {extracted.Manifest.EntryAssembly} from {extracted.Folder} with {Terminal.Safe(host)} ({extracted.Manifest.Files.Count} files verified)");
                return await RunAsync(host, extracted, parse.GetValue(urls), error);
            }
            finally
            {
                if (extracted.Remove() is { } problem)
                {
                    await error.WriteLineAsync($"apiroutes: {problem}");
                }
            }
        }));
        return command;
    }

    private static ExtractedBundle Extract(string bundle, string cacheRoot, BundleLimits limits)
    {
        try
        {
            return BundleExtractor.Extract(bundle, cacheRoot, limits);
        }
        catch (BundleRefusedException e)
        {
            throw new CommandException($"'{bundle}' will not be served: {e.Message}");
        }
    }

    // Before the bundle is read: a cache another user could change is the host's fault, not the bundle's.
    private static string CacheRoot(string? cache)
    {
        var root = cache is null
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "apiroutes", "bundles")
            : Path.GetFullPath(cache);
        try
        {
            return PrivateFolder.CreateRoot(root);
        }
        catch (UnsafeFolderException e)
        {
            throw new CommandException($"the cache folder '{root}' is not safe to unpack into: {e.Message} Choose a --cache folder that only you can change.");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException($"the cache folder '{root}' cannot be made: {e.Message}");
        }
    }

    // What a server that could not clean up (SIGKILL, a power cut) left in the cache.
    private static async Task RemoveAbandonedAsync(string root, DateTimeOffset now, TextWriter output, TextWriter error)
    {
        var (removed, problems) = BundleFolderLock.RemoveAbandoned(root, now);
        if (removed > 0)
        {
            await output.WriteLineAsync($"apiroutes: removed {removed} unpacked bundle folder{(removed == 1 ? "" : "s")} left in '{root}' by a server that did not exit cleanly");
        }

        foreach (var problem in problems)
        {
            await error.WriteLineAsync($"apiroutes: {problem}");
        }
    }

    private static async Task<int> RunAsync(string host, ExtractedBundle bundle, string? urls, TextWriter error)
    {
        var start = new ProcessStartInfo(host) { WorkingDirectory = bundle.Folder, UseShellExecute = false };
        start.ArgumentList.Add(bundle.EntryAssemblyPath);
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }

        start.Environment["ApiRoutes__VerifyBundle"] = "true";

        // What the verified app would do itself, said at once: its configuration files are read once, so it does not
        // build its host a second time to turn their reloading off.
        start.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        if (UnverifiedCodeVariables.Remove(start.Environment) is [_, ..] removed)
        {
            await error.WriteLineAsync($"apiroutes: not passed to the app, as they would load code that was not verified into it: {Terminal.Safe(string.Join(", ", removed))}");
        }

        using var app = Process.Start(start) ?? throw new CommandException($"'{host}' could not be started.");

        // The app drains on SIGTERM; pass the signal on instead of dying first.
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => Forward(context, app, Signal.Term));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => Forward(context, app, Signal.Interrupt));
        await app.WaitForExitAsync();
        return app.ExitCode;
    }

    private static void Forward(PosixSignalContext context, Process app, Signal signal)
    {
        context.Cancel = true;
        if (app.HasExited)
        {
            return;
        }

        if (OperatingSystem.IsWindows() || Kill(app.Id, (int)signal) != 0)
        {
            app.Kill(entireProcessTree: true);
        }
    }

    private enum Signal
    {
        Interrupt = 2,
        Term = 15,
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
