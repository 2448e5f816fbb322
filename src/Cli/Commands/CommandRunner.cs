namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Turns every failure of a command into one line on standard error and exit code 1: a <see cref="CommandException"/>
/// with its message as written, anything else (an unreadable file, an MSBuild project that does not load, a bug) with
/// its type and message. A stack trace helps nobody who runs a command; the line says what failed.
/// </summary>
internal static class CommandRunner
{
    public static int Run(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            error.WriteLine(OneLine(e));
            return 1;
        }
    }

    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await error.WriteLineAsync(OneLine(e));
            return 1;
        }
    }

    /// <summary>"apiroutes: message" on one line, whatever the exception's message holds.</summary>
    internal static string OneLine(Exception e)
    {
        var message = e is CommandException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        return "apiroutes: " + Terminal.Safe(Flatten(message));
    }

    internal static string Flatten(string text) =>
        string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
