using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Which project a command works on, found as <c>dotnet build</c> finds it: the file given, or the one project file in
/// the folder, or else the folder's one solution (<c>.sln</c> or <c>.slnx</c>) — and from a solution, its one app
/// project that references ApiRoutes (a test project or a class library beside it is not a route host).
/// </summary>
internal static class ProjectFinder
{
    /// <exception cref="CommandException">No project, or several that fit.</exception>
    public static string Find(string? path)
    {
        var target = Path.GetFullPath(path ?? Directory.GetCurrentDirectory());
        if (File.Exists(target))
        {
            return IsSolution(target) ? FromSolution(Regular(target)) : Regular(target);
        }

        if (!Directory.Exists(target))
        {
            throw new CommandException($"'{target}' does not exist. Pass a project file, a solution file, or a folder that holds one.");
        }

        var projects = FilesEndingWith(target, ".csproj");
        if (projects.Length > 1)
        {
            throw new CommandException($"'{target}' holds several projects ({Names(projects)}); pass one of them.");
        }

        if (projects.Length == 1)
        {
            return Regular(projects[0]);
        }

        var solutions = FilesEndingWith(target, ".sln").Concat(FilesEndingWith(target, ".slnx")).ToArray();
        return solutions.Length switch
        {
            0 => throw new CommandException($"There is no .csproj, .sln or .slnx in '{target}'. Pass a project file or its folder."),
            1 => FromSolution(Regular(solutions[0])),
            _ => throw new CommandException($"'{target}' holds several solutions ({Names(solutions)}); pass one of them, or the project."),
        };
    }

    private static string FromSolution(string solution)
    {
        var hosts = ProjectBuilder.RouteHostsOf(solution);
        return hosts.Count switch
        {
            1 => hosts[0],
            0 => throw new CommandException(
                $"No project in '{solution}' is an app that references the ApiRoutes package. Pass the project file, or add "
                + "<PackageReference Include=\"ApiRoutes\" /> to the web project."),
            _ => throw new CommandException(
                $"'{solution}' has several ApiRoutes apps ({string.Join(", ", hosts.Select(host => Path.GetRelativePath(Path.GetDirectoryName(solution)!, host)))}); pass one of them."),
        };
    }

    // Review 45b: a FIFO named *.csproj was handed to MSBuild, whose read of it never ended (nor did the command).
    private static string Regular(string file) =>
        UnixFileKind.IsSpecial(file)
            ? throw new CommandException($"'{file}' is not a regular file (a FIFO, a socket or a device), so it is no project or solution to read. Pass the project file itself.")
            : file;

    private static bool IsSolution(string file) =>
        file.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase);

    // An exact extension: Directory.GetFiles("*.sln") would also match ".slnx" on Windows.
    private static string[] FilesEndingWith(string folder, string extension) =>
        [.. Directory.GetFiles(folder, "*" + extension)
            .Where(file => file.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)];

    private static string Names(IEnumerable<string> files) => string.Join(", ", files.Select(Path.GetFileName));
}
