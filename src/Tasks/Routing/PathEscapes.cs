using System.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// Percent escapes in a template's literal text as Kestrel treats them in a request's path: it decodes every
/// <c>%XX</c> but <c>%2F</c> before routing, and a template's literal is matched as written, never decoded.
/// </summary>
internal static class PathEscapes
{
    /// <summary>The index of the first escape Kestrel decodes in <paramref name="text"/>[from..to), or null.</summary>
    public static int? First(string text, int from, int to)
    {
        for (var i = from; i + 2 < to; i++)
        {
            if (At(text, i) is not null)
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>The run of escapes starting at <paramref name="index"/> (one character's bytes: '%C3%A9').</summary>
    public static string Run(string text, int index)
    {
        var end = index;
        while (At(text, end) is not null)
        {
            end += 3;
        }

        return text[index..end];
    }

    /// <summary>The text as a request's path holding it reaches routing: each escape but '%2F' decoded (UTF-8).</summary>
    public static string Decode(string text)
    {
        var result = new StringBuilder(text.Length);
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (At(text, i) is { } value)
            {
                bytes.Add(value);
                i += 2;
                continue;
            }

            Flush();
            result.Append(text[i]);
        }

        Flush();
        return result.ToString();

        void Flush()
        {
            if (bytes.Count > 0)
            {
                result.Append(Encoding.UTF8.GetString([.. bytes]));   // an invalid sequence: U+FFFD
                bytes.Clear();
            }
        }
    }

    // The byte an escape at index stands for, when Kestrel decodes it.
    private static byte? At(string text, int index) =>
        index + 2 < text.Length && text[index] == '%' && Uri.IsHexDigit(text[index + 1]) && Uri.IsHexDigit(text[index + 2])
        && Convert.ToByte(text.Substring(index + 1, 2), 16) is var value && value != (byte)'/'
            ? value
            : null;
}
