using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// The generators read a switch as MSBuild's conditions do, so that ApiRoutesGenerateEntryPoint=yes, which the targets
/// take for true, does not leave the generator off (review 28c F13; AR0004 refuses values that are neither).
/// </summary>
public sealed class BuildSwitchTests
{
    [Theory]
    [InlineData("true", true)]
    [InlineData("True", true)]
    [InlineData("ON", true)]
    [InlineData("yes", true)]
    [InlineData("!false", true)]
    [InlineData("!Off", true)]
    [InlineData("!no", true)]
    [InlineData("false", false)]
    [InlineData("off", false)]
    [InlineData("no", false)]
    [InlineData("!true", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    [InlineData("1", false)]
    public void A_switch_is_on_where_MSBuild_reads_true(string? value, bool on) =>
        Assert.Equal(on, BuildSwitch.IsTrue(new GeneratorHarness.BuildProperties(value is null ? [] : new() { ["build_property.X"] = value }).GlobalOptions, "build_property.X"));
}
