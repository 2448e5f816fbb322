using System.Text;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// Random values for what a handler's attributes carry: route templates (segments, braces, constraints with good
/// and bad arguments, '*', '?', '=', up to and past 28 segments, long literals), cron strings and time limits.
/// </summary>
internal static class RouteInputs
{
    private static readonly string[] Names = ["id", "ID", "a", "name", "x_1", "", " ", "é", "a.b", "a-b", ":a", "=a", "a/b", "?", "*", "{{", "}}"];

    private static readonly string[] Constraints =
    [
        "int", "INT", "bool", "guid", "alpha", "required", "file", "nonfile", "datetime", "decimal", "double", "float",
        "long", "min", "max", "minlength", "maxlength", "length", "range", "regex", "slug", "ınt", "", "(",
    ];

    private static readonly string[] Arguments =
    [
        "", "1", "-1", "+3", " 5 ", "0", "1,2", "5,1", "1,2,3", ",", "abc", "99999999999999999999", "2147483648", "٣",
        "1_0", "^\\d{{3}}$", "((", "[a-", "a{{2,1}}", "(?<n>x)", "\\", "a)b", ":", "=", "^[a-z]+$", "x{{2147483647}}",
    ];

    private static readonly string[] Literals = ["api", "orders", "x", "a.b", "v1", ".", "-", "{{", "}}", "ü", "😀", " ", "?", "~", "%20"];

    private static readonly string[] CronTokens =
    [
        "*", "/", ",", "-", "0", "1", "5", "7", "12", "31", "59", "60", "99999999999", "L", "W", "LW", "#", "?", "H",
        "H(0-5)", "MON", "jan", "SUN", "@", "@hourly", "@reboot", "@annually", "@every_second", "@every_minute", "١", "é",
    ];

    public static string Template(Random random)
    {
        var text = new StringBuilder(Pick(random, ["/", "/", "/", "", "~/", "~"]));
        var segments = random.Next(8) == 0 ? random.Next(26, 32) : random.Next(0, 6);
        for (var i = 0; i < segments; i++)
        {
            text.Append(i == 0 ? "" : random.Next(40) == 0 ? "//" : "/");
            for (var part = random.Next(4) == 0 ? random.Next(2, 4) : 1; part > 0; part--)
            {
                text.Append(random.Next(2) == 0 ? Literal(random) : Parameter(random));
            }
        }

        text.Append(random.Next(8) == 0 ? "/" : "");
        return Mutate(random, text.ToString(), "{}/?*:=()~. \t\u00a0");
    }

    public static string Cron(Random random)
    {
        var fields = random.Next(6) == 0 ? random.Next(1, 8) : 5;
        var text = string.Join(Pick(random, [" ", " ", " ", "  ", "\t"]), Enumerable.Range(0, fields).Select(_ =>
            string.Concat(Enumerable.Range(0, random.Next(1, 4)).Select(_ => Pick(random, CronTokens)))));
        return Mutate(random, text, "*/,- ?#LWH@");
    }

    /// <summary>A TimeLimitSeconds value: the edges of 1 to 900, the extremes of int, or anything near.</summary>
    public static int TimeLimit(Random random) =>
        random.Next(4) == 0 ? random.Next(-2000, 2000) : Pick(random, [int.MinValue, -1, 0, 1, 30, 899, 900, 901, int.MaxValue]);

    public static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    // A few random edits, so that the structure built above is also broken where its grammar never breaks it.
    public static string Mutate(Random random, string text, string alphabet)
    {
        var edited = new StringBuilder(text);
        for (var edits = random.Next(4) == 0 ? random.Next(1, 4) : 0; edits > 0; edits--)
        {
            var at = Between(edited, random.Next(edited.Length + 1));
            if (random.Next(2) == 0 || at == edited.Length)
            {
                edited.Insert(at, alphabet[random.Next(alphabet.Length)]);
            }
            else
            {
                edited.Remove(at, char.IsHighSurrogate(edited[at]) ? 2 : 1);
            }
        }

        return edited.ToString();
    }

    /// <summary>
    /// <paramref name="index"/>, moved off the middle of a surrogate pair: a lone half is no text a file can hold
    /// (random bytes stand for broken encodings).
    /// </summary>
    public static int Between(StringBuilder text, int index) =>
        index > 0 && index < text.Length && char.IsLowSurrogate(text[index]) ? index - 1 : index;

    private static string Literal(Random random) =>
        random.Next(40) == 0 ? new string('a', random.Next(1_000, 10_000)) : Pick(random, Literals);

    private static string Parameter(Random random)
    {
        var text = new StringBuilder("{").Append(Pick(random, ["", "", "", "*", "**"])).Append(Pick(random, Names));
        for (var count = random.Next(3) == 0 ? random.Next(1, 4) : 0; count > 0; count--)
        {
            text.Append(':').Append(Pick(random, Constraints));
            if (random.Next(2) == 0)
            {
                text.Append('(').Append(Pick(random, Arguments)).Append(random.Next(10) == 0 ? "" : ")");
            }
        }

        text.Append(random.Next(6) == 0 ? "=" + Pick(random, ["5", "", "x=y", "a:b"]) : "");
        text.Append(random.Next(6) == 0 ? "?" : "");
        return text.Append(random.Next(20) == 0 ? "" : "}").ToString();
    }
}
