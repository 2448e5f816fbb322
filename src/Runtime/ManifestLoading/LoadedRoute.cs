using System.Diagnostics.CodeAnalysis;
using ApiRoutes.Manifest;
using ApiRoutes.Scheduling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.ManifestLoading;

/// <summary>A manifest route bound to its handler type: everything needed to serve or run it.</summary>
internal sealed class LoadedRoute
{
    // Hot reload (dotnet watch) can change a handler's constructors in the running process: a factory chosen for the
    // constructor it replaced invokes a deleted method, whose call ended the app, and Activator.CreateInstance does not see
    // a parameterless constructor it added (review 46f F1: 500 until a restart). So where hot reload can apply, the factory
    // is ActivatorUtilities' for every handler, and is made again after each update.
    private static readonly bool HotReload = System.Reflection.Metadata.MetadataUpdater.IsSupported;

    private readonly bool _disposable;
    private HandlerFactory _factory;

    public LoadedRoute(
        ManifestRoute entry,
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type handlerType,
        CrontabSchedule? schedule)
    {
        Entry = entry;
        HandlerType = handlerType;
        Schedule = schedule;
        TimeLimit = entry.TimeLimitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
        var generation = Development.HotReloadSignal.Generation;
        _factory = new HandlerFactory(Factory(handlerType), generation);
        _disposable = typeof(IDisposable).IsAssignableFrom(handlerType) || typeof(IAsyncDisposable).IsAssignableFrom(handlerType);
    }

    public ManifestRoute Entry { get; }

    // The handler's factory, made again when hot reload has changed the process's types since it was made.
    private Func<HttpContext, IApiHandler> Create
    {
        get
        {
            var factory = _factory;
            if (HotReload && Development.HotReloadSignal.Generation is var generation && factory.Generation != generation)
            {
                factory = _factory = new HandlerFactory(Factory(HandlerType), generation);   // the generation read first
            }

            return factory.Create;
        }
    }

    // One reference, so that a factory is never read with another factory's generation.
    private sealed record HandlerFactory(Func<HttpContext, IApiHandler> Create, int Generation);

    public string Template => Entry.Route;

    public RouteKind Kind => Entry.Kind;

    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)]
    public Type HandlerType { get; }

    /// <summary>The schedule of a scheduled route: crontab's rules in its time zone (the same code the build checked it with).</summary>
    public CrontabSchedule? Schedule { get; }

    public TimeSpan? TimeLimit { get; }

    /// <summary>
    /// Creates the handler (from the context's services, a request or execution scope, when its constructor takes any)
    /// and runs it; a handler that is disposable is disposed when it is done.
    /// </summary>
    public Task InvokeAsync(HttpContext context) => _disposable ? InvokeAndDisposeAsync(context) : InvokeOnlyAsync(context);

    // Most handlers take no services: they need no factory, whose construction costs start-up time, and no request scope,
    // which ASP.NET Core creates (and disposes after the response) only when the request's services are asked for.
    private static Func<HttpContext, IApiHandler> Factory([DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type handlerType)
    {
        if (!HotReload && handlerType.GetConstructors() is [{ } only] && only.GetParameters().Length == 0)
        {
            return _ => (IApiHandler)Activator.CreateInstance(handlerType)!;
        }

        ObjectFactory factory;
        try
        {
            factory = ActivatorUtilities.CreateFactory(handlerType, Type.EmptyTypes);
        }
        catch (InvalidOperationException e) when (HotReload)
        {
            // A primary constructor removed by hot reload leaves the type with no public constructor that reflection sees
            // (the default one the compiler adds in its place is not): only a restart serves it again. Said per request, as
            // the handler's failure, rather than as the factory's "could not be located".
            var message = $"Hot reload changed the constructors of '{handlerType.FullName}' in a way this process cannot use ({e.Message.TrimEnd('.')}). "
                + "Restart the app (Ctrl+R in dotnet watch) to serve its route.";
            return _ => throw new InvalidOperationException(message, e);
        }

        return context => (IApiHandler)factory(context.RequestServices, null);
    }

    private async Task InvokeOnlyAsync(HttpContext context)
    {
        var handler = Create(context);
        await (handler.HandleAsync(context) ?? throw ReturnedNull(handler));
    }

    // A handler's bug, said as such: the bare NullReferenceException of awaiting null names neither the handler nor the fix.
    private static InvalidOperationException ReturnedNull(IApiHandler handler) =>
        new($"{handler.GetType().FullName}.HandleAsync returned null instead of a Task. Return the Task of its work, or Task.CompletedTask when there is nothing to await.");

    private async Task InvokeAndDisposeAsync(HttpContext context)
    {
        var handler = Create(context);
        try
        {
            await (handler.HandleAsync(context) ?? throw ReturnedNull(handler));
        }
        finally
        {
            switch (handler)
            {
                case IAsyncDisposable asyncDisposable:
                    await asyncDisposable.DisposeAsync();
                    break;
                case IDisposable disposable:
                    disposable.Dispose();
                    break;
            }
        }
    }

    /// <summary>The occurrence after <paramref name="after"/>, or null when the schedule has no more.</summary>
    public DateTimeOffset? NextOccurrence(DateTimeOffset after) =>
        Schedule?.GetNextOccurrence(after.UtcDateTime) is { } next ? new DateTimeOffset(next, TimeSpan.Zero) : null;
}

/// <summary>
/// The routes of the application, loaded from the manifest at start-up. Under <c>dotnet watch</c> the development loop
/// replaces them as the code changes (<see cref="Replace"/>); every reader sees one whole table, the old or the new.
/// </summary>
internal sealed class RouteTable(RouteManifest manifest, string manifestPath, IReadOnlyList<LoadedRoute> routes)
{
    private volatile Snapshot _current = new(manifest, routes);

    public RouteManifest Manifest => _current.Manifest;

    public string ManifestPath { get; } = manifestPath;

    public IReadOnlyList<LoadedRoute> Routes => _current.Routes;

    public IEnumerable<LoadedRoute> OfKind(RouteKind kind) => Routes.Where(route => route.Kind == kind);

    /// <summary>Raised after <see cref="Replace"/>, on its thread (the scheduler follows the schedules served).</summary>
    public event Action? Replaced;

    public void Replace(RouteManifest manifest, IReadOnlyList<LoadedRoute> routes)
    {
        _current = new Snapshot(manifest, routes);
        Replaced?.Invoke();
    }

    private sealed record Snapshot(RouteManifest Manifest, IReadOnlyList<LoadedRoute> Routes);
}
