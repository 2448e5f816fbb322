using System.Collections.Immutable;
using ApiRoutes.Watch;
using Microsoft.CodeAnalysis;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// Only in dotnet watch's hot-reload workspace: re-declares, verbatim, every type the running app has and the code no
/// longer declares (a handler class deleted, renamed or moved to another namespace), from the texts the app saved of its
/// handlers' files (<see cref="SourceSnapshot"/>). Hot reload cannot remove a type (a deletion is the rude edit ENC0033,
/// a move to another namespace ChangingNamespace), but a type that goes on being declared in another document is to it
/// a type moved to another file, which it applies: so the app keeps running, with the old type unused, and the app's own
/// analysis (which never sees tombstones) moves the route or drops it. The package's targets add the snapshot as an
/// additional file only to the design-time build of a project under dotnet watch (<c>DesignTimeBuild</c> and
/// <c>DotNetWatchBuild</c> both true: what dotnet watch's workspace evaluates), so real builds and the app's analysis
/// never get a tombstone. Tombstones that would change what compiles are not emitted, and dotnet watch then restarts the
/// app as before.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TombstoneGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var snapshots = context.AdditionalTextsProvider
            .Where(static text => string.Equals(Path.GetFileName(text.Path), SourceSnapshot.FileName, StringComparison.OrdinalIgnoreCase))
            .Select(static (text, _) => text.Path)
            .Collect();

        // Combined with the compilation, so that every change of the code reads the snapshot again: the app rewrites it
        // as handlers are added, and the workspace's copy of an additional file under obj/ is not refreshed.
        context.RegisterSourceOutput(context.CompilationProvider.Combine(snapshots), static (output, input) =>
        {
            var (compilation, paths) = input;
            if (paths.IsEmpty || ReadSnapshot(paths[0]) is not { Count: > 0 } entries)
            {
                return;
            }

            foreach (var tombstone in Tombstones.Find(compilation, entries, output.CancellationToken))
            {
                output.AddSource(tombstone.HintName, tombstone.Text);
            }
        });
    }

#pragma warning disable RS1035 // File IO: the snapshot is rewritten by the running app; see the comment above.
    private static List<KeyValuePair<string, string>>? ReadSnapshot(string path)
    {
        try
        {
            return File.Exists(path) ? SourceSnapshot.Read(File.ReadAllText(path)) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
#pragma warning restore RS1035
}
