using ApiRoutes.Execution;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>The headers a background request keeps: all but the secret ones, in their order.</summary>
public class SecretHeadersTests
{
    [Fact]
    public void The_secret_headers_are_left_out_whatever_their_case_and_the_rest_kept_in_order()
    {
        var secrets = new SecretHeaders(["X-Api-Key"]);
        var headers = new HeaderDictionary
        {
            ["Host"] = "shop",
            ["authorization"] = "Bearer token",
            ["X-Tenant"] = "acme",
            ["x-api-key"] = "key",
            ["Cookie"] = "session=1",
        };

        var kept = secrets.Without(headers);

        Assert.Equal(["Host=shop", "X-Tenant=acme"], kept.Select(h => $"{h.Key}={h.Value}"));
    }

    [Theory]
    [InlineData(0)] // no headers at all
    [InlineData(3)] // none of them secret: every one kept
    public void Without_a_secret_header_every_header_is_kept(int count)
    {
        var headers = new HeaderDictionary();
        for (var i = 0; i < count; i++)
        {
            headers[$"X-Header-{i}"] = $"value {i}";
        }

        var kept = SecretHeaders.Default.Without(headers);

        Assert.Equal(Enumerable.Range(0, count).Select(i => $"X-Header-{i}=value {i}"), kept.Select(h => $"{h.Key}={h.Value}"));
    }
}
