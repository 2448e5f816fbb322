using ApiRoutes.Bundling;

namespace ApiRoutes.Cli.Commands;

/// <summary>
/// Text a server sent (a handler's log lines, an error, a route, a reason) made safe for the operator's terminal: a
/// control character (an ANSI or OSC escape sequence that could rewrite earlier lines, retitle the window or write the
/// clipboard) or a character that hides or reverses text is printed escaped, as <c>\u001B</c>, and one line stays one.
/// </summary>
internal static class Terminal
{
    public const int MaxLine = 16 * 1024;

    public static string Safe(string? text) => BundlePath.Printable(text, MaxLine);
}
