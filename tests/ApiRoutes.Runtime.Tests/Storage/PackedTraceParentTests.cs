using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>Only a canonical <c>traceparent</c> is packed, and it comes back character for character.</summary>
public sealed class PackedTraceParentTests
{
    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // sampled
    [InlineData("00-00000000000000000000000000000001-0000000000000001-00")]   // leading zeros kept
    [InlineData("00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff")]   // the largest values
    public void A_canonical_traceparent_is_packed_and_comes_back_as_it_was(string text)
    {
        Assert.True(PackedTraceParent.TryPack(text, out var packed));
        Assert.Equal(text, packed.Text());
    }

    [Theory]
    [InlineData(null)]                                                         // none
    [InlineData("")]                                                           // empty
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01")]   // upper case would not come back the same
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // another version
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-")]  // longer
    [InlineData("00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01")]   // another separator
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")]   // not hex
    [InlineData("00- af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // a space in a number
    [InlineData("00-+af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]   // a sign in a number
    public void Any_other_text_is_not_packed(string? text)
    {
        Assert.False(PackedTraceParent.TryPack(text, out var packed));
        Assert.Equal(default, packed);
    }
}
