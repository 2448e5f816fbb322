using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>Every valid schedule in words, generated in one place; the day rule is stated when both day fields are restricted.</summary>
public class CronDescriptionTests
{
    [Theory]
    [InlineData("* * * * *", "every minute")]
    [InlineData("*/15 * * * *", "every 15 minutes")]
    [InlineData("5-59/15 * * * *", "every 15 minutes, from minute 5")]
    [InlineData("*/7 * * * *", "every hour at minutes 0, 7, 14, 21, 28, 35, 42, 49 and 56")]   // not "every 7 minutes": :56 is followed by :00
    [InlineData("@hourly", "every hour, on the hour")]
    [InlineData("30 * * * *", "every hour at minute 30")]
    [InlineData("@daily", "at 00:00 every day")]
    [InlineData("0 9,17 * * *", "at 09:00 and 17:00 every day")]
    [InlineData("0,30 9 * * *", "at 09:00 and 09:30 every day")]
    [InlineData("* 9-17 * * *", "every minute from 09:00 to 17:59")]
    [InlineData("*/15 9-17 * * 1-5", "every 15 minutes from 09:00 to 17:45 every Monday to Friday")]
    [InlineData("0 */2 * * *", "every 2 hours, on the hour")]
    [InlineData("30 1-23/2 * * *", "every 2 hours at minute 30, from 01:30")]
    [InlineData("5 0-6,22 * * *", "at minute 5 of hours 0 to 6 and 22 every day")]
    [InlineData("0,20,50 9-17 * * *", "at minutes 0, 20 and 50 of hours 9 to 17 every day")]
    [InlineData("0 9 1 * MON", "at 09:00 on the 1st of the month and on every Monday")]
    // Review 45b: only the days its months have ("the 1st and 31st of February" ran on the 1st alone).
    [InlineData("0 0 */30 2 *", "at 00:00 on the 1st of February")]
    [InlineData("0 0 30,31 4,6 *", "at 00:00 on the 30th of April and June")]
    [InlineData("0 0 30,31 4,7 *", "at 00:00 on the 30th and 31st of April and July, when the month has that day")]
    [InlineData("0 0 31 1,2 *", "at 00:00 on the 31st of January")]              // review 45c F7: February has no 31st
    [InlineData("0 0 29 2 *", "at 00:00 on the 29th of February, when the month has that day")]
    [InlineData("0 0 28 2 *", "at 00:00 on the 28th of February")]
    [InlineData("0 0 */2 2 *", "at 00:00 on every 2nd day from the 1st to the 29th of February, when the month has that day")]
    [InlineData("0 0 31 2 MON", "at 00:00 every Monday in February")]      // crontab's rule: the 31st never comes there
    [InlineData("0 0 31 2,3 MON", "at 00:00 on the 31st of the month and on every Monday, in February and March")]
    [InlineData("0 9 1,15 * SAT,SUN", "at 09:00 on the 1st and 15th of the month and on every Saturday and Sunday")]
    [InlineData("0 9 */2 * MON", "at 09:00 on every Monday that is every 2nd day from the 1st to the 31st of the month")]
    [InlineData("0 9 1-7 * *", "at 09:00 on the 1st to 7th of the month")]
    [InlineData("0 9 1-31 * MON", "at 09:00 every day")]          // either rule with every day of the month: every day
    [InlineData("@weekly", "at 00:00 every Sunday")]
    [InlineData("@monthly", "at 00:00 on the 1st of the month")]
    [InlineData("@yearly", "at 00:00 on the 1st of January")]
    [InlineData("0 0 1 1,4,7,10 *", "at 00:00 on the 1st of January, April, July and October")]
    [InlineData("0 12 * 3-10 FRI-7", "at 12:00 every Friday to Sunday in March to October")]
    [InlineData("* * * 6 *", "every minute in June")]
    public void Schedules_read_as_plain_english(string expression, string description) =>
        Assert.Equal(description, CronSchedule.Parse(expression).Schedule!.Description);
}
