using ApiRoutes.Scheduling;

namespace ApiRoutes.Runtime.Tests.Infrastructure;

/// <summary>A signed external schedule trigger, as a hosting platform's scheduler sends it.</summary>
internal static class SignedTriggers
{
    public static HttpRequestMessage Create(string secret, string route, string occurrence, string timestamp)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, TriggerSignature.Path);
        request.Headers.Add(TriggerSignature.RouteHeader, route);
        request.Headers.Add(TriggerSignature.OccurrenceHeader, occurrence);
        request.Headers.Add(TriggerSignature.TimestampHeader, timestamp);
        request.Headers.Add(TriggerSignature.SignatureHeader, TriggerSignature.Compute(secret, route, occurrence, timestamp));
        return request;
    }
}
