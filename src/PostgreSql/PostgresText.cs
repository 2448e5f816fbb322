namespace ApiRoutes.Storage;

/// <summary>
/// Free text as PostgreSQL can store it: a <c>text</c> value holds no U+0000, and Npgsql's UTF-8 encoder refuses an
/// unpaired surrogate. An exception's message holds either more often than one would think (<c>int.Parse("\0")</c>
/// quotes its input), so such characters are stored as U+FFFD rather than failing the write.
/// </summary>
internal static class PostgresText
{
    public static string? Storable(string? text)
    {
        if (text is null || FirstUnstorable(text) is not (>= 0 and var first))
        {
            return text;
        }

        return string.Create(text.Length, (text, first), static (chars, state) =>
        {
            var (source, first) = state;
            source.AsSpan().CopyTo(chars);
            for (var i = first; i < chars.Length; i++)
            {
                if (char.IsHighSurrogate(chars[i]) && i + 1 < chars.Length && char.IsLowSurrogate(chars[i + 1]))
                {
                    i++;
                }
                else if (chars[i] == '\0' || char.IsSurrogate(chars[i]))
                {
                    chars[i] = '\uFFFD';
                }
            }
        });
    }

    private static int FirstUnstorable(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (text[i] == '\0' || char.IsSurrogate(text[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
