namespace ApiRoutes.Text;

/// <summary>Paths in advice a user pastes into a POSIX shell: one word each, whatever they hold.</summary>
internal static class ShellWords
{
    /// <summary>In single quotes, each single quote of its own written '\''.</summary>
    public static string Quote(string path) => "'" + path.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>As it is when a shell takes it as one word unchanged, else <see cref="Quote"/>d.</summary>
    public static string Word(string path) =>
        path.Length > 0 && path.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or '/' or '+' or ':' or '@' or ',') ? path : Quote(path);
}
