using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing.Template;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ApiRoutes.Tasks.UnitTests.Routing;

/// <summary>
/// What ASP.NET Core itself makes of a template, the reference our parser is held to: it parses it
/// (RoutePatternFactory), orders it at start-up (RoutePrecedence, which refuses more than 28 segments) and creates
/// its built-in constraints as the route matcher does at the first request. Constraints that are not built in are
/// skipped: an app may register them.
/// </summary>
internal static class AspNetCoreRoutes
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddRouting().BuildServiceProvider();
    private static readonly ParameterPolicyFactory Policies = Services.GetRequiredService<ParameterPolicyFactory>();
    private static readonly IDictionary<string, Type> ConstraintMap = Services.GetRequiredService<IOptions<RouteOptions>>().Value.ConstraintMap;

    /// <summary>The parsed pattern, or null when ASP.NET Core refuses the template at any of those steps.</summary>
    public static RoutePattern? Accept(string template)
    {
        try
        {
            // .NET 10 computes the precedence while it parses (so 29 segments throw here); older versions at start-up.
            var pattern = RoutePatternFactory.Parse(template);
            RoutePrecedence.ComputeInbound(new RouteTemplate(pattern));
            foreach (var parameter in pattern.Parameters)
            {
                foreach (var reference in parameter.ParameterPolicies.Where(reference => IsBuiltIn(reference.Content!)))
                {
                    // A regex constraint may build its Regex on first use; ask for it as a match would.
                    if (Policies.Create(parameter, reference.Content!) is RegexRouteConstraint regex)
                    {
                        _ = regex.Constraint;
                    }
                }
            }

            return pattern;
        }
        catch (Exception e) when (e is RoutePatternException or InvalidOperationException or RouteCreationException or ArgumentException)
        {
            return null;
        }
    }

    // The resolver's own split: a name, then an argument only when the text ends with ')'.
    private static bool IsBuiltIn(string content)
    {
        var open = content.IndexOf('(', StringComparison.Ordinal);
        return ConstraintMap.ContainsKey(open >= 0 && content.EndsWith(')') ? content[..open] : content);
    }
}
