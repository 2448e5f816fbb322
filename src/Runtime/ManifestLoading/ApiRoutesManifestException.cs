namespace ApiRoutes;

/// <summary>
/// The deploy manifest is missing, unreadable, of another schema version, or does not match the assembly. Start-up
/// stops with this exception; its message says what to do.
/// </summary>
public sealed class ApiRoutesManifestException : ApiRoutesStartupException
{
    /// <summary>Creates the exception.</summary>
    public ApiRoutesManifestException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesManifestException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesManifestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The runtime cannot start: a manifest, bundle, store or configuration problem. The message says what to do; the
/// generated entry point prints it and exits with code 1.
/// </summary>
public class ApiRoutesStartupException : Exception
{
    /// <summary>Creates the exception.</summary>
    public ApiRoutesStartupException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesStartupException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public ApiRoutesStartupException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
