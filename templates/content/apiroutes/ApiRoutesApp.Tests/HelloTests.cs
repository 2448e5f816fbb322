using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ApiRoutesApp.Api;

namespace ApiRoutesApp.Tests;

/// <summary>
/// A handler is a plain class: create it (passing any services its constructor takes), give it an HttpContext, and
/// read what it wrote.
/// </summary>
public sealed class HelloTests
{
    [Fact]
    public async Task Hello_answers_with_a_json_greeting()
    {
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await new Hello().HandleAsync(context);

        Assert.StartsWith("application/json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal("world", json.RootElement.GetProperty("hello").GetString());
    }
}
