namespace ApiRoutes.Bundling;

/// <summary>
/// The problems found in a bundle, one sentence each, up to <see cref="Max"/>: a bundle with a million added files
/// is refused as quickly, and in as short a message, as one with a single added file.
/// </summary>
internal sealed class BundleProblems
{
    public const int Max = 20;

    private readonly List<string> _problems = [];

    /// <summary>No more problems are taken; whoever is looking for them can stop.</summary>
    public bool IsFull => _problems.Count > Max;

    public int Count => _problems.Count;

    public void Add(string problem)
    {
        if (_problems.Count < Max)
        {
            _problems.Add(problem);
        }
        else if (_problems.Count == Max)
        {
            _problems.Add($"(Stopped after {Max} problems.)");
        }
    }

    public IReadOnlyList<string> ToList() => [.. _problems];

    /// <summary>The problems as one line, for a refusal on standard error or in a start-up exception.</summary>
    public static string OneLine(IEnumerable<string> problems) =>
        string.Join(" ", problems.Select(problem => string.Concat(problem.Select(c => char.IsControl(c) ? ' ' : c))));
}
