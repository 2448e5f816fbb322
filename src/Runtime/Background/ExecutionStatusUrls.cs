using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace ApiRoutes.Background;

/// <summary>
/// Status URLs for callers of background routes (<c>ApiRoutes:Background:StatusUrls</c>): the 202 carries
/// <c>Location: /_apiroutes/status/&lt;id&gt;.&lt;signature&gt;</c>, where the signature is an HMAC-SHA256 of the
/// execution id under a secret key. Only who got the 202 holds the URL: an execution id alone (in a log, on the
/// dashboard) does not make one, and no URL can be guessed. With a configured key the URLs hold across restarts and
/// replicas; without one (Development only) the key is random per process.
/// </summary>
internal sealed class ExecutionStatusUrls(byte[] key)
{
    public const string Prefix = "/_apiroutes/status";

    private static readonly byte[] Purpose = "ApiRoutes execution status v1\n"u8.ToArray();

    /// <summary>The status URL (a path) of execution <paramref name="id"/>.</summary>
    public string For(string id) => $"{Prefix}/{id}.{Signature(id)}";

    /// <summary>The execution id the token (the URL's last segment) was made for, or null when its signature does not match.</summary>
    public string? ExecutionIdOf(string token)
    {
        var dot = token.LastIndexOf('.');
        if (dot <= 0 || token.Length > 200)
        {
            return null;
        }

        var id = token[..dot];
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token[(dot + 1)..]), Encoding.ASCII.GetBytes(Signature(id))) ? id : null;
    }

    /// <summary>The key for <paramref name="configured"/>, or a random one when none is configured.</summary>
    public static ExecutionStatusUrls Create(string? configured) =>
        new(string.IsNullOrEmpty(configured) ? RandomNumberGenerator.GetBytes(32) : Encoding.UTF8.GetBytes(configured));

    private string Signature(string id) => Base64Url.EncodeToString(HMACSHA256.HashData(key, (byte[])[.. Purpose, .. Encoding.UTF8.GetBytes(id)]));
}
