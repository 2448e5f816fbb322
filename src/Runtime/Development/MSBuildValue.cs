using System.Text;

namespace ApiRoutes.Development;

/// <summary>
/// A value for <c>-p:Name=value</c> on MSBuild's command line, escaped (<c>%XX</c>) so that it arrives as written:
/// the command line splits values at ';' and ',', and MSBuild reads '$(…)', '@(…)', '%(…)' and the wildcards in them.
/// A project in "My API, v2" or "$(Home)" is then analysed in its own folder.
/// </summary>
internal static class MSBuildValue
{
    private const string Special = "%$@';?*,";

    public static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (Special.Contains(c, StringComparison.Ordinal))
            {
                escaped.Append('%').Append(((int)c).ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }
}
