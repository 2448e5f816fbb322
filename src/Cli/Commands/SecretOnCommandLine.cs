using System.CommandLine;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// A hidden option for a secret the CLI takes from the environment only. Given on the command line, it is refused with
/// a line that names the variable to set instead, rather than System.CommandLine's "Unrecognized command or argument":
/// the option existed once, and scripts written for it deserve to be told why it went.
/// </summary>
internal static class SecretOnCommandLine
{
    public static Option<string?> Refused(string name, string variable)
    {
        var option = new Option<string?>(name) { Hidden = true, Description = $"Not accepted: set {variable}." };
        option.Validators.Add(result => result.AddError(
            $"{name} is not accepted: a secret on the command line is visible to every user of the machine (ps) and is kept "
            + $"in shell histories and CI logs. Set the environment variable {variable} instead."));
        return option;
    }
}
