using System.Globalization;
using ApiRoutes.Tasks.Routing;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace ApiRoutes.Tasks.UnitTests.Routing;

/// <summary>
/// AR2103 says a parameter passes no value only when that is proved: held against ASP.NET Core's own constraint classes,
/// over generated lists of built-in constraints, no value tried passes one it warns about, and each kind of proof is met.
/// </summary>
public class UnsatisfiableConstraintsTests
{
    private static readonly ServiceProvider Services = new ServiceCollection().AddRouting().BuildServiceProvider();
    private static readonly ParameterPolicyFactory Policies = Services.GetRequiredService<ParameterPolicyFactory>();

    [Fact]
    public void No_value_passes_a_parameter_it_warns_about_and_each_kind_of_proof_is_met()
    {
        var kinds = new HashSet<string>(StringComparer.Ordinal);
        var warned = 0;
        for (var seed = 0; seed < 4_000; seed++)
        {
            var random = new Random(seed);
            var constraints = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Constraint(random)).ToList();
            var template = $"/api/{{value:{string.Join(':', constraints)}}}";
            var parameter = RouteTemplateParser.Parse(template).Template?.Parameters.Single();
            if (parameter is null || UnsatisfiableConstraints.Why(parameter.Constraints) is not { } why)
            {
                continue;
            }

            warned++;
            kinds.Add(why[..why.IndexOf(' ', 4)]);
            var pattern = RoutePatternFactory.Parse(template).Parameters.Single();
            var policies = pattern.ParameterPolicies.Select(reference => (IRouteConstraint)Policies.Create(pattern, reference.Content!)).ToList();
            var passing = Values(constraints).FirstOrDefault(value =>
                policies.All(policy => policy.Match(null, null, "value", new RouteValueDictionary { ["value"] = value }, RouteDirection.IncomingRequest)));
            Assert.True(passing is null, $"seed {seed}: '{template}' was said to pass no value ({why}), and ASP.NET Core passes '{passing}'");
        }

        Assert.True(warned >= 100, $"only {warned} lists were warned about");
        Assert.Equal(["'alpha'", "no text", "no whole"], kinds.Order(StringComparer.Ordinal));
    }

    private static string Constraint(Random random)
    {
        int Small() => random.Next(0, 12);
        long Number() => random.Next(4) switch { 0 => int.MaxValue + (long)random.Next(-2, 3), 1 => int.MinValue + (long)random.Next(-2, 3), _ => random.Next(-20, 21) };
        return random.Next(13) switch
        {
            0 => "int", 1 => "long", 2 => "alpha", 3 => "bool", 4 => "double", 5 => "guid",
            6 => $"min({Number()})", 7 => $"max({Number()})",
            8 => Order(Number(), Number()) is var (low, high) ? $"range({low},{high})" : "",
            9 => $"length({Small()})", 10 => Order(Small(), Small()) is var (min, max) ? $"length({min},{max})" : "",
            11 => $"minlength({Small()})", _ => $"maxlength({Small()})",
        };
    }

    private static (long, long) Order(long a, long b) => (Math.Min(a, b), Math.Max(a, b));

    // The edges each constraint's arguments give, the bounds of int and long, and texts of every kind at each length.
    private static IEnumerable<string> Values(IEnumerable<string> constraints)
    {
        var numbers = constraints.SelectMany(text => text.Split('(', ',', ')')).Where(piece => long.TryParse(piece, out _)).Select(long.Parse)
            .Concat([0, 1, -1, int.MaxValue, int.MinValue, long.MaxValue, long.MinValue]).ToList();
        foreach (var number in numbers)
        {
            foreach (var delta in new long[] { -1, 0, 1 })
            {
                if ((delta < 0 && number == long.MinValue) || (delta > 0 && number == long.MaxValue))
                {
                    continue;
                }

                yield return (number + delta).ToString(CultureInfo.InvariantCulture);
            }
        }

        yield return "true";
        yield return "NaN";
        yield return "3f2504e0-4f89-11d3-9a0c-0305e82c3301";
        yield return "abcdefabcdefabcdefabcdefabcdefab";   // a GUID of letters alone (review 46d F3)
        for (var length = 0; length <= 14; length++)
        {
            yield return new string('a', length);
            yield return new string('1', length);
        }
    }
}
