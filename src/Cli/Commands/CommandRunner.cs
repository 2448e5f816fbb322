namespace ApiRoutes.Cli.Commands;

/// <summary>Turns expected failures into one line on standard error and exit code 1.</summary>
internal static class CommandRunner
{
    public static int Run(TextWriter error, Func<int> action)
    {
        try
        {
            return action();
        }
        catch (CommandException e)
        {
            error.WriteLine($"apiroutes: {e.Message}");
            return 1;
        }
    }

    public static async Task<int> RunAsync(TextWriter error, Func<Task<int>> action)
    {
        try
        {
            return await action();
        }
        catch (CommandException e)
        {
            await error.WriteLineAsync($"apiroutes: {e.Message}");
            return 1;
        }
    }
}
