using YamlDotNet.Core;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// A key written a second time in one mapping, found by <see cref="BoundedYamlParser"/> before YamlDotNet's own check
/// (which says only "Duplicate key" and not where the first one is, review 39b F1). The reader names it by where it is.
/// </summary>
internal sealed class DuplicateYamlKeyException(Mark start, Mark end, string key, Mark first, IReadOnlyList<string>? path)
    : YamlException(start, end, $"The key '{key}' appears twice in one mapping, at line {first.Line} and at line {start.Line}.")
{
    /// <summary>The key's text.</summary>
    public string Key { get; } = key;

    /// <summary>Where the key was first written.</summary>
    public Mark First { get; } = first;

    /// <summary>The keys that lead from the top level to the mapping; null when the way passes through a list.</summary>
    public IReadOnlyList<string>? Path { get; } = path;
}
