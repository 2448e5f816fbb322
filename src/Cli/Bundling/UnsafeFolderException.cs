namespace ApiRoutes.Cli.Bundling;

/// <summary>A folder that another user could change, so nothing is unpacked into it; the message says which and why.</summary>
internal sealed class UnsafeFolderException(string message) : IOException(message);
