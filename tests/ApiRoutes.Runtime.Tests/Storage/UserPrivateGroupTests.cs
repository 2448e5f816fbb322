using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Storage;

/// <summary>
/// A user's own group (user private groups: Debian, Ubuntu, Fedora) is told from a shared one by the account files, and
/// anything those files cannot tell whole is not taken as the user's own: its group bits then count as others' (4008).
/// </summary>
public sealed class UserPrivateGroupTests : IDisposable
{
    private const string Accounts = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\nbob:x:1001:100::/home/bob:/bin/sh\n";

    private readonly string _folder = Directory.CreateTempSubdirectory("apiroutes-groups-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    // Without nsswitch.conf (the files, as the C library's default) nor systemd's userdb, unless given.
    private uint? Of(uint user, uint group, string groups, string accounts, string? nameServices = null, string? userdb = null) =>
        UserPrivateGroup.Of(user, group, groups, accounts, nameServices ?? Path.Combine(_folder, "no-nsswitch.conf"), [userdb ?? Path.Combine(_folder, "no-userdb")]);

    [Theory]
    [InlineData("alice:x:1000:\n", 1000u)]                            // Ubuntu's: named as the user, no members listed
    [InlineData("alice:x:1000:alice\n", 1000u)]                       // listing the user itself
    [InlineData("sudo:x:27:alice\nalice:x:1000:\n", 1000u)]           // other groups do not matter
    [InlineData("alice:x:1000:alice,bob\n", null)]                    // another member
    [InlineData("staff:x:1000:\n", null)]                             // not the user's name
    [InlineData("alice:x:1000:\nalice2:x:1000:\n", null)]             // a second name for the same id
    [InlineData("", null)]                                            // no entry at all (a directory service holds it)
    [InlineData("alice:x:1000:\n+:::\n", null)]                       // NIS entries come in: not known whole
    [InlineData("# comment\n\nalice:x:1000:\n", 1000u)]
    public void The_group_is_the_users_own_only_when_the_group_file_says_so_whole(string groups, uint? own)
    {
        Assert.Equal(own, Of(1000, 1000, Write("group", groups), Write("passwd", Accounts)));
    }

    [Fact]
    public void A_group_that_is_another_accounts_primary_group_is_shared()
    {
        var groups = Write("group", "users:x:100:\nalice:x:1000:\n");

        Assert.Null(Of(1000, 1000, groups, Write("passwd", Accounts + "carol:x:1002:1000::/home/carol:/bin/sh\n")));
        Assert.Null(Of(1000, 1000, groups, Write("passwd", Accounts + "alice:x:1005:1000::/home/alice2:/bin/sh\n")));   // a second account of the name
        Assert.Null(Of(1001, 100, groups, Write("passwd", Accounts)));   // SUSE's: every user's primary group is 'users'
        Assert.Null(Of(1000, 1000, groups, Path.Combine(_folder, "missing")));
        Assert.Null(Of(1003, 1000, groups, Write("passwd", Accounts)));   // a user the files do not hold
    }

    [Theory]
    [InlineData("passwd: files\ngroup: files\n", true)]
    [InlineData("passwd:         files systemd\ngroup:          files systemd   # Debian's\n", true)]
    [InlineData("passwd: files [NOTFOUND=return] compat\ngroup: compat\n", true)]
    [InlineData("passwd: files\ngroup: files sss\n", false)]           // SSSD can add members the files do not list
    [InlineData("passwd: files ldap\ngroup: files\n", false)]
    [InlineData("hosts: files dns\n", true)]                            // neither line: the files, the C library's default
    public void Only_accounts_and_groups_from_the_files_alone_can_tell_a_group_is_the_users_own(string nameServices, bool told)
    {
        var own = Of(1000, 1000, Write("group", "alice:x:1000:\n"), Write("passwd", Accounts), Write("nsswitch", nameServices));

        Assert.Equal(told ? 1000u : null, own);
    }

    [Fact]
    public void Membership_records_of_systemd_and_gid_0_are_never_the_users_own()
    {
        var userdb = Directory.CreateDirectory(Path.Combine(_folder, "userdb")).FullName;
        File.WriteAllText(Path.Combine(userdb, "bob:alice.membership"), "");
        var groups = Write("group", "root:x:0:\nalice:x:1000:\n");

        Assert.Null(Of(1000, 1000, groups, Write("passwd", Accounts), Write("nsswitch", "group: files systemd\n"), userdb));
        Assert.Null(Of(0, 0, groups, Write("passwd", Accounts)));   // containers run users the files do not list with gid 0
    }

    [Fact]
    public void Account_files_of_any_bytes_never_throw()
    {
        var random = new Random(4008);
        for (var i = 0; i < 300; i++)
        {
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            var text = i % 2 == 0 ? bytes : System.Text.Encoding.UTF8.GetBytes(string.Concat(bytes.Select(b => ":,\n+-#alice1000x"[b % 16])));
            File.WriteAllBytes(Path.Combine(_folder, "fuzz"), text);

            _ = Of(1000, 1000, Path.Combine(_folder, "fuzz"), Path.Combine(_folder, "fuzz"), Path.Combine(_folder, "fuzz"));   // returns, whatever the bytes
        }
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_folder, name + Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, text);
        return path;
    }
}
