namespace ApiRoutes.Storage;

/// <summary>
/// Which executions to read, newest first (by accepted time, then id): filtered by route, status and accepted time,
/// a page of <see cref="Limit"/> at a time; <see cref="After"/>, the last row of the previous page, starts the next.
/// The stores filter in their queries, so a page costs the same with ten executions as with a hundred thousand.
/// </summary>
internal sealed record ExecutionQuery
{
    public string? Route { get; init; }

    public ExecutionStatus? Status { get; init; }

    /// <summary>Accepted at or after.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Accepted before.</summary>
    public DateTimeOffset? Until { get; init; }

    /// <summary>Only the replays of this execution.</summary>
    public string? ReplayOf { get; init; }

    public int Limit { get; init; } = 200;

    /// <summary>The page's rows come after this one (keyset paging).</summary>
    public ExecutionCursor? After { get; init; }

    public bool Matches(ExecutionRecord record) =>
        (Route is null || string.Equals(record.Route, Route, StringComparison.Ordinal))
        && (Status is not { } status || record.Status == status)
        && (Since is not { } since || record.AcceptedAt >= since)
        && (Until is not { } until || record.AcceptedAt < until)
        && (ReplayOf is null || string.Equals(record.ReplayOf, ReplayOf, StringComparison.Ordinal))
        && (After is not { } after || record.AcceptedAt < after.AcceptedAt
            || (record.AcceptedAt == after.AcceptedAt && string.CompareOrdinal(record.Id, after.Id) > 0));

    /// <summary>
    /// The query's condition as SQL (<c>TRUE</c> when it has none) over the stores' shared column names, with its
    /// values in order; <paramref name="placeholder"/> names the n-th (0-based) parameter, <paramref name="instant"/>
    /// writes a time as the store keeps it.
    /// </summary>
    public (string Sql, IReadOnlyList<object> Values) Where(Func<int, string> placeholder, Func<DateTimeOffset, object> instant)
    {
        var conditions = new List<string>();
        var values = new List<object>();
        string Add(object value)
        {
            values.Add(value);
            return placeholder(values.Count - 1);
        }

        if (Route is { } route)
        {
            conditions.Add($"route = {Add(route)}");
        }

        if (Status is { } status)
        {
            conditions.Add($"status = {Add(status.ToString())}");
        }

        if (Since is { } since)
        {
            conditions.Add($"accepted_at >= {Add(instant(since))}");
        }

        if (Until is { } until)
        {
            conditions.Add($"accepted_at < {Add(instant(until))}");
        }

        if (ReplayOf is { } replayOf)
        {
            conditions.Add($"replay_of = {Add(replayOf)}");
        }

        if (After is { } after)
        {
            var at = Add(instant(after.AcceptedAt));
            conditions.Add($"(accepted_at < {at} OR (accepted_at = {at} AND id > {Add(after.Id)}))");
        }

        return (conditions.Count == 0 ? "1 = 1" : string.Join(" AND ", conditions), values);
    }
}

/// <summary>Where a page of executions ended: the last row's accepted time and id.</summary>
internal readonly record struct ExecutionCursor(DateTimeOffset AcceptedAt, string Id)
{
    /// <summary>As the JSON API hands it out: the accepted time in ticks, a dot, the id.</summary>
    public override string ToString() => $"{AcceptedAt.UtcTicks}.{Id}";

    public static ExecutionCursor? Parse(string? text)
    {
        var dot = text?.IndexOf('.', StringComparison.Ordinal) ?? -1;
        return dot > 0 && long.TryParse(text.AsSpan(0, dot), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            && ticks <= DateTimeOffset.MaxValue.UtcTicks && dot < text!.Length - 1
            ? new ExecutionCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(dot + 1)..])
            : null;
    }
}
