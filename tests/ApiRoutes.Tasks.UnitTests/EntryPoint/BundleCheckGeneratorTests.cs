using ApiRoutes.EntryPoint;
using ApiRoutes.Tasks.UnitTests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace ApiRoutes.Tasks.UnitTests.EntryPoint;

/// <summary>
/// ApiRoutesVerifyBundle compiled into the app (review 33a F2): with the targets' switch on, a module initializer hands the
/// app's own assembly to the runtime; without it, nothing is generated.
/// </summary>
public sealed class BundleCheckGeneratorTests
{
    private const string App = """
        namespace Shop.Api;

        public sealed class Hello : ApiRoutes.IApiHandler
        {
            public System.Threading.Tasks.Task HandleAsync(Microsoft.AspNetCore.Http.HttpContext context) => System.Threading.Tasks.Task.CompletedTask;
        }
        """;

    [Theory]
    [InlineData("true")]
    [InlineData("Yes")]
    public void With_the_switch_on_the_apps_module_initializer_asks_the_runtime_for_the_check(string value)
    {
        var (generated, output) = GeneratorHarness.Run(
            new BundleCheckGenerator(), BundleCheckGenerator.SwitchProperty, value, OutputKind.ConsoleApplication, ("Api/Hello.cs", App), ("Program.cs", "return 0;"));

        var source = Assert.Single(generated).GetText().ToString();
        Assert.EndsWith(BundleCheckGenerator.HintName, generated[0].FilePath, StringComparison.Ordinal);
        Assert.Contains("[global::System.Runtime.CompilerServices.ModuleInitializer]", source, StringComparison.Ordinal);
        Assert.Contains("global::ApiRoutes.CompiledBuildSwitches.VerifyBundle(typeof(ApiRoutesVerifyBundle).Assembly)", source, StringComparison.Ordinal);

        // It compiles, with no warning, beside the app's own code (which may use its names for its own types).
        using var stream = new MemoryStream();
        var emitted = output.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        Assert.Empty(emitted.Diagnostics.Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("false")]
    [InlineData("")]
    public void Without_the_switch_nothing_is_generated(string? value)
    {
        var (generated, _) = GeneratorHarness.Run(
            new BundleCheckGenerator(), BundleCheckGenerator.SwitchProperty, value, OutputKind.ConsoleApplication, ("Api/Hello.cs", App), ("Program.cs", "return 0;"));

        Assert.Empty(generated);
    }
}
