using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The dashboard's access token outside Development. Scripts send it as <c>Authorization: Bearer</c>. The page is
/// opened as <c>/_apiroutes#token=…</c>: the part after <c>#</c> never leaves the browser (no request line, no log,
/// no proxy sees it); the page trades it once for an <c>HttpOnly</c>, <c>SameSite=Strict</c> cookie and removes it
/// from the address bar. The cookie holds a value derived from the token, never the token itself.
/// </summary>
internal sealed class DashboardSession
{
    public const string CookieName = "apiroutes_dashboard";

    private readonly byte[] _token;
    private readonly string _cookieValue;

    public DashboardSession(string token)
    {
        _token = Encoding.UTF8.GetBytes(token);
        _cookieValue = Convert.ToHexStringLower(HMACSHA256.HashData(_token, "ApiRoutes dashboard session v1"u8));
    }

    /// <summary>Whether the request carries the token (bearer) or the session cookie; compared in constant time.</summary>
    public bool IsAuthenticated(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return Matches(header["Bearer ".Length..]);
        }

        return request.Cookies[CookieName] is { } cookie
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(_cookieValue));
    }

    /// <summary><c>POST /_apiroutes/api/session</c> with <c>{"token": "…"}</c>: 204 and the cookie, or 401.</summary>
    public async Task<IResult> StartAsync(HttpContext context)
    {
        // A token is short: never buffer more than a few kilobytes from whoever asks.
        if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = 4096;
        }

        string? token = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("token", out var value) && value.ValueKind == JsonValueKind.String)
            {
                token = value.GetString();
            }
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException)
        {
            // Not a token: refused below like a wrong one.
        }

        if (token is null || !Matches(token))
        {
            return DashboardJson.Error("The token does not match ApiRoutes:Dashboard:Token.", StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(CookieName, _cookieValue, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = DashboardApi.PagePath,
            IsEssential = true,
        });
        return Results.NoContent();
    }

    private bool Matches(string given) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
}
