using System.Globalization;
using System.Text;
using ApiRoutes.Bundling;

namespace ApiRoutes.Runtime.Tests.Bundling;

/// <summary>
/// The verifier on random and mutated lists and on randomly changed folders (fixed seeds, so a failure repeats):
/// always a list of one-line problems or success, never an exception — and success only for the exact bundle.
/// </summary>
public sealed class BundleVerifierFuzzTests : IDisposable
{
    private const int Documents = 4000;
    private const int Trees = 400;

    private static readonly string[] Tokens =
    [
        "\"", "{", "}", "[", "]", ",", ":", "null", "true", "-1", "0", "1e999", "9223372036854775808", "\"\\u0000\"",
        "\\", "\"files\"", "\"path\"", "\"size\"", "\"sha256\"", "\"entryAssembly\"", "../", "/", "..", ".", "\u202E", "\n",
    ];

    private static readonly string[] Pieces = ["App.dll", "app.dll", "wwwroot", "site.css", "..", ".", "", "/", "\\", "\0", "C:", "\u001B", "\u202E", "a ", "x.", "\uD800", "apiroutes.manifest.json", "apiroutes.bundle.json", new string('n', 300),
        "\U000E0001", "\u2028", "\u00A0", "\uFF0F", "\uE000", "CON", "nul.txt", "Com1.dll"];

    private readonly string _root = Directory.CreateTempSubdirectory("apiroutes-fuzz-").FullName;
    private readonly string _outside = Directory.CreateTempSubdirectory("apiroutes-fuzz-outside-").FullName;
    private readonly Random _random = new(20261201);

    [Fact]
    public void Random_and_mutated_lists_give_problems_or_the_exact_bundle_never_an_exception()
    {
        VerifierFixture.WriteBundle(_root);
        var valid = Encoding.UTF8.GetBytes(BundleManifest.Serialize(VerifierFixture.Manifest));
        var refused = 0;
        for (var i = 0; i < Documents; i++)
        {
            var document = (i % 4) switch
            {
                0 => MutatedText(Encoding.UTF8.GetString(valid)),
                1 => Encoding.UTF8.GetBytes(BundleManifest.Serialize(MutatedManifest())),
                2 => Encoding.UTF8.GetBytes(RandomJson(0)),
                _ => MutatedBytes(valid),
            };
            File.WriteAllBytes(Path.Combine(_root, BundleManifest.FileName), document);

            var problems = Verify($"document {i}: {Convert.ToBase64String(document)}", out var manifest);

            if (problems.Count == 0)
            {
                // Accepted: then it describes exactly this folder.
                Assert.Equal(VerifierFixture.Manifest.Files, manifest!.Files);
                Assert.Equal("App.dll", manifest.EntryAssembly);
            }
            else
            {
                refused++;
            }
        }

        Assert.InRange(refused, Documents / 2, Documents);
    }

    [Fact]
    public void Random_changes_to_the_folder_are_refused_never_an_exception()
    {
        for (var i = 0; i < Trees; i++)
        {
            var root = Path.Combine(_root, $"tree{i}");
            VerifierFixture.WriteBundle(root);
            var changes = Enumerable.Range(0, _random.Next(1, 4)).Select(_ => Change(root)).ToList();

            var problems = Verify($"tree {i}: {string.Join(", ", changes)}", out _, root);

            Assert.NotEmpty(problems);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private IReadOnlyList<string> Verify(string input, out BundleManifest? manifest, string? root = null)
    {
        IReadOnlyList<string> problems;
        try
        {
            problems = BundleVerifier.Verify(root ?? _root, out manifest);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"The verifier threw on {input}: {e}");
        }

        Assert.All(problems, problem => Assert.DoesNotContain(problem.EnumerateRunes(), HidesOrBreaksTheLine));
        return problems;
    }

    // What no problem may show unescaped: it would break the line, vanish, or pass for a plain space.
    private static bool HidesOrBreaksTheLine(Rune rune) => Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format
        or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
        || (Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator && rune.Value != ' ');

    // One change that makes the folder differ from its list; returns what it did, for the failure message.
    private string Change(string root)
    {
        var listed = VerifierFixture.Files[_random.Next(VerifierFixture.Files.Length)].Path;
        var target = Path.Combine(root, listed);
        var name = RandomName();
        switch (_random.Next(9))
        {
            case 0:
                File.WriteAllText(Path.Combine(root, _random.Next(2) == 0 ? "" : "wwwroot", name + ".added"), "added");
                return $"added '{name}.added'";
            case 1:
                Directory.CreateDirectory(Path.Combine(root, name + ".folder"));
                return $"added folder '{name}.folder'";
            case 2:
                File.CreateSymbolicLink(Path.Combine(root, name + ".link"), _random.Next(2) == 0 ? target : "/nowhere");
                return $"added link '{name}.link'";
            case 3 when File.Exists(target):
                File.Delete(target);
                return $"deleted {listed}";
            case 4 when File.Exists(target):
                File.AppendAllText(target, "+");
                return $"grew {listed}";
            case 5 when File.Exists(target):
                var bytes = File.ReadAllBytes(target);
                bytes[_random.Next(bytes.Length)] ^= (byte)_random.Next(1, 256);
                File.WriteAllBytes(target, bytes);
                return $"flipped a byte of {listed}";
            case 6 when File.Exists(target):
                File.Move(target, Path.Combine(_outside, name));
                File.CreateSymbolicLink(target, Path.Combine(_outside, name));
                return $"linked {listed}";
            case 7 when File.Exists(target):
                File.Delete(target);
                Directory.CreateDirectory(target);
                return $"made {listed} a folder";
            default:
                File.WriteAllText(Path.Combine(root, name + ".dll"), "MZ");
                return $"added '{name}.dll'";
        }
    }

    private string RandomName()
    {
        const string Alphabet = "aZ09 .-_\\:*?\"<>|~\u0001\u001B\u007F\u00E9\u202E\u4E2D\u2028\u00A0\uFF0F\u2215";
        var name = new StringBuilder();
        for (var i = _random.Next(1, 12); i > 0; i--)
        {
            name.Append(Alphabet[_random.Next(Alphabet.Length)]);
        }

        return name.Append(_random.Next()).ToString();
    }

    private byte[] MutatedText(string text)
    {
        var mutated = new StringBuilder(text);
        for (var i = _random.Next(1, 5); i > 0; i--)
        {
            var at = _random.Next(mutated.Length + 1);
            switch (_random.Next(3))
            {
                case 0 when at < mutated.Length:
                    mutated.Remove(at, Math.Min(_random.Next(1, 20), mutated.Length - at));
                    break;
                case 1:
                    mutated.Insert(at, Tokens[_random.Next(Tokens.Length)]);
                    break;
                default:
                    mutated.Insert(at, (char)_random.Next(0, 0x3000));
                    break;
            }
        }

        return Encoding.UTF8.GetBytes(mutated.ToString());
    }

    private byte[] MutatedBytes(byte[] valid)
    {
        var bytes = _random.Next(4) == 0 ? new byte[_random.Next(64)] : (byte[])valid.Clone();
        for (var i = _random.Next(1, 8); i > 0 && bytes.Length > 0; i--)
        {
            bytes[_random.Next(bytes.Length)] = (byte)_random.Next(256);
        }

        return bytes;
    }

    private BundleManifest MutatedManifest()
    {
        var files = VerifierFixture.Manifest.Files.ToList();
        for (var i = _random.Next(1, 4); i > 0; i--)
        {
            var at = _random.Next(files.Count + 1);
            var file = files.Count > 0 ? files[Math.Min(at, files.Count - 1)] : new BundleFile("App.dll", 0, "");
            switch (_random.Next(6))
            {
                case 0 when files.Count > 0:
                    files.RemoveAt(Math.Min(at, files.Count - 1));
                    break;
                case 1:
                    files.Insert(at, file with { Path = Piece() + (_random.Next(2) == 0 ? "/" + Piece() : "") });
                    break;
                case 2:
                    files.Insert(at, file with { Size = new[] { -1, 0, 1, long.MaxValue, long.MinValue, file.Size + 1 }[_random.Next(6)] });
                    break;
                case 3:
                    files.Insert(at, file with { Sha256 = new[] { "", "abc", file.Sha256.ToUpperInvariant(), new string('0', 64), new string('g', 64) }[_random.Next(5)] });
                    break;
                case 4:
                    files.Insert(at, file);
                    break;
                default:
                    files.Reverse();
                    break;
            }
        }

        var entry = _random.Next(3) == 0 ? Piece() + ".dll" : "App.dll";
        return new BundleManifest { EntryAssembly = entry, Files = files, SchemaVersion = _random.Next(10) == 0 ? _random.Next(-1, 3) : 1 };
    }

    private string Piece() => Pieces[_random.Next(Pieces.Length)];

    private string RandomJson(int depth) => (depth > 5 ? _random.Next(4) : _random.Next(7)) switch
    {
        0 => "null",
        1 => _random.Next(-2, 3).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => System.Text.Json.JsonSerializer.Serialize(Piece()),
        3 => "\"" + new string('f', _random.Next(0, 70)) + "\"",
        4 => "[" + string.Join(",", Enumerable.Range(0, _random.Next(4)).Select(_ => RandomJson(depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, _random.Next(5)).Select(_ =>
            $"\"{new[] { "schemaVersion", "entryAssembly", "files", "path", "size", "sha256", "x" }[_random.Next(7)]}\":{RandomJson(depth + 1)}")) + "}",
    };
}
