using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Configuration;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>
/// The build-time analysis: read the compiled assembly's metadata, find the handlers, merge <c>apiroutes.yaml</c>,
/// validate everything and produce the manifest. Plain code, so that tests and benchmarks call it without MSBuild.
/// </summary>
internal static class RouteAnalyzer
{
    public static AnalysisResult Analyze(AnalysisRequest request)
    {
        var diagnostics = new DiagnosticBag();
        var manifest = AnalyzeAssembly(request, diagnostics);
        var ordered = diagnostics.Items
            .OrderBy(d => d.Location?.File, StringComparer.Ordinal)
            .ThenBy(d => d.Location?.Line)
            .ThenBy(d => d.Location?.Column)
            .ToList();
        return new AnalysisResult(diagnostics.HasErrors ? null : manifest, ordered);
    }

    private static RouteManifest? AnalyzeAssembly(AnalysisRequest request, DiagnosticBag diagnostics)
    {
        var assemblyLocation = new SourceLocation(request.AssemblyPath);
        try
        {
            using var peReader = new PEReader(File.OpenRead(request.AssemblyPath));
            if (!peReader.HasMetadata || !peReader.GetMetadataReader().IsAssembly)
            {
                diagnostics.Add(DiagnosticCodes.AssemblyUnreadable, assemblyLocation,
                    $"'{request.AssemblyPath}' is not a .NET assembly, so its handlers cannot be read.");
                return null;
            }

            return AnalyzeMetadata(request, peReader, diagnostics);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
        {
            diagnostics.Add(DiagnosticCodes.AssemblyUnreadable, assemblyLocation,
                $"The compiled assembly '{request.AssemblyPath}' cannot be read: {e.Message}");
            return null;
        }
    }

    private static RouteManifest AnalyzeMetadata(AnalysisRequest request, PEReader peReader, DiagnosticBag diagnostics)
    {
        var reader = peReader.GetMetadataReader();
        var assemblyName = reader.GetString(reader.GetAssemblyDefinition().Name);
        var mvid = reader.GetGuid(reader.GetModuleDefinition().Mvid);

        using var resolver = new HandlerInterfaceResolver(request.References);
        using var pdb = PdbReader.TryOpen(peReader, request.AssemblyPath);
        var locator = new SourceLocator(reader, pdb, request.PathMap, request.FallbackFile ?? request.AssemblyPath);
        var types = AssemblyScanner.FindHandlerTypes(reader, resolver).OrderBy(type => type.FullName, StringComparer.Ordinal);

        LibraryHandlers.Report(request, assemblyName, resolver, diagnostics);
        var rules = new HandlerRules(request.RootNamespace, locator, diagnostics);
        var drafts = types.Select(rules.Check).OfType<RouteDraft>().ToList();
        if (drafts.Count == 0 && !diagnostics.HasErrors)
        {
            diagnostics.Add(DiagnosticCodes.NoHandlers, new SourceLocation(request.FallbackFile ?? request.AssemblyPath),
                $"No API handlers were found in '{assemblyName}'. A handler is a public class that implements "
                + "ApiRoutes.IApiHandler; put it in the '<RootNamespace>.Api' namespace or give it [ApiRoute].");
        }

        var read = ReadConfig(request.ConfigPath, diagnostics);
        var config = read ?? RoutesConfig.Empty;
        ConfigMerger.Apply(config.Routes, drafts, diagnostics);
        foreach (var (kind, limit) in config.DefaultTimeLimits)
        {
            RouteFinalizer.CheckDefault(kind, limit, diagnostics);
        }

        var enabled = drafts.Where(draft => draft.IsEnabled).ToList();
        DuplicateRoutes.Report(enabled, locator, diagnostics);
        AmbiguousRoutes.Report(enabled, locator, diagnostics);

        // A file that could not be read (AR5001) may hold the settings that would be missing without it: a schedule.
        var configUnread = read is null && request.ConfigPath is { } configPath && (File.Exists(configPath) || Directory.Exists(configPath));
        var finalizer = new RouteFinalizer(config.DefaultTimeLimits, locator, request, diagnostics, configUnread);
        var routes = enabled
            .Select(draft => finalizer.Finalize(draft, assemblyName))
            .OfType<ManifestRoute>()
            .OrderBy(route => route.Route, StringComparer.Ordinal)
            .ThenBy(route => route.Handler.Type, StringComparer.Ordinal)
            .ToList();

        return new RouteManifest
        {
            SchemaVersion = RouteManifest.VersionFor(routes),
            Generator = request.Generator,
            Assembly = new ManifestAssembly(assemblyName, Path.GetFileName(request.AssemblyPath), mvid, BuildIdReader.Read(reader)),
            Routes = routes,
        };
    }

    // A folder of that name is the configuration's too: it cannot be read (AR5001), rather than leave it unread.
    private static RoutesConfig? ReadConfig(string? path, DiagnosticBag diagnostics) =>
        path is null || !(File.Exists(path) || Directory.Exists(path)) ? null : RoutesConfigFile.Read(path, diagnostics);
}
