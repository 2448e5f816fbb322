using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.UnitTests.Routing;

public class RouteTemplateParserTests
{
    [Theory]
    [InlineData("/api/orders", "/api/orders")]
    [InlineData("api/orders", "/api/orders")]                       // no leading '/'
    [InlineData("~/api/orders", "/api/orders")]                     // application-relative
    [InlineData("/api/orders/", "/api/orders")]                     // trailing '/' is dropped
    [InlineData("~/api/orders/", "/api/orders")]
    [InlineData("/", "/")]                                          // the root
    [InlineData("~/", "/")]
    [InlineData("/api/Orders/{id}", "/api/Orders/{id}")]            // case is kept
    [InlineData("/api/{{literal}}", "/api/{{literal}}")]            // escapes are kept in the text
    [InlineData("/api/{*rest}/", "/api/{*rest}")]                   // a trailing '/' after a catch-all too
    [InlineData("/~/x", "/~/x")]                                    // '~' later on is an ordinary literal
    [InlineData("/a/.b/c../...", "/a/.b/c../...")]                  // dots beside other text are plain literals (a lone '.' or '..' is refused)
    public void Text_is_normalized(string template, string text)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.True(result.IsValid, result.Error);
        Assert.Null(result.Error);
        Assert.Equal(text, result.Template!.Text);
        Assert.Equal(text, result.Template.ToString());
    }

    [Theory]
    [InlineData("/api/orders", "")]
    [InlineData("/api/orders/{id}", "id")]
    [InlineData("/api/orders/{id?}", "id?")]                        // optional
    [InlineData("/api/orders/{id=5}", "id=5")]                      // default value
    [InlineData("/api/orders/{id=}", "id=")]                        // empty default value
    [InlineData("/api/orders/{id:int}", "id:int")]
    [InlineData("/api/orders/{id:int?}", "id:int?")]                // '?' goes after the constraints
    [InlineData("/api/orders/{id:int=5}", "id:int=5")]
    [InlineData("/api/orders/{id:int:min(1)}", "id:int:min(1)")]   // several constraints, in order
    [InlineData("/api/orders/{id:int::min(1):}", "id:int:min(1)")] // empty constraints are skipped
    [InlineData("/api/orders/{id:range(1,10)}", "id:range(1,10)")]
    [InlineData("/api/files/{*path}", "*path")]                     // catch-all
    [InlineData("/api/files/{**path}", "**path")]                   // catch-all that keeps '/' unencoded
    [InlineData("/api/files/{*path=index.html}", "*path=index.html")] // a catch-all may have a default
    [InlineData("/api/files/{*path:nonfile}", "*path:nonfile")]
    [InlineData("/{a}/{b}-{c}/{d}.{e?}", "a, b, c, d, e?")]         // in order of appearance
    [InlineData("/{id=x=y}", "id=x=y")]                             // the default is everything after the first '='
    [InlineData("/{id=5:int}", "id=5:int")]                         // ':' after '=' belongs to the default
    [InlineData("/{id:regex(a:b)}", "id:regex(a:b)")]               // ':' inside parentheses is argument text
    [InlineData("/{id:regex(a=b)}", "id:regex(a=b)")]               // so is '='
    [InlineData("/{id:regex((a)(b))}", "id:regex((a)(b))")]         // nested parentheses
    [InlineData("/{id:regex(^\\d{{3}}$)}", "id:regex(^\\d{3}$)")]   // escaped braces are unescaped
    [InlineData("/{id:regex(a/b)}", "id:regex(a/b)")]               // '/' inside a parameter does not split it
    [InlineData("/{id:regex(x)y}", "id:regex(x)y")]                 // ')' not followed by ':' or '=' is text
    [InlineData("/{:id}", ":id")]                                   // a name may start with ':' or '='
    [InlineData("/{a.b}/{a-b}/{a b}", "a.b, a-b, a b")]             // ASP.NET Core accepts these names
    public void Parameters_are_parsed(string template, string parameters)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(parameters, RouteText.Parameters(result.Template!));
        Assert.Equal(parameters.Length > 0, result.Template!.HasParameters);
    }

    [Theory]
    [InlineData("/", "")]
    [InlineData("/api/orders", "'api' / 'orders'")]
    [InlineData("/api/v{version}/x", "'api' / 'v' {version} / 'x'")]
    [InlineData("/files/{name}.{ext?}", "'files' / {name} '.' {ext}")]
    [InlineData("/{{x}}-{id}", "'{x}-' {id}")]                      // "{{" and "}}" unescape to braces
    [InlineData("/x{{{id}", "'x{' {id}")]                           // an escaped brace right before a parameter
    public void Segments_are_parsed(string template, string segments)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.True(result.IsValid, result.Error);
        Assert.Equal(segments, RouteText.Segments(result.Template!));
    }

    [Theory]
    [InlineData("{id:int}", "int", null)]
    [InlineData("{id:range(1,10)}", "range", "1,10")]
    [InlineData("{id:regex(^\\d{{3}}$)}", "regex", "^\\d{3}$")]
    [InlineData("{id:regex(a:b)}", "regex", "a:b")]
    [InlineData("{id:regex((a)(b))}", "regex", "(a)(b)")]           // only the outer parentheses go
    [InlineData("{id:slug()}", "slug", "")]                         // empty argument
    [InlineData("{id:int(}", "int(", null)]                         // no closing ')': all of it is the name
    [InlineData("{id:MyCustom}", "MyCustom", null)]                 // unknown names are not an error
    public void Constraints_are_split_into_name_and_argument(string template, string name, string? argument)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.True(result.IsValid, result.Error);
        var constraint = Assert.Single(Assert.Single(result.Template!.Parameters).Constraints);
        Assert.Equal(new RouteConstraint(name, argument), constraint);
    }

    [Fact]
    public void Null_is_an_error_not_an_exception()
    {
        var result = RouteTemplateParser.Parse(null!);
        Assert.False(result.IsValid);
        Assert.Null(result.Template);
        Assert.Contains("empty", result.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("int", true)]
    [InlineData("INT", true)]                                       // case-insensitive, as ASP.NET Core
    [InlineData("nonfile", true)]
    [InlineData("regex", true)]
    [InlineData("required", true)]
    [InlineData("datetime", true)]
    [InlineData("slug", false)]                                     // an app's own constraint
    [InlineData("range(1,2)", false)]                               // names only, without arguments
    [InlineData("", false)]
    public void Built_in_constraints_are_known(string name, bool known) =>
        Assert.Equal(known, RouteConstraints.IsKnown(name));
}
