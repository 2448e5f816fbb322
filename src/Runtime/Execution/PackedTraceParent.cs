using System.Buffers.Binary;
using System.Globalization;

namespace ApiRoutes.Execution;

/// <summary>
/// A W3C <c>traceparent</c> of version 00 in 25 bytes inside its <see cref="ExecutionRecord"/> instead of a 55-character
/// string beside it: an execution accepted and waiting keeps one object fewer (and ~100 bytes less) alive, which the
/// garbage collector would otherwise mark and copy in every collection that promotes it (bench/load/README.md,
/// "Background 202 p99, sixth pass"). Only the canonical form is packed (lowercase, exactly as it formats back);
/// anything else stays the string it was.
/// </summary>
internal readonly record struct PackedTraceParent
{
    private const int Length = 55;   // 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>

    private readonly ulong _traceHigh;
    private readonly ulong _traceLow;
    private readonly ulong _span;
    private readonly byte _flags;
    private readonly bool _packed;

    private PackedTraceParent(ulong traceHigh, ulong traceLow, ulong span, byte flags) =>
        (_traceHigh, _traceLow, _span, _flags, _packed) = (traceHigh, traceLow, span, flags, true);

    /// <summary>The packed form of <paramref name="value"/>, or the string itself when it is not canonical.</summary>
    public static (string? Text, PackedTraceParent Packed) Of(string? value)
    {
        if (value is not { Length: Length } || !value.StartsWith("00-", StringComparison.Ordinal) || value[35] != '-' || value[52] != '-')
        {
            return (value, default);
        }

        Span<byte> bytes = stackalloc byte[25];
        if (!TryHex(value.AsSpan(3, 32), bytes[..16]) || !TryHex(value.AsSpan(36, 16), bytes[16..24]) || !TryHex(value.AsSpan(53, 2), bytes[24..]))
        {
            return (value, default);
        }

        var packed = new PackedTraceParent(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]), BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]), bytes[24]);
        Span<char> formatted = stackalloc char[Length];
        packed.Format(formatted);
        return formatted.SequenceEqual(value) ? (null, packed) : (value, default);
    }

    /// <summary>The traceparent as text (a new string), or null when nothing is packed.</summary>
    public string? Text() => _packed ? string.Create(Length, this, static (chars, packed) => packed.Format(chars)) : null;

    private static bool TryHex(ReadOnlySpan<char> hex, Span<byte> bytes) =>
        Convert.FromHexString(hex, bytes, out _, out var written) == System.Buffers.OperationStatus.Done && written == bytes.Length;

    private void Format(Span<char> chars)
    {
        "00-".CopyTo(chars);
        _traceHigh.TryFormat(chars[3..19], out _, "x16", CultureInfo.InvariantCulture);
        _traceLow.TryFormat(chars[19..35], out _, "x16", CultureInfo.InvariantCulture);
        chars[35] = '-';
        _span.TryFormat(chars[36..52], out _, "x16", CultureInfo.InvariantCulture);
        chars[52] = '-';
        _flags.TryFormat(chars[53..], out _, "x2", CultureInfo.InvariantCulture);
    }
}
