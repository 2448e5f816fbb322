using ApiRoutes.Execution;
using ApiRoutes.Storage;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>An error's text as it is kept: cut without splitting a character, and storable in PostgreSQL's text.</summary>
public sealed class ErrorTextTests
{
    [Fact]
    public void A_long_error_is_never_cut_between_the_halves_of_a_surrogate_pair()
    {
        var max = ExecutionRunner.MaxErrorCharacters;
        var error = new string('x', max - 1) + "\U0001F600" + new string('y', 10);

        var bounded = ExecutionRunner.Bounded(error);

        Assert.Equal(new string('x', max - 1) + "… [cut: 12 more characters]", bounded);
        Assert.Equal(new string('x', max), ExecutionRunner.Bounded(new string('x', max)));
    }

    // {high} and {low}: half a surrogate pair, which an attribute's string cannot hold.
    [Theory]
    [InlineData("plain text", "plain text")]
    [InlineData("a\0b\0", "a\uFFFDb\uFFFD")]
    [InlineData("ends in half: {high}", "ends in half: \uFFFD")]
    [InlineData("{low} starts with the other half", "\uFFFD starts with the other half")]
    [InlineData("two highs {high}{high}{low} then a pair", "two highs \uFFFD\U0001F600 then a pair")]
    [InlineData("a whole one \U0001F600 stays", "a whole one \U0001F600 stays")]
    public void Text_postgres_cannot_hold_is_stored_with_replacement_characters(string text, string stored) =>
        Assert.Equal(stored, PostgresText.Storable(WithHalves(text)));

    /// <summary>The text with {high} and {low} made the halves of 😀, alone.</summary>
    internal static string WithHalves(string text) => text.Replace("{high}", "\uD83D", StringComparison.Ordinal).Replace("{low}", "\uDE00", StringComparison.Ordinal);

    [Fact]
    public void Storable_text_is_the_same_string_and_null_stays_null()
    {
        var text = "nothing to replace \U0001F600";

        Assert.Same(text, PostgresText.Storable(text));
        Assert.Null(PostgresText.Storable(null));
    }
}
