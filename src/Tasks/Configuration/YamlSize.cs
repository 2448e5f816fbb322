namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// How much of a YAML document a node stands for: its values (each scalar, list and mapping counts one) and the
/// characters of its scalars' text. An alias stands for the whole size of the node it names.
/// </summary>
internal readonly record struct YamlSize(long Values, long Characters)
{
    public static YamlSize operator +(YamlSize left, YamlSize right) =>
        new(left.Values + right.Values, left.Characters + right.Characters);

    public static YamlSize operator -(YamlSize left, YamlSize right) =>
        new(left.Values - right.Values, left.Characters - right.Characters);
}
