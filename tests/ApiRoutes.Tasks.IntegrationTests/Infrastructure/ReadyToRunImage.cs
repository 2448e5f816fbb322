using System.Reflection.PortableExecutable;

namespace ApiRoutes.Tasks.IntegrationTests.Infrastructure;

/// <summary>Whether an assembly carries ReadyToRun native code (crossgen2's output) or is IL only.</summary>
public static class ReadyToRunImage
{
    /// <summary>A ReadyToRun image points its CLI header's managed native header at the ReadyToRun header.</summary>
    public static bool Is(string path)
    {
        using var reader = new PEReader(File.OpenRead(path));
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 };
    }

    /// <summary>The files of <paramref name="names"/> in <paramref name="folder"/> that are (or are not) ReadyToRun.</summary>
    public static IReadOnlyList<string> Where(string folder, bool readyToRun, params string[] names) =>
        [.. names.Where(name => Is(Path.Combine(folder, name)) == readyToRun)];
}
