using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>The content of <c>apiroutes.yaml</c>, each value with where it was written.</summary>
internal sealed record RoutesConfig(
    IReadOnlyDictionary<RouteKind, ConfigValue<int>> DefaultTimeLimits,
    IReadOnlyList<RouteConfig> Routes)
{
    public static readonly RoutesConfig Empty = new(new Dictionary<RouteKind, ConfigValue<int>>(), []);
}

/// <summary>One entry under <c>routes:</c>, keyed by the route template it configures.</summary>
internal sealed record RouteConfig(ConfigValue<string> Route)
{
    public ConfigValue<string>? Schedule { get; init; }

    public ConfigValue<bool>? Background { get; init; }

    public ConfigValue<int>? TimeLimitSeconds { get; init; }

    public ConfigValue<bool>? Enabled { get; init; }

    public ConfigValue<bool>? CatchUp { get; init; }

    public ConfigValue<string>? TimeZone { get; init; }

    /// <summary>The methods as written (checked with the attribute's rules when applied to a route).</summary>
    public ConfigValue<IReadOnlyList<string?>>? Methods { get; init; }
}

internal sealed record ConfigValue<T>(T Value, SourceLocation Location);
