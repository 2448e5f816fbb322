using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Testing;

/// <summary>ApiRoutes.Testing on a <see cref="WebApplicationFactory{TEntryPoint}"/>.</summary>
public static class WebApplicationFactoryExtensions
{
    /// <summary>
    /// Starts the app of <paramref name="factory"/> on a <see cref="TestClock"/>, with an in-memory store and its
    /// schedules on (see <see cref="ApiRoutesTestingServiceCollectionExtensions.AddApiRoutesTesting"/>), and returns
    /// the handle a test drives it with. Each call starts a fresh app; dispose it at the end of the test.
    /// </summary>
    /// <typeparam name="TEntryPoint">A type of the app: <c>Program</c> for an ApiRoutes app.</typeparam>
    public static ApiRoutesTestApp WithApiRoutesTesting<TEntryPoint>(this WebApplicationFactory<TEntryPoint> factory, Action<ApiRoutesTestOptions>? configure = null)
        where TEntryPoint : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        var options = new ApiRoutesTestOptions();
        configure?.Invoke(options);
        var app = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services => services.AddApiRoutesTesting(options)));
        try
        {
            var client = app.CreateClient();
            return new ApiRoutesTestApp(app.Services, client, app);
        }
        catch
        {
            app.Dispose();   // the app did not start: nothing to wait for
            throw;
        }
    }
}
