using System.Reflection;
using System.Text.RegularExpressions;
using ApiRoutes.Diagnostics;
using ApiRoutes.Testing;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Runtime.Tests;

/// <summary>README's table of log events lists every event the runtime logs, with its level, and no other.</summary>
public sealed partial class LogEventsDocumentationTests
{
    [Fact]
    public void The_readme_lists_every_log_event_with_its_level()
    {
        var logged = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(attribute => $"{attribute.EventId} {attribute.Level}")
            .Order(StringComparer.Ordinal);

        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var table = readme[readme.IndexOf("Logs use the category `ApiRoutes`", StringComparison.Ordinal)..readme.IndexOf("Metrics are published", StringComparison.Ordinal)];
        var documented = EventRow().Matches(table).Select(m => $"{m.Groups["id"].Value} {m.Groups["level"].Value}").Order(StringComparer.Ordinal);

        Assert.Equal(logged, documented);
    }

    [GeneratedRegex(@"^\| (?<id>\d{4}) \| (?<level>\w+) \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
