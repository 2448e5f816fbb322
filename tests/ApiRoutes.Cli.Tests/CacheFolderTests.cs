using System.Diagnostics;
using System.Runtime.Versioning;
using ApiRoutes.Cli.Bundling;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// The folder <c>apiroutes serve --cache</c> unpacks into, and every folder above it, must be one that no other user
/// can change: otherwise that user could rename the verified private folder and put their own in its place before
/// <c>dotnet</c> loads it. The checks read owners and modes, not access, so they hold when the tests run as root.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class CacheFolderTests : IDisposable
{
    // Under the sticky /tmp, owned by the test's user, mode 0700: a safe place to build unsafe ones in.
    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-cache-").FullName;
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();

    [Theory]
    // The review's case: a parent that everyone may write to, without the sticky bit.
    [InlineData("parent 0777", "'{0}/open' is writable by users other than its owner (mode 0777) and has no sticky bit")]
    // The sticky bit protects the entries of a folder, not the folder itself.
    [InlineData("root 1777", "'{0}/open/cache' is writable by users other than its owner (mode 1777)")]
    // A link to an unsafe folder is checked where it leads.
    [InlineData("link to 0777", "'{0}/open' is writable by users other than its owner (mode 0777) and has no sticky bit")]
    public void A_cache_folder_that_others_could_change_is_refused_and_nothing_is_made_in_it(string layout, string problem)
    {
        var open = Path.Combine(_folder, "open");
        Directory.CreateDirectory(open);
        var cache = Path.Combine(open, "cache");
        switch (layout)
        {
            case "parent 0777":
            case "link to 0777":
                File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
                break;
            default:
                Directory.CreateDirectory(cache);
                File.SetUnixFileMode(cache, UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111);
                break;
        }

        if (layout == "link to 0777")
        {
            cache = Path.Combine(Directory.CreateSymbolicLink(Path.Combine(_folder, "link"), open).FullName, "cache");
        }

        var error = Assert.ThrowsAny<IOException>(() => PrivateFolder.CreateUnder(cache));

        Assert.Contains(string.Format(null, problem, _folder), error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(layout.StartsWith("root", StringComparison.Ordinal) ? cache : open));
    }

    [Fact]
    public void A_group_writable_parent_is_refused_unless_the_group_is_the_users_own()
    {
        // Group-writable is as bad as world-writable when others are in the group: any of them could swap the folder. A
        // group of the user's alone (Ubuntu's user private groups, with umask 002: ~/.local is 0775) gives no one else a way.
        var open = Directory.CreateDirectory(Path.Combine(_folder, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_000);
        var group = ApiRoutes.Bundling.UnixFiles.Status(open).Group;

        var shared = Assert.Throws<UnsafeFolderException>(() => TrustedFolder.Check(open, isCacheRoot: false, ownGroup: null));
        Assert.Contains($"'{open}' is writable by users other than its owner (mode 0770) and has no sticky bit", shared.Message, StringComparison.Ordinal);
        Assert.Equal(open, TrustedFolder.Check(open, isCacheRoot: false, ownGroup: group));

        // An ACL's mask stands in the group bits' place (0770 still): it may let another user write, whatever the group.
        ApiRoutes.Runtime.Tests.Infrastructure.PosixAcl.GrantUser(open, 54321);
        var acl = Assert.Throws<UnsafeFolderException>(() => TrustedFolder.Check(open, isCacheRoot: false, ownGroup: group));
        Assert.Contains($"'{open}' is writable by users other than its owner (mode 0770)", acl.Message, StringComparison.Ordinal);

        if (Environment.UserName == "root")
        {
            // The command's own path, with a group that is not root's own: refused, and nothing made in it.
            using var chgrp = Process.Start("chgrp", ["4321", open]);
            chgrp.WaitForExit();
            Assert.Equal(0, chgrp.ExitCode);

            var error = Assert.ThrowsAny<IOException>(() => PrivateFolder.CreateUnder(Path.Combine(open, "cache")));
            Assert.Contains($"'{open}' is writable by users other than its owner (mode 0770) and has no sticky bit", error.Message, StringComparison.Ordinal);
            Assert.Empty(Directory.EnumerateFileSystemEntries(open));
        }
    }

    [Fact]
    public void A_cache_folder_owned_by_another_user_or_under_one_is_refused()
    {
        if (Environment.UserName != "root")
        {
            // Only root can give a folder away; any other user can try a folder root owns.
            Assert.Contains("'/' is owned by user 0, not you", Assert.ThrowsAny<IOException>(() => PrivateFolder.CreateUnder("/")).Message, StringComparison.Ordinal);
            return;
        }

        // 65534 is 'nobody': a user that owns nothing the test relies on.
        var theirs = Directory.CreateDirectory(Path.Combine(_folder, "theirs")).FullName;
        var mine = Directory.CreateDirectory(Path.Combine(_folder, "mine-under-theirs")).FullName;
        var under = Directory.CreateDirectory(Path.Combine(mine, "cache")).FullName;
        GiveToNobody(theirs);
        GiveToNobody(mine);

        var owned = Assert.ThrowsAny<IOException>(() => PrivateFolder.CreateUnder(theirs));
        var below = Assert.ThrowsAny<IOException>(() => PrivateFolder.CreateUnder(under));

        Assert.Contains($"'{theirs}' is owned by user 65534, not you (user 0)", owned.Message, StringComparison.Ordinal);
        Assert.Contains($"'{mine}' is owned by user 65534, neither you (user 0) nor root", below.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(theirs));
        Assert.Empty(Directory.EnumerateFileSystemEntries(under));
    }

    [Fact]
    public void A_cache_folder_of_ones_own_under_a_sticky_folder_is_used()
    {
        // As /tmp: everyone may add entries, only their owner may rename them.
        var shared = Path.Combine(_folder, "shared");
        Directory.CreateDirectory(shared);
        File.SetUnixFileMode(shared, UnixFileMode.StickyBit | (UnixFileMode)0b111_111_111);

        var (folder, held) = PrivateFolder.CreateUnder(Path.Combine(shared, "cache"));
        held.Dispose();

        Assert.Equal(Path.Combine(shared, "cache"), Path.GetDirectoryName(folder));
        Assert.Equal(PrivateFolder.OwnerOnly, File.GetUnixFileMode(Path.Combine(shared, "cache")));
    }

    [Fact]
    public async Task Serve_refuses_an_unsafe_cache_in_one_line_before_it_reads_the_bundle()
    {
        var open = Directory.CreateDirectory(Path.Combine(_folder, "open")).FullName;
        File.SetUnixFileMode(open, (UnixFileMode)0b111_111_111);
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        var exitCode = await Program.CreateRootCommand(_output, _error).Parse(["serve", bundle, "--cache", Path.Combine(open, "cache")])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = _output, Error = _error });

        Assert.Equal(1, exitCode);
        Assert.Equal(
            $"apiroutes: the cache folder '{open}/cache' is not safe to unpack into: '{open}' is writable by users other than its owner "
            + "(mode 0777) and has no sticky bit, so they could replace what it holds. Choose a --cache folder that only you can change.",
            _error.ToString().TrimEnd('\n'));
        Assert.Equal("", _output.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(open));
    }

    [Fact]
    public async Task Serve_says_so_in_one_line_when_the_cache_folder_cannot_be_made()
    {
        var file = Path.Combine(_folder, "file");
        File.WriteAllText(file, "");
        var bundle = CraftedBundle.Good().Write(Path.Combine(_folder, "App.bundle.zip"));

        var exitCode = await Program.CreateRootCommand(_output, _error).Parse(["serve", bundle, "--cache", Path.Combine(file, "cache")])
            .InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = _output, Error = _error });

        Assert.Equal(1, exitCode);
        var line = Assert.Single(_error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"apiroutes: the cache folder '{file}/cache' cannot be made: ", line, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _output.Dispose();
        _error.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    private static void GiveToNobody(string path)
    {
        using var chown = Process.Start("chown", ["65534", path]);
        chown.WaitForExit();
        Assert.Equal(0, chown.ExitCode);
    }
}
