// The raw ASP.NET Core baseline for bench/load/run.sh: the same handler as samples/Shop/Api/Hello.cs and nothing
// else, so the measured difference is what the ApiRoutes runtime adds per request and at start-up.
var app = WebApplication.CreateBuilder(args).Build();
app.MapGet("/api/hello", (HttpContext c) => c.Response.WriteAsJsonAsync(new { hello = "world" }));
await app.RunAsync();
