using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

public class DefaultRouteTests
{
    [Theory]
    [InlineData("Shop.Api", "Hello", "/api/hello")]                        // the first example
    [InlineData("Shop.Api", "GenerateReport", "/api/generate-report")]     // PascalCase -> kebab-case
    [InlineData("Shop.Api.Admin", "UserExport", "/api/admin/user-export")] // namespace segments below .Api
    [InlineData("Shop.Api.Admin.Reports", "Daily", "/api/admin/reports/daily")]
    [InlineData("Shop.Api", "Index", "/api")]                              // Index takes its folder's path
    [InlineData("Shop.Api.Users", "Index", "/api/users")]
    [InlineData("Shop.Api", "HTMLParser", "/api/html-parser")]             // an acronym stays one word
    [InlineData("Shop.Api", "GetV2Data", "/api/get-v2-data")]              // digits stay with the word before
    [InlineData("Shop.Api", "Snake_Case", "/api/snake-case")]              // underscores become hyphens
    [InlineData("Shop.Api.OrderHistory", "Export", "/api/order-history/export")]
    public void Handlers_in_the_api_namespace_get_routes_from_namespace_and_name(string ns, string name, string expected) =>
        Assert.Equal(expected, DefaultRoute.For(ns, [name], "Shop"));

    [Fact]
    public void Nested_types_add_their_declaring_types_as_segments() =>
        Assert.Equal("/api/admin/export", DefaultRoute.For("Shop.Api", ["Admin", "Export"], "Shop"));

    [Theory]
    [InlineData("Shop")]               // the root namespace itself
    [InlineData("Shop.Handlers")]      // another folder
    [InlineData("Shop.ApiV2")]         // only a prefix of "Api"
    [InlineData("Other.Api")]          // another root
    [InlineData("")]                   // the global namespace
    public void Handlers_outside_the_api_namespace_have_no_default_route(string ns) =>
        Assert.Null(DefaultRoute.For(ns, ["Hello"], "Shop"));

    // Review 33c F7: names of only underscores give no segment; the handler has no default route, and the name is told.
    [Theory]
    [InlineData("Shop.Api._", "X", "namespace", "_")]
    [InlineData("Shop.Api.Ns", "__", "class", "__")]
    [InlineData("Shop.Api.A.___.B", "X", "namespace", "___")]
    public void A_name_of_only_underscores_gives_no_route(string ns, string name, string kind, string nameless)
    {
        Assert.Null(DefaultRoute.For(ns, [name], "Shop", out var found));
        Assert.Equal((kind, nameless), found);
    }

    [Fact]
    public void Underscores_beside_letters_still_become_hyphens() =>
        Assert.Equal("/api/private/x-y", DefaultRoute.For("Shop.Api._Private", ["_X__Y_"], "Shop", out _));

    [Fact]
    public void Without_a_root_namespace_the_api_namespace_is_top_level() =>
        Assert.Equal("/api/hello", DefaultRoute.For("Api", ["Hello"], ""));
}
