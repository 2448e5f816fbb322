using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// The arguments of ASP.NET Core's built-in constraints, checked as its constraint resolver checks them. It creates
/// every constraint when it builds the route matcher at the first request, and one it cannot create (<c>int(5)</c>,
/// <c>min(abc)</c>, <c>range(5,1)</c>, <c>regex(()</c>) makes the app answer every request, on every route, with
/// 500. Names that are not built in are left alone: the app may register them with rules of its own (AR2101).
/// </summary>
internal static class RouteConstraintArguments
{
    // The resolver hands the whole argument to a constraint with one constructor of one parameter (min, regex, ...),
    // splits it at ',' (trimmed) for the others, and converts each piece with Convert.ChangeType, invariant culture.
    // Names compare as in RouteOptions.ConstraintMap: ordinal, ignoring case.
    private static readonly Dictionary<string, Func<string?, string?>> Rules = new(StringComparer.OrdinalIgnoreCase)
    {
        ["int"] = None, ["bool"] = None, ["datetime"] = None, ["decimal"] = None, ["double"] = None,
        ["float"] = None, ["guid"] = None, ["long"] = None, ["alpha"] = None, ["required"] = None,
        ["file"] = None, ["nonfile"] = None,
        ["minlength"] = argument => IsInt(argument, out var length) && length >= 0 ? null : "give it a length of 0 or more, as in 'minlength(8)'",
        ["maxlength"] = argument => IsInt(argument, out var length) && length >= 0 ? null : "give it a length of 0 or more, as in 'maxlength(20)'",
        ["length"] = Length,
        ["min"] = argument => IsLong(argument, out _) ? null : "give it a whole number, as in 'min(1)'",
        ["max"] = argument => IsLong(argument, out _) ? null : "give it a whole number, as in 'max(100)'",
        ["range"] = Range,
        ["regex"] = Pattern,
    };

    /// <summary>The error for a built-in constraint whose argument ASP.NET Core refuses, or null.</summary>
    public static string? Check(RouteConstraint constraint) =>
        Rules.TryGetValue(constraint.Name, out var rule) && rule(constraint.Argument) is { } fix
            ? RouteTemplateErrors.ConstraintArgument(constraint.Text, fix)
            : null;

    private static string? None(string? argument) => argument is null ? null : "write it without parentheses";

    private static string? Length(string? argument)
    {
        var pieces = Split(argument);
        var valid = pieces.Length switch
        {
            1 => IsInt(pieces[0], out var length) && length >= 0,
            2 => IsInt(pieces[0], out var min) && IsInt(pieces[1], out var max) && min >= 0 && max >= min,
            _ => false,
        };
        return valid ? null : "give it a length, or a minimum and a maximum length, 0 or more, as in 'length(8)' or 'length(1,20)'";
    }

    private static string? Range(string? argument) =>
        Split(argument) is [var first, var second] && IsLong(first, out var min) && IsLong(second, out var max) && min <= max
            ? null
            : "give it a minimum and a maximum whole number, the minimum first, as in 'range(1,10)'";

    private static string? Pattern(string? argument)
    {
        if (argument is null)
        {
            return "give it a regular expression, as in 'regex(^[a-z]+$)'";
        }

        try
        {
            // The options and timeout that RegexRouteConstraint uses; constructing the Regex parses the pattern.
            _ = new Regex(argument, RegexOptions.CultureInvariant | RegexOptions.IgnoreCase, TimeSpan.FromSeconds(10));
            return null;
        }
        catch (ArgumentException e)
        {
            return $"give it a valid regular expression ({e.Message.TrimEnd('.')})";
        }
    }

    /// <summary>The pieces of an argument list, split at ',' and trimmed, as the resolver splits them.</summary>
    public static string[] Split(string? argument) =>
        argument?.Split(',', StringSplitOptions.TrimEntries) ?? [];

    private static bool IsInt(string? text, out int value) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);

    /// <summary>A whole number as the resolver converts it (and min, max and range compare it).</summary>
    public static bool IsLong(string? text, out long value) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
}
