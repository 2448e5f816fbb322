using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// The app's logger factory, less one entry: the host's "Hosting failed to start" (event 11) with its stack, when what
/// failed is the server's listen that start-up then reports in one line with what to do (an address in use, one the
/// machine lacks, HTTPS without a certificate). The stack came first and buried the line (review 33b F1). A logging
/// filter sees no event id nor exception, so it would drop every start-up failure of the host's category — a hosted
/// service's too, which then stopped the app without a word (review 33f F1); this drops that one entry only, and only
/// for an exception the line reports. Every other category gets the factory's own logger.
/// </summary>
internal sealed class ListenFailureLog(ILoggerFactory inner, Func<Exception, bool> reported) : ILoggerFactory
{
    /// <summary>The category of the host's own log (Microsoft.Extensions.Hosting.Internal.Host, internal).</summary>
    internal const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The host's event id for "Hosting failed to start" (HostedServiceStartupFaulted).</summary>
    internal const int HostingFailedToStart = 11;

    public ILogger CreateLogger(string categoryName) =>
        categoryName == HostCategory ? new HostLogger(inner.CreateLogger(categoryName), reported) : inner.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    private sealed class HostLogger(ILogger inner, Func<Exception, bool> reported) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == HostingFailedToStart && exception is not null && Reported(exception))
            {
                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        // The host's own exception, or the one of several (all reported) that it gathered.
        private bool Reported(Exception exception) =>
            exception is AggregateException { InnerExceptions: [_, ..] all } ? all.All(reported) : reported(exception);
    }
}
