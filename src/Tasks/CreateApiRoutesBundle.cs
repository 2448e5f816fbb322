using ApiRoutes.Bundling;
using ApiRoutes.Tasks.Bundling;
using ApiRoutes.Tasks.Diagnostics;
using Microsoft.Build.Framework;

namespace ApiRoutes.Tasks;

/// <summary>
/// After <c>dotnet publish</c>: packs the publish folder into one deterministic deploy bundle (a zip) with the
/// SHA-256 of every file, leaving out development settings, secrets and build leftovers.
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

    private protected override void ExecuteCore()
    {
        var patterns = (ExcludePatterns ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var excludes = BundleWriter.DefaultExcludes.Concat(patterns).Concat(Excludes.Select(item => item.ItemSpec));
        var problems = new BundleProblems();
        var manifest = BundleWriter.Write(PublishDirectory, EntryAssembly, BundlePath, excludes, problems);
        foreach (var problem in problems.ToList())
        {
            Log.LogError(null, DiagnosticCodes.BundleRefused.Code, null, PublishDirectory, 0, 0, 0, 0,
                "The deploy bundle was not written: 'apiroutes serve' and ApiRoutes:VerifyBundle would refuse it. {0}", problem);
        }

        if (manifest is null)
        {
            return;
        }

        Log.LogMessage(MessageImportance.High, "ApiRoutes deploy bundle: {0} ({1} files)", Path.GetFullPath(BundlePath), manifest.Files.Count + 1);
    }
}
