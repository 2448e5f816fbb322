using ApiRoutes.Tasks.Routing;

namespace ApiRoutes.Tasks.UnitTests.Routing;

public class RouteTemplateParserErrorTests
{
    // The position is the 0-based index, in the template as written, of the offending character or parameter.
    [Theory]
    [InlineData("", "is empty", 0)]
    [InlineData("   ", "is empty", 0)]                                           // blank
    [InlineData(" /api", "starts with whitespace", 0)]
    [InlineData("/api  ", "ends with whitespace", 4)]                            // the first trailing space
    [InlineData("~", "'~' that is not followed by '/'", 0)]
    [InlineData("~api", "'~' that is not followed by '/'", 0)]
    [InlineData("//", "empty segment", 1)]
    [InlineData("/api//orders", "empty segment", 5)]
    [InlineData("/api/orders//", "empty segment", 12)]
    [InlineData("/api/orders?", "The literal 'orders?' contains '?'", 11)]
    [InlineData("/api/a?b", "The literal 'a?b' contains '?'", 6)]
    [InlineData("/api/{id}?", "The literal '?' contains '?'", 9)]                // '?' outside the braces
    [InlineData("/api/{id", "'{id' has no closing '}'", 5)]
    [InlineData("/api/x{", "'{' has no closing '}'", 6)]
    [InlineData("/api/{id}}", "'{id}}' has no closing '}'", 5)]                  // "}}" is an escaped brace
    [InlineData("/api/x}", "'}' without a matching '{'", 6)]
    [InlineData("/api/}{id}", "'}' without a matching '{'", 5)]
    [InlineData("/{id:regex(^\\d{3}$)}", "unescaped '{'", 14)]                   // braces in a regex need doubling
    [InlineData("/{id:regex({)}", "unescaped '{'", 11)]
    [InlineData("/api/{}", "'{}' has no name", 5)]
    [InlineData("/api/{*}", "'{*}' has no name", 5)]
    [InlineData("/api/{?}", "'{?}' has no name", 5)]
    [InlineData("/api/{id/x}", "name 'id/x' contains '/'", 8)]
    [InlineData("/api/{a{{b}", "name 'a{b' contains '{'", 7)]                    // an escaped brace is still a brace
    [InlineData("/api/{a}}b}", "name 'a}b' contains '}'", 7)]
    [InlineData("/api/{id?:int}", "'{id?:int}' has '?' before its end", 8)]      // '?' belongs after the constraints
    [InlineData("/api/{id?=5}", "'{id?=5}' has '?' before its end", 8)]
    [InlineData("/api/{?id}", "'{?id}' has '?' before its end", 6)]
    [InlineData("/api/{id*}", "'{id*}' has '*' after its start", 8)]
    [InlineData("/api/{***id}", "'{***id}' has '*' after its start", 8)]
    [InlineData("/api/{id}/{ID}", "name 'ID' appears more than once", 10)]       // names compare case-insensitively
    [InlineData("/api/{id}-{id}", "name 'id' appears more than once", 10)]
    [InlineData("/api/{*rest?}", "catch-all parameter '{*rest?}' cannot be optional", 5)]
    [InlineData("/api/{**rest?}", "catch-all parameter '{**rest?}' cannot be optional", 5)]
    [InlineData("/api/{*rest=x?}", "cannot be optional", 5)]
    [InlineData("/api/{id=5?}", "'{id=5?}' is optional and also has a default value", 5)]
    [InlineData("/api/{id:int=?}", "is optional and also has a default value", 5)]
    [InlineData("/api/{a}{b}", "'{a}{b}' has two parameters next to each other", 8)]
    [InlineData("/api/x{a:int}{b}y", "has two parameters next to each other", 13)]
    [InlineData("/api/{a?}.{b}", "optional parameter 'a' is not the last part", 5)]
    [InlineData("/api/{a}.{b?}.{c?}", "optional parameter 'b' is not the last part", 9)]
    [InlineData("/api/{a}-{b?}", "optional parameter 'b' is not preceded by a single '.'", 9)]
    [InlineData("/api/x.{b?}", "optional parameter 'b' is not preceded by a single '.'", 7)]
    [InlineData("/api/{a}..{b?}", "is not preceded by a single '.'", 10)]
    [InlineData("/api/{a}{b?}", "is not preceded by a single '.'", 8)]
    [InlineData("/api/x{*rest}", "'x{*rest}' mixes a catch-all parameter", 6)]
    [InlineData("/api/{*rest}.x", "mixes a catch-all parameter", 5)]
    [InlineData("/api/{*rest}/x", "'{*rest}' is not in the last segment", 5)]
    [InlineData("/{**rest}/{id}", "'{**rest}' is not in the last segment", 1)]
    // Review 33c F2: characters that do not show, which the app refuses in its manifest at start-up.
    [InlineData("/api/line\nbreak", "holds the control character U+000A at index 9 (after '/api/line')", 9)]
    [InlineData("/api/tab\there", "the control character U+0009 at index 8", 8)]
    [InlineData("/api/nul\0here", "the control character U+0000 at index 8", 8)]
    [InlineData("\n/api", "the control character U+000A at index 0;", 0)]           // named, not "starts with whitespace"
    [InlineData("/api/x\r\n", "the control character U+000D at index 6", 6)]
    [InlineData("/api/bidi\u202Eevil", "the invisible formatting character U+202E at index 9", 9)]
    [InlineData("/api/zero\u200Bwidth", "the invisible formatting character U+200B", 9)]
    [InlineData("/api/\uFEFFbom", "the invisible formatting character U+FEFF", 5)]
    [InlineData("/api/a\u2028b", "the line separator U+2028", 6)]
    [InlineData("/api/{id:regex(^a\tb$)}", "the control character U+0009", 17)]  // inside a parameter too
    [InlineData("/api/sur\uFFFDrogate", "the replacement character U+FFFD", 8)]  // what the compiler writes for a lone surrogate
    // Review 33c F3: Kestrel removes dot segments before routing.
    [InlineData("/api/dot/.", "the segment '.', which no request can reach", 9)]
    [InlineData("/api/dd/../x", "the segment '..', which no request can reach", 8)]
    [InlineData("./x", "the segment '.'", 0)]
    [InlineData("~/..", "the segment '..'", 2)]
    // Review 45b F1: Kestrel decodes a request's path but '%2F' before routing (and then removes dot segments); a
    // literal is matched as written. Review 45c: the text to write instead as a template writes it, or none.
    [InlineData("/api/caf%C3%A9", "The literal 'caf%C3%A9' holds the percent escape '%C3%A9': servers decode", 8)]
    [InlineData("/api/a%20b/{id}", "write the text it stands for, 'a b' (clients send it percent-encoded)", 6)]
    [InlineData("/api/x-%7e{id}", "The literal 'x-%7e' holds the percent escape '%7e'", 7)]
    [InlineData("/api/%7Buser%7D", "write the text it stands for, '{{user}}'", 5)]
    [InlineData("/api/{{%20", "write the text it stands for, '{{ '", 7)]
    [InlineData("/api/a%3Fb", "no route template can hold the text it stands for, 'a?b': remove it", 6)]
    [InlineData("/api/a%2541", "no route template can hold the text it stands for, 'a%41': remove it", 6)]
    [InlineData("/api/%2E%2E/x", "the segment '%2E%2E', which no request can reach", 5)]
    [InlineData("/api/%2e", "the segment '%2e', which no request can reach", 5)]
    [InlineData("/api/a%00b", "it stands for a control character, which a route cannot hold: remove it", 6)]
    // Review 39b F5: a URL was told to remove the extra '/' of "//"; a template is the path alone.
    [InlineData("https://example.com/api/t7", "is a URL; a route template is the path alone, such as '/api/t7'", 0)]
    [InlineData("http://localhost:5000", "such as '/'", 0)]
    [InlineData("http://localhost:5000/api/x?debug=1#top", "such as '/api/x'", 0)]
    // What ASP.NET Core refuses only when the app runs: the 29th segment, and the parameter of a bad constraint.
    [InlineData("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/0/1/2", "has 29 segments, and ASP.NET Core refuses a route of more than 28", 57)]
    [InlineData("/api/{id:int(5)}", "constraint 'int(5)'", 5)]
    [InlineData("/api/{id:int}/{n:range(9,1)}", "constraint 'range(9,1)'", 14)]
    [InlineData("/{id:regex(()}", "constraint 'regex(()'", 1)]
    public void Invalid_templates_say_what_and_where(string template, string message, int position)
    {
        var result = RouteTemplateParser.Parse(template);
        Assert.False(result.IsValid);
        Assert.Null(result.Template);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
        Assert.Equal(position, result.ErrorPosition);

        // One sentence: what is wrong, then after "; " how to fix it.
        Assert.EndsWith(".", result.Error, StringComparison.Ordinal);
        Assert.Contains("; ", result.Error, StringComparison.Ordinal);
    }

    // Review 33c F2, L4 (a [Fact]: xunit passes an InlineData string with a lone surrogate on as U+FFFD).
    [Fact]
    public void A_lone_surrogate_is_named()
    {
        var result = RouteTemplateParser.Parse("/api/sur\uD800rogate");

        Assert.Equal(8, result.ErrorPosition);
        Assert.StartsWith("The route template holds the lone surrogate U+D800 ", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_character_that_does_not_show_is_named_with_where_and_how_to_fix_it() =>
        Assert.Equal(
            "The route template holds the control character U+000A at index 9 (after '/api/line'); the app would refuse to start "
            + "with it in a route, and no route table or log would show it: remove it (a constant built from pieces, or text "
            + "pasted from a document, often brings one in).",
            RouteTemplateParser.Parse("/api/line\nbreak").Error);

    [Fact]
    public void A_bad_constraint_argument_says_what_the_runtime_would_do_and_how_to_fix_it() =>
        Assert.Equal(
            "ASP.NET Core cannot create the constraint 'min(abc)' and would then answer every request of the app with "
            + "500; give it a whole number, as in 'min(1)'.",
            RouteTemplateParser.Parse("/api/{id:min(abc)}").Error);

    [Fact]
    public void Duplicate_names_get_the_documented_sentence() =>
        Assert.Equal(
            "The route parameter name 'id' appears more than once; give each parameter a unique name.",
            RouteTemplateParser.Parse("/api/{id}/items/{id}").Error);
}
