using System.Text;
using static ApiRoutes.Tasks.UnitTests.Fuzzing.RouteInputs;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// Random apiroutes.yaml files: raw bytes, a soup of YAML's own tokens, and configurations that are shaped right
/// but carry random keys, values, anchors and aliases, so that the reader's later stages and the merge run too.
/// </summary>
internal static class YamlInputs
{
    /// <summary>Routes of <see cref="FuzzProject"/>, so that generated configurations also name real routes.</summary>
    private static readonly string[] KnownRoutes = ["/api/hello", "/api/generate-report", "/api/cleanup", "/api/orders/{id:int}", "/API/Orders/{x:int}/"];

    private static readonly string[] Keys = ["schedule", "background", "timeLimit", "enabled", "catchUp", "schedul", "", "? x"];

    private static readonly string[] Values =
    [
        "true", "false", "maybe", "5m", "90", "1m30s", "0", "-5", "16m", "1h", "99999999999999999999", "", "~", "null",
        "\"0 3 * * *\"", "'@hourly'", "[true]", "{a: 1}", "&v 5m", "*v", "!!str 5m", "|\n      text", ">-\n      folded",
    ];

    private static readonly string[] Tokens =
    [
        "[", "]", "{", "}", "&a ", "&b ", "*a", "*b", "*c", ":", ": ", "-", "- ", "? ", ",", "!!str ", "!!map ", "!x ",
        "!<tag:x> ", "!!binary ", "'", "\"", "\n", "\n  ", "\n    ", "\t", "#", "|", ">", "%YAML 1.2\n", "%TAG ! x\n",
        "---\n", "...\n", "routes", "defaults", "/api/hello", "schedule", "timeLimit", "enabled", "5m", "\"0 3 * * *\"",
        "~", "null", "@", "`", "ü", "😀", "\u0000", "\ufeff", "\u2028", "\u0085", "\\", "\\x", "\\u12",
    ];

    private static readonly byte[][] ByteOrderMarks = [[], [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0x00, 0x00, 0xFE, 0xFF]];

    public static byte[] Bytes(Random random)
    {
        var body = new byte[random.Next(0, 2048)];
        random.NextBytes(body);
        if (random.Next(2) == 0)
        {
            // A valid file with some bytes overwritten gets further into the reader than noise does.
            body = Encoding.UTF8.GetBytes(Configuration(random));
            for (var hits = random.Next(1, 6); hits > 0 && body.Length > 0; hits--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }
        }

        return [.. Pick(random, ByteOrderMarks), .. body];
    }

    public static string Soup(Random random)
    {
        var text = new StringBuilder();
        for (var count = random.Next(1, 60); count > 0; count--)
        {
            var token = random.Next(200) == 0 ? new string('x', random.Next(1_000, 100_000)) : Pick(random, Tokens);

            // Now and then one token many times over, to reach the nesting and size limits (100,000 '[' overflowed
            // the stack before the limits).
            var repeat = random.Next(40) == 0 && token.Length < 10;
            var times = random.Next(8) == 0 ? random.Next(30_000, 100_000) : random.Next(30, 3_000);
            text.Insert(Between(text, random.Next(text.Length + 1)), repeat ? string.Concat(Enumerable.Repeat(token, times)) : token);
        }

        return text.ToString();
    }

    public static string Configuration(Random random)
    {
        var text = new StringBuilder();
        if (random.Next(3) == 0)
        {
            text.Append("defaults:\n");
            foreach (var kind in Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, ["standard", "background", "scheduled", "backgroud"])))
            {
                text.Append($"  {kind}:\n    timeLimit: {Pick(random, Values)}\n");
            }
        }

        text.Append("routes:\n");
        for (var routes = random.Next(0, 6); routes > 0; routes--)
        {
            var route = random.Next(3) == 0 ? Template(random) : Pick(random, KnownRoutes);
            text.Append($"  {Quote(random, route)}:{(random.Next(4) == 0 ? " &r" : "")}\n");
            for (var settings = random.Next(0, 4); settings > 0; settings--)
            {
                var key = Pick(random, Keys);
                var value = key == "schedule" && random.Next(2) == 0 ? Quote(random, Cron(random)) : Pick(random, Values);
                text.Append($"    {key}: {value}\n");
            }

            text.Append(random.Next(8) == 0 ? "  /api/hello: *r\n" : "");
        }

        // A second 'routes:' (review 39b F1: a repeated key is refused with both of its lines).
        text.Append(random.Next(10) == 0 ? $"routes:\n  {Pick(random, KnownRoutes)}: {{enabled: false}}\n" : "");
        text.Append(random.Next(30) == 0 ? AliasBomb(random) : "");
        return Mutate(random, text.ToString(), ":-?[]{}&*!'\"#\n ");
    }

    // Anchors that each repeat the one before a few times: fan-out^depth values, as a key or as a value.
    private static string AliasBomb(Random random)
    {
        var (depth, fanOut) = (random.Next(2, 11), random.Next(2, 11));
        var text = new StringBuilder($"b0: &b0 [{string.Join(", ", Enumerable.Repeat("x", fanOut))}]\n");
        for (var level = 1; level < depth; level++)
        {
            text.Append($"b{level}: &b{level} [{string.Join(", ", Enumerable.Repeat($"*b{level - 1}", fanOut))}]\n");
        }

        return text.Append(random.Next(2) == 0 ? $"? *b{depth - 1}\n: x\n" : $"last: *b{depth - 1}\n").ToString();
    }

    // Most templates and crons need quotes in YAML; leave some plain, which is a mistake users make.
    private static string Quote(Random random, string text) =>
        random.Next(4) == 0 ? text : "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
