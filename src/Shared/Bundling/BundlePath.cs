using System.Buffers;
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

        for (var i = 0; i < path.Length;)
        {
            if (Rune.DecodeFromUtf16(path.AsSpan(i), out var rune, out var length) != OperationStatus.Done)
            {
                return $"it has the unpaired surrogate {BundleCharacters.Code(path[i])}";
            }

            if (BundleCharacters.Problem(rune) is { } problem)
            {
                return problem;
            }

            i += length;
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
    /// <c>'path'</c> with every character that could hide or mislead (<see cref="BundleCharacters.Misleading"/>) and
    /// every unpaired surrogate escaped as <c>\uXXXX</c> or <c>\UXXXXXXXX</c>, and a long path cut short, so that a
    /// hostile name can neither break a log line, flood it nor pass for another name.
    /// </summary>
    public static string Quote(string? path) => $"'{Printable(path, QuotedLength)}'";

    /// <summary>Whether <paramref name="text"/> holds nothing that <see cref="Printable"/> escapes.</summary>
    public static bool IsPrintable(string text) => string.Equals(Printable(text, int.MaxValue), text, StringComparison.Ordinal);

    /// <summary>Untrusted text (a name, a parser's message quoting its input) made safe for one line, as in <see cref="Quote"/>.</summary>
    public static string Printable(string? text, int maxLength = 1000)
    {
        text ??= "";
        var printable = new StringBuilder();
        var length = text.Length <= maxLength ? text.Length : maxLength - (char.IsHighSurrogate(text[maxLength - 1]) ? 1 : 0);
        for (var i = 0; i < length;)
        {
            if (Rune.DecodeFromUtf16(text.AsSpan(i, length - i), out var rune, out var consumed) != OperationStatus.Done)
            {
                printable.Append(BundleCharacters.Escaped(text[i]));
                i++;
                continue;
            }

            if (BundleCharacters.Misleading(rune) is null)
            {
                printable.Append(text, i, consumed);
            }
            else
            {
                printable.Append(BundleCharacters.Escaped(rune.Value));
            }

            i += consumed;
        }

        return length < text.Length ? printable.Append('…').ToString() : printable.ToString();
    }

    private static string? SegmentProblem(string segment) => segment switch
    {
        "" => "it has an empty segment",
        "." => "it has a '.' segment",
        ".." => "it has a '..' segment",
        _ when segment[^1] is '.' or ' ' => $"its segment {Quote(segment)} ends with a dot or a space, which Windows drops",
        _ when Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes => $"a segment is longer than {MaxSegmentBytes} bytes",
        _ when WindowsDevices.Named(segment) is { } device => $"its segment {Quote(segment)} is the Windows device name {device}, which Windows opens as a device, not a file",
        _ => null,
    };
}
