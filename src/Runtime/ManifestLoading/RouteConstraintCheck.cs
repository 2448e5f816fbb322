using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.ManifestLoading;

/// <summary>
/// Every route constraint the manifest's templates use must be registered with the app's routing. ASP.NET Core
/// resolves constraints only when the first request is matched, and then fails that request and every later one,
/// whatever its path, with a 500 (<c>The constraint reference 'even' could not be resolved</c>). Checked at start-up
/// instead, against the same <c>RouteOptions.ConstraintMap</c> the matcher reads, so that the app stops with one
/// line that names the constraint and how to register it (the build warned about it as AR2101).
/// </summary>
internal static class RouteConstraintCheck
{
    /// <exception cref="ApiRoutesManifestException">A template uses a constraint the app has not registered.</exception>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "ConstraintMap is only read (its keys), which ASP.NET Core says is safe to suppress.")]
    public static void ThrowIfUnregistered(RouteTable table, RouteOptions options)
    {
        foreach (var route in table.Routes)
        {
            // Every template of a table parses: the manifest's read refused any other (ManifestRouteCheck).
            var pattern = RoutePatternFactory.Parse(route.Template);

            // The parameters, not the policies dictionary: LINQ over its key-value pairs is JIT-compiled on the main thread at start.
            foreach (var parameter in pattern.Parameters)
            {
                foreach (var policy in parameter.ParameterPolicies)
                {
                    // "int", "range(1,10)", "regex(^a$)": the name is what precedes the argument list.
                    var name = policy.Content?.Split('(', 2)[0];
                    if (!string.IsNullOrEmpty(name) && !options.ConstraintMap.ContainsKey(name))
                    {
                        throw new ApiRoutesManifestException(
                            $"The route '{route.Template}' of {route.HandlerType.FullName} uses the route constraint '{name}', "
                            + "which is not built into ASP.NET Core and is not registered, so no request could be routed. Register "
                            + $"it before the app is built: builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<{TypeName(name)}>(\"{name}\")) "
                            + $"(or AddRouting(o => o.ConstraintMap[\"{name}\"] = typeof(...))); or correct the constraint in [ApiRoute].");
                    }
                }
            }
        }
    }

    // "even" -> "EvenConstraint": what the registering class is usually called.
    private static string TypeName(string name) => char.ToUpperInvariant(name[0]) + name[1..] + "Constraint";
}
