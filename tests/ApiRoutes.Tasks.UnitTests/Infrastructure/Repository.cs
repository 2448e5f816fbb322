namespace ApiRoutes.Tasks.UnitTests.Infrastructure;

/// <summary>The repository the tests run from, for the files they check (README, schemas).</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ApiRoutes.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds ApiRoutes.sln.");
    }
}
