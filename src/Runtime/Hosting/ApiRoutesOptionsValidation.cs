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
        var section = configuration.GetSection(Background + ":RetryDelays");
        var items = ConfiguredRetryDelays(configuration);
        if (items.Count == 0 && section.Value is null)
        {
            return;   // not configured (an empty JSON array is configured: its value is "")
        }

        // What does not parse is left out here and named by Validate.
        options.Background.RetryDelays = [.. items.Where(item => item.Delay is not null).Select(item => item.Delay!.Value)];
    }

    public ValidateOptionsResult Validate(string? name, ApiRoutesOptions options)
    {
        // Each message is built only when its check fails: validation runs on the main thread before the app listens.
        var failures = new List<string>();

        // Configured delays are named by their keys; delays set in code by their index.
        var configured = configuration is null ? [] : ConfiguredRetryDelays(configuration);
        foreach (var (item, delay) in configured)
        {
            if (delay is not { } parsed)
            {
                failures.Add($"{item.Path} is '{item.Value}', which is not a time span; write hh:mm:ss, for example 00:01:00.");
            }
            else if (!IsRetryDelay(parsed))
            {
                failures.Add($"{item.Path} is {parsed}; a retry delay is from 00:00:00 to 1.00:00:00.");
            }
        }

        var background = options.Background;
        if (background.MaxConcurrency < 1)
        {
            failures.Add($"{Background}:MaxConcurrency is {background.MaxConcurrency}; it must be at least 1 (default 16).");
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

        if (!(string.IsNullOrEmpty(background.StatusUrlKey) || background.StatusUrlKey.Length >= 32))
        {
            failures.Add($"{Background}:StatusUrlKey is shorter than 32 characters; use a long random secret (for example 'openssl rand -hex 32').");
        }

        if (options.ShutdownDrainTimeout < TimeSpan.Zero)
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:ShutdownDrainTimeout is {options.ShutdownDrainTimeout}; it must be 00:00:00 or more (default 00:00:30).");
        }

        if (!(options.Watch.Debounce >= TimeSpan.Zero && options.Watch.Debounce <= TimeSpan.FromSeconds(10)))
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:Watch:Debounce is {options.Watch.Debounce}; it must be from 00:00:00 to 00:00:10 (default 00:00:00.200).");
        }

        if (!(options.Watch.Timeout >= TimeSpan.FromSeconds(1) && options.Watch.Timeout <= TimeSpan.FromMinutes(30)))
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:Watch:Timeout is {options.Watch.Timeout}; it must be from 00:00:01 to 00:30:00 (default 00:02:00).");
        }

        if (options.Store.LeaseDuration < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{Store}:LeaseDuration is {options.Store.LeaseDuration}; it must be at least 1 second (default 00:00:30).");
        }

        if (options.Store.Retention < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{Store}:Retention is {options.Store.Retention}; it must be at least 1 minute (default 7.00:00:00).");
        }

        if (!Enum.IsDefined(options.Store.Provider))
        {
            failures.Add($"{Store}:Provider is '{options.Store.Provider}'; use {OneOf(typeof(StoreProvider))}.");
        }

        if (!(options.Store.Path is null || options.Store.Path.Trim().Length > 0))
        {
            failures.Add($"{Store}:Path is empty; name a writable file, or leave it out for the default.");
        }

        if (options.Health.OverdueAfter <= TimeSpan.Zero)
        {
            failures.Add($"{ApiRoutesOptions.SectionName}:Health:OverdueAfter is {options.Health.OverdueAfter}; it must be more than 00:00:00 (default 00:01:00).");
        }

        var scheduling = options.Scheduling;
        if (!(string.IsNullOrEmpty(scheduling.ExternalTriggerSecret) || scheduling.ExternalTriggerSecret.Length >= 32))
        {
            failures.Add($"{Scheduling}:ExternalTriggerSecret is shorter than 32 characters; use a long random secret (for example 'openssl rand -hex 32').");
        }

        if (!(scheduling.ExternalTriggerTolerance > TimeSpan.Zero && scheduling.ExternalTriggerTolerance <= TimeSpan.FromHours(1)))
        {
            failures.Add($"{Scheduling}:ExternalTriggerTolerance is {scheduling.ExternalTriggerTolerance}; it must be more than 00:00:00 and at most 01:00:00 (default 00:05:00).");
        }

        if (!(string.IsNullOrEmpty(scheduling.ExternalTriggerSecret) || options.Store.Retention >= 2 * scheduling.ExternalTriggerTolerance))
        {
            failures.Add($"{Store}:Retention is {options.Store.Retention}; with external triggers it must be at least twice {Scheduling}:ExternalTriggerTolerance "
                + $"({2 * scheduling.ExternalTriggerTolerance}), so that the record of a run outlives every request that could replay it.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    // The configured delays in index order, each with its value when it is a time span. Records, not tuples, and no
    // sorting when nothing is configured: generic code over reference types is the framework's shared precompiled
    // code, where a list of tuples would be JIT-compiled on the main thread at every start (this runs before the app listens).
    private static List<ConfiguredDelay> ConfiguredRetryDelays(IConfiguration configuration)
    {
        var items = configuration.GetSection(Background + ":RetryDelays").GetChildren().ToList();
        if (items.Count == 0)
        {
            return [];
        }

        return [.. items.OrderBy(item => int.TryParse(item.Key, CultureInfo.InvariantCulture, out var index) ? index : int.MaxValue).Select(ConfiguredDelay.Of)];
    }

    private sealed record ConfiguredDelay(IConfigurationSection Item, TimeSpan? Delay)
    {
        public static ConfiguredDelay Of(IConfigurationSection item) =>
            new(item, TimeSpan.TryParse(item.Value, CultureInfo.InvariantCulture, out var delay) ? delay : null);
    }

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
