namespace ApiRoutes.Tasks.Routing;

/// <summary>The rules for a single parameter, checked in the order ASP.NET Core checks them.</summary>
internal static class RouteParameterRules
{
    /// <summary>Builds the parameter, or returns null with an error.</summary>
    /// <param name="inner">The unescaped text between the braces.</param>
    /// <param name="raw">The parameter as written, braces included, for messages.</param>
    /// <param name="open">Index of the parameter's '{' in the template.</param>
    /// <param name="sources">Index in the template of each character of <paramref name="inner"/>.</param>
    /// <param name="names">Names seen so far in the template; the new name is added.</param>
    /// <param name="error">The message when the parameter is invalid.</param>
    /// <param name="errorPosition">Index in the template of the offending character or of the parameter's '{'.</param>
    public static RouteParameter? Check(
        string inner,
        string raw,
        int open,
        IReadOnlyList<int> sources,
        HashSet<string> names,
        out string? error,
        out int errorPosition)
    {
        (error, errorPosition) = (null, open);
        if (inner.Length == 0)
        {
            error = RouteTemplateErrors.EmptyName(raw);
            return null;
        }

        var text = RouteParameterParser.Parse(inner);

        // Checked on the text because the parsed markers cannot hold both at once.
        if (inner.StartsWith('*') && inner.EndsWith('?'))
        {
            error = RouteTemplateErrors.CatchAllOptional(raw);
            return null;
        }

        // Optional means "may have no value", which a default contradicts, so ASP.NET Core refuses the pair.
        if (text.IsOptional && text.DefaultValue is not null)
        {
            error = RouteTemplateErrors.OptionalWithDefault(raw);
            return null;
        }

        if (text.Name.Length == 0)
        {
            error = RouteTemplateErrors.EmptyName(raw);
            return null;
        }

        var bad = text.Name.AsSpan().IndexOfAny("/{}?*");
        if (bad >= 0)
        {
            var character = text.Name[bad];
            errorPosition = sources[text.NameStart + bad];
            error = character switch
            {
                '?' => RouteTemplateErrors.MisplacedQuestionMark(raw),
                '*' => RouteTemplateErrors.MisplacedAsterisk(raw),
                _ => RouteTemplateErrors.InvalidNameCharacter(text.Name, character),
            };
            return null;
        }

        // Route values are a case-insensitive dictionary, so "{id}" and "{ID}" would collide.
        if (!names.Add(text.Name))
        {
            error = RouteTemplateErrors.DuplicateName(text.Name);
            return null;
        }

        return new RouteParameter(
            text.Name, text.IsOptional, text.IsCatchAll, text.EncodeSlashes, text.DefaultValue, text.Constraints);
    }
}
