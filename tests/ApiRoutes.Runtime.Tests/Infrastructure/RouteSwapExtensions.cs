using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

internal static class RouteSwapExtensions
{
    /// <summary>Applies a manifest whole, as a swap with no handler type given up on does: how many routes are served, or null.</summary>
    public static int? Apply(this RouteTableSwap swap, string manifestPath) => swap.Apply(manifestPath, new HashSet<string>()).Count;
}
