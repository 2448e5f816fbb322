using System.Text;

namespace ApiRoutes.Tasks.Routing;

/// <summary>
/// Reads the segments of one template after its "/" or "~/" prefix, one use per instance. After the syntax it checks
/// what ASP.NET Core refuses only later, when the app runs: too many segments, and constraint arguments.
/// </summary>
internal sealed class RouteTemplateReader
{
    /// <summary>
    /// ASP.NET Core's limit: its route precedence keeps one decimal digit per segment, and start-up fails with
    /// "Route exceeds the maximum number of allowed segments of 28".
    /// </summary>
    public const int MaxSegments = 28;

    private readonly string _template;
    private readonly int _start;
    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<RouteSegment> _segments = [];
    private readonly List<(int Segment, int Position, string Text)> _catchAlls = [];
    private readonly List<int> _segmentStarts = [];
    private readonly List<(RouteParameter Parameter, int Open)> _parameters = [];
    private int _position;
    private RouteTemplateParseResult? _failure;

    public RouteTemplateReader(string template, int start)
    {
        _template = template;
        _start = start;
        _position = start;
    }

    public RouteTemplateParseResult Read()
    {
        while (_position < _template.Length)
        {
            // The previous segment consumed its '/', so another '/' here means an empty segment.
            if (_template[_position] == '/')
            {
                return RouteTemplateParseResult.Failure(RouteTemplateErrors.EmptySegment(), _position);
            }

            if (!ReadSegment())
            {
                return _failure!;
            }

            _position++;
        }

        foreach (var (segment, position, parameter) in _catchAlls)
        {
            if (segment != _segments.Count - 1)
            {
                return RouteTemplateParseResult.Failure(RouteTemplateErrors.CatchAllNotLast(parameter), position);
            }
        }

        if (RuntimeFailure() is { } failure)
        {
            return failure;
        }

        // A trailing '/' does not change what ASP.NET Core matches, so the normalized text drops it.
        var text = "/" + _template[_start..].TrimEnd('/');
        return new RouteTemplateParseResult(new RouteTemplate(text, _segments), null, 0);
    }

    private bool ReadSegment()
    {
        var segmentStart = _position;
        var parts = new List<RoutePart>();
        var partStarts = new List<int>();
        while (_position < _template.Length && _template[_position] != '/')
        {
            partStarts.Add(_position);
            var isParameter = _template[_position] == '{' && !IsAt(_position + 1, '{');
            if (!(isParameter ? ReadParameter(parts) : ReadLiteral(parts)))
            {
                return false;
            }
        }

        var segmentText = _template[segmentStart.._position];
        var error = RouteSegmentRules.Check(segmentText, parts, partStarts);
        if (error is not null)
        {
            _failure = error;
            return false;
        }

        // The segment rules leave a catch-all alone in its segment; whether that segment is last is known only at the end.
        if (parts is [RouteParameter { IsCatchAll: true }])
        {
            _catchAlls.Add((_segments.Count, segmentStart, segmentText));
        }

        _segmentStarts.Add(segmentStart);
        _segments.Add(new RouteSegment(parts));
        return true;
    }

    // What a valid template can still break when the app runs: checked once the whole template reads well.
    private RouteTemplateParseResult? RuntimeFailure()
    {
        if (_segments.Count > MaxSegments)
        {
            return RouteTemplateParseResult.Failure(RouteTemplateErrors.TooManySegments(_segments.Count), _segmentStarts[MaxSegments]);
        }

        foreach (var (parameter, open) in _parameters)
        {
            foreach (var constraint in parameter.Constraints)
            {
                if (RouteConstraintArguments.Check(constraint) is { } error)
                {
                    return RouteTemplateParseResult.Failure(error, open);
                }
            }
        }

        return null;
    }

    private bool ReadLiteral(List<RoutePart> parts)
    {
        var start = _position;
        var text = new StringBuilder();
        while (_position < _template.Length && _template[_position] != '/')
        {
            var current = _template[_position];
            if (current is '{' or '}')
            {
                if (IsAt(_position + 1, current))
                {
                    _position++;
                }
                else if (current == '{')
                {
                    // A lone '{' starts a parameter, which reports it if it is never closed.
                    break;
                }
                else
                {
                    return Fail(RouteTemplateErrors.UnmatchedCloseBrace(), _position);
                }
            }

            text.Append(current);
            _position++;
        }

        var raw = _template[start.._position];
        var questionMark = raw.IndexOf('?', StringComparison.Ordinal);
        if (questionMark >= 0)
        {
            return Fail(RouteTemplateErrors.QuestionMarkInLiteral(raw), start + questionMark);
        }

        parts.Add(new RouteLiteral(text.ToString()));
        return true;
    }

    private bool ReadParameter(List<RoutePart> parts)
    {
        var open = _position;
        var inner = new StringBuilder();

        // Where each unescaped character of the inner text sits in the template, for error positions.
        var sources = new List<int>();
        _position++;
        while (true)
        {
            if (_position >= _template.Length)
            {
                return Fail(RouteTemplateErrors.UnclosedParameter(_template[open..]), open);
            }

            var current = _template[_position];
            if (current == '{' && !IsAt(_position + 1, '{'))
            {
                return _position + 1 >= _template.Length
                    ? Fail(RouteTemplateErrors.UnclosedParameter(_template[open..]), open)
                    : Fail(RouteTemplateErrors.UnescapedBraceInParameter(), _position);
            }

            if (current == '}' && !IsAt(_position + 1, '}'))
            {
                _position++;
                break;
            }

            inner.Append(current);
            sources.Add(_position);
            _position += current is '{' or '}' ? 2 : 1;
        }

        var parameter = RouteParameterRules.Check(
            inner.ToString(), _template[open.._position], open, sources, _names, out var error, out var errorPosition);
        if (parameter is null)
        {
            return Fail(error!, errorPosition);
        }

        parts.Add(parameter);
        _parameters.Add((parameter, open));
        return true;
    }

    private bool IsAt(int index, char expected) => index < _template.Length && _template[index] == expected;

    private bool Fail(string error, int position)
    {
        _failure = RouteTemplateParseResult.Failure(error, position);
        return false;
    }
}
