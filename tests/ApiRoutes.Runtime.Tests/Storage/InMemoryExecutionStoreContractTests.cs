using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>The in-memory store passes the contract (it keeps nothing across restarts, so not the durable one).</summary>
public sealed class InMemoryExecutionStoreContractTests : ExecutionStoreContract
{
    private protected override Task<IExecutionStore> OpenAsync() => Task.FromResult<IExecutionStore>(new InMemoryExecutionStore(Time));
}
