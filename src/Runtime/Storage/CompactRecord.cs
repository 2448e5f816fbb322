namespace ApiRoutes.Storage;

/// <summary>
/// A finished execution's record as the in-memory store keeps it in its history: the record's fields in a struct (in
/// the store's dictionary array), its <c>traceparent</c> packed when canonical, and made into an
/// <see cref="ExecutionRecord"/> again only when read. A kept execution then holds no object of its own but its id
/// (the dictionary's key, shared): the route and kind strings are the route's. The store's 10,000 finished executions
/// were ~330 B and three objects each (record, trace parent, id), living just long enough at full load for every gen0
/// collection to promote them (bench/load/README.md, "Background 202 p99, seventh pass").
/// </summary>
internal readonly struct CompactRecord
{
    private readonly string _id;
    private readonly string _route;
    private readonly string _kind;
    private readonly string? _error;
    private readonly string? _replayOf;
    private readonly string? _traceParentText;   // when it is not packed
    private readonly string? _traceState;
    private readonly PackedTraceParent _traceParent;
    private readonly bool _packed;
    private readonly int _attempt;
    private readonly DateTimeOffset? _startedAt;
    private readonly DateTimeOffset? _finishedAt;
    private readonly DateTimeOffset? _occurrence;

    public CompactRecord(ExecutionRecord record)
    {
        (_id, _route, _kind, Status, _attempt, AcceptedAt) = (record.Id, record.Route, record.Kind, record.Status, record.Attempt, record.AcceptedAt);
        (_startedAt, _finishedAt, _occurrence, _error, _replayOf, _traceState) = (record.StartedAt, record.FinishedAt, record.Occurrence, record.Error, record.ReplayOf, record.TraceState);
        _packed = PackedTraceParent.TryPack(record.TraceParent, out _traceParent);
        _traceParentText = _packed ? null : record.TraceParent;
    }

    public string Id => _id;

    public ExecutionStatus Status { get; }

    public DateTimeOffset AcceptedAt { get; }

    public DateTimeOffset? FinishedAt => _finishedAt;

    /// <summary>What <see cref="ExecutionQuery.Matches(ExecutionRecord)"/> says of the record, without making it.</summary>
    public bool Matches(ExecutionQuery query) => query.Matches(_id, _route, Status, AcceptedAt, _replayOf);

    /// <summary>The record, equal to the one it was made from.</summary>
    public ExecutionRecord ToRecord() => new()
    {
        Id = _id, Route = _route, Kind = _kind, Status = Status, Attempt = _attempt, AcceptedAt = AcceptedAt, StartedAt = _startedAt,
        FinishedAt = _finishedAt, Occurrence = _occurrence, Error = _error, ReplayOf = _replayOf,
        TraceParent = _packed ? _traceParent.Text() : _traceParentText, TraceState = _traceState,
    };
}
