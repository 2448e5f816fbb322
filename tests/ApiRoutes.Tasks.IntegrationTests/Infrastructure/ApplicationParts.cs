using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>The MVC application parts an app's assembly names (<c>[assembly: ApplicationPart("…")]</c>, which the Web SDK writes).</summary>
public static class ApplicationParts
{
    public static IReadOnlyList<string> Of(string assemblyPath)
    {
        using var pe = new PEReader(File.OpenRead(assemblyPath));
        var metadata = pe.GetMetadataReader();
        var parts = new List<string>();
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var type = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent;
            if (type.Kind == HandleKind.TypeReference
                && metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)type).Name) == "ApplicationPartAttribute")
            {
                // The blob: prolog 0x0001, then the one string argument.
                var blob = metadata.GetBlobReader(attribute.Value);
                blob.ReadUInt16();
                parts.Add(blob.ReadSerializedString() ?? "");
            }
        }

        return parts;
    }
}
