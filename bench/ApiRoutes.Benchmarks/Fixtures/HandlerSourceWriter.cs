using System.Globalization;
using System.Text;

namespace ApiRoutes.Benchmarks.Fixtures;

/// <summary>
/// Writes the C# of a synthetic API project with a realistic mix of handlers: of every ten, seven standard handlers
/// with default routes, one <c>[ApiRoute]</c> with a constrained parameter, one <c>[BackgroundRoute]</c> and one
/// <c>[ScheduledRoute]</c>. Handlers come fifty to a file, one namespace per file (<c>Bench.Api.Area{k}</c>).
/// </summary>
internal static class HandlerSourceWriter
{
    public const string RootNamespace = "Bench";

    public const int HandlersPerFile = 50;

    public const string GlobalUsings = """
        global using System;
        global using System.Threading.Tasks;
        global using ApiRoutes;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.Extensions.Logging;
        """;

    // Varied class names, as real projects have; kebab-cased by the default route rules.
    private static readonly string[] StandardNames = ["GetOrder", "ListCustomers", "UpdateInvoice", "DeleteCartItem", "SearchProducts", "HTMLPreview", "GetV2Stats"];

    /// <summary>The files of a project with <paramref name="handlerCount"/> handlers, as (relative path, text).</summary>
    public static IEnumerable<(string Path, string Text)> Files(int handlerCount)
    {
        for (var file = 0; file * HandlersPerFile < handlerCount; file++)
        {
            var first = file * HandlersPerFile;
            var last = Math.Min(handlerCount, first + HandlersPerFile);
            yield return (Invariant($"Api/Area{file}/Handlers{file}.cs"), File(file, first, last));
        }
    }

    private static string File(int area, int first, int last)
    {
        var text = new StringBuilder();
        text.Append(Invariant($"namespace {RootNamespace}.Api.Area{area};\n"));
        for (var index = first; index < last; index++)
        {
            text.Append('\n');
            text.Append((index % 10) switch
            {
                7 => ExplicitRoute(index),
                8 => Background(index),
                9 => Scheduled(index),
                _ => Standard(index),
            });
        }

        return text.ToString();
    }

    // Half the standard handlers are async (their body is in a state machine the PDB reader must follow), half not.
    private static string Standard(int index)
    {
        var name = StandardNames[index % 10] + index.ToString(CultureInfo.InvariantCulture);
        return index % 2 == 0
            ? Invariant($$"""
                /// <summary>Standard handler {{index}}.</summary>
                public sealed class {{name}}(ILogger<{{name}}> logger) : IApiHandler
                {
                    public async Task HandleAsync(HttpContext context)
                    {
                        logger.LogInformation("Handling {Path}", context.Request.Path);
                        await context.Response.WriteAsJsonAsync(new { id = {{index}}, path = context.Request.Path.Value });
                    }
                }

                """)
            : Invariant($$"""
                public sealed class {{name}} : IApiHandler
                {
                    public Task HandleAsync(HttpContext context) => context.Response.WriteAsync("{{name}}");
                }

                """);
    }

    private static string ExplicitRoute(int index) => Invariant($$"""
        [ApiRoute("/api/items{{index}}/{id:int}")]
        public sealed class GetItem{{index}} : IApiHandler
        {
            public Task HandleAsync(HttpContext context) =>
                context.Response.WriteAsync(context.Request.RouteValues["id"]?.ToString() ?? "");
        }

        """);

    private static string Background(int index) => Invariant($$"""
        /// <summary>Background handler {{index}}.</summary>
        [BackgroundRoute]
        public sealed class ExportReport{{index}}(ILogger<ExportReport{{index}}> logger) : IApiHandler
        {
            public async Task HandleAsync(HttpContext context)
            {
                await Task.Delay(10, context.RequestAborted);
                logger.LogInformation("Report {Index} exported", {{index}});
            }
        }

        """);

    private static string Scheduled(int index) => Invariant($$"""
        [ScheduledRoute("*/5 * * * *")]
        public sealed class PurgeCache{{index}} : IApiHandler
        {
            public Task HandleAsync(HttpContext context) => Task.CompletedTask;
        }

        """);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
