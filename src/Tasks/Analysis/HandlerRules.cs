using ApiRoutes.Bundling;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;
using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// Checks one handler type and its attributes and turns it into a <see cref="RouteDraft"/>: the type must be a
/// public, non-generic, concrete class that DI can construct, with a valid route.
/// </summary>
internal sealed class HandlerRules(string rootNamespace, SourceLocator locator, DiagnosticBag diagnostics)
{
    private const string ReservedPrefix = "_apiroutes";

    /// <returns>The draft, or null when the type is not a route (an error says why, unless it is a base class).</returns>
    public RouteDraft? Check(HandlerType type)
    {
        using var suppressed = diagnostics.Suppressing(type.SuppressedWarnings);
        if (!CheckShape(type))
        {
            return null;
        }

        // Review 27a F2: AR0102's advice (an abstract base in the library, the route derived in the app) kept the
        // base's [ScheduledRoute] where it does nothing: the app's class was a standard route, and no word said so.
        if (type.BaseRouteAttribute is var (baseName, baseAttribute))
        {
            diagnostics.Add(DiagnosticCodes.BaseRouteAttribute, locator.Declaration(type),
                $"'{type.FullName}' derives from '{baseName}', whose [{baseAttribute}] does not apply to it: route attributes are "
                + $"not inherited. Put the attribute on '{type.FullName}' itself, and remove it from '{baseName}'.");
        }

        var template = ResolveTemplate(type);
        if (template is null)
        {
            return null;
        }

        var attributes = type.Attributes;
        var draft = new RouteDraft(type, template, () => TemplateOrigin(type))
        {
            IsBackground = attributes.HasBackground,
            IsScheduled = attributes.HasScheduled,
            Schedule = attributes.Schedule,
            CatchUp = attributes.ScheduledCatchUp,
            ScheduleOrigin = () => locator.Attribute(type, "ScheduledRoute"),
            TimeZone = attributes.ScheduledTimeZone,
            TimeZoneOrigin = () => locator.Attribute(type, "ScheduledRoute", "TimeZone"),
        };

        if (attributes.Methods is { } methods)
        {
            draft.Methods = MethodRules.Check(type, methods, attributes.HasScheduled, locator, diagnostics);
            draft.HasErrors |= draft.Methods is null;
        }

        if (attributes.HasBackground && attributes.HasScheduled)
        {
            diagnostics.Add(DiagnosticCodes.BackgroundAndScheduled, locator.Attribute(type, "BackgroundRoute"),
                $"'{type.FullName}' has both [BackgroundRoute] and [ScheduledRoute]. A scheduled route already runs "
                + "detached from any request; remove one of the two attributes.");
            draft.HasErrors = true;
        }

        var (limit, attributeName) = attributes.HasScheduled
            ? (attributes.ScheduledTimeLimitSeconds, "ScheduledRoute")
            : (attributes.BackgroundTimeLimitSeconds, "BackgroundRoute");
        if (limit is { } seconds)
        {
            draft.TimeLimitSeconds = seconds;
            draft.TimeLimitOrigin = () => locator.Attribute(type, attributeName, "TimeLimitSeconds");
        }

        return draft;
    }

    private bool CheckShape(HandlerType type)
    {
        var name = type.FullName;
        if (type.Attributes.ForeignAttribute is { } foreign)
        {
            Error(DiagnosticCodes.ForeignRouteAttribute, type,
                $"'{name}' carries [{foreign[..^"Attribute".Length]}], but that 'ApiRoutes.{foreign}' is a type of the app (or of a "
                + "library), not ApiRoutes' attribute, so its arguments cannot be read. Remove or rename that type (the compiler "
                + "warns CS0436 where it hides ApiRoutes' own), so the attribute is ApiRoutes'.");
            return false;
        }

        if (!type.ImplementsHandler)
        {
            Error(DiagnosticCodes.AttributeWithoutHandler, type,
                $"'{name}' has an ApiRoutes attribute but does not implement IApiHandler. Add ': IApiHandler' and a "
                + "'public Task HandleAsync(HttpContext context)' method, or remove the attribute.");
            return false;
        }

        if (type.IsInterface)
        {
            if (type.Attributes.Any)
            {
                Error(DiagnosticCodes.AttributeWithoutHandler, type,
                    $"'{name}' is an interface; route attributes belong on the classes that implement it.");
            }

            return false;
        }

        if (type.IsValueType)
        {
            Error(DiagnosticCodes.HandlerNotClass, type, $"'{name}' is a struct; a handler must be a class. Change 'struct' to 'class'.");
            return false;
        }

        // An abstract class without route attributes is a base class for handlers, which is fine.
        if (type.IsAbstract)
        {
            if (type.Attributes.Any)
            {
                Error(DiagnosticCodes.HandlerAbstract, type,
                    $"'{name}' is abstract and cannot be created for a request. Remove 'abstract', or move the route "
                    + "attributes to a concrete class that derives from it.");
            }

            return false;
        }

        var valid = true;
        if (type.IsGeneric)
        {
            Error(DiagnosticCodes.HandlerGeneric, type,
                $"'{name}' is generic, so the runtime cannot know its type arguments. Derive a non-generic class from it "
                + "and make that the handler.");
            valid = false;
        }

        if (type.IsFileLocal)
        {
            Error(DiagnosticCodes.HandlerNotPublic, type,
                $"'{name}' is file-local ('file'), so no other code can name it, and neither can the runtime. Handlers must "
                + "be public: replace 'file' with 'public'.");
            valid = false;
        }
        else if (!type.IsPublic)
        {
            Error(DiagnosticCodes.HandlerNotPublic, type,
                $"'{name}' is not public (or is nested in a type that is not). Handlers must be public: make it "
                + "'public' and every type it is nested in too.");
            valid = false;
        }

        if (type.PublicConstructorCount == 0)
        {
            Error(DiagnosticCodes.HandlerNoConstructor, type,
                $"'{name}' has no public constructor, so dependency injection cannot create it. Add a public constructor "
                + "whose parameters are services.");
            valid = false;
        }
        else if (type.PublicConstructorCount > 1 && !type.HasPreferredConstructor)
        {
            diagnostics.Add(DiagnosticCodes.HandlerManyConstructors, locator.Declaration(type),
                $"'{name}' has {type.PublicConstructorCount} public constructors; dependency injection picks one by the "
                + "services it can resolve, which may not be the one you expect. Keep one public constructor or mark "
                + "one with [ActivatorUtilitiesConstructor].");
        }

        return valid;
    }

    private RouteTemplate? ResolveTemplate(HandlerType type)
    {
        string text;
        if (type.Attributes.HasApiRoute)
        {
            text = type.Attributes.Template ?? "";
        }
        else if (DefaultRoute.For(type.Namespace, type.NestedNames, rootNamespace, out var nameless) is { } route)
        {
            text = route;
        }
        else if (nameless is (var kind, var name))
        {
            Error(DiagnosticCodes.HandlerOutsideApi, type,
                $"'{type.FullName}' has no default route: its {kind} name '{name}' has no letter or digit, so it gives no segment of "
                + "the path (names become segments in kebab-case, with '_' as '-'). Rename it, or give the handler a route with "
                + "[ApiRoute(\"/api/...\")].");
            return null;
        }
        else
        {
            var apiNamespace = rootNamespace.Length == 0 ? "Api" : rootNamespace + ".Api";
            Error(DiagnosticCodes.HandlerOutsideApi, type, IsCSharpNamespace(rootNamespace)
                ? $"'{type.FullName}' is outside the '{apiNamespace}' namespace, so it has no default route. Move it to "
                    + $"'{apiNamespace}' (or below), or give it a route with [ApiRoute(\"/api/...\")]."
                // A project named my-api or 1Api: the SDK takes RootNamespace from the name as written, and no code can be
                // in that namespace (review 28c F3: "Move it to 'my-api.Api'" could not be followed).
                : $"'{type.FullName}' is outside the '{apiNamespace}' namespace, so it has no default route; and '{rootNamespace}', "
                    + "the project's RootNamespace (the SDK takes it from the project's name), is not a C# namespace, so no code "
                    + $"can be in it. Set <RootNamespace>{SafeNamespace(rootNamespace)}</RootNamespace> in the project (the namespace "
                    + $"its code uses), or give the handler a route with [ApiRoute(\"/api/...\")].");
            return null;
        }

        var result = RouteTemplateParser.Parse(text);
        if (!result.IsValid)
        {
            diagnostics.Add(DiagnosticCodes.InvalidRouteTemplate, TemplateOrigin(type),
                $"The route template '{BundlePath.Printable(text)}' of '{type.FullName}' is invalid: {result.Error}");   // one line (review 33c F2)
            return null;
        }

        // The dashboard, its API, status URLs, health checks and the schedule trigger live there; the dashboard's
        // session cookie is sent to every path under it.
        if (result.Template!.Segments is [{ Parts: [RouteLiteral { Text: var first }] }, ..]
            && string.Equals(first, ReservedPrefix, StringComparison.OrdinalIgnoreCase))
        {
            diagnostics.Add(DiagnosticCodes.ReservedRoute, TemplateOrigin(type),
                $"The route '{text}' of '{type.FullName}' is under /{ReservedPrefix}, which ApiRoutes reserves for its dashboard, "
                + "status URLs, health checks and schedule trigger (and whose dashboard cookie every request there carries). "
                + "Give it another route with [ApiRoute(\"...\")].");
            return null;
        }

        foreach (var constraint in result.Template.Parameters.SelectMany(parameter => parameter.Constraints))
        {
            if (!RouteConstraints.IsKnown(constraint.Name))
            {
                diagnostics.Add(DiagnosticCodes.UnknownRouteConstraint, TemplateOrigin(type),
                    $"The route constraint '{constraint.Name}' in '{text}' is not built into ASP.NET Core: unless the app "
                    + $"registers it (builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<...>(\"{constraint.Name}\"))), "
                    + "it stops at start-up with exit code 1, naming the constraint. Check the spelling (int, guid, alpha, ...).");
            }
        }

        // Note 45 (review 45b): a parameter no value passes left its route answering nothing, without a word.
        // An optional parameter ('{id:min(5):max(1)?}') passes when it is absent (review 46d F2): its route is reached.
        foreach (var parameter in result.Template.Parameters.Where(parameter => !parameter.IsOptional))
        {
            if (UnsatisfiableConstraints.Why(parameter.Constraints) is { } why)
            {
                diagnostics.Add(DiagnosticCodes.UnsatisfiableConstraints, TemplateOrigin(type),
                    $"The parameter '{parameter.Name}' of the route template '{text}' of '{type.FullName}' passes no value: {why}, so no request "
                    + "reaches the route. Correct or remove a constraint.");
            }
        }

        // Review 39b F5: '[id]' (Next.js, which ApiRoutes' routes follow) and ':id' (Express) were silent literals, and the
        // route answered no real id. A literal '[' or ':' is legal in ASP.NET Core, so it is a warning, which the handler may suppress.
        var foreign = ForeignParameterSyntax.Find(result.Template);
        if (foreign.Count > 0)
        {
            var (written, parameter) = foreign[0];
            var rewritten = ForeignParameterSyntax.Rewritten(text, foreign) is { } fixedText ? $" ('{fixedText}')" : "";
            diagnostics.Add(DiagnosticCodes.ForeignParameterSyntax, TemplateOrigin(type),
                $"'{written}' in the route template '{text}' of '{type.FullName}' is a literal here, which only a request with the "
                + $"text '{written}' itself matches; a route parameter is written '{parameter}'{rewritten}"
                + (foreign.Count > 1 ? $", and {string.Join(", ", foreign.Skip(1).Select(f => $"'{f.Written}' '{f.Parameter}'"))}" : "")
                + ". If the literal text is meant, suppress AR2102 for this handler: "
                + "[UnconditionalSuppressMessage(\"ApiRoutes\", \"AR2102\", Justification = \"...\")].");
        }

        return result.Template;
    }

    private SourceLocation TemplateOrigin(HandlerType type) =>
        type.Attributes.HasApiRoute ? locator.Attribute(type, "ApiRoute") : locator.Declaration(type);

    private void Error(DiagnosticDescriptor descriptor, HandlerType type, string message) =>
        diagnostics.Add(descriptor, locator.Declaration(type), message);

    // Each dot-separated part an identifier as C# writes one (a letter or '_', then letters, digits or '_'). Empty: the
    // global namespace, which holds code too.
    private static bool IsCSharpNamespace(string name) =>
        name.Length == 0 || name.Split('.').All(part => part.Length > 0 && (char.IsLetter(part[0]) || part[0] == '_') && part.All(c => char.IsLetterOrDigit(c) || c == '_'));

    // What the templates make of such a name in code: every other character '_', and '_' before a leading digit (my-api
    // gives my_api, 1Api _1Api).
    private static string SafeNamespace(string name) =>
        string.Join('.', name.Split('.').Select(part =>
        {
            var safe = new string([.. part.Select(c => char.IsLetterOrDigit(c) || c == '_' ? c : '_')]);
            return safe.Length == 0 || char.IsDigit(safe[0]) ? "_" + safe : safe;
        }));
}
