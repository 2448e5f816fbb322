using System.Reflection.Metadata;

namespace ApiRoutes.Tasks.Metadata;

/// <summary>
/// The build id ApiRoutes' source generator compiled into the app as
/// <c>[assembly: AssemblyMetadata("ApiRoutes.BuildId", "…")]</c>, beside the handler registry that carries the same
/// value into the running app. The manifest records it, so a trimmed or Native AOT app (whose MVID the trimmer and
/// ILC change) can still tell a manifest of another build.
/// </summary>
internal static class BuildIdReader
{
    public const string Key = "ApiRoutes.BuildId";

    /// <summary>The build id, or null for an assembly compiled without the generator.</summary>
    public static string? Read(MetadataReader reader)
    {
        foreach (var handle in reader.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = reader.GetCustomAttribute(handle);
            if (!MetadataNames.GetAttributeType(reader, attribute).Is("System.Reflection", "AssemblyMetadataAttribute"))
            {
                continue;
            }

            var value = attribute.DecodeValue(AttributeValueProvider.Instance);
            if (value.FixedArguments is [{ Value: Key }, { Value: string id }])
            {
                return id;
            }
        }

        return null;
    }
}
