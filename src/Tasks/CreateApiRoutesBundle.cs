using ApiRoutes.Bundling;
using ApiRoutes.Tasks.Bundling;
using ApiRoutes.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// After <c>dotnet publish</c>: packs what the publish wrote to its folder into one deterministic deploy bundle (a zip)
/// with the SHA-256 of every file, leaving out development settings, secrets, build leftovers and the files an earlier
/// publish left there.
/// </summary>
public sealed class CreateApiRoutesBundle : ApiRoutesTask
{
    /// <summary>The publish folder, <c>$(PublishDir)</c>.</summary>
    [Required]
    public string PublishDirectory { get; set; } = "";

    /// <summary>The assembly a host starts, <c>$(TargetFileName)</c>.</summary>
    [Required]
    public string EntryAssembly { get; set; } = "";

    /// <summary>Where to write the zip.</summary>
    [Required]
    public string BundlePath { get; set; } = "";

    /// <summary>
    /// More globs to leave out, beside the defaults, as one string: <c>$(ApiRoutesBundleExclude)</c>, separated by
    /// <c>;</c>. Matched here against the paths inside the bundle (<c>/</c>; <c>*</c>, <c>**/</c>): a string, because
    /// MSBuild would expand an item's glob against the project folder before the task saw it.
    /// </summary>
    public string? ExcludePatterns { get; set; }

    /// <summary>Paths inside the bundle to leave out, as items (<c>@(ApiRoutesBundleExclude)</c>): literal names.</summary>
    public ITaskItem[] Excludes { get; set; } = [];

    /// <summary>The files this publish lists, <c>@(ResolvedFileToPublish)</c>: their <c>RelativePath</c> in the folder.</summary>
    public ITaskItem[] PublishedItems { get; set; } = [];

    /// <summary>
    /// The files the build wrote, <c>@(FileWrites)</c>: those in the publish folder count, by their full path only (the
    /// static web assets' carry a <c>RelativePath</c> that is a pattern, <c>css/site#[.{fingerprint}]?.css</c>).
    /// </summary>
    public ITaskItem[] WrittenFiles { get; set; } = [];

    /// <summary>
    /// When this publish started, in UTC ticks (<c>DateTime.UtcNow.Ticks</c> before <c>PrepareForPublish</c>). With it,
    /// a file in the folder that the publish neither listed nor wrote since is an earlier publish's and is left out
    /// (warning AR0103); without it, the whole folder is bundled.
    /// </summary>
    public string? PublishStartedTicks { get; set; }

    private protected override void ExecuteCore()
    {
        var patterns = (ExcludePatterns ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var excludes = BundleWriter.DefaultExcludes.Concat(patterns).Concat(Excludes.Select(item => item.ItemSpec));
        var problems = new BundleProblems();
        var published = Published();
        Writing = BundlePath;   // an I/O error (a read of a published file, the bundle's write) is placed at the bundle
        var manifest = BundleWriter.Write(PublishDirectory, EntryAssembly, BundlePath, excludes, problems, published);
        foreach (var problem in problems.ToList())
        {
            Log.LogError(null, DiagnosticCodes.BundleRefused.Code, null, PublishDirectory, 0, 0, 0, 0,
                "The deploy bundle was not written: 'apiroutes serve' and ApiRoutes:VerifyBundle would refuse it. {0}", problem);
        }

        if (manifest is null)
        {
            return;
        }

        if (published?.Stale is { Count: > 0 } stale)
        {
            const int Named = 10;
            var names = string.Join(", ", stale.Order(StringComparer.Ordinal).Take(Named).Select(ApiRoutes.Bundling.BundlePath.Quote));
            Log.LogWarning(null, DiagnosticCodes.StalePublishFiles.Code, null, PublishDirectory, 0, 0, 0, 0,
                "Left out of the deploy bundle: {0} file(s) in the publish folder that this publish did not write, left by an earlier one: {1}{2}. Delete them, or publish to an empty folder. A file a target of yours copies there is bundled when the target adds it to FileWrites (Copy keeps the source's time) or to ResolvedFileToPublish.",
                stale.Count, names, stale.Count > Named ? ", …" : "");
        }

        Log.LogMessage(MessageImportance.High, "ApiRoutes deploy bundle: {0} ({1} files)", Path.GetFullPath(BundlePath), manifest.Files.Count + 1);
    }

    private PublishedFiles? Published()
    {
        if (!long.TryParse(PublishStartedTicks, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return null;
        }

        var root = Path.GetFullPath(PublishDirectory);
        var listed = new List<string>();
        listed.AddRange(PublishedItems.Select(item => item.GetMetadata("RelativePath")).Where(relative => relative.Length > 0));
        foreach (var item in WrittenFiles)
        {
            // FullPath: an item's path from the project's folder (FileWrites are relative when PublishDir is).
            if (item.GetMetadata("FullPath") is { Length: > 0 } full && Path.GetRelativePath(root, full) is var inside
                && inside != "." && inside != ".." && !inside.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(inside))
            {
                listed.Add(inside);
            }
        }

        return new PublishedFiles(listed, new DateTime(ticks, DateTimeKind.Utc));
    }
}
