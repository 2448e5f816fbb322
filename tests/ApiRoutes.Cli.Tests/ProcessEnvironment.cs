namespace ApiRoutes.Cli.Tests;

/// <summary>Tests that set the process's environment variables (the CLI reads secrets from there) run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class ProcessEnvironment
{
    public const string Name = "Process environment";
}
