using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// Passes YamlDotNet's parsing events through and stops with a <see cref="YamlException"/> at the offending event
/// when the document nests too deep or its aliases expand too far. YamlDotNet's own parser keeps its state on the
/// heap, but <c>YamlStream.Load</c> recurses once per nesting level (100,000 '[' overflow the stack and kill the
/// build process), and comparing mapping keys walks aliased nodes again for every alias (10^9 nodes from a few
/// lines of anchors). Both are cut off here, while the events stream by, before either cost is paid.
/// </summary>
internal sealed class BoundedYamlParser(IParser inner) : IParser
{
    /// <summary>Nested lists and mappings allowed; apiroutes.yaml needs three (routes, a route, its settings).</summary>
    public const int MaxDepth = 32;

    /// <summary>Values that aliases may add in total, each alias counted at the full size of what it repeats.</summary>
    public const int MaxAliasedValues = 10_000;

    private readonly Dictionary<AnchorName, long> _anchorSizes = [];
    private readonly Stack<(AnchorName Anchor, long FirstValue)> _open = new();
    private long _values;
    private long _aliasedValues;

    public ParsingEvent? Current => inner.Current;

    /// <summary>
    /// Where the event before the current one starts. When YamlDotNet cannot build a node from the current event
    /// (a key whose value never comes is followed by the end of its mapping), the fault lies there.
    /// </summary>
    public Mark PreviousStart { get; private set; } = Mark.Empty;

    public bool MoveNext()
    {
        PreviousStart = inner.Current?.Start ?? PreviousStart;
        if (!inner.MoveNext())
        {
            return false;
        }

        var current = inner.Current!;
        switch (current)
        {
            case MappingStart or SequenceStart:
                _open.Push((((NodeEvent)current).Anchor, _values));
                _values++;
                if (_open.Count > MaxDepth)
                {
                    throw new YamlException(current.Start, current.End,
                        $"Lists and mappings nest more than {MaxDepth} levels deep here; apiroutes.yaml needs three "
                        + "(routes, a route, its settings). Remove the extra nesting ('[', '{' or indentation).");
                }

                break;

            case MappingEnd or SequenceEnd:
                var (anchor, firstValue) = _open.Pop();
                Remember(anchor, _values - firstValue);
                break;

            case Scalar scalar:
                _values++;
                Remember(scalar.Anchor, 1);
                break;

            case DocumentStart:
                // Anchors belong to their document.
                _anchorSizes.Clear();
                break;

            case AnchorAlias alias:
                var size = SizeOf(alias);
                _values += size;
                _aliasedValues += size;
                if (_aliasedValues > MaxAliasedValues)
                {
                    throw new YamlException(current.Start, current.End,
                        $"The aliases ('*{alias.Value}' and those before it) repeat more than {MaxAliasedValues.ToString("N0", CultureInfo.InvariantCulture)} values; "
                        + "each alias repeats its anchor's whole value, so aliases of aliases grow exponentially. "
                        + "Write the settings out instead of nesting aliases.");
                }

                break;
        }

        return true;
    }

    // An alias inside the node it names would make a cycle that YamlDotNet follows forever when it compares keys.
    private long SizeOf(AnchorAlias alias)
    {
        if (_open.Any(open => open.Anchor == alias.Value))
        {
            throw new YamlException(alias.Start, alias.End,
                $"The alias '*{alias.Value}' is inside the value of its own anchor '&{alias.Value}', which would repeat "
                + "itself forever; remove the alias.");
        }

        return _anchorSizes.TryGetValue(alias.Value, out var size)
            ? size
            : throw new YamlException(alias.Start, alias.End,
                $"The alias '*{alias.Value}' names no anchor: define '&{alias.Value}' on a value before it, or quote "
                + "the text if '*' was meant literally.");
    }

    private void Remember(AnchorName anchor, long size)
    {
        if (!anchor.IsEmpty)
        {
            _anchorSizes[anchor] = size;
        }
    }
}
