namespace ApiRoutes.Testing;

/// <summary>The checkout the tests run from.</summary>
public static class Repository
{
    /// <summary>The folder of <c>ApiRoutes.sln</c>, above the test assembly.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "ApiRoutes.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"ApiRoutes.sln was not found above {AppContext.BaseDirectory}.");
    }
}
