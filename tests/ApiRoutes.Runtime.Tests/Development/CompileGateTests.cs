using ApiRoutes.Development;

namespace ApiRoutes.Runtime.Tests.Development;

/// <summary>
/// The gate between an analysis and its compile, on real files: the build passes it by renaming it (as the target's
/// Move task does), a restart's stop closes it by renaming it too, and whichever comes first wins.
/// </summary>
public sealed class CompileGateTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-gate-").FullName;

    [Fact]
    public void A_gate_not_passed_yet_closes_and_the_build_can_no_longer_pass_it()
    {
        var gate = new CompileGate(_folder);
        gate.Open();

        Assert.True(gate.TryClose());
        Assert.Throws<FileNotFoundException>(() => PassAsTheBuildDoes(gate));
        Assert.False(File.Exists(gate.Path + ".passed"));
    }

    [Fact]
    public void A_gate_the_build_has_passed_does_not_close()
    {
        var gate = new CompileGate(_folder);
        gate.Open();
        PassAsTheBuildDoes(gate);

        Assert.False(gate.TryClose());
    }

    [Fact]
    public void Opening_again_clears_what_the_last_analysis_left()
    {
        var gate = new CompileGate(Path.Combine(_folder, "not-there-yet"));
        Assert.False(gate.TryClose());                    // never opened: nothing to close

        gate.Open();
        PassAsTheBuildDoes(gate);
        gate.Open();
        Assert.False(File.Exists(gate.Path + ".passed"));
        Assert.True(gate.TryClose());
        gate.Open();
        Assert.False(File.Exists(gate.Path + ".closed"));
        PassAsTheBuildDoes(gate);
    }

    [Fact]
    public async Task Of_a_build_and_a_stop_at_the_same_moment_exactly_one_wins()
    {
        for (var round = 0; round < 200; round++)
        {
            var gate = new CompileGate(_folder);
            gate.Open();
            using var start = new Barrier(2);
            var build = Task.Run(() =>
            {
                start.SignalAndWait();
                try
                {
                    PassAsTheBuildDoes(gate);
                    return true;
                }
                catch (FileNotFoundException)
                {
                    return false;
                }
            });
            var stop = Task.Run(() =>
            {
                start.SignalAndWait();
                return gate.TryClose();
            });

            Assert.NotEqual(await build, await stop);
        }
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // What the target _ApiRoutesWatchCompileGate's Move task does: a rename that fails when the gate is gone.
    private static void PassAsTheBuildDoes(CompileGate gate) => File.Move(gate.Path, gate.Path + ".passed");
}
