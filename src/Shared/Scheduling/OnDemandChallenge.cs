namespace ApiRoutes.Scheduling;

/// <summary>
/// The 401 challenge of a scheduled route run by hand on a development server with <c>ApiRoutes:Dashboard:Token</c>
/// set: the runtime sends it, and <c>apiroutes invoke</c> sends the dashboard's token only to a server that sent it.
/// </summary>
internal static class OnDemandChallenge
{
    public const string Scheme = "Bearer";

    public const string Parameter = "realm=\"ApiRoutes dashboard\"";

    /// <summary>The <c>WWW-Authenticate</c> header's value.</summary>
    public const string Header = Scheme + " " + Parameter;
}
