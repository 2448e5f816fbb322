using System.Text;

namespace ApiRoutes.Text;

/// <summary>
/// Percent escapes in a template's literal text as Kestrel treats them in a request's path: before routing it decodes
/// each escape that is an ASCII character other than '/' (<c>%2F</c> stays), or one of the escapes of a UTF-8 sequence
/// that is whole and valid; an escape of any other byte (<c>%FF</c>, <c>%C3</c> alone) stays as it is. A template's
/// literal is matched as written, never decoded.
/// </summary>
internal static class PathEscapes
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The index of the first escape Kestrel decodes in <paramref name="text"/>[from..to), or null.</summary>
    public static int? First(string text, int from, int to)
    {
        for (var i = from; i < to; i++)
        {
            if (SequenceAt(text, i) is { } sequence && i + (sequence.Escapes * 3) <= to)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>The escapes of the one character decoded at <paramref name="index"/> ('%C3%A9').</summary>
    public static string Run(string text, int index) =>
        SequenceAt(text, index) is { } sequence ? text.Substring(index, sequence.Escapes * 3) : "";

    /// <summary>The text as a request's path holding it reaches routing: each escape Kestrel decodes, decoded.</summary>
    public static string Decode(string text)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (SequenceAt(text, i) is { } sequence)
            {
                result.Append(sequence.Text);
                i += (sequence.Escapes * 3) - 1;
            }
            else
            {
                result.Append(text[i]);
            }
        }

        return result.ToString();
    }

    // The character an escape at index starts, when Kestrel decodes it: an ASCII byte but '/', or a whole, valid UTF-8
    // sequence of 2 to 4 escapes.
    private static (string Text, int Escapes)? SequenceAt(string text, int index)
    {
        if (ByteAt(text, index) is not { } lead || lead == (byte)'/')
        {
            return null;
        }

        var length = lead switch
        {
            < 0x80 => 1,
            >= 0xC2 and <= 0xDF => 2,
            >= 0xE0 and <= 0xEF => 3,
            >= 0xF0 and <= 0xF4 => 4,
            _ => 0,
        };
        if (length == 0)
        {
            return null;
        }

        var bytes = new byte[length];
        bytes[0] = lead;
        for (var k = 1; k < length; k++)
        {
            if (ByteAt(text, index + (3 * k)) is not { } next)
            {
                return null;
            }

            bytes[k] = next;
        }

        try
        {
            return (Strict.GetString(bytes), length);
        }
        catch (DecoderFallbackException)
        {
            return null;   // overlong, a surrogate, past U+10FFFF, a continuation byte missing: left encoded
        }
    }

    private static byte? ByteAt(string text, int index) =>
        index + 2 < text.Length && text[index] == '%' && Uri.IsHexDigit(text[index + 1]) && Uri.IsHexDigit(text[index + 2])
            ? Convert.ToByte(text.Substring(index + 1, 2), 16)
            : null;
}
