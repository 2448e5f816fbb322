using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Answers "does this type implement <c>ApiRoutes.IApiHandler</c>?", walking base types into referenced assemblies
/// (a handler may derive from a base class in a library) without loading any of them.
/// </summary>
internal sealed class HandlerInterfaceResolver : IDisposable
{
    private const int MaxDepth = 64;

    private readonly Dictionary<string, string> _referencePaths;
    private readonly Dictionary<string, MetadataReader?> _openReaders = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<PEReader> _peReaders = [];
    private readonly Dictionary<(MetadataReader, EntityHandle), bool> _cache = [];

    /// <param name="referencePaths">The compile references, by file path; their simple names are the file names.</param>
    public HandlerInterfaceResolver(IEnumerable<string> referencePaths)
    {
        _referencePaths = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in referencePaths)
        {
            _referencePaths.TryAdd(Path.GetFileNameWithoutExtension(path), path);
        }
    }

    public bool ImplementsHandler(MetadataReader reader, TypeDefinitionHandle type) =>
        Implements(reader, type, depth: 0);

    /// <summary>
    /// The nearest base class of the type (in its assembly or a referenced one) that carries a route attribute
    /// (<c>[ApiRoute]</c>, <c>[BackgroundRoute]</c>, <c>[ScheduledRoute]</c>), with that attribute's name; null when none
    /// does. Route attributes are not inherited, so a handler that derives from such a base does not get them.
    /// </summary>
    public (string Base, string Attribute)? BaseRouteAttribute(MetadataReader reader, TypeDefinitionHandle handle)
    {
        var (current, baseType) = (reader, reader.GetTypeDefinition(handle).BaseType);
        for (var depth = 0; depth < MaxDepth && !baseType.IsNil; depth++)
        {
            var unwrapped = MetadataNames.UnwrapGeneric(current, baseType);
            TypeDefinitionHandle definition;
            switch (unwrapped.Kind)
            {
                case HandleKind.TypeDefinition:
                    definition = (TypeDefinitionHandle)unwrapped;
                    break;
                case HandleKind.TypeReference:
                    var name = MetadataNames.GetName(current, unwrapped);
                    if (name.Namespace == "System" && name.Name is "Object" or "ValueType" or "Enum")
                    {
                        return null;
                    }

                    var (other, resolved) = Resolve(current, (TypeReferenceHandle)unwrapped);
                    if (other is null)
                    {
                        return null;
                    }

                    (current, definition) = (other, resolved);
                    break;
                default:
                    return null;
            }

            var type = current.GetTypeDefinition(definition);
            if (AssemblyScanner.RouteAttributeName(current, type) is { } attribute)
            {
                var typeName = current.GetString(type.Name);
                var @namespace = current.GetString(type.Namespace);
                return (@namespace.Length == 0 ? typeName : $"{@namespace}.{typeName}", attribute);
            }

            baseType = type.BaseType;
        }

        return null;
    }

    public void Dispose()
    {
        foreach (var peReader in _peReaders)
        {
            peReader.Dispose();
        }
    }

    private bool Implements(MetadataReader reader, TypeDefinitionHandle handle, int depth)
    {
        if (depth > MaxDepth)
        {
            return false;
        }

        if (_cache.TryGetValue((reader, handle), out var known))
        {
            return known;
        }

        var type = reader.GetTypeDefinition(handle);
        var result = false;
        foreach (var implementation in type.GetInterfaceImplementations())
        {
            var name = MetadataNames.GetName(reader, reader.GetInterfaceImplementation(implementation).Interface);
            if (name.Is("ApiRoutes", "IApiHandler"))
            {
                result = true;
                break;
            }
        }

        if (!result && !type.BaseType.IsNil)
        {
            result = BaseImplements(reader, MetadataNames.UnwrapGeneric(reader, type.BaseType), depth + 1);
        }

        _cache[(reader, handle)] = result;
        return result;
    }

    private bool BaseImplements(MetadataReader reader, EntityHandle baseType, int depth)
    {
        switch (baseType.Kind)
        {
            case HandleKind.TypeDefinition:
                return Implements(reader, (TypeDefinitionHandle)baseType, depth);
            case HandleKind.TypeReference:
                var name = MetadataNames.GetName(reader, baseType);
                if (name.Namespace == "System" && name.Name is "Object" or "ValueType" or "Enum")
                {
                    return false;
                }

                var (other, definition) = Resolve(reader, (TypeReferenceHandle)baseType);
                return other is not null && Implements(other, definition, depth);
            default:
                return false;
        }
    }

    private MetadataReader? OpenReference(string assemblyName)
    {
        if (_openReaders.TryGetValue(assemblyName, out var cached))
        {
            return cached;
        }

        MetadataReader? reader = null;
        if (_referencePaths.TryGetValue(assemblyName, out var path) && File.Exists(path))
        {
            try
            {
                var peReader = new PEReader(File.OpenRead(path));
                _peReaders.Add(peReader);
                reader = peReader.HasMetadata ? peReader.GetMetadataReader() : null;
            }
            catch (BadImageFormatException)
            {
                // A reference we cannot read cannot contribute a handler base type; treat it as unrelated.
            }
        }

        _openReaders[assemblyName] = reader;
        return reader;
    }

    // The definition a type reference names: a base class nested in another type (its reference's scope is the outer
    // type's reference) is found by walking down from the top-level type, and a type the referenced assembly forwards
    // (type forwarding, after a type moved between assemblies) is followed to where it now is.
    private (MetadataReader? Reader, TypeDefinitionHandle Type) Resolve(MetadataReader reader, TypeReferenceHandle handle)
    {
        var path = new List<string>();
        var reference = reader.GetTypeReference(handle);
        for (var hops = 0; reference.ResolutionScope.Kind == HandleKind.TypeReference && hops < MaxDepth; hops++)
        {
            path.Insert(0, reader.GetString(reference.Name));
            reference = reader.GetTypeReference((TypeReferenceHandle)reference.ResolutionScope);
        }

        if (reference.ResolutionScope.Kind != HandleKind.AssemblyReference)
        {
            return default;
        }

        var top = new TypeName(reader.GetString(reference.Namespace), reader.GetString(reference.Name));
        var assemblyName = reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)reference.ResolutionScope).Name);
        for (var forwards = 0; forwards < MaxDepth; forwards++)
        {
            var other = OpenReference(assemblyName);
            if (other is null)
            {
                return default;
            }

            var definition = FindTopLevelType(other, top);
            if (!definition.IsNil)
            {
                foreach (var nestedName in path)
                {
                    definition = FindNestedType(other, definition, nestedName);
                    if (definition.IsNil)
                    {
                        return default;
                    }
                }

                return (other, definition);
            }

            if (ForwardedTo(other, top) is not { } forwardedTo)
            {
                return default;
            }

            assemblyName = forwardedTo;
        }

        return default;
    }

    private static TypeDefinitionHandle FindTopLevelType(MetadataReader reader, TypeName name)
    {
        foreach (var handle in reader.TypeDefinitions)
        {
            var type = reader.GetTypeDefinition(handle);
            if (!type.GetDeclaringType().IsNil)
            {
                continue;
            }

            if (reader.StringComparer.Equals(type.Name, name.Name) && reader.StringComparer.Equals(type.Namespace, name.Namespace))
            {
                return handle;
            }
        }

        return default;
    }

    private static TypeDefinitionHandle FindNestedType(MetadataReader reader, TypeDefinitionHandle outer, string name)
    {
        foreach (var handle in reader.GetTypeDefinition(outer).GetNestedTypes())
        {
            if (reader.StringComparer.Equals(reader.GetTypeDefinition(handle).Name, name))
            {
                return handle;
            }
        }

        return default;
    }

    // The assembly a type forwarder sends the top-level type to, or null when the assembly does not forward it.
    private static string? ForwardedTo(MetadataReader reader, TypeName name)
    {
        foreach (var handle in reader.ExportedTypes)
        {
            var exported = reader.GetExportedType(handle);
            if (exported.IsForwarder
                && exported.Implementation.Kind == HandleKind.AssemblyReference
                && reader.StringComparer.Equals(exported.Name, name.Name)
                && reader.StringComparer.Equals(exported.Namespace, name.Namespace))
            {
                return reader.GetString(reader.GetAssemblyReference((AssemblyReferenceHandle)exported.Implementation).Name);
            }
        }

        return null;
    }
}
