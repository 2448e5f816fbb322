using ApiRoutes.Execution;

namespace ApiRoutes.Runtime.Tests.Execution;

/// <summary>The striped dictionary that the execution log and the in-memory store keep executions in.</summary>
public sealed class StripedDictionaryTests
{
    [Fact]
    public void Set_adds_or_replaces_and_returns_what_was_there()
    {
        var map = new StripedDictionary<string>();

        Assert.Null(map.Set("a", "one"));
        Assert.Equal("one", map.Set("a", "two"));
        Assert.Equal("two", map.GetValueOrDefault("a"));
        Assert.False(map.TryAdd("a", "three"));
        Assert.True(map.TryAdd("b", "three"));
        Assert.Null(map.GetValueOrDefault("c"));
        Assert.Equal(2, map.Count);
    }

    // Review 8, R8-5: after a backlog of executions had come and gone, the stripes kept the arrays it grew to.
    [Fact]
    public void Stripes_give_back_the_room_a_burst_grew_them_to_once_it_is_gone()
    {
        var map = new StripedDictionary<int>();
        for (var i = 0; i < 100_000; i++)
        {
            map.Set($"e{i}", i);
        }

        Assert.True(map.Capacity >= 100_000);
        for (var i = 0; i < 50_000; i++)
        {
            Assert.True(map.RemoveIf($"e{i}", 0, static (_, _) => true));
        }

        Assert.Equal(50_000, map.RemoveWhere(0, static (_, _) => true));
        Assert.Equal(0, map.Count);
        Assert.True(map.Capacity < 128 * 64, $"{map.Capacity} entries of room kept for none");
        map.Set("again", 1);
        Assert.Equal(1, map.GetValueOrDefault("again"));
    }

    [Fact]
    public void RemoveIf_removes_only_what_the_check_selects()
    {
        var map = new StripedDictionary<string>();
        map.Set("a", "keep");
        map.Set("b", "drop");

        Assert.False(map.RemoveIf("a", "drop", string.Equals));
        Assert.True(map.RemoveIf("b", "drop", string.Equals));
        Assert.False(map.RemoveIf("b", "drop", string.Equals));
        Assert.False(map.RemoveIf("unknown", "drop", (_, _) => true));
        Assert.Equal(["keep"], map.Values());
    }

    [Fact]
    public void Update_changes_an_entry_in_place_adds_only_when_asked_and_says_whether_it_existed()
    {
        var map = new StripedDictionary<int>();

        Assert.False(map.Update("a", add: false, 5, static (ref value, existed, add) => { value += add; return existed; }));
        Assert.False(map.TryGetValue("a", out _));

        Assert.False(map.Update("a", add: true, 5, static (ref value, existed, add) => { value += add; return existed; }));
        Assert.True(map.Update("a", add: true, 5, static (ref value, existed, add) => { value += add; return existed; }));
        Assert.True(map.Update("a", add: false, 1, static (ref value, existed, add) => { value += add; return existed; }));
        Assert.Equal(11, map.GetValueOrDefault("a"));
    }

    [Fact]
    public void Values_and_RemoveWhere_cover_every_stripe()
    {
        var map = new StripedDictionary<int>();
        for (var i = 0; i < 5000; i++)
        {
            map.Set($"e{i}", i);
        }

        Assert.Equal(Enumerable.Range(0, 5000), map.Values().Order());
        Assert.Equal(2500, map.RemoveWhere(2, static (value, by) => value % by == 0));
        Assert.Equal(Enumerable.Range(0, 5000).Where(i => i % 2 == 1), map.Values().Order());
        Assert.Equal(2500, map.Count);
    }

    [Fact]
    public async Task Concurrent_writers_and_removers_lose_nothing_while_the_stripes_grow()
    {
        var map = new StripedDictionary<int>();
        const int Writers = 8, PerWriter = 20_000;

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                var key = $"{w}-{i}";
                map.Set(key, i);
                map.Update(key, add: false, 1, static (ref value, existed, add) => value += add);

                // Every other one leaves again, as finished executions leave the history.
                if (i % 2 == 1)
                {
                    Assert.True(map.RemoveIf($"{w}-{i - 1}", 0, static (_, _) => true));
                }
            }
        }))).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(Writers * PerWriter / 2, map.Count);
        Assert.All(Enumerable.Range(0, Writers), w => Assert.Equal(PerWriter, map.GetValueOrDefault($"{w}-{PerWriter - 1}")));
        Assert.False(map.TryGetValue($"0-{PerWriter - 2}", out _));
    }
}
