using ApiRoutes.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace ApiRoutes.Development;

/// <summary>
/// Under dotnet watch, says when the ApiRoutes settings change (an <c>appsettings*.json</c> saved): they are read once,
/// at start-up, and a save was otherwise ignored without a word, an invalid value too, which then stopped the next start
/// (review 30c F4). The keys that changed are named, never their values (a token may be one); and whether the app would
/// start with them, by the options' own validation.
/// </summary>
internal sealed class SettingsChangeNotice : IDisposable
{
    private readonly IConfigurationSection _section;
    private readonly Func<string?> _validate;
    private readonly ILogger _logger;
    private readonly IDisposable _registration;
    private readonly Lock _gate = new();
    private Dictionary<string, string?> _seen;

    /// <param name="configuration">The app's configuration, which reloads its files on change.</param>
    /// <param name="validate">Why the app would not start with the settings as they are now; null when it would.</param>
    /// <param name="logger">Where it is said.</param>
    public SettingsChangeNotice(IConfiguration configuration, Func<string?> validate, ILogger logger)
    {
        (_section, _validate, _logger) = (configuration.GetSection(ApiRoutesOptions.SectionName), validate, logger);
        _seen = Read();
        _registration = ChangeToken.OnChange(_section.GetReloadToken, OnReload);
    }

    public void Dispose() => _registration.Dispose();

    // Any file's reload fires the token: only a change of the section is said, once.
    private void OnReload()
    {
        List<string> changed;
        lock (_gate)
        {
            var now = Read();
            changed = [.. now.Keys.Union(_seen.Keys, StringComparer.OrdinalIgnoreCase)
                .Where(key => !(now.TryGetValue(key, out var value) && _seen.TryGetValue(key, out var before) && value == before))
                .Order(StringComparer.OrdinalIgnoreCase)];
            _seen = now;
        }

        if (changed.Count == 0)
        {
            return;
        }

        string? problem;
        try
        {
            problem = _validate();
        }
#pragma warning disable CA1031 // a check that fails says so; it never stops the app
        catch (Exception e)
#pragma warning restore CA1031
        {
            problem = e.Message;
        }

        var keys = string.Join(", ", changed.Take(10)) + (changed.Count > 10 ? $" and {changed.Count - 10} more" : "");
        _logger.SettingsChanged(keys, problem is null ? "" : $" As they are now, the next start will fail: {problem}");
    }

    private Dictionary<string, string?> Read() =>
        _section.AsEnumerable(makePathsRelative: true).Where(pair => pair.Value is not null)
            .GroupBy(pair => pair.Key, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(group => group.Key, group => group.Last().Value, StringComparer.OrdinalIgnoreCase);
}
