namespace ApiRoutes.Storage;

/// <summary>
/// A finished execution's record as the in-memory store keeps it in its history: the record's fields in a struct (in
/// the store's dictionary array), its <c>traceparent</c> packed when canonical, and made into an
/// <see cref="ExecutionRecord"/> again only when read. A kept execution then holds no object of its own but its id
/// (the dictionary's key, shared): the route and kind strings are the route's, and the fields a run at load rarely has
/// (an error, a replayed id, a trace state or a non-canonical trace parent, an occurrence) share one object, made only
/// when one is set. The store's 10,000 finished executions were ~330 B and three objects each (record, trace parent,
/// id), living just long enough at full load for every gen0 collection to promote them (bench/load/README.md,
/// "Background 202 p99, seventh pass").
/// </summary>
internal readonly struct CompactRecord
{
    private readonly string _id;
    private readonly string _route;
    private readonly string _kind;
    private readonly Rare? _rare;
    private readonly PackedTraceParent _traceParent;
    private readonly int _attempt;
    private readonly DateTimeOffset? _startedAt;
    private readonly DateTimeOffset? _finishedAt;

    public CompactRecord(ExecutionRecord record)
    {
        (_id, _route, _kind, Status, _attempt, AcceptedAt, _startedAt, _finishedAt) =
            (record.Id, record.Route, record.Kind, record.Status, record.Attempt, record.AcceptedAt, record.StartedAt, record.FinishedAt);
        var packed = PackedTraceParent.TryPack(record.TraceParent, out _traceParent);
        var traceParentText = packed ? null : record.TraceParent;
        if (record.Error is not null || record.ReplayOf is not null || traceParentText is not null || record.TraceState is not null || record.Occurrence is not null)
        {
            _rare = new Rare(record.Error, record.ReplayOf, traceParentText, record.TraceState, record.Occurrence);
        }
    }

    public string Id => _id;

    public ExecutionStatus Status { get; }

    public DateTimeOffset AcceptedAt { get; }

    public DateTimeOffset? FinishedAt => _finishedAt;

    /// <summary>What <see cref="ExecutionQuery.Matches(ExecutionRecord)"/> says of the record, without making it.</summary>
    public bool Matches(ExecutionQuery query) => query.Matches(_id, _route, Status, AcceptedAt, _rare?.ReplayOf);

    /// <summary>The record, equal to the one it was made from.</summary>
    public ExecutionRecord ToRecord() => new()
    {
        Id = _id, Route = _route, Kind = _kind, Status = Status, Attempt = _attempt, AcceptedAt = AcceptedAt, StartedAt = _startedAt,
        FinishedAt = _finishedAt, Occurrence = _rare?.Occurrence, Error = _rare?.Error, ReplayOf = _rare?.ReplayOf,
        TraceParent = _traceParent.IsPacked ? _traceParent.Text() : _rare?.TraceParentText, TraceState = _rare?.TraceState,
    };

    private sealed record Rare(string? Error, string? ReplayOf, string? TraceParentText, string? TraceState, DateTimeOffset? Occurrence);
}
