using ApiRoutes.Tasks.UnitTests.Infrastructure;

namespace ApiRoutes.Tasks.UnitTests.Analysis;

/// <summary>
/// A warning meant for one handler is suppressed on that handler, as code analysis reads it
/// (<c>[UnconditionalSuppressMessage]</c> on the class, or targeted at it in a <c>GlobalSuppressions.cs</c>), not only
/// project-wide with <c>NoWarn</c> (note 39d's leftover: AR2102's advice was NoWarn, which silenced every handler's).
/// </summary>
public sealed class SuppressionTests
{
    private const string Body = "public Task HandleAsync(HttpContext context) => Task.CompletedTask;";

    // Two handlers each with a warning of their own: AR2102 (a Next.js parameter) and AR4101 (the day rule).
    private static TestProject Project(string onLiteral = "", string onSchedule = "", string assembly = "") => new TestProject()
        .Source("Api/Handlers.cs", $$"""
            using System.Diagnostics.CodeAnalysis;
            {{assembly}}

            namespace Shop.Api;

            {{onLiteral}}
            [ApiRoute("/api/files/[name]")] public sealed class Literal : IApiHandler { {{Body}} }

            {{onSchedule}}
            [ScheduledRoute("0 9 1-7 * MON")] public sealed class Report : IApiHandler { {{Body}} }
            """);

    private static string Codes(TestProject project) =>
        string.Join(", ", project.Analyze().Diagnostics.Select(diagnostic => diagnostic.Code).Order(StringComparer.Ordinal));

    [Fact]
    public void Both_warnings_without_a_suppression()
    {
        using var project = Project();

        Assert.Equal("AR2102, AR4101", Codes(project));
    }

    [Theory]
    [InlineData("""[UnconditionalSuppressMessage("ApiRoutes", "AR2102", Justification = "The path holds '[name]' itself")]""")]
    [InlineData("""[UnconditionalSuppressMessage("ApiRoutes", "AR2102:ForeignParameterSyntax")]""")]   // the id before ':', as Roslyn reads it
    [InlineData("""[UnconditionalSuppressMessage("Usage", "ar2102")]""")]   // neither the category nor the case is compared
    [InlineData("""[UnconditionalSuppressMessage("ApiRoutes", "AR4101"), UnconditionalSuppressMessage("ApiRoutes", "AR2102")]""")]
    public void A_suppression_on_the_handler_leaves_out_its_warning_only(string attribute)
    {
        using var project = Project(onLiteral: attribute);

        Assert.Equal("AR4101", Codes(project));
    }

    [Fact]
    public void The_warnings_of_a_schedule_are_suppressed_on_its_handler()
    {
        using var project = Project(onSchedule: """[UnconditionalSuppressMessage("ApiRoutes", "AR4101", Justification = "The 1st to 7th and every Monday, as crontab runs it")]""");

        var result = project.Analyze();

        Assert.Equal("AR2102", Assert.Single(result.Diagnostics).Code);
        Assert.Equal("0 9 1-7 * MON", result.Manifest!.Routes.Single(route => route.Route == "/api/report").Schedule!.Expression);
    }

    [Theory]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR2102", Scope = "type", Target = "~T:Shop.Api.Literal")]""", "AR4101")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR2102", Scope = "type", Target = "T:Shop.Api.Literal")]""", "AR4101")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR2102", Scope = "type", Target = "~T:Shop.Api.Report")]""", "AR2102, AR4101")]   // another type
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR2102", Scope = "type", Target = "~T:Shop.Api.Lit")]""", "AR2102, AR4101")]      // a prefix is not the type
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Scope = "namespace", Target = "~N:Shop.Api")]""", "AR2102")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Scope = "namespace", Target = "~N:Shop")]""", "AR2102, AR4101")]       // not the namespace's own types
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Scope = "namespaceanddescendants", Target = "~N:Shop")]""", "AR2102")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Scope = "module")]""", "AR2102")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101")]""", "AR2102")]
    [InlineData("""[assembly: UnconditionalSuppressMessage("ApiRoutes", "AR4101", Scope = "member", Target = "~M:Shop.Api.Report.HandleAsync(Microsoft.AspNetCore.Http.HttpContext)")]""", "AR2102, AR4101")]
    public void A_global_suppression_applies_to_the_handlers_it_targets(string attribute, string codes)
    {
        using var project = Project(assembly: attribute);

        Assert.Equal(codes, Codes(project));
    }

    [Fact]
    public void A_suppression_on_a_declaring_type_covers_a_nested_handler()
    {
        using var project = new TestProject().Source("Api/Outer.cs", $$"""
            using System.Diagnostics.CodeAnalysis;

            namespace Shop.Api;

            [UnconditionalSuppressMessage("ApiRoutes", "AR2102")]
            public static class Outer
            {
                [ApiRoute("/api/files/[name]")] public sealed class Inner : IApiHandler { {{Body}} }
            }

            public static class Other
            {
                [ApiRoute("/api/more/[name]")] public sealed class Inner : IApiHandler { {{Body}} }
            }
            """);

        var diagnostic = Assert.Single(project.Analyze().Diagnostics);

        Assert.Equal("AR2102", diagnostic.Code);
        Assert.Contains("'Shop.Api.Other+Inner'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SuppressMessage_counts_where_the_compiler_keeps_it()
    {
        // The compiler drops [SuppressMessage] unless CODE_ANALYSIS is defined ([Conditional]): then it is in the assembly.
        using var dropped = Project(onLiteral: """[SuppressMessage("ApiRoutes", "AR2102")]""");
        using var kept = new TestProject().Source("Api/Handlers.cs", $$"""
            #define CODE_ANALYSIS
            using System.Diagnostics.CodeAnalysis;

            namespace Shop.Api;

            [SuppressMessage("ApiRoutes", "AR2102")]
            [ApiRoute("/api/files/[name]")] public sealed class Literal : IApiHandler { {{Body}} }
            """);

        Assert.Equal("AR2102, AR4101", Codes(dropped));
        Assert.Equal("", Codes(kept));
    }

    [Fact]
    public void An_error_is_never_suppressed()
    {
        using var project = new TestProject().Source("Api/Cleanup.cs", $$"""
            using System.Diagnostics.CodeAnalysis;

            namespace Shop.Api;

            [UnconditionalSuppressMessage("ApiRoutes", "AR4001")]
            [ScheduledRoute("0 25 * * *")] public sealed class Cleanup : IApiHandler { {{Body}} }
            """);

        var result = project.Analyze();

        Assert.Equal("AR4001", Assert.Single(result.Diagnostics).Code);
        Assert.Null(result.Manifest);
    }

    [Fact]
    public void A_handler_in_a_library_that_suppresses_AR0102_is_not_warned_of()
    {
        using var library = new TestProject("Shared").Source("Api/Ping.cs", $$"""
            using System.Diagnostics.CodeAnalysis;

            namespace Shared.Api;

            [UnconditionalSuppressMessage("ApiRoutes", "AR0102", Justification = "A test double, never served")]
            public sealed class FakePing : IApiHandler { {{Body}} }

            public sealed class Ping : IApiHandler { {{Body}} }
            """);
        using var project = new TestProject().Reference(library).Source("Api/Hello.cs", $$"""
            namespace Shop.Api;

            public sealed class Hello : IApiHandler { {{Body}} }
            """);

        var diagnostic = Assert.Single(project.Analyze().Diagnostics);

        Assert.Equal("AR0102", diagnostic.Code);
        Assert.StartsWith("'Shared.Api.Ping'", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_look_alike_attribute_with_other_arguments_is_not_read_and_breaks_nothing()
    {
        // An app's own type in that namespace, with an int where the check id goes: not a suppression, and no crash.
        using var project = new TestProject().Source("Api/Handlers.cs", $$"""
            namespace System.Diagnostics.CodeAnalysis
            {
                [AttributeUsage(AttributeTargets.All, AllowMultiple = true)]
                public sealed class UnconditionalSuppressMessageAttribute(string category, int checkId) : Attribute;
            }

            namespace Shop.Api
            {
                [System.Diagnostics.CodeAnalysis.UnconditionalSuppressMessage("ApiRoutes", 2102)]
                [ApiRoute("/api/files/[name]")] public sealed class Literal : IApiHandler { {{Body}} }
            }
            """);

        Assert.Equal("AR2102", Codes(project));
    }
}
