namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Tests that set the process's environment variables (the CLI reads secrets from there) run one at a time, and with no
/// other test beside them: every command reads the environment, and a test of another class that ran a command while
/// one of these held a secret set saw it (helper 36a: CliCommandTests' "--occurrence without a secret" case, on a busy
/// machine, found APIROUTES_TRIGGER_SECRET that InvokeWaitTests had set, and reported an unreachable server instead).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessEnvironment
{
    public const string Name = "Process environment";
}
