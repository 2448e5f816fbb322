using System.Diagnostics;
using System.Text.RegularExpressions;
using ApiRoutes.Scheduling;
using ApiRoutes.Testing;

namespace ApiRoutes.Runtime.Tests;

/// <summary>
/// README's shell line that signs an external schedule trigger gives the header the runtime checks. Review 28c F8: it
/// printed OpenSSL 3's "SHA2-256(stdin)= …", and the header made from it was refused with 401.
/// </summary>
public sealed partial class TriggerSignatureShellTests
{
    [Fact]
    public async Task The_readmes_shell_line_signs_as_the_runtime_checks()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var line = ShellLine().Match(readme);
        Assert.True(line.Success, "README has no `sig=\"sha256=$(printf …)\"` line");

        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(line.Groups["command"].Value + "; printf '%s' \"$sig\"");
        start.Environment["route"] = "/api/cleanup";
        start.Environment["occurrence"] = "2026-01-01T03:00:00Z";
        start.Environment["ts"] = "1767236400";
        start.Environment["secret"] = "a secret of 32 characters or more";
        using var shell = Process.Start(start)!;
        var output = await shell.StandardOutput.ReadToEndAsync();
        await shell.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(0, shell.ExitCode);
        Assert.Equal(TriggerSignature.Compute("a secret of 32 characters or more", "/api/cleanup", "2026-01-01T03:00:00Z", "1767236400"), output);
        Assert.True(TriggerSignature.IsValid("a secret of 32 characters or more", "/api/cleanup", "2026-01-01T03:00:00Z", "1767236400", output));
    }

    [GeneratedRegex("`(?<command>sig=\"sha256=\\$\\(printf [^`]+)`")]
    private static partial Regex ShellLine();
}
