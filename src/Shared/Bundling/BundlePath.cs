using System.Globalization;
using System.Text;

namespace ApiRoutes.Bundling;

/// <summary>
/// What a path inside a deploy bundle may be — in <c>apiroutes.bundle.json</c>, in the zip and on disk alike — and
/// how an untrusted path is quoted in a one-line message.
/// </summary>
internal static class BundlePath
{
    public const int MaxLength = 1024;

    // NAME_MAX on Linux and most file systems, in bytes.
    private const int MaxSegmentBytes = 255;

    private const int QuotedLength = 200;

    // Characters that a Windows file name cannot hold; a bundle must unpack to the same files everywhere.
    private const string NotOnWindows = "<>:\"|?*";

    /// <returns>Why <paramref name="path"/> is not a safe relative bundle path (a sentence without its full stop), or
    /// <see langword="null"/> when it is one.</returns>
    public static string? Problem(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "it is empty";
        }

        if (path.Length > MaxLength)
        {
            return $"it is longer than {MaxLength} characters";
        }

        if (path[0] == '/' || (path.Length > 1 && path[1] == ':' && char.IsAsciiLetter(path[0])))
        {
            return "it is absolute";
        }

        for (var i = 0; i < path.Length; i++)
        {
            if (CharacterProblem(path, i) is { } problem)
            {
                return problem;
            }
        }

        foreach (var segment in path.Split('/'))
        {
            if (SegmentProblem(segment) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    /// <summary>
    /// <c>'path'</c> with control, invisible and unpaired surrogate characters escaped as <c>\uXXXX</c> and a long
    /// path cut short, so that a hostile name can neither break a log line nor flood it.
    /// </summary>
    public static string Quote(string? path) => $"'{Printable(path, QuotedLength)}'";

    /// <summary>Untrusted text (a name, a parser's message quoting its input) made safe for one line, as in <see cref="Quote"/>.</summary>
    public static string Printable(string? text, int maxLength = 1000)
    {
        text ??= "";
        var printable = new StringBuilder();
        var length = text.Length <= maxLength ? text.Length : maxLength - (char.IsHighSurrogate(text[maxLength - 1]) ? 1 : 0);
        for (var i = 0; i < length; i++)
        {
            var c = text[i];
            printable.Append(IsUnsafeToPrint(text, i) ? $"\\u{(int)c:X4}" : c);
        }

        return length < text.Length ? printable.Append('…').ToString() : printable.ToString();
    }

    private static string? CharacterProblem(string path, int i)
    {
        var c = path[i];
        if (c == '\\')
        {
            return "it has a backslash; bundle paths use '/'";
        }

        if (char.IsControl(c))
        {
            return $"it has the control character U+{(int)c:X4}";
        }

        if (char.IsSurrogate(c) && !IsPaired(path, i))
        {
            return $"it has the unpaired surrogate U+{(int)c:X4}";
        }

        if (char.GetUnicodeCategory(c) == UnicodeCategory.Format)
        {
            return $"it has the invisible formatting character U+{(int)c:X4}";
        }

        return NotOnWindows.Contains(c, StringComparison.Ordinal) ? $"it has the character '{c}', which file names on Windows cannot hold" : null;
    }

    private static string? SegmentProblem(string segment) => segment switch
    {
        "" => "it has an empty segment",
        "." => "it has a '.' segment",
        ".." => "it has a '..' segment",
        _ when segment[^1] is '.' or ' ' => $"its segment {Quote(segment)} ends with a dot or a space, which Windows drops",
        _ when Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes => $"a segment is longer than {MaxSegmentBytes} bytes",
        _ => null,
    };

    private static bool IsUnsafeToPrint(string path, int i) =>
        char.IsControl(path[i]) || char.GetUnicodeCategory(path[i]) == UnicodeCategory.Format || (char.IsSurrogate(path[i]) && !IsPaired(path, i));

    private static bool IsPaired(string path, int i) =>
        (char.IsHighSurrogate(path[i]) && i + 1 < path.Length && char.IsLowSurrogate(path[i + 1]))
        || (char.IsLowSurrogate(path[i]) && i > 0 && char.IsHighSurrogate(path[i - 1]));
}
