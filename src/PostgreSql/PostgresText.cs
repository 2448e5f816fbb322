using Npgsql;

namespace ApiRoutes.Storage;

/// <summary>
/// Free text as PostgreSQL can store it: a <c>text</c> value holds no U+0000, and Npgsql's UTF-8 encoder refuses an
/// unpaired surrogate. An exception's message holds either more often than one would think (<c>int.Parse("\0")</c>
/// quotes its input), so such characters are stored as U+FFFD rather than failing the write. That holds in a UTF8
/// database only: one of another encoding refuses every character it lacks (SQLSTATE 22P05), and a client's input
/// quoted in an error, or the U+FFFD above, would leave executions unfinished; so the store opens on UTF8 alone.
/// </summary>
internal static class PostgresText
{
    /// <summary>Refuses a database whose encoding is not UTF8, saying how to make one that is.</summary>
    /// <exception cref="ExecutionStoreUnavailableException">The database's encoding is not UTF8.</exception>
    public static void RequireUtf8(NpgsqlConnection connection, string description)
    {
        using var show = new NpgsqlCommand("SHOW server_encoding", connection);
        var encoding = show.ExecuteScalar() as string;
        if (!string.Equals(encoding, "UTF8", StringComparison.OrdinalIgnoreCase))
        {
            throw new ExecutionStoreUnavailableException(
                $"The PostgreSQL execution store {description} has the encoding {encoding}, not UTF8: it would refuse any "
                + "character it lacks (SQLSTATE 22P05) in an execution's text, such as a client's input quoted in an error, "
                + "and leave such executions unfinished. Point ApiRoutes:Store:ConnectionString (or ConnectionStrings:ApiRoutes) "
                + "at a database created with CREATE DATABASE <name> ENCODING 'UTF8' TEMPLATE template0.");
        }
    }

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
