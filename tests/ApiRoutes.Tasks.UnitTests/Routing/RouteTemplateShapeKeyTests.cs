using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.UnitTests.Routing;

public class RouteTemplateShapeKeyTests
{
    [Theory]
    [InlineData("/api/Orders/{id}", "/api/orders/{orderId}")]        // literal case and parameter names ignored
    [InlineData("api/orders", "/api/orders/")]                        // prefix and trailing '/' normalized away
    [InlineData("~/api/orders", "/API/ORDERS")]
    [InlineData("/", "~/")]
    [InlineData("/api/{id:int:min(1)}", "/api/{key:min(1):int}")]     // constraint order does not matter
    [InlineData("/api/{id:INT}", "/api/{id:int}")]                    // constraint names ignore case
    [InlineData("/api/{id?}", "/api/{other?}")]
    [InlineData("/api/{id?}", "/api/{id=5}")]                         // a default makes the segment optional too
    [InlineData("/api/{id=5}", "/api/{id=6}")]                        // the default value itself does not matter
    [InlineData("/files/{*path}", "/files/{**rest}")]                 // '*' and '**' match the same paths
    [InlineData("/files/{*path}", "/files/{*path=index.html}")]       // a catch-all already matches nothing
    [InlineData("/f/{name}.{ext?}", "/F/{n}.{e?}")]
    [InlineData("/api/\u00e9t\u00e9", "/api/\u00c9T\u00c9")]                   // é and É: routing ignores case outside ASCII too
    [InlineData("/v{version}/x", "/V{ver}/X")]
    [InlineData("/api/g/\U00010D50", "/api/g/\U00010D70")]                    // GARAY capital and small a, whatever ICU knows (review 33f F4)
    public void Same_routes_share_a_key(string first, string second) =>
        Assert.Equal(Key(first), Key(second));

    [Theory]
    [InlineData("/api/orders/{id:int}", "/api/orders/{id}")]           // constraints count
    [InlineData("/api/orders/{id:int}", "/api/orders/{id:long}")]
    [InlineData("/api/{id:range(1,10)}", "/api/{id:range(1,11)}")]    // so do their arguments
    [InlineData("/api/orders/{id?}", "/api/orders/{id}")]              // optional counts
    [InlineData("/api/orders/{*rest}", "/api/orders/{id}")]            // catch-all counts
    [InlineData("/api/orders", "/api/orders/{id?}")]
    [InlineData("/api/orders", "/api/order")]
    [InlineData("/api/orders/items", "/api/ordersitems")]
    [InlineData("/api/{a}-{b}", "/api/{a}.{b}")]
    [InlineData("/api/{{x}}", "/api/{x}")]                             // an escaped brace is a literal, not a parameter
    [InlineData("/api/{id:regex(a:b)}", "/api/{id:regex(a):b}")]      // ':' inside an argument is not a separator
    [InlineData("/", "/api")]
    [InlineData("/api/\u212Aelvin", "/api/kelvin")]                  // KELVIN SIGN: routing (OrdinalIgnoreCase) tells it from 'k' (review 33c F1)
    [InlineData("/api/\u017Ftatus", "/api/status")]                  // long s, and dotless i: none outside ASCII is one inside it to routing
    [InlineData("/api/\u0131d", "/api/id")]
    public void Different_routes_get_different_keys(string first, string second) =>
        Assert.NotEqual(Key(first), Key(second));

    [Theory]
    [InlineData("/", "/")]
    [InlineData("/api/Orders/{id:int:min(1)}", "/API/ORDERS/{:int:min(1)}")]
    [InlineData("/api/{id?}/{*rest:nonfile}", "/API/{?}/{*:nonfile}")]
    [InlineData("/f/{name}.{ext=txt}", "/F/{}.{?}")]
    public void Keys_read_like_the_template(string template, string key) =>
        Assert.Equal(key, Key(template));

    private static string Key(string template)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.True(result.IsValid, result.Error);
        return result.Template!.ShapeKey;
    }
}
