using System.Security.Cryptography;
using System.Text;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The signature of an external schedule trigger (README, "Externally driven schedules"):
/// <c>sha256=</c> + lowercase hex of HMAC-SHA256(secret, "v1\n" + route + "\n" + occurrence + "\n" + timestamp),
/// over the header values exactly as sent.
/// </summary>
internal static class TriggerSignature
{
    public const string Path = "/_apiroutes/scheduled-runs";
    public const string RouteHeader = "X-ApiRoutes-Route";
    public const string OccurrenceHeader = "X-ApiRoutes-Occurrence";
    public const string TimestampHeader = "X-ApiRoutes-Timestamp";
    public const string SignatureHeader = "X-ApiRoutes-Signature";

    private const string Prefix = "sha256=";

    public static string Compute(string secret, string route, string occurrence, string timestamp)
    {
        var payload = Encoding.UTF8.GetBytes($"v1\n{route}\n{occurrence}\n{timestamp}");
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), payload));
    }

    /// <summary>A signed trigger of <paramref name="occurrence"/> of <paramref name="route"/>, as a platform's scheduler sends it.</summary>
    public static HttpRequestMessage CreateRequest(string secret, string route, string occurrence, string timestamp)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Path);
        request.Headers.Add(RouteHeader, route);
        request.Headers.Add(OccurrenceHeader, occurrence);
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(SignatureHeader, Compute(secret, route, occurrence, timestamp));
        return request;
    }

    /// <summary>Compares in constant time, so the comparison leaks nothing about how much of it matched.</summary>
    public static bool IsValid(string secret, string route, string occurrence, string timestamp, string signature)
    {
        var expected = Encoding.ASCII.GetBytes(Compute(secret, route, occurrence, timestamp));
        var actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }
}
