using System.Text;

namespace ApiRoutes.Watch;

/// <summary>
/// The saved texts of source files, as the running app records them under dotnet watch
/// (<c>obj/apiroutes-watch/tombstones.txt</c>) and the package's tombstone generator reads them: one line per text,
/// oldest first, the file's path and its text, each in Base64 (UTF-8), separated by a tab. Shared by the runtime (which
/// writes it) and the generator (netstandard2.0, which reads it).
/// </summary>
internal static class SourceSnapshot
{
    /// <summary>The file's name in the analysis folder.</summary>
    public const string FileName = "tombstones.txt";

    /// <summary>
    /// The file's largest size, in bytes (all ASCII: one byte a character): the runtime drops the oldest texts to stay
    /// within it, and the generator ignores a larger file (not ours) rather than read it.
    /// </summary>
    public const long MaxLength = 32L * 1024 * 1024;

    /// <summary>The length of the line <see cref="Write"/> writes for <paramref name="entry"/>, separators included.</summary>
    public static long LineLength(KeyValuePair<string, string> entry) =>
        Base64Length(Encoding.UTF8.GetByteCount(entry.Key)) + Base64Length(Encoding.UTF8.GetByteCount(entry.Value)) + 2;

    private static long Base64Length(long bytes) => (bytes + 2) / 3 * 4;

    public static string Write(IEnumerable<KeyValuePair<string, string>> texts)
    {
        var output = new StringBuilder();
        foreach (var entry in texts)
        {
            output.Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(entry.Key)))
                .Append('\t')
                .Append(Convert.ToBase64String(Encoding.UTF8.GetBytes(entry.Value)))
                .Append('\n');
        }

        return output.ToString();
    }

    /// <summary>The entries, oldest first; a line that does not decode (a torn or foreign file) is skipped.</summary>
    public static List<KeyValuePair<string, string>> Read(string content)
    {
        var entries = new List<KeyValuePair<string, string>>();
        foreach (var line in content.Split('\n'))
        {
            var tab = line.IndexOf('\t');
            if (tab <= 0)
            {
                continue;
            }

            try
            {
                var path = Encoding.UTF8.GetString(Convert.FromBase64String(line.Substring(0, tab)));
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(line.Substring(tab + 1).TrimEnd('\r')));
                entries.Add(new KeyValuePair<string, string>(path, text));
            }
            catch (FormatException)
            {
                // Not ours: skipped.
            }
        }

        return entries;
    }
}
