using ApiRoutes.Manifest;
using ApiRoutes.Tasks.Diagnostics;
using ApiRoutes.Text;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ApiRoutes.Tasks.Configuration;

/// <summary>
/// Reads <c>apiroutes.yaml</c> and checks its shape: every problem becomes a diagnostic at the YAML file's line and
/// column. Whether a route exists and whether a value fits it is the analysis' business, not this reader's.
/// </summary>
internal static class RoutesConfigReader
{
    private static readonly string[] TopLevelKeys = ["defaults", "routes"];
    private static readonly string[] KindKeys = ["standard", "background", "scheduled"];
    private static readonly string[] DefaultsKeys = ["timeLimit"];
    private static readonly string[] RouteKeys = ["schedule", "timeZone", "background", "timeLimit", "enabled", "catchUp", "methods"];

    /// <summary>Reads the file's text; returns null when it is not valid YAML at all.</summary>
    public static RoutesConfig? Read(string path, string text, DiagnosticBag diagnostics)
    {
        var stream = new YamlStream();
        var parser = new BoundedYamlParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (DuplicateYamlKeyException e)
        {
            var (descriptor, message) = Repeated(e);
            diagnostics.Add(descriptor, At(path, e.Start, e.End), message);
            return null;
        }
        catch (YamlException e)
        {
            var message = $"apiroutes.yaml is not valid YAML: {e.Message}";
            var location = At(path, e.Start, e.End);
            if (UnquotedCron(text, e.Start) is var (column, written))
            {
                // '@' and '*' cannot start a plain YAML scalar, and cron expressions often begin with them. The advice
                // quotes what was written (review 25d F5: it gave "*/5 * * * *" whatever the schedule was).
                message += $" Put the cron expression in quotes: schedule: \"{written}\".";
                location = new SourceLocation(path, (int)e.Start.Line, column);
            }
            else if (e.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndented(text) is var (line, tab))
            {
                // YamlDotNet places this error at (1,1) whatever line the tab is on (review 25a F9).
                message += $" Line {line} is indented with a tab: YAML indents with spaces only.";
                location = new SourceLocation(path, line, tab);
            }

            diagnostics.Add(DiagnosticCodes.InvalidYaml, location, message);
            return null;
        }
        catch (Exception e)
        {
            // Whatever YamlDotNet throws while it reads this text is a statement about the text, not a bug of the
            // build: it throws ArgumentException for "- :", for example. Report it where the reading stopped.
            diagnostics.Add(DiagnosticCodes.InvalidYaml, At(path, parser.PreviousStart),
                $"apiroutes.yaml is not valid YAML: it cannot be read from here on ({e.Message}). Look for a ':' or "
                + "'?' without a key, or a '-' without a value, on this line or the one before.");
            return null;
        }

        // Before the empty check: '---' then an empty document then the settings would otherwise be read as no settings,
        // and a route switched off in the file would be deployed.
        if (stream.Documents.Count > 1)
        {
            diagnostics.Add(DiagnosticCodes.InvalidYaml, At(path, stream.Documents[1].RootNode.Start),
                "apiroutes.yaml holds more than one YAML document; remove the '---' separator and keep one document.");
            return null;
        }

        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            return RoutesConfig.Empty;
        }

        var reader = new Reader(path, diagnostics);
        return reader.ReadRoot(stream.Documents[0].RootNode);
    }

    private sealed class Reader(string path, DiagnosticBag diagnostics)
    {
        public RoutesConfig? ReadRoot(YamlNode root)
        {
            if (Mapping(root, "The top level of apiroutes.yaml", "'defaults:' and 'routes:'") is not { } mapping)
            {
                return null;
            }

            var defaults = new Dictionary<RouteKind, ConfigValue<int>>();
            var routes = new List<RouteConfig>();
            foreach (var (key, value) in Entries(mapping, "the top level", TopLevelKeys))
            {
                if (key == "defaults")
                {
                    ReadDefaults(value, defaults);
                }
                else
                {
                    ReadRoutes(value, routes);
                }
            }

            return new RoutesConfig(defaults, routes);
        }

        private void ReadDefaults(YamlNode node, Dictionary<RouteKind, ConfigValue<int>> defaults)
        {
            if (IsNull(node) || Mapping(node, "'defaults'", "route kinds: standard, background, scheduled") is not { } mapping)
            {
                return;
            }

            foreach (var (kindName, kindNode) in Entries(mapping, "'defaults'", KindKeys))
            {
                var kind = Enum.Parse<RouteKind>(kindName, ignoreCase: true);
                if (IsNull(kindNode) || Mapping(kindNode, $"'defaults.{kindName}'", "'timeLimit'") is not { } settings)
                {
                    continue;
                }

                foreach (var (_, value) in Entries(settings, $"'defaults.{kindName}'", DefaultsKeys))
                {
                    if (TimeLimit(value, $"defaults.{kindName}.timeLimit") is { } limit)
                    {
                        defaults[kind] = limit;
                    }
                }
            }
        }

        private void ReadRoutes(YamlNode node, List<RouteConfig> routes)
        {
            if (IsNull(node) || Mapping(node, "'routes'", "route templates such as '/api/cleanup:'") is not { } mapping)
            {
                return;
            }

            foreach (var (keyNode, valueNode) in mapping.Children)
            {
                if (keyNode is not YamlScalarNode { Value: { Length: > 0 } template })
                {
                    Error(DiagnosticCodes.InvalidYamlValue, keyNode, "A key under 'routes' must be a route template such as '/api/cleanup'.");
                    continue;
                }

                var route = new RouteConfig(new ConfigValue<string>(template, At(path, keyNode.Start, keyNode.End)));
                // '/api/hello:' and '/api/hello: {}' alike (review 24c: the empty mapping said nothing).
                if (IsNull(valueNode) || valueNode is YamlMappingNode { Children.Count: 0 })
                {
                    diagnostics.Add(DiagnosticCodes.EmptyYamlRoute, route.Route.Location,
                        $"The entry for '{template}' sets nothing; add one of {string.Join(", ", RouteKeys)}, or remove it.");
                    routes.Add(route);
                    continue;
                }

                if (Mapping(valueNode, $"The entry for '{template}'", string.Join(", ", RouteKeys)) is not { } settings)
                {
                    continue;
                }

                foreach (var (key, value) in Entries(settings, $"'{template}'", RouteKeys))
                {
                    route = key switch
                    {
                        "schedule" => route with { Schedule = Text(value, $"{template}.schedule", "a cron expression in quotes, such as \"0 3 * * *\"") },
                        "background" => route with { Background = Boolean(value, $"{template}.background") },
                        "timeLimit" => route with { TimeLimitSeconds = TimeLimit(value, $"{template}.timeLimit") },
                        "catchUp" => route with { CatchUp = Boolean(value, $"{template}.catchUp") },
                        "timeZone" => route with { TimeZone = Text(value, $"{template}.timeZone", "an IANA time zone id, such as Europe/Berlin") },
                        "methods" => route with { Methods = Methods(value, $"{template}.methods") },
                        _ => route with { Enabled = Boolean(value, $"{template}.enabled") },
                    };
                }

                routes.Add(route);
            }
        }

        private YamlMappingNode? Mapping(YamlNode node, string what, string expected)
        {
            if (node is YamlMappingNode mapping)
            {
                return mapping;
            }

            Error(DiagnosticCodes.InvalidYamlValue, node, $"{what} must be a mapping of {expected}.");
            return null;
        }

        // The entries of a mapping whose keys are known; an unknown key is reported with the nearest known one.
        private IEnumerable<(string Key, YamlNode Value)> Entries(YamlMappingNode mapping, string where, string[] known)
        {
            foreach (var (keyNode, value) in mapping.Children)
            {
                var key = (keyNode as YamlScalarNode)?.Value ?? "";
                if (Array.IndexOf(known, key) >= 0)
                {
                    yield return (key, value);
                    continue;
                }

                // Review 33c L3: the usual way to share settings reads as an unknown key; say that merging is what is missing.
                if (key == "<<" && keyNode is YamlScalarNode { Style: ScalarStyle.Plain })
                {
                    Error(DiagnosticCodes.UnknownYamlKey, keyNode,
                        $"YAML merge keys ('<<') are not supported, in {where}: write the settings out in each entry, or alias a whole "
                        + "entry (/api/b: *slow) when its settings are all the same.");
                    continue;
                }

                var hint = Suggestions.Closest(key, known) is { } close ? $"Did you mean '{close}'? " : "";
                Error(DiagnosticCodes.UnknownYamlKey, keyNode,
                    $"Unknown key '{key}' in {where}. {hint}Known keys: {string.Join(", ", known)}.");
            }
        }

        private ConfigValue<int>? TimeLimit(YamlNode node, string name)
        {
            if (node is YamlScalarNode { Value: { } text } scalar && Duration.TryParseSeconds(text, out var seconds))
            {
                return new ConfigValue<int>(seconds, At(path, scalar.Start, scalar.End));
            }

            Error(DiagnosticCodes.InvalidYamlValue, node, $"'{name}' must be {Duration.Format}; found {Describe(node)}.");
            return null;
        }

        // A list of method names ([GET, HEAD]) or one name (GET); what each name may be is MethodRules' to say.
        private ConfigValue<IReadOnlyList<string?>>? Methods(YamlNode node, string name)
        {
            switch (node)
            {
                case YamlScalarNode scalar when !IsNull(scalar):
                    return new ConfigValue<IReadOnlyList<string?>>([scalar.Value], At(path, scalar.Start, scalar.End));
                case YamlSequenceNode sequence when sequence.Children.All(item => item is YamlScalarNode):
                    return new ConfigValue<IReadOnlyList<string?>>(
                        [.. sequence.Children.Cast<YamlScalarNode>().Select(item => IsNull(item) ? null : item.Value)],
                        At(path, sequence.Start, sequence.End));
                // Review 33c L2: "must be a list ...; found a list" named neither the item nor where it is.
                case YamlSequenceNode sequence:
                    var item = sequence.Children.Select((child, index) => (child, index)).First(pair => pair.child is not YamlScalarNode);
                    Error(DiagnosticCodes.InvalidYamlValue, item.child,
                        $"'{name}' must be a list of HTTP methods, such as [GET, HEAD]; its item {item.index + 1} is {Describe(item.child)}, not a method name.");
                    return null;
                default:
                    Error(DiagnosticCodes.InvalidYamlValue, node, $"'{name}' must be a list of HTTP methods, such as [GET, HEAD]; found {Describe(node)}.");
                    return null;
            }
        }

        private ConfigValue<bool>? Boolean(YamlNode node, string name)
        {
            if (node is YamlScalarNode { Value: { } text, Style: ScalarStyle.Plain } scalar && text is "true" or "false" or "True" or "False" or "TRUE" or "FALSE")
            {
                return new ConfigValue<bool>(bool.Parse(text), At(path, scalar.Start, scalar.End));
            }

            // Review 33c L1: "must be true or false; found 'true'" for a quoted "true" contradicted itself.
            var unquote = node is YamlScalarNode { Style: not ScalarStyle.Plain, Value: { } quoted } && bool.TryParse(quoted, out _)
                ? $": write {quoted} without quotes, since in quotes YAML reads it as text"
                : "";
            Error(DiagnosticCodes.InvalidYamlValue, node, $"'{name}' must be true or false; found {Describe(node)}{unquote}.");
            return null;
        }

        private ConfigValue<string>? Text(YamlNode node, string name, string expected)
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } text } scalar && !IsNull(scalar))
            {
                return new ConfigValue<string>(text, At(path, scalar.Start, scalar.End));
            }

            Error(DiagnosticCodes.InvalidYamlValue, node, $"'{name}' must be {expected}; found {Describe(node)}.");
            return null;
        }

        private void Error(DiagnosticDescriptor descriptor, YamlNode node, string message) =>
            diagnostics.Add(descriptor, At(path, node.Start, node.End), message);
    }

    // A key written twice, named by where it is and with the fix that fits there (review 39b F1: an exact repeat of a route
    // was YamlDotNet's "Duplicate key /api/cleanup", AR5001, while README lists AR5005 for a route named twice).
    private static (DiagnosticDescriptor Descriptor, string Message) Repeated(DuplicateYamlKeyException e)
    {
        var lines = e.First.Line == e.Start.Line
            ? $"on line {e.Start.Line} (at columns {e.First.Column} and {e.Start.Column})"
            : $"at line {e.First.Line} and at line {e.Start.Line}";
        return e.Path switch
        {
            ["routes"] => (DiagnosticCodes.DuplicateYamlRoute,
                $"The route '{e.Key}' appears twice under 'routes', {lines}; merge the two entries into one."),
            [] => (DiagnosticCodes.InvalidYaml,
                $"apiroutes.yaml is not valid YAML: '{e.Key}' appears twice at the top level, {lines}; write it once, with all of "
                + "its entries under it."),
            ["routes", var route] => (DiagnosticCodes.InvalidYaml,
                $"apiroutes.yaml is not valid YAML: '{e.Key}' is set twice for '{route}', {lines}; keep one of the two."),
            ["defaults"] => (DiagnosticCodes.InvalidYaml,
                $"apiroutes.yaml is not valid YAML: '{e.Key}' appears twice under 'defaults', {lines}; merge the two into one."),
            ["defaults", var kind] => (DiagnosticCodes.InvalidYaml,
                $"apiroutes.yaml is not valid YAML: '{e.Key}' is set twice in 'defaults.{kind}', {lines}; keep one of the two."),
            _ => (DiagnosticCodes.InvalidYaml,
                $"apiroutes.yaml is not valid YAML: the key '{e.Key}' appears twice in one mapping, {lines}; YAML allows a key "
                + "once per mapping: keep one of the two."),
        };
    }

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode scalar when IsNull(scalar) => "nothing",
        YamlScalarNode { Style: not ScalarStyle.Plain } scalar => $"the quoted text '{scalar.Value}'",
        YamlScalarNode scalar => $"'{scalar.Value}'",
        YamlSequenceNode => "a list",
        _ => "a mapping",
    };

    private static SourceLocation At(string path, Mark start, Mark? end = null) =>
        end is { } e && e.Line == start.Line
            ? new SourceLocation(path, (int)start.Line, (int)start.Column, (int)e.Line, (int)e.Column)
            : new SourceLocation(path, (int)start.Line, (int)start.Column);

    // The 1-based column of an unquoted schedule value starting with '@' or '*' on the error's line, if any.
    // The first line whose indentation holds a tab, and the tab's column (both 1-based).
    private static (int Line, int Column)? TabIndented(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indentation = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', 0, indentation);
            if (tab >= 0 && indentation < lines[i].TrimEnd('\r').Length)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    // The column of an unquoted schedule starting with '@' or '*' on the error's line, and the expression written there
    // (up to a comment), as advice can quote it.
    private static (int Column, string Written)? UnquotedCron(string text, Mark error)
    {
        var lines = text.Split('\n');
        if (error.Line < 1 || error.Line > lines.Length)
        {
            return null;
        }

        var line = lines[error.Line - 1].TrimEnd('\r');
        var key = line.IndexOf("schedule:", StringComparison.Ordinal);
        if (key < 0)
        {
            return null;
        }

        var value = key + "schedule:".Length;
        while (value < line.Length && line[value] == ' ')
        {
            value++;
        }

        if (value >= line.Length || line[value] is not ('@' or '*'))
        {
            return null;
        }

        var comment = line.IndexOf(" #", value, StringComparison.Ordinal);
        var written = (comment < 0 ? line[value..] : line[value..comment]).Trim();
        return (value + 1, written.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal));
    }
}
