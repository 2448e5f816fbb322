using System.Globalization;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// A parameter whose built-in constraints no value passes (<c>{id:int:min(1):max(0)}</c>, <c>{code:minlength(5):maxlength(3)}</c>,
/// <c>{name:alpha:int}</c>): ASP.NET Core accepts the template, and its route answers no request (note 45, review 45b). Only
/// what is proved is said: the bounds of min, max, range and int on a number, the bounds of length, minlength and maxlength on
/// a text's length, and alpha (letters only) beside a constraint that takes only whole numbers. A regex, a constraint that is
/// not built in, or one whose argument is refused (AR2001) is left to the probes and the app.
/// </summary>
internal static class UnsatisfiableConstraints
{
    // The constraints that pass only a whole number (min, max and range parse one, as int and long do). Not guid: 32 of the
    // letters a to f are a GUID that alpha passes too (review 46d F3).
    private static readonly string[] Numeric = ["int", "long", "min", "max", "range"];

    /// <summary>Why no value passes <paramref name="constraints"/>, or null when one may.</summary>
    public static string? Why(IReadOnlyList<RouteConstraint> constraints)
    {
        if (constraints.Any(constraint => !RouteConstraints.IsKnown(constraint.Name) || RouteConstraintArguments.Check(constraint) is not null))
        {
            return null;
        }

        return Numbers(constraints) ?? Lengths(constraints) ?? Letters(constraints);
    }

    private static string? Numbers(IReadOnlyList<RouteConstraint> constraints)
    {
        var (low, high) = (long.MinValue, long.MaxValue);
        var from = new List<string>();
        foreach (var constraint in constraints)
        {
            var pieces = RouteConstraintArguments.Split(constraint.Argument);
            (long Low, long High)? bounds = Name(constraint) switch
            {
                "int" => (int.MinValue, int.MaxValue),
                "min" when RouteConstraintArguments.IsLong(constraint.Argument, out var min) => (min, long.MaxValue),
                "max" when RouteConstraintArguments.IsLong(constraint.Argument, out var max) => (long.MinValue, max),
                "range" when RouteConstraintArguments.IsLong(pieces[0], out var min) && RouteConstraintArguments.IsLong(pieces[1], out var max) => (min, max),
                _ => null,
            };
            if (bounds is var (lower, upper))
            {
                (low, high) = (Math.Max(low, lower), Math.Min(high, upper));
                from.Add(constraint.Text);
            }
        }

        return low <= high
            ? null
            : $"no whole number is at least {Number(low)} and at most {Number(high)} ({string.Join(", ", from)})";
    }

    private static string? Lengths(IReadOnlyList<RouteConstraint> constraints)
    {
        var (low, high) = (0, int.MaxValue);
        var from = new List<string>();
        foreach (var constraint in constraints)
        {
            // The arguments are the ones AR2001 let through: lengths of 0 or more, one or two for length.
            var pieces = Name(constraint) is "minlength" or "maxlength" or "length"
                ? RouteConstraintArguments.Split(constraint.Argument).Select(piece => int.Parse(piece, NumberStyles.Integer, CultureInfo.InvariantCulture)).ToArray()
                : [];
            (int Low, int High)? bounds = (Name(constraint), pieces) switch
            {
                ("minlength", [var min]) => (min, int.MaxValue),
                ("maxlength", [var max]) => (0, max),
                ("length", [var exactly]) => (exactly, exactly),
                ("length", [var min, var max]) => (min, max),
                _ => null,
            };
            if (bounds is var (lower, upper))
            {
                (low, high) = (Math.Max(low, lower), Math.Min(high, upper));
                from.Add(constraint.Text);
            }
        }

        return low <= high
            ? null
            : $"no text is at least {Number(low)} and at most {Number(high)} characters long ({string.Join(", ", from)})";
    }

    private static string? Letters(IReadOnlyList<RouteConstraint> constraints) =>
        constraints.FirstOrDefault(constraint => Name(constraint) == "alpha") is { } alpha
        && constraints.FirstOrDefault(constraint => Numeric.Contains(Name(constraint))) is { } numeric
            ? $"'{alpha.Text}' passes letters only, and '{numeric.Text}' a whole number only"
            : null;

    private static string Name(RouteConstraint constraint) => constraint.Name.ToLowerInvariant();

    private static string Number(long value) => value.ToString(CultureInfo.InvariantCulture);
}
