using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

public class CronScheduleTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("* * * * *", "* * * * *")]              // every minute, the most frequent schedule allowed
    [InlineData("*/15 * * * *", "0,15,30,45 * * * *")]  // steps are expanded by Cronos
    [InlineData("0 3 * * *", "0 3 * * *")]
    [InlineData("  0   3 * * *  ", "0 3 * * *")]        // extra whitespace
    [InlineData("0 9 * * MON-FRI", "0 9 * * 1,2,3,4,5")] // day names; ranges are expanded
    [InlineData("0 0 1 JAN *", "0 0 1 1 *")]            // month names
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@midnight", "0 0 * * *")]
    [InlineData("@hourly", "0 * * * *")]
    [InlineData("@HOURLY", "0 * * * *")]                // macros ignore case
    [InlineData("0 0 29 2 *", "0 0 29 2 *")]            // leap days fire every four years
    public void Valid_schedules_are_normalized(string expression, string normalized)
    {
        var result = CronSchedule.Parse(expression, Now);
        Assert.True(result.IsValid, result.Message);
        Assert.Equal(normalized, result.Normalized);
    }

    [Theory]
    [InlineData("", nameof(CronError.Empty))]
    [InlineData("   ", nameof(CronError.Empty))]
    [InlineData("@reboot", nameof(CronError.UnsupportedMacro))]       // refused as on the platform ApiRoutes mirrors
    [InlineData("@annually", nameof(CronError.UnsupportedMacro))]
    [InlineData("@ANNUALLY", nameof(CronError.UnsupportedMacro))]
    [InlineData("* * * * * *", nameof(CronError.SubMinute))]          // 6 fields: seconds
    [InlineData("*/5 * * * * *", nameof(CronError.SubMinute))]
    [InlineData("@every_second", nameof(CronError.SubMinute))]
    [InlineData("* * * *", nameof(CronError.Invalid))]                // 4 fields
    [InlineData("0 0 0 * * * *", nameof(CronError.Invalid))]          // 7 fields (Quartz years)
    [InlineData("60 * * * *", nameof(CronError.Invalid))]             // minute out of range
    [InlineData("* 24 * * *", nameof(CronError.Invalid))]             // hour out of range
    [InlineData("*/0 * * * *", nameof(CronError.Invalid))]            // zero step
    [InlineData("@fortnightly", nameof(CronError.Invalid))]           // unknown macro
    [InlineData("H * * * *", nameof(CronError.Invalid))]              // Jenkins' hashed value: Cronos throws, wanting a seed
    [InlineData("0 H(0-5) * * *", nameof(CronError.Invalid))]
    [InlineData("0 0 31 2 *", nameof(CronError.NeverOccurs))]         // February 31st
    [InlineData("0 0 30 2 *", nameof(CronError.NeverOccurs))]
    public void Invalid_schedules_say_why(string expression, string error)
    {
        var result = CronSchedule.Parse(expression, Now);
        Assert.Equal(error, result.Error.ToString());
        Assert.False(string.IsNullOrWhiteSpace(result.Message));
    }

    [Fact]
    public void Cronos_details_are_kept_in_the_message() =>
        Assert.Equal(
            "'60 * * * *' is not a valid cron expression: Minutes: Value must be a number between 0 and 59 (all inclusive).",
            CronSchedule.Parse("60 * * * *", Now).Message);

    [Fact]
    public void A_hashed_value_is_explained() =>
        Assert.Equal(
            "'H * * * *' is not a valid cron expression: 'H' (a value hashed from a seed, as in Jenkins) is not "
            + "supported; write the value as a number, such as '17 * * * *'.",
            CronSchedule.Parse("H * * * *", Now).Message);

    [Theory]
    [InlineData("0 0 1 * MON", true)]
    [InlineData("0 0 1-7 * 1", true)]
    [InlineData("0 0 1 * *", false)]
    [InlineData("0 0 * * MON", false)]
    [InlineData("0 0 ? * MON", false)]
    [InlineData("@weekly", false)]
    public void Restricting_both_day_fields_is_detected(string expression, bool expected) =>
        Assert.Equal(expected, CronSchedule.RestrictsBothDayFields(expression));
}
