using System.Globalization;

namespace ApiRoutes.Storage;

/// <summary>
/// A W3C <c>traceparent</c> in its canonical form (<c>00-</c>, 32 and 16 lowercase hex digits, 2 for the flags) as
/// 25 bytes and a marker in a struct, for the in-memory store's compact history (<see cref="CompactRecord"/>): no
/// string object per kept execution. Only text that formats back to itself character for character is packed, so
/// nothing is validated or rewritten here: any other text is kept as given, by the caller.
/// </summary>
internal readonly record struct PackedTraceParent(ulong TraceHigh, ulong TraceLow, ulong Span, byte Flags, bool IsPacked)
{
    private const int Length = 55;

    /// <summary>
    /// Packs <paramref name="text"/> when it is a canonical <c>traceparent</c> that formats back to itself; otherwise
    /// <paramref name="packed"/> is the default, whose <see cref="IsPacked"/> is false.
    /// </summary>
    public static bool TryPack(string? text, out PackedTraceParent packed)
    {
        packed = default;
        if (text is not { Length: Length } || !text.StartsWith("00-", StringComparison.Ordinal) || text[35] != '-' || text[52] != '-'
            || !ulong.TryParse(text.AsSpan(3, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var high)
            || !ulong.TryParse(text.AsSpan(19, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var low)
            || !ulong.TryParse(text.AsSpan(36, 16), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var span)
            || !byte.TryParse(text.AsSpan(53, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var flags))
        {
            return false;
        }

        // Upper-case hex parses too: only what formats back to the same characters is packed.
        var candidate = new PackedTraceParent(high, low, span, flags, IsPacked: true);
        Span<char> formatted = stackalloc char[Length];
        candidate.Format(formatted);
        if (!formatted.SequenceEqual(text))
        {
            return false;
        }

        packed = candidate;
        return true;
    }

    /// <summary>The text again, as it was packed.</summary>
    public string Text() => string.Create(Length, this, static (chars, packed) => packed.Format(chars));

    private void Format(Span<char> chars)
    {
        "00-".CopyTo(chars);
        TraceHigh.TryFormat(chars[3..], out _, "x16", CultureInfo.InvariantCulture);
        TraceLow.TryFormat(chars[19..], out _, "x16", CultureInfo.InvariantCulture);
        chars[35] = '-';
        Span.TryFormat(chars[36..], out _, "x16", CultureInfo.InvariantCulture);
        chars[52] = '-';
        Flags.TryFormat(chars[53..], out _, "x2", CultureInfo.InvariantCulture);
    }
}
