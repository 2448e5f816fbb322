using ApiRoutes.Storage;
using Microsoft.Extensions.Hosting.Internal;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// Review 33b F10: the environment's name is the default store's folder below the app's; used raw, ' Production' (a
/// blank from a .env line) opened a second, empty store beside the Production one, and 'a/../..' one outside the app's
/// data folder. Such a name is refused with what to do; a name that is one folder is used as it is.
/// </summary>
public sealed class DefaultStorePathTests
{
    [Theory]
    [InlineData(" Production", "it begins or ends with a blank")]
    [InlineData("Staging\t", "it begins or ends with a blank")]
    [InlineData("a/../../../../data/other", "it holds a '/' or '\\', which would lead to another folder")]
    [InlineData("..", "it is empty, '.' or '..'")]
    [InlineData("Sta\u0007ging", "it holds a control character")]
    public void An_environment_name_that_is_not_one_folder_is_refused(string name, string why)
    {
        var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => DefaultStorePath.For(Environment(name)));

        Assert.Equal(
            $"The environment's name '{name}' (ASPNETCORE_ENVIRONMENT, DOTNET_ENVIRONMENT or --environment) cannot name the execution store's "
            + $"default folder: {why}. Correct the name, or set ApiRoutes:Store:Path.",
            refused.Message);
    }

    [Theory]
    [InlineData("Production", "")]                 // the app's folder itself
    [InlineData("production", "")]                 // as ASP.NET Core compares it
    [InlineData("Staging", "Staging")]
    [InlineData("Development", "Development")]
    public void An_environment_name_that_is_one_folder_is_the_store_s_folder(string name, string folder)
    {
        var path = DefaultStorePath.For(Environment(name));

        Assert.EndsWith(Path.Combine("apiroutes", "PathTest", folder, "executions.db"), path, StringComparison.Ordinal);
    }

    private static HostingEnvironment Environment(string name) => new() { ApplicationName = "PathTest", EnvironmentName = name };
}
