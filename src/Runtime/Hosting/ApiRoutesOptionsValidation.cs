using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using ApiRoutes.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ApiRoutes;

/// <summary>
/// Every setting checked once, at start-up (<c>IValidateOptions</c> with <c>ValidateOnStart</c>), each failure a clause
/// naming the key, the value and what is allowed; all of them in one line. Lists from configuration replace the
/// defaults instead of being appended to them.
/// </summary>
internal sealed partial class ApiRoutesOptionsValidation(IConfiguration? configuration) : IValidateOptions<ApiRoutesOptions>
{
    private const string Background = ApiRoutesOptions.SectionName + ":Background";
    private const string Store = ApiRoutesOptions.SectionName + ":Store";
    private const string Scheduling = ApiRoutesOptions.SectionName + ":Scheduling";

    /// <summary>The options, or <see cref="ApiRoutesStartupException"/> with every problem in one line.</summary>
    public static ApiRoutesOptions Resolve(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<IOptions<ApiRoutesOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            throw new ApiRoutesStartupException(string.Join(" ", e.Failures), e);
        }
        catch (InvalidOperationException e) when (ConversionFailure().Match(e.Message) is { Success: true } failure)
        {
            var configuration = services.GetService<IConfiguration>();
            throw new ApiRoutesStartupException(string.Join(" ", EveryFailure(configuration, failure)), e);
        }
    }

    // The binder stops at the first value it cannot convert; the line names every bad key (review 25d F3): each such value
    // is left out in turn and the rest bound again (at most 50 times), then checked as Validate checks them.
    private static List<string> EveryFailure(IConfiguration? configuration, Match first)
    {
        var failures = new List<string> { Describe(first, configuration) };
        if (configuration is null)
        {
            return failures;
        }

        var leftOut = new Dictionary<string, string?> { [first.Groups["key"].Value] = null };
        for (var i = 0; i < 50; i++)
        {
            var rest = new ConfigurationBuilder().AddConfiguration(configuration, shouldDisposeConfiguration: false).AddInMemoryCollection(leftOut).Build();
            var options = new ApiRoutesOptions();
            try
            {
                rest.GetSection(ApiRoutesOptions.SectionName).Bind(options);
            }
            catch (InvalidOperationException e) when (ConversionFailure().Match(e.Message) is { Success: true } failure
                && !leftOut.ContainsKey(failure.Groups["key"].Value))
            {
                failures.Add(Describe(failure, configuration));
                leftOut[failure.Groups["key"].Value] = null;
                continue;
            }

            BindRetryDelays(options, rest);
            if (new ApiRoutesOptionsValidation(rest).Validate(null, options) is { Failed: true } result)
            {
                failures.AddRange(result.Failures);
            }

            break;
        }

        return failures;
    }

    private static string Describe(Match failure, IConfiguration? configuration)
    {
        var key = failure.Groups["key"].Value;
        var value = failure.Groups["value"].Success ? failure.Groups["value"].Value : configuration?[key];
        var type = Array.Find(BoundTypes, bound => string.Equals(bound.FullName, failure.Groups["type"].Value, StringComparison.Ordinal));
        var allowed = type is { IsEnum: true } ? $"use {OneOf(type)}" : $"expected {Describe(type)}";
        return $"{key} is '{value}'; {allowed}.";
    }

    /// <summary>Replaces the default retry delays with the configured list, also when it is empty.</summary>
    public static void BindRetryDelays(ApiRoutesOptions options, IConfiguration configuration)
    {
        var items = ConfiguredRetryDelays(configuration);
        if (items.Count == 0 && OneValueInForce(configuration) is null)
        {
            return;   // not configured (an empty JSON array is configured: its value is "")
        }

        // What does not parse is left out here and named by Validate.
        options.Background.RetryDelays = [.. items.Where(item => item.Delay is not null).Select(item => item.Delay!.Value)];
    }

    /// <summary>
    /// Adds the names of a <c>SecretHeaders</c> given as one value (<c>ApiRoutes__Background__SecretHeaders=X-Api-Key</c>, or
    /// several separated by commas), which the configuration binder skips for a list: a header meant to be secret was
    /// stored (review 25b F7).
    /// </summary>
    public static void BindSecretHeaders(ApiRoutesOptions options, IConfiguration configuration)
    {
        if (configuration[Background + ":SecretHeaders"] is { } value)
        {
            foreach (var name in ListItems(value))
            {
                options.Background.SecretHeaders.Add(name);
            }
        }
    }

    public ValidateOptionsResult Validate(string? name, ApiRoutesOptions options)
    {
        // Each message is built only when its check fails: validation runs on the main thread before the app listens.
        var failures = new List<string>();

        // Configured delays are named by their keys; delays set in code by their index.
        var configured = configuration is null ? [] : ConfiguredRetryDelays(configuration);
        foreach (var (path, value, delay) in configured)
        {
            if (delay is not { } parsed)
            {
                failures.Add($"{path} is '{value}', which is not a time span; write hh:mm:ss, for example 00:01:00.");
            }
            else if (IsBareNumber(value))
            {
                failures.Add($"{path} is '{value}', which reads as {parsed.TotalDays} days; write hh:mm:ss ({Seconds(value)} is {value.Trim()} seconds).");
            }
            else if (!IsRetryDelay(parsed))
            {
                failures.Add($"{path} is {parsed}; a retry delay is from 00:00:00 to 1.00:00:00.");
            }
        }

        if (configuration is not null)
        {
            failures.AddRange(UnknownKeys(configuration));
        }

        var background = options.Background;
        if (!(background.MaxConcurrency >= 1 && background.MaxConcurrency <= MaxConcurrency))
        {
            failures.Add($"{Background}:MaxConcurrency is {background.MaxConcurrency}; it must be from 1 to {MaxConcurrency} (default 16).");
        }

        if (background.MaxQueueLength < 1)
        {
            failures.Add($"{Background}:MaxQueueLength is {background.MaxQueueLength}; it must be at least 1 (default 1000).");
        }

        if (background.MaxRequestBodyBytes < 0)
        {
            failures.Add($"{Background}:MaxRequestBodyBytes is {background.MaxRequestBodyBytes}; it must be 0 or more (default 262144).");
        }

        if (background.RetryAfterSeconds < 0)
        {
            failures.Add($"{Background}:RetryAfterSeconds is {background.RetryAfterSeconds}; it must be 0 or more (default 5).");
        }

        // Review 38b F3: 'X-Api-Key; X-Auth-Token', a JSON array pasted into an environment value, or a name in quotes
        // protected nothing, silently: no header is named so, and both headers were stored and handed on.
        foreach (var header in background.SecretHeaders)
        {
            if (NotAHeaderName(header) is { } why)
            {
                failures.Add($"{Background}:SecretHeaders holds '{Shorten(header.Trim())}', which is not a header name: it holds {why}. Separate the names with commas (X-Api-Key,X-Auth-Token), or give them as numbered keys ({Background}:SecretHeaders:0=X-Api-Key).");
            }
        }

        if (background.RetryDelays.Count >= StoredRecord.MaxAttempt)
        {
            failures.Add($"{Background}:RetryDelays has {background.RetryDelays.Count} items; at most {StoredRecord.MaxAttempt - 1} retries are allowed (default 2).");
        }

        for (var i = 0; i < background.RetryDelays.Count && configured.Count == 0; i++)
        {
            if (!IsRetryDelay(background.RetryDelays[i]))
            {
                failures.Add($"{Background}:RetryDelays:{i} is {background.RetryDelays[i]}; a retry delay is from 00:00:00 to 1.00:00:00.");
            }
        }

        // A secret file with nothing but a newline: trimmed, it read as "no token", which in Development opens the dashboard
        // to a local proxy's requests (review 26b F6).
        if (options.Dashboard.Token is { Length: 0 } && configuration?[ApiRoutesOptions.SectionName + ":Dashboard:Token"] is { Length: > 0 })
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:Dashboard:Token is blank; set the secret (at least 32 characters), or leave the key out.");
        }

        // Set in Development too, it is the one defence behind a local proxy: as long there as anywhere (review 26a F22).
        else if (options.Dashboard.Token is { Length: > 0 and < 32 })
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:Dashboard:Token is shorter than 32 characters; use a long random secret (for example 'openssl rand -hex 32').");
        }

        if (!(string.IsNullOrEmpty(background.StatusUrlKey) || background.StatusUrlKey.Length >= 32))
        {
            failures.Add($"{Background}:StatusUrlKey is shorter than 32 characters; use a long random secret (for example 'openssl rand -hex 32').");
        }

        if (options.ManifestPath is { } manifestPath && manifestPath.Trim().Length == 0)
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:ManifestPath is empty; name the manifest file, or leave it out for {Manifest.RouteManifest.FileName} beside the app.");
        }
        else if (options.ManifestPath is { } blanks && blanks.Trim() != blanks)
        {
            // As the store's path (review 33b F7): a blank from a .env line named another file.
            failures.Add($"{ApiRoutesOptions.SectionName}:ManifestPath is '{blanks}', which begins or ends with a blank; remove the blank.");
        }

        // Time spans: each within what the runtime can honour (a timer, a date, a database setting), and never a bare
        // number, which reads as days: "ShutdownDrainTimeout=60" was 60 days, and crashed the stop (review 25b F2, F3, F9).
        CheckTime(failures, "ShutdownDrainTimeout", options.ShutdownDrainTimeout, TimeSpan.Zero, TimeSpan.FromHours(1), "from 00:00:00 to 01:00:00 (default 00:00:30)");
        CheckTime(failures, "Watch:Debounce", options.Watch.Debounce, TimeSpan.Zero, TimeSpan.FromSeconds(10), "from 00:00:00 to 00:00:10 (default 00:00:00.200)");
        CheckTime(failures, "Watch:Timeout", options.Watch.Timeout, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(30), "from 00:00:01 to 00:30:00 (default 00:02:00)");
        CheckTime(failures, "Store:LeaseDuration", options.Store.LeaseDuration, TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), "from 00:00:01 to 01:00:00 (default 00:00:30)");
        CheckTime(failures, "Store:Retention", options.Store.Retention, TimeSpan.FromMinutes(1), TimeSpan.FromDays(3650), "from 00:01:00 to 3650.00:00:00 (default 7.00:00:00)");
        CheckTime(failures, "Health:OverdueAfter", options.Health.OverdueAfter, TimeSpan.FromTicks(1), TimeSpan.FromDays(1), "more than 00:00:00 and at most 1.00:00:00 (default 00:01:00)");
        CheckTime(failures, "Scheduling:ExternalTriggerTolerance", options.Scheduling.ExternalTriggerTolerance, TimeSpan.FromTicks(1), TimeSpan.FromHours(1), "more than 00:00:00 and at most 01:00:00 (default 00:05:00)");

        // By a name only: the binder reads a number ('1' was InMemory) and ORs a list of names ('Sqlite,InMemory' was
        // InMemory: review 26b F3).
        if (configuration?[Store + ":Provider"] is { Length: > 0 } provider
            && !Enum.GetNames<StoreProvider>().Contains(provider.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            failures.Add($"{Store}:Provider is '{provider}'; use {OneOf(typeof(StoreProvider))}, by name.");
        }
        else if (!Enum.IsDefined(options.Store.Provider))
        {
            failures.Add($"{Store}:Provider is '{options.Store.Provider}'; use {OneOf(typeof(StoreProvider))}.");
        }

        if (options.Store.Path is { } storePath && ConfiguredStorePath.Refusal($"{Store}:Path", storePath) is { } refused)
        {
            failures.Add(refused);
        }

        var scheduling = options.Scheduling;
        if (!(string.IsNullOrEmpty(scheduling.ExternalTriggerSecret) || scheduling.ExternalTriggerSecret.Length >= 32))
        {
            failures.Add($"{Scheduling}:ExternalTriggerSecret is shorter than 32 characters; use a long random secret (for example 'openssl rand -hex 32').");
        }

        if (!(string.IsNullOrEmpty(scheduling.ExternalTriggerSecret) || options.Store.Retention >= 2 * scheduling.ExternalTriggerTolerance))
        {
            failures.Add($"{Store}:Retention is {options.Store.Retention}; with external triggers it must be at least twice {Scheduling}:ExternalTriggerTolerance "
                + $"({2 * scheduling.ExternalTriggerTolerance}), so that the record of a run outlives every request that could replay it.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The configured delays in index order, each with its value when it is a time span: a list (RetryDelays:0, :1, …) or
    // one value, which may hold several separated by commas (review 25b F8: a single value was read as no retries). Records,
    // not tuples, and no sorting when nothing is configured: generic code over reference types is the framework's shared
    // precompiled code, where a list of tuples would be JIT-compiled on the main thread at every start (this runs before
    // the app listens).
    private static List<ConfiguredDelay> ConfiguredRetryDelays(IConfiguration configuration)
    {
        var section = configuration.GetSection(Background + ":RetryDelays");
        if (OneValueInForce(configuration) is { } value)
        {
            return [.. ListItems(value).Select(item => ConfiguredDelay.Of(section.Path, item))];
        }

        var items = section.GetChildren().ToList();
        if (items.Count == 0)
        {
            return [];
        }

        return [.. items
            .OrderBy(item => int.TryParse(item.Key, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue)
            .Select(item => ConfiguredDelay.Of(item.Path, item.Value))];
    }

    // RetryDelays given as one value by the latest source that sets it at all: it replaces a list from an earlier one, as
    // a later source's value replaces an earlier one's everywhere in configuration (review 26b F7: the environment's
    // 'RetryDelays=' for no retries was ignored beside appsettings.json's list). Null when a list is in force, or nothing.
    private static string? OneValueInForce(IConfiguration configuration)
    {
        const string key = Background + ":RetryDelays";
        if (configuration is not IConfigurationRoot root)
        {
            var section = configuration.GetSection(key);
            return section.GetChildren().Any() ? null : section.Value;
        }

        foreach (var provider in root.Providers.Reverse())
        {
            if (provider.TryGet(key, out var value))
            {
                return value;
            }

            if (provider.GetChildKeys([], key).Any())
            {
                return null;
            }
        }

        return null;
    }

    private sealed record ConfiguredDelay(string Path, string? Value, TimeSpan? Delay)
    {
        public static ConfiguredDelay Of(string path, string? value) =>
            new(path, value, TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var delay) ? delay : null);
    }

    // The items of a list given as one value: separated by commas, blanks around them ignored.
    // What in a name makes it no HTTP header name (RFC 9110's token), or null; a blank item is left out, not refused.
    private static string? NotAHeaderName(string? header)
    {
        foreach (var c in header.AsSpan().Trim())
        {
            if (c is <= ' ' or >= (char)127)
            {
                return c == ' ' ? "a blank" : "a control or non-ASCII character";
            }

            if ("\"(),/:;<=>?@[\\]{}".Contains(c, StringComparison.Ordinal))
            {
                return c == '"' ? "a quote" : $"'{c}'";
            }
        }

        return null;
    }

    private static string Shorten(string value) => value.Length <= 60 ? value : string.Concat(value.AsSpan(0, 60), "…");

    private static string[] ListItems(string value) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    // A time span given as a bare number ("30") is that many days; the operator meant seconds or minutes more often than
    // not, and the value was then accepted far out of range, or just inside it.
    // Zero is zero in every unit (review 26b F4).
    private static bool IsBareNumber([NotNullWhen(true)] string? value) =>
        value is not null && value.Trim() is { Length: > 0 } trimmed && trimmed.All(char.IsAsciiDigit) && !trimmed.All(digit => digit == '0');

    // A bare number taken as seconds, written as a time span (what the operator most likely meant).
    private static string Seconds(string number) =>
        long.TryParse(number.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= int.MaxValue
            ? TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture)
            : "00:00:30";

    private void CheckTime(List<string> failures, string key, TimeSpan value, TimeSpan min, TimeSpan max, string allowed)
    {
        var path = ApiRoutesOptions.SectionName + ":" + key;
        if (configuration?[path] is { } written && IsBareNumber(written) && TimeSpan.TryParse(written, CultureInfo.InvariantCulture, out var days) && days == value)
        {
            failures.Add($"{path} is '{written}', which reads as {written.Trim()} days; write hh:mm:ss ({Seconds(written)} is {written.Trim()} seconds), "
                + $"or {written.Trim()}.00:00:00 if days are meant. It must be {allowed}.");
        }
        else if (!(value >= min && value <= max))
        {
            failures.Add($"{path} is {value}; it must be {allowed}.");
        }
    }

    // Every setting under ApiRoutes (relative to it); the lists' items are their numbered children. A key not among them
    // was silently ignored: "Scheduler:Enabled=false" left the scheduler on in production (review 25b F1).
    internal static readonly string[] Keys =
    [
        "ManifestPath", "VerifyBundle", "ShutdownDrainTimeout",
        "Background:MaxConcurrency", "Background:MaxQueueLength", "Background:MaxRequestBodyBytes", "Background:RetryDelays",
        "Background:RetryAfterSeconds", "Background:SecretHeaders", "Background:StatusUrls", "Background:StatusUrlKey",
        "Store:Provider", "Store:ConnectionString", "Store:LeaseDuration", "Store:Path", "Store:Retention",
        "Dashboard:Enabled", "Dashboard:Token",
        "Scheduling:Enabled", "Scheduling:ExternalTriggerSecret", "Scheduling:ExternalTriggerTolerance",
        "Health:MapEndpoints", "Health:OverdueAfter",
        "Watch:Enabled", "Watch:Debounce", "Watch:Timeout",
    ];

    private static readonly string[] Lists = ["Background:RetryDelays", "Background:SecretHeaders"];

    private static readonly string[] Sections = ["Background", "Store", "Dashboard", "Scheduling", "Health", "Watch"];

    private static IEnumerable<string> UnknownKeys(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.GetSection(ApiRoutesOptions.SectionName).AsEnumerable(makePathsRelative: true))
        {
            if (value is null || Keys.Contains(key, StringComparer.OrdinalIgnoreCase)
                || (value.Length == 0 && Sections.Contains(key, StringComparer.OrdinalIgnoreCase))
                || (key.LastIndexOf(':') is > 0 and var colon && Lists.Contains(key[..colon], StringComparer.OrdinalIgnoreCase)
                    && int.TryParse(key[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            {
                continue;
            }

            yield return Text.Suggestions.Closest(key, Keys) is { } closest
                ? $"{ApiRoutesOptions.SectionName}:{key} is not a setting of ApiRoutes; did you mean {ApiRoutesOptions.SectionName}:{closest}?"
                : $"{ApiRoutesOptions.SectionName}:{key} is not a setting of ApiRoutes; remove it (README lists the settings under Configuration).";
        }
    }

    // At most this many background executions at once: each is a worker started with the app (review 25b F10: "unlimited",
    // int.MaxValue, took memory without end before the app ever listened).
    private const int MaxConcurrency = 1024;

    // The types of the options' settings, which a failed conversion names (found by name among these, not by reflection,
    // so that a trimmed app says the same).
    private static readonly Type[] BoundTypes = [typeof(StoreProvider), typeof(int), typeof(bool), typeof(TimeSpan)];

    private static bool IsRetryDelay(TimeSpan delay) => delay >= TimeSpan.Zero && delay <= TimeSpan.FromDays(1);

    private static string OneOf(Type enumType) => string.Join(", ", Enum.GetNames(enumType)[..^1]) + " or " + Enum.GetNames(enumType)[^1];

    private static string Describe(Type? type) => type == typeof(int) ? "a whole number"
        : type == typeof(bool) ? "true or false"
        : type == typeof(TimeSpan) ? "a time span (hh:mm:ss)"
        : "a value of type " + (type?.Name ?? "unknown");

    // ConfigurationBinder: "Failed to convert configuration value ['v' ]at 'Key' to type 'T'."
    [GeneratedRegex("^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<key>[^']*)' to type '(?<type>[^']*)'", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();
}
