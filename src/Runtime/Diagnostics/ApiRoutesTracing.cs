namespace ApiRoutes;

/// <summary>
/// The traces ApiRoutes writes: one span for each attempt of a background execution and for each scheduled run, from
/// the <see cref="System.Diagnostics.ActivitySource"/> named <see cref="SourceName"/> (add it to the tracer provider:
/// <c>.AddSource("ApiRoutes")</c>). A background attempt is a child of the request that was accepted, also after a
/// restart or on another replica (its W3C trace context is stored with the execution); a scheduled run is a trace of
/// its own, and one started by an external trigger continues the trigger's. The attribute names are listed here.
/// </summary>
public static class ApiRoutesTracing
{
    /// <summary>The name of the activity source: <c>ApiRoutes</c>.</summary>
    public const string SourceName = "ApiRoutes";

    /// <summary>The route template, as ASP.NET Core names it (<c>http.route</c>).</summary>
    public const string Route = "http.route";

    /// <summary><c>background</c> or <c>scheduled</c>.</summary>
    public const string Kind = "apiroutes.route.kind";

    /// <summary>The execution id (the <c>X-ApiRoutes-Execution-Id</c> of the 202).</summary>
    public const string ExecutionId = "apiroutes.execution.id";

    /// <summary>1 for the first attempt, 2 and 3 for retries.</summary>
    public const string Attempt = "apiroutes.execution.attempt";

    /// <summary>How the attempt ended: <c>succeeded</c>, <c>failed</c>, <c>timed_out</c> or <c>cut</c> (by shutdown).</summary>
    public const string Outcome = "apiroutes.execution.outcome";

    /// <summary>For a scheduled run: the occurrence it ran for (ISO 8601, UTC).</summary>
    public const string Occurrence = "apiroutes.schedule.occurrence";

    /// <summary>For a scheduled run: what started it, <c>scheduler</c>, <c>catch_up</c>, <c>external</c> or <c>manual</c>.</summary>
    public const string Trigger = "apiroutes.schedule.trigger";

    /// <summary>On a failed or timed-out attempt, the exception's type or <c>timeout</c> (OpenTelemetry's <c>error.type</c>).</summary>
    public const string ErrorType = "error.type";
}
