namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// The pieces of a parameter's inner text, before its name is checked; <c>NameStart</c> is where the name starts
/// in that text, for error positions.
/// </summary>
internal readonly record struct ParameterText(
    string Name,
    int NameStart,
    bool IsOptional,
    bool IsCatchAll,
    bool EncodeSlashes,
    string? DefaultValue,
    IReadOnlyList<RouteConstraint> Constraints);

/// <summary>
/// Splits the unescaped text between a parameter's braces into name, markers, constraints and default value.
/// It never fails: like ASP.NET Core's, it yields a name that the caller then validates.
/// </summary>
internal static class RouteParameterParser
{
    private enum State
    {
        Start,
        Name,
        Argument,
        End,
    }

    public static ParameterText Parse(string text)
    {
        var start = 0;
        var end = text.Length - 1;
        var isCatchAll = false;
        var encodeSlashes = true;
        if (text.StartsWith("**", StringComparison.Ordinal))
        {
            (isCatchAll, encodeSlashes, start) = (true, false, 2);
        }
        else if (text.StartsWith('*'))
        {
            (isCatchAll, start) = (true, 1);
        }

        var isOptional = end >= 0 && text[end] == '?';
        if (isOptional)
        {
            end--;
        }

        // A name may start with ':' or '=': only a later one ends it.
        var delimiter = start + 1 <= end ? text.IndexOfAny([':', '='], start + 1, end - start) : -1;
        if (delimiter < 0)
        {
            var name = start <= end ? text[start..(end + 1)] : string.Empty;
            return new ParameterText(name, start, isOptional, isCatchAll, encodeSlashes, null, []);
        }

        var constraints = new List<RouteConstraint>();

        // ASP.NET Core resumes on the name's last character, so a name ending in '(' opens an argument that can
        // swallow a '=': mirroring it keeps optional/default checks in agreement.
        var index = ReadConstraints(text, delimiter - 1, end, constraints);
        var defaultValue = index <= end && text[index] == '=' ? text[(index + 1)..(end + 1)] : null;
        return new ParameterText(
            text[start..delimiter], start, isOptional, isCatchAll, encodeSlashes, defaultValue, constraints);
    }

    // Returns the index where constraints end: past the text, or at the '=' that starts the default value.
    private static int ReadConstraints(string text, int index, int end, List<RouteConstraint> constraints)
    {
        var state = State.Start;
        var tokenStart = index;
        while (state != State.End)
        {
            char? current = index > end ? null : text[index];
            switch (state)
            {
                case State.Start:
                    (state, tokenStart, index) = current switch
                    {
                        null => (State.End, tokenStart, index),
                        ':' => (State.Name, index + 1, index),
                        '(' => (State.Argument, tokenStart, index),
                        '=' => (State.End, tokenStart, index - 1),
                        _ => (state, tokenStart, index),
                    };
                    break;

                case State.Name:
                    if (current is null or ':' or '=')
                    {
                        // Empty names ("{id::int}", "{id:}") are skipped, as ASP.NET Core does.
                        AddUnlessEmpty(constraints, text[tokenStart..index]);
                        (state, tokenStart, index) = current switch
                        {
                            null => (State.End, tokenStart, index),
                            ':' => (State.Name, index + 1, index),
                            _ => (State.End, tokenStart, index - 1),
                        };
                    }
                    else if (current == '(')
                    {
                        state = State.Argument;
                    }

                    break;

                case State.Argument:
                    (state, tokenStart, index) = ReadArgument(text, current, state, tokenStart, index, end, constraints);
                    break;
            }

            index++;
        }

        return index;
    }

    private static (State State, int TokenStart, int Index) ReadArgument(
        string text, char? current, State state, int tokenStart, int index, int end, List<RouteConstraint> constraints)
    {
        switch (current)
        {
            case null:
                AddUnlessEmpty(constraints, text[tokenStart..index]);
                return (State.End, tokenStart, index);

            case ')':
                // A ')' closes the argument only at the end or before the next constraint or the default value,
                // so regex arguments may contain ')' and even "):" pairs only when followed by more text.
                char? next = index + 1 > end ? null : text[index + 1];
                if (next is null or ':' or '=')
                {
                    AddUnlessEmpty(constraints, text[tokenStart..(index + 1)]);
                    return (next == ':' ? State.Start : State.End, index + 1, index);
                }

                return (state, tokenStart, index);

            case ':' or '=':
                // Inside an argument ':' and '=' are plain text while a ')' still follows somewhere.
                var close = text.IndexOf(')', index + 1);
                if (close >= 0)
                {
                    return (state, tokenStart, close);
                }

                AddUnlessEmpty(constraints, text[tokenStart..index]);
                return current == ':' ? (State.Name, index + 1, index) : (State.End, tokenStart, index - 1);

            default:
                return (state, tokenStart, index);
        }
    }

    private static void AddUnlessEmpty(List<RouteConstraint> constraints, string text)
    {
        if (text.Length > 0)
        {
            constraints.Add(RouteConstraint.FromText(text));
        }
    }
}
