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

    // Review 33e: ASP.NET Core takes 'Staging' and 'staging' for one environment; their stores were two folders, and the
    // work accepted into the first was not run after a start that wrote the name in another case.
    [Fact]
    public void A_folder_an_earlier_start_made_is_the_store_s_whatever_the_case_of_the_environment_s_name()
    {
        var home = Directory.CreateTempSubdirectory("apiroutes-home-").FullName;
        try
        {
            var app = Path.Combine(home, "apiroutes", "PathTest");
            Assert.Equal(Path.Combine(app, "Staging", "executions.db"), DefaultStorePath.For(Environment("Staging"), home));   // none yet: as written

            Directory.CreateDirectory(Path.Combine(app, "Staging"));
            Assert.Equal(Path.Combine(app, "Staging", "executions.db"), DefaultStorePath.For(Environment("staging"), home));
            Assert.Equal(Path.Combine(app, "Staging", "executions.db"), DefaultStorePath.For(Environment("STAGING"), home));

            // Two, and neither in this case: which one holds the work is the operator's call. One in this case is its own.
            Directory.CreateDirectory(Path.Combine(app, "staging"));
            var refused = Assert.Throws<ExecutionStoreUnavailableException>(() => DefaultStorePath.For(Environment("STAGING"), home));
            Assert.Equal(
                $"The execution store's default folders '{Path.Combine(app, "Staging")}' and '{Path.Combine(app, "staging")}' are all the environment 'STAGING', "
                + "whose name ASP.NET Core compares ignoring case: which one holds the work to run is not known. Set ApiRoutes:Store:Path to that one's "
                + "executions.db, or start the app with the environment's name written as that folder's.",
                refused.Message);
            Assert.Equal(Path.Combine(app, "staging", "executions.db"), DefaultStorePath.For(Environment("staging"), home));

            // A file of that name is not a folder of a store.
            File.WriteAllText(Path.Combine(app, "Testing"), "");
            Assert.Equal(Path.Combine(app, "testing", "executions.db"), DefaultStorePath.For(Environment("testing"), home));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static HostingEnvironment Environment(string name) => new() { ApplicationName = "PathTest", EnvironmentName = name };
}
