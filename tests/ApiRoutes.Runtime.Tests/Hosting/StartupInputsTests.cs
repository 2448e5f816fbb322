using ApiRoutes.Hosting;
using Microsoft.Extensions.Configuration;

namespace ApiRoutes.Runtime.Tests.Hosting;

/// <summary>What an operator writes that the host would meet with a stack trace, or without a word (review 33b F2, F3, F6).</summary>
public sealed class StartupInputsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-inputs-").FullName;

    private static IConfiguration Settings(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(value => KeyValuePair.Create(value.Key, (string?)value.Value))).Build();

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5001;https://[::1]:5002/base;http://*:80;http://+:8080;http://localhost")]
    [InlineData("urls", "http://unix:/run/app.sock;http://pipe:/app")]
    [InlineData("http_ports", "8080;8081")]
    [InlineData("Kestrel:Endpoints:web:Url", "http://0.0.0.0:0")]
    [InlineData("Kestrel:Endpoints:web:Url", "http://127.0.0.1:5001 ")]   // Kestrel trims it (review 33f F5)
    public void Addresses_with_ports_in_digits_or_none_pass(string key, string value) =>
        Assert.Null(StartupInputs.ListenAddressProblem(Settings((key, value))));

    [Theory]
    [InlineData("urls", "http://127.0.0.1:5001;http://127.0.0.1:", "'http://127.0.0.1:' (--urls, ASPNETCORE_URLS) has the port ''")]
    [InlineData("https_ports", "443;44x", "'44x' (ASPNETCORE_HTTPS_PORTS) has the port '44x'")]
    [InlineData("urls", "http://[::1]:65536", "'http://[::1]:65536' (--urls, ASPNETCORE_URLS) has the port '65536', which is not a number from 0 to 65535. Write a port from 0 to 65535.")]
    [InlineData("urls", "http://127.0.0.1:+1", "'http://127.0.0.1:+1' (--urls, ASPNETCORE_URLS) has the port '+1'")]
    public void A_port_that_is_not_a_number_from_0_to_65535_is_named_with_where_it_was_set(string key, string value, string expected) =>
        Assert.StartsWith($"The address to listen on {expected}", StartupInputs.ListenAddressProblem(Settings((key, value))), StringComparison.Ordinal);

    [Fact]
    public void Log_levels_are_read_as_the_framework_reads_them_and_one_that_is_not_is_named()
    {
        Assert.Null(StartupInputs.LogLevelProblem(Settings(("Logging:LogLevel:Default", "warning"), ("Logging:Console:LogLevel:Microsoft", "None"), ("Logging:Console:FormatterName", "json"))));
        Assert.Equal(
            "The log level 'Warn' of Logging:Console:LogLevel:Microsoft.AspNetCore is not one: write Trace, Debug, Information, Warning, Error, Critical or None.",
            StartupInputs.LogLevelProblem(Settings(("Logging:LogLevel:Default", "Information"), ("Logging:Console:LogLevel:Microsoft.AspNetCore", "Warn"))));
    }

    [Fact]
    public void Settings_files_beside_the_app_that_another_content_root_leaves_unread_are_named()
    {
        var app = Directory.CreateDirectory(Path.Combine(_root, "app")).FullName;
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "run")).FullName;
        Assert.Null(StartupInputs.SettingsNotRead(elsewhere, app, "Production"));   // nothing beside the app

        File.WriteAllText(Path.Combine(app, "appsettings.json"), "{}");
        File.WriteAllText(Path.Combine(app, "appsettings.Production.json"), "{}");

        Assert.Equal("appsettings.json and appsettings.Production.json", StartupInputs.SettingsNotRead(elsewhere, app, "Production"));
        Assert.Null(StartupInputs.SettingsNotRead(app + Path.DirectorySeparatorChar, app, "Production"));   // started in its folder
        var link = Path.Combine(_root, "current");
        Directory.CreateSymbolicLink(link, app);
        Assert.Null(StartupInputs.SettingsNotRead(link, app, "Production"));   // or through a link to it (review 33f F3)
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
