using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// Passes YamlDotNet's parsing events through and stops with a <see cref="YamlException"/> at the offending event
/// when the document nests too deep, uses a list or mapping as a key, or its aliases expand too far. YamlDotNet's own
/// parser keeps its state on the heap, but <c>YamlStream.Load</c> recurses once per nesting level (100,000 '['
/// overflow the stack and kill the build process), and hashes and compares mapping keys by walking them, aliased
/// nodes again for every alias (10^9 nodes from a few lines of anchors; a key list nested 31 levels deep is walked
/// once per level: 212 s for a 940 KB file). All are cut off here, while the events stream by, before any cost is
/// paid. A key written twice in one mapping stops here too, with both places (<see cref="DuplicateYamlKeyException"/>).
/// </summary>
internal sealed class BoundedYamlParser(IParser inner) : IParser
{
    /// <summary>Nested lists and mappings allowed; apiroutes.yaml needs three (routes, a route, its settings).</summary>
    public const int MaxDepth = 32;

    /// <summary>Values that aliases may add in total, each alias counted at the full size of what it repeats.</summary>
    public const int MaxAliasedValues = 10_000;

    /// <summary>
    /// Characters of text that aliases may add in total, counted like <see cref="MaxAliasedValues"/>: few values can
    /// still be long ones, and every key YamlDotNet compares is hashed in full.
    /// </summary>
    public const int MaxAliasedCharacters = 1_000_000;

    private readonly Dictionary<AnchorName, (YamlSize Size, string? Shape, string? Text)> _anchors = [];
    private readonly Stack<OpenNode> _open = new();
    private YamlSize _read;
    private YamlSize _aliased;

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
        RefuseTag(current);
        var isKey = (current is NodeEvent or AnchorAlias) && NextChildIsKey();
        switch (current)
        {
            case MappingStart or SequenceStart:
                var shape = current is MappingStart ? "mapping" : "list";
                RefuseKey(isKey, current, shape);
                _open.Push(new OpenNode(((NodeEvent)current).Anchor, shape, _read, KeyOfNextValue()));
                _read += new YamlSize(1, 0);
                if (_open.Count > MaxDepth)
                {
                    throw new YamlException(current.Start, current.End,
                        $"Lists and mappings nest more than {MaxDepth} levels deep here; apiroutes.yaml needs three "
                        + "(routes, a route, its settings). Remove the extra nesting ('[', '{' or indentation).");
                }

                break;

            case MappingEnd or SequenceEnd:
                var open = _open.Pop();
                Remember(open.Anchor, _read - open.ReadBefore, open.Shape, text: null);
                break;

            case Scalar scalar:
                var size = new YamlSize(1, scalar.Value.Length);
                _read += size;
                Remember(scalar.Anchor, size, shape: null, scalar.Value);
                if (isKey)
                {
                    RefuseRepeatedKey(scalar.Value, scalar);
                }

                break;

            case DocumentStart:
                // Anchors belong to their document.
                _anchors.Clear();
                break;

            case AnchorAlias alias:
                var (repeated, repeatedShape, repeatedText) = Anchored(alias);
                RefuseKey(isKey && repeatedShape is not null, alias, repeatedShape);
                if (isKey && repeatedText is not null)
                {
                    RefuseRepeatedKey(repeatedText, alias);
                }

                _read += repeated;
                _aliased += repeated;
                RefuseOverLimit(alias, _aliased.Values, MaxAliasedValues, "values");
                RefuseOverLimit(alias, _aliased.Characters, MaxAliasedCharacters, "characters");
                break;
        }

        return true;
    }

    // A tag of YAML's own ('!!str 60', or the bare '!') says what the value is; any other ('!custom 60') would be read as
    // if it were not there, without a word (review 27a: a soft spot).
    private static void RefuseTag(ParsingEvent current)
    {
        if (current is NodeEvent { Tag: { IsEmpty: false, IsNonSpecific: false } tag }
            && !tag.Value.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal))
        {
            throw new YamlException(current.Start, current.End,
                $"The tag '{tag.Value}' is not YAML's own, and apiroutes.yaml reads none: remove it (a value is written as it is, "
                + "such as 'timeLimit: 60', or quoted as text).");
        }
    }

    // Counts the current node as a child of the open list or mapping; a mapping's children alternate key, value.
    private bool NextChildIsKey() =>
        _open.TryPeek(out var parent) && parent.Shape == "mapping" && parent.Children++ % 2 == 0;

    // The key under which the node starting now sits: the open mapping's last key, when the node is that key's value.
    private string? KeyOfNextValue() =>
        _open.TryPeek(out var parent) && parent.Shape == "mapping" && parent.Children % 2 == 0 ? parent.LastKey : null;

    // YAML allows a key once per mapping, and YamlDotNet refuses a repeat with "Duplicate key" alone: say where the
    // first one is (review 39b F1). Keys compare by their text, as the reader reads them.
    private void RefuseRepeatedKey(string key, ParsingEvent at)
    {
        var mapping = _open.Peek();
        mapping.LastKey = key;
        if (!mapping.Keys.TryAdd(key, at.Start))
        {
            // The stack lists the innermost node first; a node in a list has no key, and then there is no path of keys.
            var keys = _open.Reverse().Skip(1).Select(open => open.Key).ToList();
            throw new DuplicateYamlKeyException(at.Start, at.End, key, mapping.Keys[key],
                keys.Contains(null) ? null : keys.Select(k => k!).ToList());
        }
    }

    // apiroutes.yaml's keys are names and route templates; a list or mapping as a key is only ever a cost.
    private static void RefuseKey(bool refuse, ParsingEvent at, string? shape)
    {
        if (refuse)
        {
            throw new YamlException(at.Start, at.End,
                $"This key is a {shape}; keys in apiroutes.yaml are text, such as 'routes' or a route template like "
                + "'/api/cleanup'. Write the key as plain text, without '?', '[' or '{' before it.");
        }
    }

    private static void RefuseOverLimit(AnchorAlias alias, long count, int limit, string what)
    {
        if (count > limit)
        {
            throw new YamlException(alias.Start, alias.End,
                $"The aliases ('*{alias.Value}' and those before it) repeat more than {limit.ToString("N0", CultureInfo.InvariantCulture)} {what}; "
                + "each alias repeats its anchor's whole value, so aliases of aliases grow exponentially. "
                + "Write the settings out instead of nesting aliases.");
        }
    }

    // An alias inside the node it names would make a cycle that YamlDotNet follows forever when it compares keys.
    private (YamlSize Size, string? Shape, string? Text) Anchored(AnchorAlias alias)
    {
        if (_open.Any(open => open.Anchor == alias.Value))
        {
            throw new YamlException(alias.Start, alias.End,
                $"The alias '*{alias.Value}' is inside the value of its own anchor '&{alias.Value}', which would repeat "
                + "itself forever; remove the alias.");
        }

        return _anchors.TryGetValue(alias.Value, out var anchored)
            ? anchored
            : throw new YamlException(alias.Start, alias.End,
                $"The alias '*{alias.Value}' names no anchor: define '&{alias.Value}' on a value before it, or quote "
                + "the text if '*' was meant literally.");
    }

    private void Remember(AnchorName anchor, YamlSize size, string? shape, string? text)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor] = (size, shape, text);
        }
    }

    /// <summary>
    /// A list or mapping being read: its anchor, "list" or "mapping", what was read before it, and the key whose value
    /// it is (null in a list or at the top).
    /// </summary>
    private sealed class OpenNode(AnchorName anchor, string shape, YamlSize readBefore, string? key)
    {
        public string? Key { get; } = key;

        /// <summary>A mapping's keys so far, with where each was written.</summary>
        public Dictionary<string, Mark> Keys { get; } = new(StringComparer.Ordinal);

        /// <summary>A mapping's last key, whose value may be the next node.</summary>
        public string? LastKey { get; set; }

        public AnchorName Anchor { get; } = anchor;

        public string Shape { get; } = shape;

        public YamlSize ReadBefore { get; } = readBefore;

        public long Children { get; set; }
    }
}
