using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace ApiRoutes.Hosting;

/// <summary>
/// Shows the <see cref="StartupWorkGate"/> the requests that come while it is closed, first in the app's pipeline, so
/// that any answer counts (a handler's, a health probe's, a 404). Once it is open, a request costs one field read here.
/// </summary>
internal sealed class StartupWorkGateFilter(StartupWorkGate gate) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(inner => context =>
        {
            if (!gate.IsOpen)
            {
                gate.RequestStarted(context);
            }

            return inner(context);
        });
        next(app);
    };
}
