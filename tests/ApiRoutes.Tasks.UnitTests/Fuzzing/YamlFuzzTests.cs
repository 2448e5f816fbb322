using Xunit.Abstractions;

namespace ApiRoutes.Tasks.UnitTests.Fuzzing;

/// <summary>
/// apiroutes.yaml from random bytes, a soup of YAML tokens, and randomly filled configurations, each through the
/// real analysis of a compiled project: every run must end in a coded result, never an exception.
/// </summary>
public sealed class YamlFuzzTests(FuzzProject fixture, ITestOutputHelper output) : IClassFixture<FuzzProject>
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    [Fact]
    public void Random_bytes_always_give_a_coded_result() =>
        new FuzzLoop("apiroutes.yaml of random bytes", 1_000_000, 600, Budget).Run(seed =>
        {
            var bytes = YamlInputs.Bytes(new Random(seed));
            File.WriteAllBytes(fixture.Project.ConfigPath, bytes);
            return Check($"{bytes.Length} random bytes");
        }).AssertNoEscapes(output);

    [Fact]
    public void A_soup_of_yaml_tokens_always_gives_a_coded_result() =>
        new FuzzLoop("apiroutes.yaml of YAML token soup", 2_000_000, 1_000, Budget).Run(seed =>
        {
            var yaml = YamlInputs.Soup(new Random(seed));
            fixture.Project.Yaml(yaml);
            return Check(FuzzLoop.Show(yaml));
        }).AssertNoEscapes(output);

    [Fact]
    public void Randomly_filled_configurations_always_give_a_coded_result() =>
        new FuzzLoop("apiroutes.yaml with random routes and values", 3_000_000, 1_000, Budget).Run(seed =>
        {
            var yaml = YamlInputs.Configuration(new Random(seed));
            fixture.Project.Yaml(yaml);
            return Check(FuzzLoop.Show(yaml));
        }).AssertNoEscapes(output);

    private string? Check(string input) =>
        FuzzProject.Uncoded(fixture.Project.Analyze(), fixture.Project.ConfigPath) is { } problem ? $"{problem}, for {input}" : null;
}
