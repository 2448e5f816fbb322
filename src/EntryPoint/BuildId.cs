using System.Security.Cryptography;
using System.Text;
using Microsoft.CodeAnalysis;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// The build id: a hash of what the compiler compiles (each source file's name and checksum, the assembly name and the
/// preprocessor symbols), so it changes whenever the app's code does and is the same for the same inputs, as a
/// deterministic build's MVID is. It is compiled in as a string, which the trimmer and Native AOT keep.
/// </summary>
internal static class BuildId
{
    /// <summary>The key of the <c>AssemblyMetadata</c> attribute that carries it (the build's analysis reads it there).</summary>
    public const string MetadataKey = "ApiRoutes.BuildId";

    public static string Of(Compilation compilation, CancellationToken cancellation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(hash, compilation.AssemblyName ?? "");
        foreach (var tree in compilation.SyntaxTrees)
        {
            cancellation.ThrowIfCancellationRequested();
            Append(hash, Path.GetFileName(tree.FilePath));
            hash.AppendData(tree.GetText(cancellation).GetChecksum().ToArray());
            Append(hash, string.Join(";", tree.Options.PreprocessorSymbolNames));
        }

        var bytes = hash.GetHashAndReset();
        var text = new StringBuilder(32);
        for (var i = 0; i < 16; i++)
        {
            text.Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    private static void Append(IncrementalHash hash, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value + "\n");
        hash.AppendData(bytes);
    }
}
