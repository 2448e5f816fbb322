using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>
/// The path rules character by character: what a bundle path may not hold is judged per Unicode scalar value (a
/// character outside the BMP is two UTF-16 chars), and a name is refused for what it is, not for resembling one.
/// </summary>
public sealed class BundlePathTests
{
    [Theory]
    // every Windows device name, bare, with an extension, in any case, as a folder
    [InlineData("AUX", "AUX")]
    [InlineData("prn.json", "PRN")]
    [InlineData("Nul", "NUL")]
    [InlineData("lpt9.a.b", "LPT9")]
    [InlineData("com0.dll", "COM0")]
    [InlineData("conin$", "CONIN$")]
    // Windows also reads the superscript digits of COM and LPT as ports.
    [InlineData("COM\u00B9.txt", "COM\u00B9")]
    [InlineData("lpt\u00B3", "LPT\u00B3")]
    // Windows ignores spaces before the extension, so 'CON .txt' is CON too.
    [InlineData("CON .txt", "CON")]
    public void Windows_device_names_are_refused_with_any_extension_and_case(string segment, string device)
    {
        Assert.Equal(
            $"its segment '{segment}' is the Windows device name {device}, which Windows opens as a device, not a file",
            BundlePath.Problem("wwwroot/" + segment));
    }

    [Theory]
    // names that start like a device but are other names
    [InlineData("CONFIG.json")]
    [InlineData("console.txt")]
    [InlineData("com10.dll")]
    [InlineData("lpt.txt")]
    [InlineData("nulx")]
    [InlineData("x.nul")]
    [InlineData("auxiliary/a.js")]
    // the plain space, letters and symbols outside the BMP, accents
    [InlineData("my file.txt")]
    [InlineData("\U0001D49C.txt")]
    [InlineData("wwwroot/\U0001F600.png")]
    [InlineData("caf\u00E9/e\u0301.txt")]
    public void Names_that_only_resemble_refused_ones_are_safe(string path)
    {
        Assert.Null(BundlePath.Problem(path));
    }

    [Theory]
    [InlineData("x\U000E0001y", @"x\U000E0001y")]
    [InlineData("a\u2028b\u2029c", @"a\u2028b\u2029c")]
    [InlineData("a\u00A0b\u202Fc", @"a\u00A0b\u202Fc")]
    [InlineData("a\uFF0Fb\u2215c", @"a\uFF0Fb\u2215c")]
    [InlineData("a b/\U0001F600", "a b/\U0001F600")]
    public void Printable_escapes_every_character_that_would_hide_or_mislead(string text, string printable)
    {
        Assert.Equal(printable, BundlePath.Printable(text));
    }

    [Fact]
    public void Printable_escapes_an_unpaired_surrogate()
    {
        // Not in an [InlineData]: attribute strings are stored as UTF-8, which cannot hold a lone surrogate.
        Assert.Equal(@"x\uDB40y", BundlePath.Printable("x\uDB40y"));
    }

    [Fact]
    public void Printable_cuts_a_long_text_between_characters_never_inside_one()
    {
        var text = new string('a', 9) + "\U0001F600" + "tail";

        Assert.Equal(new string('a', 9) + "…", BundlePath.Printable(text, 10));
        Assert.Equal(new string('a', 9) + "\U0001F600…", BundlePath.Printable(text, 11));
    }
}
