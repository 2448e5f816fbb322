using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Where a type is declared according to the portable PDB (beside the assembly or embedded in it): the document and
/// the first line of its methods. Absent when the project builds with <c>DebugType</c> none or full.
/// </summary>
internal sealed class PdbReader : IDisposable
{
    // Roslyn records the documents of types that have no method bodies under this custom debug information kind.
    private static readonly Guid TypeDefinitionDocumentsKind = new("932E74BC-DBA9-4478-8D46-0F32A7BAB3D3");

    // Compiler-generated types nest a few levels at most (a lambda inside an async method).
    private const int MaxNesting = 8;

    private readonly MetadataReaderProvider _provider;
    private readonly MetadataReader _pdb;

    // Document names are blobs of path parts; decode each once, not once per sequence point.
    private readonly Dictionary<DocumentHandle, string> _documentNames = [];

    private PdbReader(MetadataReaderProvider provider)
    {
        _provider = provider;
        _pdb = provider.GetMetadataReader();
    }

    public static PdbReader? TryOpen(PEReader peReader, string assemblyPath)
    {
        try
        {
            return peReader.TryOpenAssociatedPortablePdb(assemblyPath, File.OpenRead, out var provider, out _) && provider is not null
                ? new PdbReader(provider)
                : null;
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException)
        {
            // A Windows PDB or a damaged one: the analysis still works, only without source locations.
            return null;
        }
    }

    /// <summary>
    /// The document and earliest line of the type's method bodies. A partial type may span files: the one that
    /// holds <c>HandleAsync</c> wins, as that is where a reader looks for the handler.
    /// </summary>
    public (string Document, int Line)? FindType(MetadataReader assembly, TypeDefinitionHandle handle)
    {
        var firstLines = new Dictionary<string, int>(StringComparer.Ordinal);
        string? handleAsyncDocument = null;
        Collect(handle, inHandleAsync: false, depth: 0);

        if (handleAsyncDocument is not null)
        {
            return (handleAsyncDocument, firstLines[handleAsyncDocument]);
        }

        if (firstLines.Count > 0)
        {
            var first = firstLines.MinBy(pair => pair.Value);
            return (first.Key, first.Value);
        }

        var fallback = FindTypeDocument(handle);
        return fallback is null ? null : (fallback, 1);

        // The type's own methods, and those of the compiler-generated types nested in it: an async method's body
        // lives in its state machine's MoveNext (<HandleAsync>d__0), a lambda's in a closure class.
        void Collect(TypeDefinitionHandle current, bool inHandleAsync, int depth)
        {
            var definition = assembly.GetTypeDefinition(current);
            foreach (var methodHandle in definition.GetMethods())
            {
                var isHandleAsync = inHandleAsync || assembly.StringComparer.Equals(assembly.GetMethodDefinition(methodHandle).Name, "HandleAsync");
                foreach (var point in _pdb.GetMethodDebugInformation(methodHandle.ToDebugInformationHandle()).GetSequencePoints())
                {
                    if (point.IsHidden)
                    {
                        continue;
                    }

                    var document = ReadDocumentName(point.Document);
                    firstLines[document] = Math.Min(point.StartLine, firstLines.GetValueOrDefault(document, int.MaxValue));
                    handleAsyncDocument ??= isHandleAsync ? document : null;
                }
            }

            foreach (var nested in definition.GetNestedTypes())
            {
                var name = assembly.GetString(assembly.GetTypeDefinition(nested).Name);
                if (depth < MaxNesting && name.StartsWith('<'))
                {
                    Collect(nested, inHandleAsync || name.StartsWith("<HandleAsync>", StringComparison.Ordinal), depth + 1);
                }
            }
        }
    }

    public void Dispose() => _provider.Dispose();

    /// <summary>
    /// Every document that declares part of the type: those of its method bodies, and those the compiler lists for it
    /// because no method body is there (a partial declaration that only carries the attributes, say).
    /// </summary>
    public IReadOnlyList<string> TypeDocuments(MetadataReader assembly, TypeDefinitionHandle handle)
    {
        var documents = new List<string>();
        foreach (var methodHandle in assembly.GetTypeDefinition(handle).GetMethods())
        {
            foreach (var point in _pdb.GetMethodDebugInformation(methodHandle.ToDebugInformationHandle()).GetSequencePoints())
            {
                if (!point.IsHidden && ReadDocumentName(point.Document) is var document && !documents.Contains(document))
                {
                    documents.Add(document);
                }
            }
        }

        foreach (var document in DefinitionDocuments(handle))
        {
            if (!documents.Contains(document))
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    private string? FindTypeDocument(TypeDefinitionHandle handle) => DefinitionDocuments(handle).FirstOrDefault();

    // The documents the compiler lists for a type in its TypeDefinitionDocuments record (those no method body of it is in).
    private IEnumerable<string> DefinitionDocuments(TypeDefinitionHandle handle)
    {
        foreach (var informationHandle in _pdb.GetCustomDebugInformation(handle))
        {
            var information = _pdb.GetCustomDebugInformation(informationHandle);
            if (_pdb.GetGuid(information.Kind) != TypeDefinitionDocumentsKind)
            {
                continue;
            }

            var blob = _pdb.GetBlobReader(information.Value);
            while (blob.RemainingBytes > 0 && blob.TryReadCompressedInteger(out var row))
            {
                yield return ReadDocumentName(MetadataTokens.DocumentHandle(row));
            }
        }
    }

    private string ReadDocumentName(DocumentHandle document)
    {
        if (!_documentNames.TryGetValue(document, out var name))
        {
            name = _pdb.GetString(_pdb.GetDocument(document).Name);
            _documentNames[document] = name;
        }

        return name;
    }
}
