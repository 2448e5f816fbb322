using System.Diagnostics;
using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>Paths handed to the analysis's MSBuild arrive as written, whatever their folder names hold.</summary>
public sealed class MSBuildValueTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-msbuild-").FullName;

    [Fact]
    public async Task A_path_with_separators_properties_items_and_wildcards_reaches_msbuild_unchanged()
    {
        // ',' and ';' split a -p: value; '$(…)' and '@(…)' expand; '%41' unescapes; '*' and '?' are wildcards.
        var folder = Path.Combine(_root, "My API, v2;Injected=yes $(Home) @(Compile) 100%41 it's *?");
        Directory.CreateDirectory(folder);
        var project = Path.Combine(folder, "x.proj");
        await File.WriteAllTextAsync(project, """
            <Project>
              <Target Name="Show">
                <Message Importance="high" Text="[$(Value)] [$(Injected)]" />
              </Target>
            </Project>
            """);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "msbuild", project, "-t:Show", "-nologo", "-nodeReuse:false", "-tl:off", "-v:m", $"-p:Value={MSBuildValue.Escape(folder + "/")}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));

        Assert.True(process.ExitCode == 0, await output + await error);
        Assert.Contains($"[{folder}/] []", await output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/home/a/My App", "/home/a/My App")]
    [InlineData("a,b;c", "a%2Cb%3Bc")]
    [InlineData("$(x)@(y)%z'*?", "%24(x)%40(y)%25z%27%2A%3F")]
    public void Special_characters_are_escaped_and_others_kept(string value, string escaped) =>
        Assert.Equal(escaped, MSBuildValue.Escape(value));

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
