using System.Globalization;
using ApiRoutes.Bundling;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ApiRoutes.Hosting;

/// <summary>
/// What an operator writes that the host would otherwise meet with an unhandled exception (a stack trace and exit code
/// 134) or, worse, without a word: each is one line that names the setting and what to write (review 33b F2, F6, F9).
/// </summary>
internal static class StartupInputs
{
    private const string LevelNames = "Trace, Debug, Information, Warning, Error, Critical or None";

    /// <summary>A content root that is not a folder: the host's file provider threw before anything else ran (33b F9).</summary>
    public static string ContentRootMissing(string[] args, DirectoryNotFoundException error)
    {
        var root = ConfiguredContentRoot(args) ?? error.Message;
        return $"The content root {BundlePath.Quote(root)} is not a folder (--contentRoot, ASPNETCORE_CONTENTROOT or DOTNET_CONTENTROOT): start the app in its "
            + $"folder, or give that folder ({BundlePath.Quote(AppContext.BaseDirectory)}).";
    }

    /// <summary>
    /// The content root the host takes from the command line, <c>DOTNET_CONTENTROOT</c> or <c>ASPNETCORE_CONTENTROOT</c>
    /// (the host's own settings: not an unprefixed variable), a relative one resolved against the app's folder as the host
    /// resolves it (review 29a F8); null when none is given, or when it is not a path. For what start-up says before the
    /// host could be built, which has no environment to ask.
    /// </summary>
    public static string? ConfiguredContentRoot(string[] args)
    {
        try
        {
            return HostSettings(args)[WebHostDefaults.ContentRootKey] is { Length: > 0 } root ? Path.GetFullPath(root, AppContext.BaseDirectory) : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Whether the host takes the environment for Development, read as it reads it (<see cref="HostSettings"/>).</summary>
    public static bool HostEnvironmentIsDevelopment(string[] args) =>
        string.Equals(HostSettings(args)[WebHostDefaults.EnvironmentKey], Environments.Development, StringComparison.OrdinalIgnoreCase);

    // The web host's own settings as the slim builder reads them: ASPNETCORE_ variables, then DOTNET_ ones (which win), then
    // the command line; not the app's settings files nor unprefixed variables, which the host does not read them from.
    private static IConfiguration HostSettings(string[] args) =>
        new ConfigurationBuilder().AddEnvironmentVariables("ASPNETCORE_").AddEnvironmentVariables("DOTNET_").AddCommandLine(args).Build();

    /// <summary>
    /// A log level the logging configuration does not know (Serilog's "Verbose", "Warn"), as the framework reads them
    /// (<see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/>, any case): it threw from the app's build (33b F2).
    /// </summary>
    /// <returns>Why the app may not start; null when every level is one.</returns>
    public static string? LogLevelProblem(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            var path = key.Split(ConfigurationPath.KeyDelimiter);
            if (value is { Length: > 0 } && path.Length >= 3 && string.Equals(path[^2], "LogLevel", StringComparison.OrdinalIgnoreCase)
                && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                return $"The log level {BundlePath.Quote(value)} of {BundlePath.Printable(key, 200)} is not one: write {LevelNames}.";
            }
        }

        return null;
    }

    /// <summary>
    /// An address to listen on whose port is not a number from 0 to 65535: Kestrel takes "127.0.0.1:4201O" for a host
    /// name, and listens on every interface at port 80 without a word (33b F6); a port past 65535 threw.
    /// </summary>
    /// <returns>Why the app may not start; null when every port is a number.</returns>
    public static string? ListenAddressProblem(IConfiguration configuration)
    {
        var addresses = new List<(string Address, string Source, string? Port)>();
        foreach (var url in Split(configuration["urls"]))
        {
            addresses.Add((url, "--urls, ASPNETCORE_URLS", PortOf(url)));
        }

        foreach (var (key, source) in new[] { ("http_ports", "ASPNETCORE_HTTP_PORTS"), ("https_ports", "ASPNETCORE_HTTPS_PORTS") })
        {
            foreach (var port in Split(configuration[key]))
            {
                addresses.Add((port, source, port));
            }
        }

        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { Length: > 0 } url)
            {
                addresses.Add((url, $"Kestrel:Endpoints:{endpoint.Key}:Url", PortOf(url)));
            }
        }

        foreach (var (address, source, port) in addresses)
        {
            if (port is null || (port.Length > 0 && port.All(char.IsAsciiDigit) && int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535))
            {
                continue;
            }

            var what = $"The address to listen on {BundlePath.Quote(address)} ({BundlePath.Printable(source, 200)}) has the port {BundlePath.Quote(port)}, which is not a number from 0 to 65535";
            return port.Length > 0 && port.All(char.IsAsciiDigit)
                ? $"{what}. Write a port from 0 to 65535."
                : $"{what}: Kestrel would take it for part of a host name, and listen on every interface at port 80. Write the port in digits (http://127.0.0.1:5001).";
        }

        return null;
    }

    /// <summary>
    /// The settings files beside the app that are not read because the content root is another folder (the working
    /// folder, by default): a unit file without WorkingDirectory= ran the app with the default store, and the work accepted
    /// into the configured one was never taken up (review 33b F3). Not in Development, whose content root is the
    /// project's folder on purpose.
    /// </summary>
    /// <returns>The files' names, or null.</returns>
    public static string? SettingsNotRead(string contentRoot, string appFolder, string environment)
    {
        if (ManifestLoading.BundleStartupCheck.SameFolder(contentRoot, appFolder))   // through links too (review 33f F3)
        {
            return null;
        }

        var files = new[] { "appsettings.json", $"appsettings.{environment}.json" }.Where(name => File.Exists(Path.Combine(appFolder, name))).ToList();
        return files.Count > 0 ? string.Join(" and ", files) : null;
    }

    private static IEnumerable<string> Split(string? list) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // The port of scheme://host:port/path as Kestrel's BindingAddress reads it, or null when it has none (or is not such
    // a URL: Kestrel's own "Invalid url" says so). An IPv6 host is in brackets.
    private static string? PortOf(string url)
    {
        url = url.Trim();   // Kestrel reads it so (review 33f F5)
        var scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return null;
        }

        var rest = url[(scheme + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase) || rest.StartsWith("pipe:", StringComparison.OrdinalIgnoreCase))
        {
            return null;   // a Unix socket (http://unix:/run/app.sock) or a named pipe: no port
        }

        var hostAndPort = rest.IndexOf('/') is var slash and >= 0 ? rest[..slash] : rest;
        if (hostAndPort.StartsWith('['))
        {
            var end = hostAndPort.IndexOf(']');
            return end < 0 || end + 1 >= hostAndPort.Length || hostAndPort[end + 1] != ':' ? null : hostAndPort[(end + 2)..];
        }

        return hostAndPort.LastIndexOf(':') is var colon and >= 0 ? hostAndPort[(colon + 1)..] : null;
    }
}
