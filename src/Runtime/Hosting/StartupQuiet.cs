using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// While the app starts, the host's own "Hosting failed to start" (an Error of Microsoft.Extensions.Hosting.Internal.Host,
/// with the exception's stack trace) is not written: the entry point says in one line why the server could not listen
/// (review 33b F1: an address in use printed 30 lines of stack before that line). A failure it cannot say still ends
/// the process with its stack. Every filter rule of the configuration keeps its level and its own filter.
/// </summary>
internal sealed class StartupQuiet
{
    private const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _starting = true;

    /// <summary>The server listens, or its start failed and has been said: the host's errors are written again.</summary>
    public void Started() => _starting = false;

    /// <summary>A post-configuration of the logging filters: each rule, and the level where none applies, gains the quiet.</summary>
    public void Configure(LoggerFilterOptions options)
    {
        var rules = options.Rules.Select(rule => new LoggerFilterRule(rule.ProviderName, rule.CategoryName, rule.LogLevel, Quiet(rule.Filter))).ToList();
        options.Rules.Clear();
        options.Rules.Add(new LoggerFilterRule(null, null, options.MinLevel, Quiet(null)));   // first: any rule of the app's of the same reach wins
        foreach (var rule in rules)
        {
            options.Rules.Add(rule);
        }
    }

    private Func<string?, string?, LogLevel, bool> Quiet(Func<string?, string?, LogLevel, bool>? filter) =>
        (provider, category, level) => !(_starting && level >= LogLevel.Error && category == HostCategory) && (filter?.Invoke(provider, category, level) ?? true);
}
