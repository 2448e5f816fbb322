using System.Globalization;

namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>
/// The machine's processes as Linux's /proc lists them (the integration tests run on Linux): to find the app a tool such
/// as dotnet watch started, and to check that nothing a test started outlives it.
/// </summary>
internal static class ProcessTable
{
    public sealed record Entry(int Id, int ParentId, string CommandLine);

    public static IReadOnlyList<Entry> Snapshot()
    {
        var entries = new List<Entry>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            try
            {
                // stat is "pid (comm) state ppid …"; comm may hold spaces and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(folder, "stat"));
                var parent = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                var commandLine = File.ReadAllText(Path.Combine(folder, "cmdline")).Replace('\0', ' ').Trim();
                entries.Add(new Entry(id, parent, commandLine));
            }
            catch (IOException)
            {
                // The process ended while it was being read.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return entries;
    }

    /// <summary>The processes started, directly or not, by <paramref name="ancestor"/>.</summary>
    public static IEnumerable<Entry> Descendants(int ancestor)
    {
        var all = Snapshot();
        var found = new HashSet<int> { ancestor };
        var grew = true;
        while (grew)
        {
            grew = false;
            foreach (var entry in all.Where(e => found.Contains(e.ParentId) && found.Add(e.Id)))
            {
                grew = true;
                yield return entry;
            }
        }
    }
}
