using ApiRoutes.Manifest;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Constraints;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.OpenApi;

/// <summary>
/// Describes the app's routes to ASP.NET Core's ApiExplorer, which OpenAPI generators read
/// (Microsoft.AspNetCore.OpenApi, Swashbuckle): each mapped route with its template, path parameters typed by their
/// constraints, kind, and for a background route the 202. ApiRoutes' handlers take an <see cref="HttpContext"/>, so
/// the framework's own provider, which reads a delegate's parameters, cannot describe them. Costs nothing unless the
/// app adds an OpenAPI generator.
/// </summary>
internal sealed class ApiRoutesApiDescriptionProvider(EndpointDataSource endpoints, IInlineConstraintResolver constraints) : IApiDescriptionProvider
{
    private static readonly ModelMetadataProvider Metadata = new EmptyModelMetadataProvider();

    // After the framework's endpoint provider (-1100), so that anything it made of these endpoints is replaced.
    public int Order => -1000;

    public void OnProvidersExecuting(ApiDescriptionProviderContext context)
    {
        for (var index = context.Results.Count - 1; index >= 0; index--)
        {
            if (context.Results[index].ActionDescriptor.EndpointMetadata.OfType<ManifestRoute>().Any())
            {
                context.Results.RemoveAt(index);
            }
        }

        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>())
        {
            if (endpoint.Metadata.GetMetadata<ManifestRoute>() is not { } route)
            {
                continue;
            }

            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? RouteMethods.Described;
            foreach (var method in methods)
            {
                context.Results.Add(Describe(endpoint, route, method));
            }
        }
    }

    public void OnProvidersExecuted(ApiDescriptionProviderContext context)
    {
    }

    private ApiDescription Describe(RouteEndpoint endpoint, ManifestRoute route, string method)
    {
        var description = new ApiDescription
        {
            HttpMethod = method,
            RelativePath = endpoint.RoutePattern.RawText?.TrimStart('/', '~') ?? route.Route.TrimStart('/'),
            ActionDescriptor = new ActionDescriptor
            {
                DisplayName = endpoint.DisplayName,
                EndpointMetadata = [.. endpoint.Metadata],
                RouteValues = new Dictionary<string, string?>(),
            },
        };

        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            description.ParameterDescriptions.Add(Describe(parameter));
        }

        if (route.Kind == RouteKind.Background)
        {
            description.SupportedResponseTypes.Add(Response(StatusCodes.Status202Accepted,
                $"Accepted: the handler runs in the background. The {Background.BackgroundRouteEndpoint.ExecutionIdHeader} header carries the execution id; "
                + $"with an {Execution.IdempotencyKey.HeaderName} sent before, the execution accepted then ({Execution.IdempotencyKey.ReplayedHeader}: true), and nothing new runs."));
            description.ParameterDescriptions.Add(new ApiParameterDescription
            {
                Name = Execution.IdempotencyKey.HeaderName,
                Source = BindingSource.Header,
                Type = typeof(string),
                ModelMetadata = Metadata.GetMetadataForType(typeof(string)),
                IsRequired = false,
            });
            description.SupportedResponseTypes.Add(Response(StatusCodes.Status400BadRequest,
                $"The {Execution.IdempotencyKey.HeaderName} header is not one key of 1 to {Execution.IdempotencyKey.MaxLength} printable ASCII characters; nothing runs."));
            description.SupportedResponseTypes.Add(Response(StatusCodes.Status422UnprocessableEntity,
                $"The {Execution.IdempotencyKey.HeaderName} was sent before with a different request to this route; nothing runs."));
            description.SupportedResponseTypes.Add(Response(StatusCodes.Status413PayloadTooLarge,
                "The body is over ApiRoutes:Background:MaxRequestBodyBytes; nothing runs."));
            description.SupportedResponseTypes.Add(Response(StatusCodes.Status503ServiceUnavailable,
                "The queue is full or the execution store cannot be written; nothing runs. Send it again after Retry-After seconds."));
        }

        return description;
    }

    private ApiParameterDescription Describe(RoutePatternParameterPart parameter)
    {
        var routeConstraints = parameter.ParameterPolicies
            .Select(policy => policy.ParameterPolicy as IRouteConstraint ?? (policy.Content is { } content ? constraints.ResolveConstraint(content) : null))
            .OfType<IRouteConstraint>()
            .ToList();
        var type = TypeOf(routeConstraints);
        return new ApiParameterDescription
        {
            Name = parameter.Name,
            Source = BindingSource.Path,
            Type = type,
            ModelMetadata = Metadata.GetMetadataForType(type),
            IsRequired = !parameter.IsOptional && parameter.Default is null && !parameter.IsCatchAll,
            DefaultValue = parameter.Default,
            RouteInfo = new ApiParameterRouteInfo
            {
                Constraints = routeConstraints,
                DefaultValue = parameter.Default,
                IsOptional = parameter.IsOptional || parameter.Default is not null || parameter.IsCatchAll,
            },
        };
    }

    // A route value is text; a constraint that only lets numbers, dates or ids through says what it stands for.
    private static Type TypeOf(IEnumerable<IRouteConstraint> routeConstraints) => routeConstraints.Select(constraint => constraint switch
    {
        IntRouteConstraint => typeof(int),
        LongRouteConstraint or RangeRouteConstraint or MinRouteConstraint or MaxRouteConstraint => typeof(long),
        BoolRouteConstraint => typeof(bool),
        DateTimeRouteConstraint => typeof(DateTime),
        DecimalRouteConstraint => typeof(decimal),
        DoubleRouteConstraint => typeof(double),
        FloatRouteConstraint => typeof(float),
        GuidRouteConstraint => typeof(Guid),
        _ => null,
    }).FirstOrDefault(type => type is not null) ?? typeof(string);

    private static ApiResponseType Response(int status, string text) => new()
    {
        StatusCode = status,
        Description = text,
        Type = typeof(void),
        ModelMetadata = Metadata.GetMetadataForType(typeof(void)),
    };
}
