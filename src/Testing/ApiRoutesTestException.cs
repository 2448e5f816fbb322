namespace ApiRoutes.Testing;

/// <summary>
/// A test could not get what it asked for: the app did not accept a background request, a route is not what was
/// expected, or the app did not come to rest at an instant (a handler waits for something other than the app's clock).
/// The message says which and what to do.
/// </summary>
public sealed class ApiRoutesTestException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApiRoutesTestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesTestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesTestException()
    {
    }
}
