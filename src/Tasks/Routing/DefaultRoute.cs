using System.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// The route a handler gets without <c>[ApiRoute]</c>: <c>/api/</c>, then the namespace segments below
/// <c>&lt;RootNamespace&gt;.Api</c>, then the class name, each in kebab-case
/// (<c>Shop.Api.Admin.UserExport</c> → <c>/api/admin/user-export</c>). A class named <c>Index</c> takes its folder's
/// path, as <c>pages/api/index.js</c> does in Next.js (<c>Shop.Api.Users.Index</c> → <c>/api/users</c>).
/// </summary>
internal static class DefaultRoute
{
    /// <returns>The template, or null when the namespace is not <c>&lt;RootNamespace&gt;.Api</c> or below it.</returns>
    public static string? For(string @namespace, IReadOnlyList<string> nestedNames, string rootNamespace) =>
        For(@namespace, nestedNames, rootNamespace, out _);

    /// <remarks>
    /// <c>nameless</c> is set to a namespace or type name that gives no segment (only underscores: <c>_</c>, <c>__</c>),
    /// with "namespace" or "class", and the result is null. Such a name made an empty segment ('/api//x', refused as if the
    /// user had written a '/') or, last, silently took its folder's route as only Index may (review 33c F7).
    /// </remarks>
    /// <returns>The template, or null when the namespace is not <c>&lt;RootNamespace&gt;.Api</c> or below it.</returns>
    public static string? For(string @namespace, IReadOnlyList<string> nestedNames, string rootNamespace, out (string Kind, string Name)? nameless)
    {
        nameless = null;
        var apiNamespace = rootNamespace.Length == 0 ? "Api" : rootNamespace + ".Api";
        string below;
        if (string.Equals(@namespace, apiNamespace, StringComparison.Ordinal))
        {
            below = "";
        }
        else if (@namespace.StartsWith(apiNamespace + ".", StringComparison.Ordinal))
        {
            below = @namespace[(apiNamespace.Length + 1)..];
        }
        else
        {
            return null;
        }

        var namespaces = below.Split('.', StringSplitOptions.RemoveEmptyEntries);
        var segments = namespaces.Concat(nestedNames).ToList();
        var empty = segments.FindIndex(segment => KebabCase(segment).Length == 0);
        if (empty >= 0)
        {
            nameless = (empty < namespaces.Length ? "namespace" : "class", segments[empty]);
            return null;
        }

        if (segments[^1] == "Index")
        {
            segments.RemoveAt(segments.Count - 1);
        }

        var path = new StringBuilder("/api");
        foreach (var segment in segments)
        {
            path.Append('/').Append(KebabCase(segment));
        }

        return path.ToString();
    }

    /// <summary>
    /// <c>UserExport</c> → <c>user-export</c>, <c>HTMLParser</c> → <c>html-parser</c>, <c>GetV2Data</c> →
    /// <c>get-v2-data</c>, <c>Snake_Case</c> → <c>snake-case</c>.
    /// </summary>
    public static string KebabCase(string name)
    {
        var result = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (c == '_')
            {
                AppendHyphen();
                continue;
            }

            if (char.IsUpper(c) && i > 0)
            {
                var previous = name[i - 1];
                var nextIsLower = i + 1 < name.Length && char.IsLower(name[i + 1]);
                if (char.IsLower(previous) || char.IsDigit(previous) || (char.IsUpper(previous) && nextIsLower))
                {
                    AppendHyphen();
                }
            }

            result.Append(char.ToLowerInvariant(c));
        }

        return result.ToString().Trim('-');

        void AppendHyphen()
        {
            if (result.Length > 0 && result[^1] != '-')
            {
                result.Append('-');
            }
        }
    }
}
