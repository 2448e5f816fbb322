using ApiRoutes.Scheduling;

namespace ApiRoutes.Runtime.Tests;

public class TriggerSignatureTests
{
    // Computed independently, as README shows a platform doing it:
    // printf 'v1\n%s\n%s\n%s' /api/cleanup 2026-01-01T03:00:00Z 1767236400 | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
    private const string OpenSslSignature = "sha256=9edefce27f226e9d3ac3a06969a1568d09960078c1ee899c8dff1227863681b4";

    [Fact]
    public void The_signature_matches_the_documented_openssl_recipe() =>
        Assert.Equal(OpenSslSignature, TriggerSignature.Compute("0123456789abcdef0123456789abcdef", "/api/cleanup", "2026-01-01T03:00:00Z", "1767236400"));

    [Theory]
    [InlineData("/api/cleanup", "2026-01-01T03:00:00Z", "1767236400", true)]
    [InlineData("/api/Cleanup", "2026-01-01T03:00:00Z", "1767236400", false)]   // the route as sent, exactly
    [InlineData("/api/cleanup", "2026-01-01T03:00:00.000Z", "1767236400", false)]
    [InlineData("/api/cleanup", "2026-01-01T03:00:00Z", "1767236401", false)]
    public void Any_change_to_a_signed_value_invalidates_the_signature(string route, string occurrence, string timestamp, bool valid) =>
        Assert.Equal(valid, TriggerSignature.IsValid("0123456789abcdef0123456789abcdef", route, occurrence, timestamp, OpenSslSignature));

    [Fact]
    public void A_signature_of_another_length_is_invalid_not_an_error() =>
        Assert.False(TriggerSignature.IsValid("0123456789abcdef0123456789abcdef", "/api/cleanup", "2026-01-01T03:00:00Z", "1767236400", "sha256=00"));
}
