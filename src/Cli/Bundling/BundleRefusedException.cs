namespace ApiRoutes.Cli.Bundling;

/// <summary>A bundle that will not be served, and why, in one line.</summary>
internal sealed class BundleRefusedException(string reason) : Exception(reason);
