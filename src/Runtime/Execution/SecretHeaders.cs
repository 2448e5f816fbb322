using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Execution;

/// <summary>
/// Request headers that carry credentials: a background request keeps none of them, so they are never written to the
/// store (where finished executions stay for the retention period) nor replayed into a later attempt. Every attempt
/// sees the same request, the first one too.
/// </summary>
internal sealed class SecretHeaders
{
    /// <summary>Dropped whatever the configuration says.</summary>
    public static readonly IReadOnlyList<string> AlwaysDropped = ["Authorization", "Proxy-Authorization", "Cookie"];

    private readonly HashSet<string> _names;

    /// <param name="configured">More names, from <c>ApiRoutes:Background:SecretHeaders</c>.</param>
    public SecretHeaders(IEnumerable<string> configured) =>
        _names = new HashSet<string>(AlwaysDropped.Concat(configured.Where(name => !string.IsNullOrWhiteSpace(name)).Select(name => name.Trim())), StringComparer.OrdinalIgnoreCase);

    public static SecretHeaders Default { get; } = new([]);

    public bool IsSecret(string name) => _names.Contains(name);

    /// <summary>The headers less the secret ones, as one array: no enumerator or filter per request.</summary>
    public KeyValuePair<string, StringValues>[] Without(IHeaderDictionary headers)
    {
        var kept = new KeyValuePair<string, StringValues>[headers.Count];
        var count = 0;
        foreach (var header in headers)
        {
            if (!IsSecret(header.Key))
            {
                kept[count++] = header;
            }
        }

        return count == kept.Length ? kept : kept[..count];
    }
}
