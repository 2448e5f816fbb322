using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Dashboard;

/// <summary>
/// The dashboard's access token outside Development. Scripts send it as <c>Authorization: Bearer</c>. The page is
/// opened as <c>/_apiroutes#token=…</c>: the part after <c>#</c> never leaves the browser (no request line, no log,
/// no proxy sees it); the page trades it once for an <c>HttpOnly</c>, <c>SameSite=Strict</c> cookie and removes it
/// from the address bar. The cookie holds a value derived from the token and its issue time, never the token itself,
/// and holds for <see cref="Lifetime"/>.
/// </summary>
internal sealed class DashboardSession
{
    /// <summary>What every session cookie's name starts with; the rest names the token it was issued for.</summary>
    public const string CookiePrefix = "apiroutes_dashboard";

    /// <summary>How long a session cookie holds: a copied cookie stops working within a working day, not at the next token rotation.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);

    // A cookie issued a little "in the future" by a replica whose clock runs ahead is still good.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private readonly byte[] _token;
    private readonly TimeProvider _time;

    private readonly RefusalLog? _refusals;

    public DashboardSession(string token, TimeProvider time, RefusalLog? refusals = null)
    {
        _token = Encoding.UTF8.GetBytes(token);
        _time = time;
        _refusals = refusals;

        // Cookies go to every port of a host name: two apps on one host, each with its own token, overwrote each other's
        // session with one fixed name (review 26a F15). The name is the token's, by a MAC that tells nothing of it.
        CookieName = CookiePrefix + "_" + Convert.ToHexStringLower(HMACSHA256.HashData(_token, "ApiRoutes dashboard cookie name"u8))[..12];
    }

    /// <summary>The session cookie's name for this token.</summary>
    public string CookieName { get; }

    /// <summary>Whether the request carries the token (bearer) or a session cookie still in its lifetime; compared in constant time.</summary>
    public bool IsAuthenticated(HttpRequest request) =>
        BearerToken(request) is { } token ? Matches(token) : request.Cookies[CookieName] is { } cookie && IsCurrent(cookie);

    /// <summary>Whether the request carries the token itself (a script, curl); the session cookie does not count.</summary>
    public bool HasToken(HttpRequest request) => BearerToken(request) is { } token && Matches(token);

    // The scheme is case-insensitive (RFC 9110): "bearer" is "Bearer".
    private static string? BearerToken(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    // "<issued, Unix seconds>.<HMAC of the token over the issue time>": the time is the MAC's input, so it cannot be moved.
    private string CookieValue(long issued) =>
        issued.ToString(CultureInfo.InvariantCulture) + "." + Convert.ToHexStringLower(HMACSHA256.HashData(_token, Encoding.UTF8.GetBytes("ApiRoutes dashboard session v2\n" + issued.ToString(CultureInfo.InvariantCulture))));

    private bool IsCurrent(string cookie)
    {
        var dot = cookie.IndexOf('.', StringComparison.Ordinal);
        if (dot is <= 0 or > 20 || !long.TryParse(cookie.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var issued))
        {
            return false;
        }

        var age = _time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(Math.Min(issued, DateTimeOffset.MaxValue.ToUnixTimeSeconds()));
        return age < Lifetime && age > -ClockSkew
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(CookieValue(issued)));
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
        catch (IOException e) when (e is Microsoft.AspNetCore.Connections.ConnectionResetException || context.RequestAborted.IsCancellationRequested)
        {
            // The client reset its connection mid-body: nobody to answer; aborted, so the server does not drain the body the
            // failed read left in use (an Error line, Kestrel 67: review 35c F1).
            context.Abort();
            return Results.Empty;
        }
        catch (Exception e) when (e is JsonException or BadHttpRequestException or IOException)
        {
            // Not a token: refused below like a wrong one. An I/O error is a body the server could not read (a chunk size
            // past 64 bits, a connection reset mid-body): it was an unhandled exception with a stack trace (review 35c F1).
        }

        if (token is null || !Matches(token))
        {
            _refusals?.Refused(context.Request, StatusCodes.Status401Unauthorized, "the token offered for a session is not ApiRoutes:Dashboard:Token");
            return DashboardJson.Error("The token does not match ApiRoutes:Dashboard:Token.", StatusCodes.Status401Unauthorized);
        }

        context.Response.Cookies.Append(CookieName, CookieValue(_time.GetUtcNow().ToUnixTimeSeconds()), new CookieOptions
        {
            MaxAge = Lifetime,
            HttpOnly = true,
            SameSite = SameSiteMode.Strict,
            Secure = context.Request.IsHttps,
            Path = context.Request.PathBase + DashboardApi.PagePath,   // under the app's PathBase, where the browser asks (review 27c F6)
            IsEssential = true,
        });
        return Results.NoContent();
    }

    private bool Matches(string given) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), _token);
}
