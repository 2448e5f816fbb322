namespace ApiRoutes.Cli.Commands;

/// <summary>A failure the user can fix; its message is printed without a stack trace and the exit code is 1.</summary>
internal sealed class CommandException(string message) : Exception(message);
