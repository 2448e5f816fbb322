namespace ApiRoutes;

/// <summary>
/// The deploy manifest is missing, unreadable, of another schema version, or does not match the assembly. Start-up
/// stops with this exception; its message says what to do.
/// </summary>
public sealed class ApiRoutesManifestException : Exception
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
