using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>A type's namespace and name as metadata spells them (generic arity included: <c>Base`1</c>).</summary>
internal readonly record struct TypeName(string Namespace, string Name)
{
    public bool Is(string @namespace, string name) =>
        string.Equals(Namespace, @namespace, StringComparison.Ordinal) && string.Equals(Name, name, StringComparison.Ordinal);
}

/// <summary>Names of types behind the handles that appear in base types, interfaces and attribute constructors.</summary>
internal static class MetadataNames
{
    /// <summary>The type definition or reference behind a handle, looking through a generic instantiation.</summary>
    public static EntityHandle UnwrapGeneric(MetadataReader reader, EntityHandle handle)
    {
        if (handle.Kind != HandleKind.TypeSpecification)
        {
            return handle;
        }

        // A generic instantiation's blob is GENERICINST (CLASS|VALUETYPE) TypeDefOrRefOrSpecEncoded ...
        var blob = reader.GetBlobReader(reader.GetTypeSpecification((TypeSpecificationHandle)handle).Signature);
        if (blob.ReadSignatureTypeCode() != SignatureTypeCode.GenericTypeInstance)
        {
            return default;
        }

        blob.ReadSignatureTypeCode();
        return blob.ReadTypeHandle();
    }

    public static TypeName GetName(MetadataReader reader, EntityHandle handle)
    {
        switch (handle.Kind)
        {
            case HandleKind.TypeDefinition:
                var definition = reader.GetTypeDefinition((TypeDefinitionHandle)handle);
                return new TypeName(reader.GetString(definition.Namespace), reader.GetString(definition.Name));
            case HandleKind.TypeReference:
                var reference = reader.GetTypeReference((TypeReferenceHandle)handle);
                return new TypeName(reader.GetString(reference.Namespace), reader.GetString(reference.Name));
            case HandleKind.TypeSpecification:
                var unwrapped = UnwrapGeneric(reader, handle);
                return unwrapped.IsNil ? default : GetName(reader, unwrapped);
            default:
                return default;
        }
    }

    /// <summary>The type that declares an attribute's constructor.</summary>
    public static TypeName GetAttributeType(MetadataReader reader, CustomAttribute attribute)
    {
        switch (attribute.Constructor.Kind)
        {
            case HandleKind.MemberReference:
                var member = reader.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
                return GetName(reader, member.Parent);
            case HandleKind.MethodDefinition:
                var method = reader.GetMethodDefinition((MethodDefinitionHandle)attribute.Constructor);
                return GetName(reader, method.GetDeclaringType());
            default:
                return default;
        }
    }

    /// <summary>Strips the generic arity suffix: <c>Base`1</c> → <c>Base</c>.</summary>
    public static string WithoutArity(string name)
    {
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        return tick < 0 ? name : name[..tick];
    }
}
