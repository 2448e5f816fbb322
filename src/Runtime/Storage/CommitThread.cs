namespace ApiRoutes.Storage;

/// <summary>A group commit's loop on a thread of its own: how long its wait spins before it blocks, and whether waiters are told on it.</summary>
/// <param name="Spin">How long the commit thread spins for the next write before it blocks.</param>
/// <param name="ReleaseInline">Whether the waiters' continuations run on the commit thread, one after another.</param>
internal sealed record CommitThread(TimeSpan Spin, bool ReleaseInline);
