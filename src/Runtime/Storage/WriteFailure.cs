using System.Text;

namespace ApiRoutes.Storage;

/// <summary>Why a store write failed: because of the store (try again later), or because of the write's own data.</summary>
internal static class WriteFailure
{
    /// <summary>
    /// Whether <paramref name="failure"/>, or an exception it wraps, is about a write's data: a value the client cannot
    /// encode or convert, or one the database refuses (<paramref name="refusedByDatabase"/> knows its errors). Writing it
    /// again would fail again.
    /// </summary>
    public static bool IsDataError(Exception failure, Func<Exception, bool> refusedByDatabase)
    {
        for (var e = failure; e is not null; e = e.InnerException)
        {
            if (e is EncoderFallbackException or ArgumentException or InvalidCastException or FormatException || refusedByDatabase(e))
            {
                return true;
            }
        }

        return false;
    }
}
