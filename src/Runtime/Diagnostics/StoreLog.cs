using Microsoft.Extensions.Logging;

namespace ApiRoutes.Diagnostics;

/// <summary>The log events of the execution store and the replicas that share it (events 4xxx), in the category <see cref="Log.Category"/>.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(4000, LogLevel.Information, "Execution store: PostgreSQL {Database}, as replica {Replica} (lease {Lease})")]
    public static partial void ReplicaRegistered(this ILogger logger, string database, string replica, TimeSpan lease);

    [LoggerMessage(4001, LogLevel.Warning, "Replica {Replica} could not renew its lease at {Database}; if this lasts past the lease, other replicas take over its work")]
    public static partial void ReplicaLeaseNotRenewed(this ILogger logger, string replica, string database, Exception exception);

    [LoggerMessage(4002, LogLevel.Information, "Replica {Replica} renews its lease again")]
    public static partial void ReplicaLeaseRenewed(this ILogger logger, string replica);

    [LoggerMessage(4003, LogLevel.Warning, "Replica {Replica} let its lease ({Lease}) lapse; other replicas may have taken over its work, which may then run twice (at least once)")]
    public static partial void ReplicaLeaseLapsed(this ILogger logger, string replica, TimeSpan lease);

    [LoggerMessage(4004, LogLevel.Warning, "Replica {Replica} stops its work: {Reason}. Its running handlers are cancelled (RequestAborted) and nothing starts until a renewal of its lease succeeds")]
    public static partial void ReplicaFenced(this ILogger logger, string replica, string reason);

    [LoggerMessage(4005, LogLevel.Information, "Replica {Replica} holds its lease again: queued work starts again")]
    public static partial void ReplicaFenceLifted(this ILogger logger, string replica);

    [LoggerMessage(4006, LogLevel.Warning, "The SQLite store {Path} is in {Folder}, which configuration watches with every folder below it for a file it reloads on change (appsettings.json): every commit of the store wakes that watch, and the store accepts fewer background requests a second. Set ApiRoutes:Store:Path to a file outside {Folder}, or turn reloading off where the host reads it (--hostBuilder:reloadConfigOnChange=false on the command line, or DOTNET_hostBuilder__reloadConfigOnChange=false in the environment; not appsettings.json)")]
    public static partial void StoreInWatchedFolder(this ILogger logger, string path, string folder);

    [LoggerMessage(4007, LogLevel.Warning, "The SQLite store {Path} is on a file system held in memory ({FileSystem}): the executions it holds, each answered 202, are lost when the machine restarts. Set ApiRoutes:Store:Path to a file on a disk (in a container, on a mounted volume)")]
    public static partial void StoreHeldInMemory(this ILogger logger, string path, string fileSystem);

    [LoggerMessage(4008, LogLevel.Warning, "The SQLite store {Path} is open to users other than this app's ({Found}): its files hold the body and headers of every accepted request, and what is written there runs as this app. Make it this user's only: {Remedy}")]
    public static partial void StoreOpenToOthers(this ILogger logger, string path, string found, string remedy);

    [LoggerMessage(4009, LogLevel.Warning, "Replica {Replica}'s clock is {Difference} {Direction} the database's at {Database} (read to within {Uncertainty}). Leases follow the database's clock, but schedules and retry delays each replica's own: a scheduled run this replica claims starts that much {EarlyOrLate}, and a retry it schedules waits that much more or less where another replica takes it over. Synchronise the machines' clocks (NTP: chrony, systemd-timesyncd); when every replica says so, the database's is the one off")]
    public static partial void ReplicaClockSkewed(this ILogger logger, string replica, string difference, string direction, string database, string uncertainty, string earlyOrLate);

    [LoggerMessage(4011, LogLevel.Warning, "{Key} is set, but {Chosen}: it is not used; {What}")]
    public static partial void StoreSettingUnused(this ILogger logger, string key, string chosen, string what);

    [LoggerMessage(4012, LogLevel.Warning, "The SQLite store file '{Path}' {What}, which the store of this app ({Provider}) does not run: start the app once with ApiRoutes:Store:Provider=Sqlite (and that file) to finish it, or move the file aside")]
    public static partial void StoreLeftBehind(this ILogger logger, string path, string what, string provider);

    [LoggerMessage(4013, LogLevel.Warning, "The SQLite store {Path} closed; its database file {Why}: the write-ahead log and shared memory of that file, which no store can open without it, are moved aside to '{Moved}'. What that file held (accepted executions, schedule claims and records) is not in the store the next start opens: the file under the name then, or an empty one if none is there")]
    public static partial void StoreLogSetAside(this ILogger logger, string path, string why, string moved);

    [LoggerMessage(4010, LogLevel.Information, "Replica {Replica}'s clock agrees with the database's again (within {Difference})")]
    public static partial void ReplicaClockAgrees(this ILogger logger, string replica, string difference);
}
