using ApiRoutes.Watch;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace ApiRoutes.EntryPoint;

/// <summary>
/// Only in dotnet watch's hot-reload workspace: re-declares, verbatim, every type the running app has and the code no
/// longer declares (a handler class deleted, renamed or moved to another namespace), from the texts the app saved of its
/// handlers' files (<see cref="SourceSnapshot"/>). Hot reload cannot remove a type (a deletion is the rude edit ENC0033,
/// a move to another namespace ChangingNamespace), but a type that goes on being declared in another document is to it
/// a type moved to another file, which it applies: so the app keeps running, with the old type unused, and the app's own
/// analysis (which never sees tombstones) moves the route or drops it. The generator itself refuses every other
/// compilation: it emits only when <c>DotNetWatchBuild</c> is true and only from the snapshot at the path the targets
/// name in the design-time build of a project under dotnet watch (<c>DesignTimeBuild</c> and <c>DotNetWatchBuild</c>
/// both true: what dotnet watch's workspace evaluates), so a real build never compiles a tombstone, whatever its
/// additional files. Tombstones that would change what compiles are not emitted, and dotnet watch then restarts the
/// app as before; nor is anything when the snapshot is too large or anything fails: the generator never throws.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class TombstoneGenerator : IIncrementalGenerator
{
    /// <summary>True in dotnet watch's builds and workspace.</summary>
    public const string WatchProperty = "build_property.DotNetWatchBuild";

    /// <summary>
    /// The snapshot's full path, which the package's targets set only in dotnet watch's workspace (a design-time build,
    /// <c>DesignTimeBuild</c> and <c>DotNetWatchBuild</c> both true): empty or absent in every other build.
    /// </summary>
    public const string SnapshotProperty = "build_property._ApiRoutesWorkspaceTombstoneFile";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var expected = context.AnalyzerConfigOptionsProvider.Select(static (options, _) => ExpectedSnapshot(options.GlobalOptions));
        var snapshot = context.AdditionalTextsProvider
            .Select(static (text, _) => text.Path)
            .Collect()
            .Combine(expected)
            .Select(static (input, _) => input.Right is { } path && input.Left.Any(p => SnapshotFile.SamePath(p, path)) ? path : null);

        // Combined with the compilation, so that every change of the code reads the snapshot again: the app rewrites it
        // as handlers are added, and the workspace's copy of an additional file under obj/ is not refreshed.
        context.RegisterSourceOutput(context.CompilationProvider.Combine(snapshot), static (output, input) =>
        {
            var (compilation, path) = input;
            if (path is null)
            {
                return;
            }

            IReadOnlyList<Tombstone> tombstones;
            try
            {
                var texts = SnapshotFile.Read(path, Tombstones.ParseOptions(compilation), output.CancellationToken);
                tombstones = texts.Count == 0 ? [] : Tombstones.FindParsed(compilation, texts, output.CancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Never a generator failure in the workspace (worse than no tombstone): the edit restarts as before.
                return;
            }

            foreach (var tombstone in tombstones)
            {
                output.AddSource(tombstone.HintName, tombstone.Text);
            }
        });
    }

    private static string? ExpectedSnapshot(AnalyzerConfigOptions options) =>
        BuildSwitch.IsTrue(options, WatchProperty) && options.TryGetValue(SnapshotProperty, out var path) && path.Length > 0
            ? path
            : null;
}
