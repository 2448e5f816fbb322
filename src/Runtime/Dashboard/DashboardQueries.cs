using System.Globalization;
using ApiRoutes.Storage;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The filters of the dashboard's lists, read from the query string: <c>route</c>, <c>status</c>, <c>since</c>,
/// <c>until</c> (ISO 8601; UTC unless an offset is given), <c>limit</c> and <c>cursor</c>. A value that does not parse
/// is a 400 that names the parameter, the value and what is allowed.
/// </summary>
internal static class DashboardQueries
{
    public const int DefaultLimit = 200;
    public const int MaxLimit = 1000;

    private static readonly string[] Statuses = [.. Enum.GetValues<ExecutionStatus>().Select(ExecutionLog.Name)];

    /// <summary>The executions' filter, or why the query string does not make one.</summary>
    public static (ExecutionQuery? Query, string? Error) Executions(IQueryCollection query)
    {
        var errors = new List<string>();
        var status = Text(query, "status") is { } name
            ? Enum.GetValues<ExecutionStatus>().Cast<ExecutionStatus?>().FirstOrDefault(s => ExecutionLog.Name(s!.Value) == name)
                ?? Fail<ExecutionStatus?>(errors, $"status '{name}' is not one of {string.Join(", ", Statuses)}")
            : null;
        var cursor = Text(query, "cursor") is { } text
            ? ExecutionCursor.Parse(text) ?? Fail<ExecutionCursor?>(errors, $"cursor '{Shorten(text)}' is not one this API handed out (X-ApiRoutes-Next-Cursor)")
            : null;
        var result = new ExecutionQuery
        {
            Route = Text(query, "route"),
            Status = status,
            Since = Instant(query, "since", errors),
            Until = Instant(query, "until", errors),
            Limit = Limit(query, errors),
            After = cursor,
        };
        return errors.Count == 0 ? (result, null) : (null, Message(errors));
    }

    /// <summary>The occurrences' filter, or why the query string does not make one.</summary>
    public static (OccurrenceQuery? Query, string? Error) Occurrences(IQueryCollection query)
    {
        var errors = new List<string>();
        var result = new OccurrenceQuery(Text(query, "route"), Instant(query, "since", errors), Instant(query, "until", errors), Limit(query, errors));
        return errors.Count == 0 ? (result, null) : (null, Message(errors));
    }

    /// <summary>An instant parameter: null when absent; an error when it does not parse.</summary>
    public static DateTimeOffset? Instant(IQueryCollection query, string name, List<string> errors)
    {
        if (Text(query, name) is not { } text)
        {
            return null;
        }

        return ApiRoutes.Text.IsoInstant.TryParse(text, out var instant)
            ? instant
            : Fail<DateTimeOffset?>(errors, $"{name} '{Shorten(text)}' is not a time; write ISO 8601, for example 2026-01-01T03:00:00Z");
    }

    /// <summary>Several problems in one line.</summary>
    public static string Message(List<string> errors) => "Bad query: " + string.Join("; ", errors) + ".";

    private static int Limit(IQueryCollection query, List<string> errors)
    {
        if (Text(query, "limit") is not { } text)
        {
            return DefaultLimit;
        }

        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= MaxLimit
            ? limit
            : Fail<int>(errors, $"limit '{Shorten(text)}' is not a whole number from 1 to {MaxLimit}");
    }

    private static string? Text(IQueryCollection query, string name) => query[name].ToString() is { Length: > 0 } text ? text : null;

    private static T Fail<T>(List<string> errors, string error)
    {
        errors.Add(error);
        return default!;
    }

    // A query is the client's to choose: keep what is echoed short.
    private static string Shorten(string value) => value.Length <= 100 ? value : value[..100] + "…";
}
