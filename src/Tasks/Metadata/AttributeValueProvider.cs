using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// Decodes custom attribute blobs well enough for ApiRoutes' own attributes, whose arguments are strings and ints.
/// Types are represented by their names; enums are not used by those attributes.
/// </summary>
internal sealed class AttributeValueProvider : ICustomAttributeTypeProvider<string>
{
    public static readonly AttributeValueProvider Instance = new();

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode.ToString();

    public string GetSystemType() => "System.Type";

    public string GetSZArrayType(string elementType) => elementType + "[]";

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        reader.GetString(reader.GetTypeDefinition(handle).Name);

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        reader.GetString(reader.GetTypeReference(handle).Name);

    public string GetTypeFromSerializedName(string name) => name;

    // Only reached for enum-typed arguments, which ApiRoutes' attributes do not have.
    public PrimitiveTypeCode GetUnderlyingEnumType(string type) => PrimitiveTypeCode.Int32;

    public bool IsSystemType(string type) => type is "System.Type" or "Type";
}
