using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using ApiRoutesApp.Api;

namespace ApiRoutesApp.Tests;

/// <summary>A standard route, two ways: the handler as a plain class, and the whole app through WebApplicationFactory.</summary>
public sealed class HelloTests(WebApplicationFactory<Program> factory) : IClassFixture<WebApplicationFactory<Program>>
{
    [Fact]
    public async Task Hello_answers_with_a_json_greeting()
    {
        // A handler is a plain class: create it (passing any services its constructor takes), give it an HttpContext,
        // and read what it wrote.
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        await new Hello().HandleAsync(context);

        Assert.StartsWith("application/json", context.Response.ContentType);
        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        Assert.Equal("world", json.RootElement.GetProperty("hello").GetString());
    }

    [Fact]
    public async Task The_app_serves_hello_in_memory()
    {
        // The whole app (routes from its manifest, entry point, services), in memory. Executions are kept in memory
        // too, so tests never share the development server's store.
        using var client = factory
            .WithWebHostBuilder(builder => builder.UseSetting("ApiRoutes:Store:Provider", "InMemory"))
            .CreateClient();

        var hello = await client.GetFromJsonAsync<JsonElement>("/api/hello");

        Assert.Equal("world", hello.GetProperty("hello").GetString());
    }
}
