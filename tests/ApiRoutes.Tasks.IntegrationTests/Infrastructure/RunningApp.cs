using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>
/// A server process started as a user would (<c>dotnet run</c>, <c>dotnet App.dll</c>), bound to 127.0.0.1 on an
/// ephemeral port; the address is read from Kestrel's "Now listening on" line. Always stopped on dispose.
/// </summary>
internal sealed partial class RunningApp : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _address = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RunningApp(Process process)
    {
        _process = process;
    }

    public HttpClient Client { get; private set; } = null!;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet ARGS --urls http://127.0.0.1:0</c> and waits until it listens.</summary>
    public static Task<RunningApp> StartAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        StartProgramAsync("dotnet", workingDirectory, environment, arguments);

    /// <summary>Starts <c>PROGRAM ARGS --urls http://127.0.0.1:0</c> and waits until it listens.</summary>
    public static Task<RunningApp> StartProgramAsync(string program, string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        StartListeningAsync(program, workingDirectory, environment, "http://127.0.0.1:0", arguments);

    /// <summary>
    /// Starts <c>PROGRAM ARGS --urls URLS</c> and waits until it listens: a fixed port, for a process that restarts its
    /// app (dotnet watch) and must be found at the same address again.
    /// </summary>
    public static async Task<RunningApp> StartListeningAsync(string program, string workingDirectory, IReadOnlyDictionary<string, string> environment, string urls, params string[] arguments)
    {
        var app = Launch(program, workingDirectory, environment, [.. arguments, "--urls", urls]);
        var exited = app._process.WaitForExitAsync();
        var first = await Task.WhenAny(app._address.Task, exited, Task.Delay(StartTimeout));
        if (first != app._address.Task)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"'{program} {string.Join(' ', arguments)}' did not start listening:\n{app.Output}");
        }

        app.Client = new HttpClient { BaseAddress = await app._address.Task, Timeout = TimeSpan.FromSeconds(30) };
        return app;
    }

    /// <summary>
    /// Starts a process expected to exit by itself, and returns it once it has; one that does not within the start's time
    /// is stopped, and the test fails with what it wrote (one left running served on port 5000 after its test had failed).
    /// </summary>
    public static async Task<RunningApp> RunToExitAsync(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var app = Launch("dotnet", workingDirectory, environment, arguments);
        using var timeout = new CancellationTokenSource(StartTimeout);
        try
        {
            await app._process.WaitForExitAsync(timeout.Token);
            return app;
        }
        catch (OperationCanceledException)
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"'dotnet {string.Join(' ', arguments)}' did not exit within {StartTimeout}:\n{app.Output}");
        }
    }

    /// <summary>Sends SIGTERM, as a platform stopping an instance does, and waits for the process to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill!.WaitForExitAsync();
        }

        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: the process gets no chance to shut down.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"The output never contained '{text}':\n{Output}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static RunningApp Launch(string program, string workingDirectory, IReadOnlyDictionary<string, string> environment, string[] arguments)
    {
        var start = DotNet.StartInfo(program, workingDirectory, environment, arguments);
        var app = new RunningApp(new Process { StartInfo = start });
        app._process.OutputDataReceived += (_, e) => app.Append(e.Data);
        app._process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        app._process.Start();
        app._process.BeginOutputReadLine();
        app._process.BeginErrorReadLine();
        return app;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (ListeningOn().Match(line) is { Success: true } match)
        {
            _address.TrySetResult(new Uri(match.Groups["url"].Value));
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();
}
