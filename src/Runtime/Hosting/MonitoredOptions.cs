using Microsoft.Extensions.Options;

namespace ApiRoutes.Hosting;

/// <summary>
/// <see cref="IOptions{TOptions}"/> of <see cref="ApiRoutesOptions"/> as the monitor's first value, kept for the life of
/// the app as the framework's own <c>IOptions</c> keeps its first value. The framework's builds a copy of its own, so the
/// options, also validated on start (<c>ValidateOnStart</c> asks the monitor), were bound and validated twice before the
/// app could listen. Options that fail to bind or validate throw at every read, as before (the monitor keeps the failure).
/// </summary>
internal sealed class MonitoredOptions(IOptionsMonitor<ApiRoutesOptions> monitor) : IOptions<ApiRoutesOptions>
{
    private ApiRoutesOptions? _value;

    public ApiRoutesOptions Value => _value ??= monitor.CurrentValue;
}
