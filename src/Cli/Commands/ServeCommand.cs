using System.CommandLine;
using System.Diagnostics;
using System.IO.Compression;
using System.Runtime.InteropServices;
using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// <c>apiroutes serve BUNDLE.zip</c>: the reference edge host. Unpacks the bundle into a cache folder named by its
/// SHA-256, verifies every file against the bundle manifest, runs <c>dotnet &lt;App&gt;.dll</c> there (which verifies
/// again at start-up), and forwards SIGTERM/SIGINT so the app drains and shuts down gracefully.
/// </summary>
internal static partial class ServeCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var bundle = new Argument<string>("BUNDLE") { Description = "The deploy bundle written by 'dotnet publish' (App.bundle.zip)." };
        var urls = new Option<string?>("--urls") { Description = "Where to listen, for example http://127.0.0.1:8080." };
        var cache = new Option<string?>("--cache") { Description = "Where bundles are unpacked (default: the user's local application data)." };
        var command = new Command("serve", "Unpack, verify and run a deploy bundle, as an edge host does.") { bundle, urls, cache };
        command.SetAction((parse, cancellation) => CommandRunner.RunAsync(error, async () =>
        {
            var folder = Unpack(Path.GetFullPath(parse.GetValue(bundle)!), parse.GetValue(cache));
            var problems = BundleVerifier.Verify(folder);
            if (problems.Count > 0)
            {
                throw new CommandException($"The bundle does not match its {BundleManifest.FileName} and will not be served: {string.Join(" ", problems)}");
            }

            var manifest = BundleManifest.Deserialize(await File.ReadAllTextAsync(Path.Combine(folder, BundleManifest.FileName), cancellation));
            await output.WriteLineAsync($"apiroutes: serving {manifest.EntryAssembly} from {folder} ({manifest.Files.Count} files verified)");
            return await RunAsync(folder, manifest.EntryAssembly, parse.GetValue(urls));
        }));
        return command;
    }

    private static string Unpack(string bundle, string? cacheRoot)
    {
        if (!File.Exists(bundle))
        {
            throw new CommandException($"'{bundle}' does not exist. 'dotnet publish' prints the path of the bundle it writes.");
        }

        string hash;
        using (var stream = File.OpenRead(bundle))
        {
            hash = BundleManifest.Sha256(stream);
        }

        var root = cacheRoot ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "apiroutes", "bundles");
        var folder = Path.Combine(Path.GetFullPath(root), hash[..16]);
        if (Directory.Exists(folder))
        {
            return folder;
        }

        // Unpack beside the final folder and move it in one step, so a half-unpacked folder is never reused.
        var staging = folder + ".tmp-" + Environment.ProcessId;
        try
        {
            ZipFile.ExtractToDirectory(bundle, staging, overwriteFiles: true);
            Directory.Move(staging, folder);
        }
        catch (InvalidDataException e)
        {
            throw new CommandException($"'{bundle}' is not a valid zip file: {e.Message}");
        }
        catch (IOException) when (Directory.Exists(folder))
        {
            // Another serve unpacked the same bundle first.
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }

        return folder;
    }

    private static async Task<int> RunAsync(string folder, string entryAssembly, string? urls)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { WorkingDirectory = folder, UseShellExecute = false };
        start.ArgumentList.Add(entryAssembly);
        if (urls is not null)
        {
            start.ArgumentList.Add("--urls");
            start.ArgumentList.Add(urls);
        }

        start.Environment["ApiRoutes__VerifyBundle"] = "true";
        using var app = Process.Start(start) ?? throw new CommandException("dotnet could not be started.");

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
