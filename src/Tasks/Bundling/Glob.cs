using System.Text;
using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.Bundling;

/// <summary>
/// Minimal globs for bundle excludes, matched against a relative path with <c>/</c>: <c>*</c> within one segment,
/// <c>**/</c> any folders, <c>/**</c> everything below; case-insensitive, as file systems often are.
/// </summary>
internal static class Glob
{
    public static Regex ToRegex(string glob)
    {
        var pattern = new StringBuilder("^");
        for (var i = 0; i < glob.Length; i++)
        {
            var c = glob[i];
            if (glob.AsSpan(i).StartsWith("**/"))
            {
                pattern.Append("(?:.*/)?");
                i += 2;
            }
            else if (glob.AsSpan(i).StartsWith("/**"))
            {
                pattern.Append("/.*");
                i += 2;
            }
            else if (c == '*')
            {
                pattern.Append("[^/]*");
            }
            else if (c == '?')
            {
                pattern.Append("[^/]");
            }
            else
            {
                pattern.Append(Regex.Escape(c.ToString()));
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }
}
