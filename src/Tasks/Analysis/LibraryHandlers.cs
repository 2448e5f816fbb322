using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Tasks.Metadata;

namespace ApiRoutes.Tasks.Analysis;

/// <summary>A class library the app references: its assembly, and its project file when it is a project reference.</summary>
internal sealed record LibraryReference(string AssemblyPath, string? ProjectFile = null);

/// <summary>
/// Handlers compiled into a class library are never routes: the runtime serves the manifest of the app's own assembly
/// only. A developer who moved a handler into a shared library would otherwise find its route answering 404 with no
/// word from the build, so each one gets a warning (AR0102) at its declaration (from the library's PDB), or at the
/// library's project file. Abstract base handlers in a library are fine: the app derives its routes from them.
/// </summary>
internal static class LibraryHandlers
{
    private const string RuntimeAssembly = "ApiRoutes";

    public static void Report(AnalysisRequest request, string appAssemblyName, HandlerInterfaceResolver resolver, DiagnosticBag diagnostics)
    {
        foreach (var library in request.Libraries)
        {
            try
            {
                using var peReader = new PEReader(File.OpenRead(library.AssemblyPath));
                if (peReader.HasMetadata && peReader.GetMetadataReader() is { IsAssembly: true } reader && ReferencesRuntime(reader))
                {
                    ReportLibrary(request, library, peReader, reader, appAssemblyName, resolver, diagnostics);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException)
            {
                // A reference that cannot be read cannot be looked into; the compiler has already said so if it matters.
            }
        }
    }

    private static void ReportLibrary(
        AnalysisRequest request, LibraryReference library, PEReader peReader, MetadataReader reader, string appAssemblyName,
        HandlerInterfaceResolver resolver, DiagnosticBag diagnostics)
    {
        var libraryName = reader.GetString(reader.GetAssemblyDefinition().Name);
        var routes = AssemblyScanner.FindHandlerTypes(reader, resolver)
            .Where(type => type is { ImplementsHandler: true, IsAbstract: false, IsInterface: false, IsGeneric: false, IsPublic: true })
            .OrderBy(type => type.FullName, StringComparer.Ordinal)
            .ToList();
        if (routes.Count == 0)
        {
            return;
        }

        using var pdb = PdbReader.TryOpen(peReader, library.AssemblyPath);
        var locator = new SourceLocator(reader, pdb, request.PathMap, library.ProjectFile ?? library.AssemblyPath);
        foreach (var type in routes)
        {
            using var suppressed = diagnostics.Suppressing(type.SuppressedWarnings);
            diagnostics.Add(DiagnosticCodes.HandlerInLibrary, locator.Declaration(type),
                $"'{type.FullName}' in the class library '{libraryName}' is not a route: ApiRoutes serves only the handlers "
                + $"compiled into the app ('{appAssemblyName}'). Move the class into the app project, or make it abstract "
                + "and derive the route from it in the app.");
        }
    }

    private static bool ReferencesRuntime(MetadataReader reader)
    {
        if (reader.StringComparer.Equals(reader.GetAssemblyDefinition().Name, RuntimeAssembly))
        {
            return false;
        }

        foreach (var handle in reader.AssemblyReferences)
        {
            if (reader.StringComparer.Equals(reader.GetAssemblyReference(handle).Name, RuntimeAssembly))
            {
                return true;
            }
        }

        return false;
    }
}
