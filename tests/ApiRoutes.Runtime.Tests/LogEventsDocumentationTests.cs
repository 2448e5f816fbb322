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
        var logged = Events(typeof(Log).Assembly.GetTypes().Where(type => type.Namespace == typeof(Log).Namespace).ToArray())
            .Select(attribute => $"{attribute.EventId} {attribute.Level}")
            .Order(StringComparer.Ordinal);

        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        var table = readme[readme.IndexOf("Logs use the category `ApiRoutes`", StringComparison.Ordinal)..readme.IndexOf("Metrics are published", StringComparison.Ordinal)];
        var documented = EventRow().Matches(table).Select(m => $"{m.Groups["id"].Value} {m.Groups["level"].Value}").Order(StringComparer.Ordinal);

        Assert.Equal(logged, documented);
    }

    // Every event of a class has its formatter made at the class's first log call; Log's first is the route table's, on
    // the main thread before the app listens, where making them for all 92 events took 5.6–8.7 ms (bench/load/README.md).
    [Fact]
    public void The_class_of_the_event_logged_before_the_app_listens_holds_no_other()
    {
        Assert.Equal([1000], Events(typeof(Log)).Select(attribute => attribute.EventId));
        Assert.True(Events(typeof(Log).Assembly.GetTypes()).Count() > 80);
    }

    private static IEnumerable<LoggerMessageAttribute> Events(params Type[] types) =>
        types.SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Static))
            .Select(method => method.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>();

    [GeneratedRegex(@"^\| (?<id>\d{4}) \| (?<level>\w+) \|", RegexOptions.Multiline)]
    private static partial Regex EventRow();
}
