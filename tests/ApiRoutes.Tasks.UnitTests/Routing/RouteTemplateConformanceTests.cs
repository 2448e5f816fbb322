using ApiRoutes.Tasks.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace ApiRoutes.Tasks.UnitTests.Routing;

// Our parser must accept exactly what ASP.NET Core accepts — RoutePatternFactory.Parse, then start-up and the
// first request (see AspNetCoreRoutes) — and read the same parameters and literals out of it. Each case states its
// expectation, so a change on either side shows.
public class RouteTemplateConformanceTests
{
    [Theory]
    // Plain paths and prefixes.
    [InlineData("/", true)]
    [InlineData("~/", true)]
    [InlineData("api/orders", true)]
    [InlineData("/api/orders/", true)]
    [InlineData("~/api/orders", true)]
    [InlineData("/~/x", true)]                                    // '~' after the prefix is a literal
    [InlineData("/a/.b/b../.../{a}.{b?}", true)]                  // dots in a segment with more are plain text
    [InlineData("/api/caf\u00E9/a\u00A0b/100%/%2F/%2", true)]       // other letters and spaces; a '%' that is no escape Kestrel decodes
    [InlineData("/api/a%FFb/caf%C3/%C0%AF/%ED%A0%80", true)]      // escapes of no valid UTF-8 character: Kestrel leaves them (review 45c)
    [InlineData("/api/a#b", true)]                                // a '#' is reached as '%23' (review 45c)
    [InlineData("/api/x*y(z):w=v", true)]                         // punctuation outside braces is literal
    [InlineData("/api/a b", true)]                                // inner whitespace is literal
    [InlineData("~", false)]
    [InlineData("~api", false)]
    [InlineData("//", false)]
    [InlineData("/api//x", false)]
    [InlineData("/api/x//", false)]
    [InlineData("/api/x?", false)]                                // '?' in a literal
    [InlineData("/api/{id}?", false)]
    // Braces and escaping.
    [InlineData("/api/{{x}}", true)]
    [InlineData("/x{{{id}", true)]                                // escaped brace, then a parameter
    [InlineData("/{a}{{x{{{b}", true)]
    [InlineData("/{{{a}}}", false)]                               // the parameter's "}}" escapes, leaving 'a}'
    [InlineData("/api/{", false)]
    [InlineData("/api/}", false)]
    [InlineData("/api/{id", false)]
    [InlineData("/api/{id}}", false)]
    [InlineData("/api/x}{id}", false)]
    [InlineData("/{id:regex(^\\d{{3}}$)}", true)]
    [InlineData("/{id:regex(^\\d{3}$)}", false)]
    [InlineData("/{id:regex(}})}", true)]
    [InlineData("/{id:regex(})}", false)]
    [InlineData("/{a{{b}", false)]
    // Parameter names.
    [InlineData("/{}", false)]
    [InlineData("/{*}", false)]
    [InlineData("/{**}", false)]
    [InlineData("/{?}", false)]
    [InlineData("/{a/b}", false)]
    [InlineData("/{a*}", false)]
    [InlineData("/{a??}", false)]
    [InlineData("/{a?b}", false)]
    [InlineData("/{:a}", true)]                                   // a leading ':' or '=' is part of the name
    [InlineData("/{=a}", true)]
    [InlineData("/{::a}", true)]
    [InlineData("/{a.b}/{a-b}/{ }", true)]                        // odd names that ASP.NET Core allows
    [InlineData("/{id}/{ID}", false)]
    [InlineData("/{id}-{Id}", false)]
    // Optional, default, catch-all.
    [InlineData("/{id?}", true)]
    [InlineData("/{id=5}", true)]
    [InlineData("/{id=}", true)]
    [InlineData("/{id=x=y:z}", true)]
    [InlineData("/{id=5?}", false)]
    [InlineData("/{id?=5}", false)]
    [InlineData("/{id:int=?}", false)]
    [InlineData("/{a(=x)?}", true)]                               // '(' ending a name opens an argument that hides '='
    [InlineData("/{a?}/{b?}", true)]
    [InlineData("/{*rest}", true)]
    [InlineData("/{**rest}", true)]
    [InlineData("/{*rest=x}", true)]
    [InlineData("/{*rest:int}/", true)]
    [InlineData("/{*rest?}", false)]
    [InlineData("/{**rest:int?}", false)]
    [InlineData("/{*rest}/x", false)]
    [InlineData("/{*a}/{b}", false)]
    [InlineData("/x{*rest}", false)]
    [InlineData("/{a}.{*rest}", false)]
    // Constraints.
    [InlineData("/{id:int:min(1)}", true)]
    [InlineData("/{id:regex(a:b)}", true)]
    [InlineData("/{id:regex(a=b)=c}", true)]
    [InlineData("/{id:regex(x:int}", true)]                       // no ')' after ':': the argument ends there
    [InlineData("/{id:regex(x=5}", true)]
    [InlineData("/{id:regex(x)y:int}", true)]
    [InlineData("/{id::int:}", true)]
    [InlineData("/{id:(}", true)]
    [InlineData("/{id:int:max(10)?}", true)]
    [InlineData("/{id:slug}", true)]                              // unknown constraints are resolved later
    // Complex segments.
    [InlineData("/{a}-{b}", true)]
    [InlineData("/{a}.{b?}", true)]
    [InlineData("/.{b?}", true)]
    [InlineData("/{a}.{b}.{c?}", true)]
    [InlineData("/{a}{b}", false)]
    [InlineData("/{a:int}{b}", false)]
    [InlineData("/{a}-{b?}", false)]
    [InlineData("/x.{b?}", false)]
    [InlineData("/{a}..{b?}", false)]
    [InlineData("/{a?}.{b}", false)]
    [InlineData("/{a}.{b?}.{c?}", false)]
    [InlineData("/{a}{b?}", false)]
    // Segments: start-up fails over 28 (a trailing '/' adds none).
    [InlineData("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28", true)]
    [InlineData("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/", true)]
    [InlineData("~/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/{a}/{*b}", false)]
    [InlineData("/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16/17/18/19/20/21/22/23/24/25/26/27/28/29", false)]
    // Constraint arguments: the first request fails for the whole app when a built-in constraint cannot be created.
    [InlineData("/{id:int(5)}", false)]                           // takes no argument
    [InlineData("/{id:int()}", false)]                            // an empty argument is still one
    [InlineData("/{id:Alpha(x)}", false)]
    [InlineData("/{id:required(x)}", false)]
    [InlineData("/{id:min}", false)]                              // needs one
    [InlineData("/{id:min(abc)}", false)]
    [InlineData("/{id:min()}", false)]
    [InlineData("/{id:MIN( -3)}", true)]                          // names ignore case; spaces and a sign are fine
    [InlineData("/{id:max(99999999999999999999)}", false)]        // over long.MaxValue
    [InlineData("/{id:minlength(+3)}", true)]
    [InlineData("/{id:minlength(-1)}", false)]
    [InlineData("/{id:maxlength(1,2)}", false)]                   // one constructor of one int: "1,2" is not an int
    [InlineData("/{id:minlength(٣)}", false)]                     // only ASCII digits
    [InlineData("/{id:length(5)}/{x:length( 1 , 5 )}", true)]
    [InlineData("/{id:length(5,1)}", false)]
    [InlineData("/{id:length(1,2,3)}", false)]
    [InlineData("/{id:length(-1)}", false)]
    [InlineData("/{id:length}", false)]
    [InlineData("/{id:range(1,1)}", true)]
    [InlineData("/{id:range(5,1)}", false)]
    [InlineData("/{id:range(1,5,)}", false)]
    [InlineData("/{id:range(1)}", false)]
    [InlineData("/{id:regex()}", true)]
    [InlineData("/{id:regex(a,b{{1,3}})}", true)]                 // the whole argument, commas included
    [InlineData("/{id:regex(()}", false)]
    [InlineData("/{id:regex([a-)}", false)]
    [InlineData("/{id:regex}", false)]
    [InlineData("/{id:min(1}", true)]                             // no closing ')': an unknown name "min(1", resolved later
    public void Agrees_with_AspNetCore(string template, bool valid)
    {
        var ours = RouteTemplateParser.Parse(template);
        var theirs = AspNetCoreRoutes.Accept(template);

        Assert.Equal(valid, theirs is not null);
        Assert.Equal(valid, ours.IsValid);
        if (valid)
        {
            Assert.Equal(RouteText.Parameters(theirs!), RouteText.Parameters(ours.Template!));
            Assert.Equal(RouteText.Segments(theirs!), RouteText.Segments(ours.Template!));
        }
    }

    // Deliberate differences: ASP.NET Core accepts these, but each is almost surely a typo in an attribute.
    [Theory]
    [InlineData("")]                                              // ASP.NET Core: the root; write "/" instead
    [InlineData("   ")]                                           // a literal segment of spaces
    [InlineData(" /api")]                                         // a first segment " "
    [InlineData("/api ")]                                         // a literal "api "
    [InlineData("/a/./b/..")]                                     // dot segments: no request reaches them (review 33c F3)
    [InlineData("/api/line\nbreak")]                              // characters that do not show, which the app refuses (F2)
    [InlineData("/api/bidi\u202Eevil")]
    [InlineData("/api/caf%C3%A9")]                                 // percent escapes: a request's path is decoded, a literal is not (45b F1)
    [InlineData("/api/%2E%2E/x")]                                  // a dot segment, escaped
    public void Rejects_some_templates_that_RoutePatternFactory_accepts(string template)
    {
        Assert.NotNull(AspNetCoreRoutes.Accept(template));
        Assert.False(RouteTemplateParser.Parse(template).IsValid);
    }

    [Fact]
    public void Agrees_on_generated_templates()
    {
        // Fixed seed: the same few thousand mostly-broken templates every run, built from the tricky tokens.
        string[] tokens = ["{", "}", "/", "?", "*", ":", "=", "(", ")", ".", "-", "~", "a", "B", "{{", "}}", "{a}", "{b?}", "{*c}", ":int", "=5", "regex(", ":min(", ":range(", ":length(", "1", ",", "-2"];
        var random = new Random(20240611);
        var disagreements = new List<string>();
        for (var i = 0; i < 5000; i++)
        {
            var template = string.Concat(Enumerable.Range(0, random.Next(1, 9)).Select(_ => tokens[random.Next(tokens.Length)]));
            // A dot segment is a deliberate difference (above).
            if (template.Replace("~/", "/", StringComparison.Ordinal).Split('/').Any(segment => segment is "." or ".."))
            {
                continue;
            }

            var ours = RouteTemplateParser.Parse(template);
            var theirs = AspNetCoreRoutes.Accept(template);
            if (ours.IsValid != theirs is not null
                || (theirs is not null && RouteText.Parameters(theirs) != RouteText.Parameters(ours.Template!)))
            {
                disagreements.Add(template);
            }
        }

        Assert.Empty(disagreements);
    }
}
