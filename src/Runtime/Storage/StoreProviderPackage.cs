using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace ApiRoutes.Storage;

/// <summary>
/// A store that ships in a package of its own (PostgreSQL, in <c>ApiRoutes.PostgreSql</c>), so that the core carries
/// only what every app needs. The package registers its provider with one call (<c>AddApiRoutesPostgreSql()</c>);
/// an app that names the provider only in configuration finds it through the package's assembly attribute.
/// </summary>
internal interface IExecutionStoreProvider
{
    StoreProvider Provider { get; }

    /// <exception cref="ExecutionStoreUnavailableException">The store cannot be opened.</exception>
    IExecutionStore Open(IServiceProvider services, StoreOptions options);
}

/// <summary>A store that coordinates replicas through itself (PostgreSQL).</summary>
internal interface ICoordinatingStore
{
    IReplicaCoordination Coordination { get; }
}

/// <summary>Names, in a store package's assembly, the provider it brings.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
internal sealed class ExecutionStoreProviderAttribute(
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type provider) : Attribute
{
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type Provider { get; } = provider;
}

/// <summary>Finds the provider of a store that lives in its own package.</summary>
internal static class StoreProviderPackage
{
    public static string PackageOf(StoreProvider provider) => provider switch
    {
        StoreProvider.PostgreSql => "ApiRoutes.PostgreSql",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "This store is built into ApiRoutes."),
    };

    /// <summary>The registered provider, else the one the package's assembly names, else a one-line error naming the package.</summary>
    /// <exception cref="ApiRoutesStartupException">The package is not referenced.</exception>
    public static IExecutionStoreProvider Find(IEnumerable<IExecutionStoreProvider> registered, StoreProvider provider)
    {
        if (registered.LastOrDefault(candidate => candidate.Provider == provider) is { } found)
        {
            return found;
        }

        var package = PackageOf(provider);
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(package));
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new ApiRoutesStartupException(
                $"ApiRoutes:Store:Provider is {provider}, but the {package} package is not referenced by the app: add it "
                + $"(dotnet add package {package}) and call services.AddApiRoutesPostgreSql(), or choose another store.", e);
        }

        return assembly.GetCustomAttribute<ExecutionStoreProviderAttribute>() is { } named
            && Activator.CreateInstance(named.Provider) is IExecutionStoreProvider made && made.Provider == provider
            ? made
            : throw new ApiRoutesStartupException(
                $"The {package} assembly the app loaded does not provide the {provider} store: reference the {package} "
                + "package of the same version as ApiRoutes.");
    }
}
