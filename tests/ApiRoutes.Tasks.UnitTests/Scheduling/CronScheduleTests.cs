using System.Globalization;
using ApiRoutes.Scheduling;

namespace ApiRoutes.Tasks.UnitTests.Scheduling;

/// <summary>
/// One case per rule of crontab(5) as Debian's cron applies it, each with the issue's example: what runs when,
/// what is refused with which code, and the normalized form the manifest carries.
/// </summary>
public class CronScheduleTests
{
    // Thursday, 1 January 2026.
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    // Both day fields restricted: the 1st AND every Monday (Cronos alone would give Mondays that are the 1st).
    [InlineData("0 9 1 * MON", "2026-01-01 09:00, 2026-01-05 09:00, 2026-01-12 09:00, 2026-01-19 09:00, 2026-01-26 09:00, 2026-02-01 09:00")]
    // The same where "both" would never fire: every Monday in February, and the 31st in no February.
    [InlineData("0 0 31 2 MON", "2026-02-02 00:00, 2026-02-09 00:00, 2026-02-16 00:00, 2026-02-23 00:00, 2027-02-01 00:00, 2027-02-08 00:00")]
    // A day field starting with '*' (also '*/2') makes both required: odd days that are Mondays.
    [InlineData("0 9 */2 * MON", "2026-01-05 09:00, 2026-01-19 09:00, 2026-02-09 09:00, 2026-02-23 09:00, 2026-03-09 09:00, 2026-03-23 09:00")]
    [InlineData("0 9 * * MON", "2026-01-05 09:00, 2026-01-12 09:00, 2026-01-19 09:00, 2026-01-26 09:00, 2026-02-02 09:00, 2026-02-09 09:00")]
    // '*' and steps inside lists, in any order.
    [InlineData("*/15,50 0 * * *", "2026-01-01 00:15, 2026-01-01 00:30, 2026-01-01 00:45, 2026-01-01 00:50, 2026-01-02 00:00, 2026-01-02 00:15")]
    [InlineData("0 */6,23 1 1 *", "2026-01-01 06:00, 2026-01-01 12:00, 2026-01-01 18:00, 2026-01-01 23:00, 2027-01-01 00:00, 2027-01-01 06:00")]
    [InlineData("0 23,*/6 1 1 *", "2026-01-01 06:00, 2026-01-01 12:00, 2026-01-01 18:00, 2026-01-01 23:00, 2027-01-01 00:00, 2027-01-01 06:00")]
    // Leading zeros are numbers.
    [InlineData("007 00 * * *", "2026-01-01 00:07, 2026-01-02 00:07, 2026-01-03 00:07, 2026-01-04 00:07, 2026-01-05 00:07, 2026-01-06 00:07")]
    // A step larger than its range runs at the range's first value.
    [InlineData("*/60 0 * * *", "2026-01-02 00:00, 2026-01-03 00:00, 2026-01-04 00:00, 2026-01-05 00:00, 2026-01-06 00:00, 2026-01-07 00:00")]
    [InlineData("10-20/30 0 * * *", "2026-01-01 00:10, 2026-01-02 00:10, 2026-01-03 00:10, 2026-01-04 00:10, 2026-01-05 00:10, 2026-01-06 00:10")]
    // However large (review 24a F1: a step of 7 digits overflowed as it stepped, and set values it never named).
    [InlineData("59-59/9999999 0 * * *", "2026-01-01 00:59, 2026-01-02 00:59, 2026-01-03 00:59, 2026-01-04 00:59, 2026-01-05 00:59, 2026-01-06 00:59")]
    [InlineData("1-59/10000000 0 * * *", "2026-01-01 00:01, 2026-01-02 00:01, 2026-01-03 00:01, 2026-01-04 00:01, 2026-01-05 00:01, 2026-01-06 00:01")]
    [InlineData("0 0 */10000000 * *", "2026-02-01 00:00, 2026-03-01 00:00, 2026-04-01 00:00, 2026-05-01 00:00, 2026-06-01 00:00, 2026-07-01 00:00")]
    [InlineData("0 0 2-31/999999999 1 *", "2026-01-02 00:00, 2027-01-02 00:00, 2028-01-02 00:00, 2029-01-02 00:00, 2030-01-02 00:00, 2031-01-02 00:00")]
    [InlineData("0 0 * * 1-7/10000000", "2026-01-05 00:00, 2026-01-12 00:00, 2026-01-19 00:00, 2026-01-26 00:00, 2026-02-02 00:00, 2026-02-09 00:00")]
    // Names in any case; day-of-week 0 and 7 are Sunday.
    [InlineData("0 0 * jan sun", "2026-01-04 00:00, 2026-01-11 00:00, 2026-01-18 00:00, 2026-01-25 00:00, 2027-01-03 00:00, 2027-01-10 00:00")]
    [InlineData("0 0 * Jan 7", "2026-01-04 00:00, 2026-01-11 00:00, 2026-01-18 00:00, 2026-01-25 00:00, 2027-01-03 00:00, 2027-01-10 00:00")]
    [InlineData("0 0 * * 5-7", "2026-01-02 00:00, 2026-01-03 00:00, 2026-01-04 00:00, 2026-01-09 00:00, 2026-01-10 00:00, 2026-01-11 00:00")]
    // Macros.
    [InlineData("@yearly", "2027-01-01 00:00, 2028-01-01 00:00, 2029-01-01 00:00, 2030-01-01 00:00, 2031-01-01 00:00, 2032-01-01 00:00")]
    [InlineData("@weekly", "2026-01-04 00:00, 2026-01-11 00:00, 2026-01-18 00:00, 2026-01-25 00:00, 2026-02-01 00:00, 2026-02-08 00:00")]
    [InlineData("@hourly", "2026-01-01 01:00, 2026-01-01 02:00, 2026-01-01 03:00, 2026-01-01 04:00, 2026-01-01 05:00, 2026-01-01 06:00")]
    // A leap day fires every four years, and not in 2100.
    [InlineData("0 0 29 2 *", "2028-02-29 00:00, 2032-02-29 00:00, 2036-02-29 00:00, 2040-02-29 00:00, 2044-02-29 00:00, 2048-02-29 00:00")]
    public void Schedules_run_when_crontab_runs_them(string expression, string expected)
    {
        var result = CronSchedule.Parse(expression);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(expected, string.Join(", ", result.Schedule!.NextOccurrences(Now, 6).Select(Format)));
    }

    [Theory]
    [InlineData("* * * * *", "* * * * *")]                  // every minute, the most frequent schedule allowed
    [InlineData("  0   3 * * *  ", "0 3 * * *")]           // extra whitespace
    [InlineData("*/15 * * * *", "*/15 * * * *")]           // a leading '*' is kept: it chooses the daylight-saving rule
    [InlineData("0-59/15 * * * *", "0,15,30,45 * * * *")]  // a step in a range is written out
    [InlineData("*/15,50 * * * *", "*/15,50 * * * *")]
    [InlineData("50,*/15 * * * *", "0,15,30,45,50 * * * *")] // does not start with '*': plain values
    [InlineData("007 * * * *", "7 * * * *")]
    [InlineData("*/60 * * * *", "*/60 * * * *")]            // minute 0, written so that the leading '*' stays
    [InlineData("0 0 */10000000 * *", "0 0 */31 * *")]       // the 1st (review 24a F1: "*/31," which start-up refused)
    [InlineData("0 9 * * MON-FRI", "0 9 * * 1-5")]          // names become numbers, runs of three a range
    [InlineData("0 0 1 JAN *", "0 0 1 1 *")]
    [InlineData("0 0 * * 7", "0 0 * * 0")]                  // Sunday is 0
    [InlineData("0 0 * * 0-7", "0 0 * * 0-6")]             // restricted (no '*'), so it stays a list
    [InlineData("0 9 */2 * MON", "0 9 */2 * 1")]
    [InlineData("0 9 1-31/2 * MON", "0 9 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29,31 * 1")]
    [InlineData("@yearly", "0 0 1 1 *")]
    [InlineData("@monthly", "0 0 1 * *")]
    [InlineData("@weekly", "0 0 * * 0")]
    [InlineData("@daily", "0 0 * * *")]
    [InlineData("@midnight", "0 0 * * *")]
    [InlineData("@hourly", "0 * * * *")]
    public void The_normalized_form_is_plain_crontab_with_the_same_meaning(string expression, string normalized)
    {
        var result = CronSchedule.Parse(expression);

        Assert.True(result.IsValid, result.Message);
        Assert.Equal(normalized, result.Normalized);

        // The normalized form reads back to exactly the same schedule.
        Assert.Equal(result.Schedule!.Fields, CronSchedule.Parse(normalized).Schedule!.Fields);
    }

    [Theory]
    [InlineData("", "AR4001", "The schedule is empty; write 5 fields, such as '0 3 * * *', or a macro such as '@daily'.")]
    [InlineData("* * * *", "AR4001", "'* * * *' is not a valid crontab schedule: it has 4 fields; a crontab schedule has 5: minute hour day-of-month month day-of-week.")]
    [InlineData("61 * * * *", "AR4001", "'61 * * * *' is not a valid crontab schedule: '61' in the minute field is out of range: minutes are 0-59.")]
    [InlineData("* 24 * * *", "AR4001", "'* 24 * * *' is not a valid crontab schedule: '24' in the hour field is out of range: hours are 0-23.")]
    [InlineData("0 0 0 * *", "AR4001", "'0 0 0 * *' is not a valid crontab schedule: '0' in the day-of-month field is out of range: days of the month are 1-31.")]
    // Review 27a F5: a start with a step but no range, its start out of range, was told to write a range that is refused too.
    [InlineData("60/5 * * * *", "AR4001", "'60/5 * * * *' is not a valid crontab schedule: '60/5' in the minute field is out of range: minutes are 0-59.")]
    [InlineData("0 0 0/2 * *", "AR4001", "'0 0 0/2 * *' is not a valid crontab schedule: '0/2' in the day-of-month field is out of range: days of the month are 1-31.")]
    [InlineData("0 0 * 0/2 *", "AR4001", "'0 0 * 0/2 *' is not a valid crontab schedule: '0/2' in the month field is out of range: months are 1-12 or JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC.")]
    [InlineData("*/0 * * * *", "AR4001", "'*/0 * * * *' is not a valid crontab schedule: the step 0 in '*/0' (minute field) never advances; a step is 1 or more, such as '*/5'.")]
    // Review 46a F3: cronie's random value was told only "expected a value but found '~'".
    [InlineData("~ * * * *", "AR4008", "'~ * * * *' is not crontab: '~' in the minute field is cronie's random value (picked once, when the table is read); write a fixed value instead, such as '7'.")]
    [InlineData("0 1~4 * * *", "AR4008", "'0 1~4 * * *' is not crontab: '1~4' in the hour field is cronie's random value (picked once, when the table is read); write a fixed value instead, such as '1'.")]
    // Review 46a F1: crontab keeps the low 32 bits of a number of 10 digits or more: '*/4294967297' steps by 1 there, and
    // ran at minute 0 alone here; '*/2147483648' is refused there (a negative step).
    [InlineData("*/4294967297 * * * *", "AR4001", "'*/4294967297 * * * *' is not a valid crontab schedule: the step 4294967297 in '*/4294967297' (minute field) has more digits than crontab reads whole (it keeps only part of a number of 10 digits or more, and would step otherwise); write a step of at most 9 digits, such as '*/5'.")]
    [InlineData("0 0 */0004294967298 * *", "AR4001", "'0 0 */0004294967298 * *' is not a valid crontab schedule: the step 0004294967298 in '*/0004294967298' (day-of-month field) has more digits than crontab reads whole (it keeps only part of a number of 10 digits or more, and would step otherwise); write a step of at most 9 digits, such as '*/5'.")]
    [InlineData("0-59/2147483648 * * * *", "AR4001", "'0-59/2147483648 * * * *' is not a valid crontab schedule: the step 2147483648 in '0-59/2147483648' (minute field) has more digits than crontab reads whole (it keeps only part of a number of 10 digits or more, and would step otherwise); write a step of at most 9 digits, such as '*/5'.")]
    [InlineData("0 0 * * MONDAY", "AR4001", "'0 0 * * MONDAY' is not a valid crontab schedule: 'MONDAY' is not a day-of-week value: days of the week are 0-7 or SUN, MON, TUE, WED, THU, FRI, SAT.")]
    [InlineData("1,,2 * * * *", "AR4001", "'1,,2 * * * *' is not a valid crontab schedule: the minute field '1,,2' has an empty item; separate values with single commas, such as '1,15'.")]
    [InlineData("5; * * * *", "AR4001", "'5; * * * *' is not a valid crontab schedule: unexpected ';' in '5;' (minute field); minutes are 0-59.")]
    [InlineData("*-5 * * * *", "AR4001", "'*-5 * * * *' is not a valid crontab schedule: unexpected '-5' in '*-5' (minute field); minutes are 0-59.")]
    [InlineData("@HOURLY", "AR4001", "'@HOURLY' is not a valid crontab schedule: crontab's macros are lower case; write '@hourly'.")]
    [InlineData("@fortnightly", "AR4001", "'@fortnightly' is not a valid crontab schedule: it is not a crontab macro; write 5 fields (minute hour day-of-month month day-of-week) or @yearly, @monthly, @weekly, @daily, @midnight or @hourly.")]
    [InlineData("@reboot", "AR4002", "'@reboot' is not supported: a hosted route has no machine start to run at; use a schedule such as '@daily'.")]
    [InlineData("@annually", "AR4002", "'@annually' is not supported: the platform ApiRoutes mirrors refuses it; write '@yearly', which runs at the same time.")]
    [InlineData("* * * * * *", "AR4003", "'* * * * * *' runs more than once a minute: its first field is seconds, with more than one; schedules run at most once a minute. Write 5 fields (minute hour day-of-month month day-of-week), such as '* * * * *' for every minute.")]
    [InlineData("@every_second", "AR4003", "'@every_second' runs more than once a minute: schedules run at most once a minute; write '* * * * *' for every minute.")]
    [InlineData("0 0 30 2 *", "AR4006", "'0 0 30 2 *' never fires: no date has the day and month it names (such as February 30th).")]
    // Review 24a F3: a crontab line pasted whole; F2: the last Friday is a weekday's "last", not the month's last day.
    [InlineData("0 3 * * * /usr/bin/backup", "AR4008", "'0 3 * * * /usr/bin/backup' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). The sixth, '/usr/bin/backup', reads as a crontab line's command: the route is what runs, so write '0 3 * * *'.")]
    // Review 28c F1: a minute field of several values was taken for seconds ("runs more than once a minute"), a macro's
    // command made '@daily' "not a crontab macro", and /etc/crontab's user and command were counted as fields.
    [InlineData("*/10 * * * * curl", "AR4008", "'*/10 * * * * curl' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). The sixth, 'curl', reads as a crontab line's command: the route is what runs, so write '*/10 * * * *'.")]
    [InlineData("@daily /usr/bin/backup --full", "AR4008", "'@daily /usr/bin/backup --full' is not crontab: the text after '@daily', '/usr/bin/backup --full', reads as a crontab line's command: the route is what runs, so write '@daily'.")]
    [InlineData("30 2 * * 1 root run-parts /etc/cron.weekly", "AR4008", "'30 2 * * 1 root run-parts /etc/cron.weekly' is not crontab: it has 8 fields; crontab has 5 (minute hour day-of-month month day-of-week). The text after the fifth, 'root run-parts /etc/cron.weekly', reads as a crontab line's command (in /etc/crontab and /etc/cron.d, the user it runs as, then the command): the route is what runs, so write '30 2 * * 1'.")]
    [InlineData("@reboot /usr/bin/start", "AR4002", "'@reboot /usr/bin/start' is not supported: a hosted route has no machine start to run at; use a schedule such as '@daily'.")]
    [InlineData("@Daily backup", "AR4001", "'@Daily backup' is not a valid crontab schedule: crontab's macros are lower case; write '@daily'.")]
    [InlineData("@fortnightly backup", "AR4001", "'@fortnightly backup' is not a valid crontab schedule: it is not a crontab macro; write 5 fields (minute hour day-of-month month day-of-week) or @yearly, @monthly, @weekly, @daily, @midnight or @hourly.")]
    [InlineData("*/5 * * * * ?", "AR4003", "'*/5 * * * * ?' runs more than once a minute: its first field is seconds, with more than one; schedules run at most once a minute. Write 5 fields (minute hour day-of-month month day-of-week), such as '* * * * *' for every minute.")]
    [InlineData("0 */10 * * * MON#2", "AR4008", "'0 */10 * * * MON#2' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and Spring's format: drop it.")]
    // Review 29a F1, F2: a command ending in 'L' or holding '#' and a digit was taken for Quartz's syntax; a Quartz or
    // Spring day of week crontab refuses (lower case 'l', a wrap-around range) for a command, with a different schedule offered.
    [InlineData("*/5 * * * * /opt/ETL", "AR4008", "'*/5 * * * * /opt/ETL' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). The sixth, '/opt/ETL', reads as a crontab line's command: the route is what runs, so write '*/5 * * * *'.")]
    [InlineData("0 3 * * * make#2", "AR4008", "'0 3 * * * make#2' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). The sixth, 'make#2', reads as a crontab line's command: the route is what runs, so write '0 3 * * *'.")]
    [InlineData("*/30 * * * * SAT-SUN", "AR4003", "'*/30 * * * * SAT-SUN' runs more than once a minute: its first field is seconds, with more than one; schedules run at most once a minute. Write 5 fields (minute hour day-of-month month day-of-week), such as '* * * * *' for every minute.")]
    [InlineData("0 0 12 * * 6l 2025", "AR4008", "'0 0 12 * * 6l 2025' is not crontab: 7 fields (seconds ... year) are Quartz's format; write 5: minute hour day-of-month month day-of-week.")]
    [InlineData("0 0 12 * * SAT-SUN", "AR4008", "'0 0 12 * * SAT-SUN' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and Spring's format: drop it.")]
    [InlineData("0 0 * * 5L", "AR4008", "'0 0 * * 5L' is not crontab: '5L' in the day-of-week field (the last such weekday of the month) is a Quartz/Cronos extension. Crontab cannot name it: run on that weekday every week ('5') and return early in the handler unless the date is in the month's last 7 days (a week later is next month).")]
    [InlineData("0 0 12 * * MON", "AR4008", "'0 0 12 * * MON' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and Spring's format: drop it and write '0 12 * * MON'.")]
    // Review 43a F3: a year last without '?' was told to drop a first field of seconds, which left no schedule; Quartz's own
    // example got no suggestion for its '?'.
    [InlineData("0 12 * * MON 2026", "AR4008", "'0 12 * * MON 2026' is not crontab: it has 6 fields, the last a year; crontab has 5 (minute hour day-of-month month day-of-week) and no year: drop it ('2026' runs in some years only, which crontab cannot say: return early in the handler in the others), and write '0 12 * * MON'.")]
    [InlineData("30 8 1 * * 2027-2030", "AR4008", "'30 8 1 * * 2027-2030' is not crontab: it has 6 fields, the last a year; crontab has 5 (minute hour day-of-month month day-of-week) and no year: drop it ('2027-2030' runs in some years only, which crontab cannot say: return early in the handler in the others), and write '30 8 1 * *'.")]
    [InlineData("0 15 10 ? * MON-FRI", "AR4008", "'0 15 10 ? * MON-FRI' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and Spring's format: drop it, write '*' for '?' and write '15 10 * * MON-FRI'.")]
    // Review 32a F4: AWS EventBridge's year-last form was told to drop its first field ('0 12 * * ? *' then ran hourly at :12).
    [InlineData("0 12 * * ? *", "AR4008", "'0 12 * * ? *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?', and write '0 12 * * *'.")]
    [InlineData("0 18 ? * MON-FRI *", "AR4008", "'0 18 ? * MON-FRI *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?', and write '0 18 * * MON-FRI'.")]
    [InlineData("0 8 1 * ? 2027", "AR4008", "'0 8 1 * ? 2027' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it ('2027' runs in some years only, which crontab cannot say: return early in the handler in the others), write '*' for '?', and write '0 8 1 * *'.")]
    // Review 32c F1: AWS numbers the days of the week 1-7 from Sunday; the numbers were copied as they were.
    [InlineData("0 12 ? * 2 *", "AR4008", "'0 12 ? * 2 *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?' (AWS numbers the days of the week 1-7 from Sunday, crontab 0-6 from Sunday: one less each), and write '0 12 * * 1'.")]
    [InlineData("0 9 ? * 2-6 *", "AR4008", "'0 9 ? * 2-6 *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?' (AWS numbers the days of the week 1-7 from Sunday, crontab 0-6 from Sunday: one less each), and write '0 9 * * 1-5'.")]
    [InlineData("0 9 ? * 1,7 *", "AR4008", "'0 9 ? * 1,7 *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?' (AWS numbers the days of the week 1-7 from Sunday, crontab 0-6 from Sunday: one less each), and write '0 9 * * 0,6'.")]
    [InlineData("cron(0 12 * * ? *)", "AR4008", "'cron(0 12 * * ? *)' is not crontab: 'cron(…)' is AWS EventBridge's wrapper; write the fields alone, and in crontab's form: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?', and write '0 12 * * *'.")]
    [InlineData("cron(0 12 * * *)", "AR4008", "'cron(0 12 * * *)' is not crontab: 'cron(…)' is AWS EventBridge's wrapper; write the fields alone: '0 12 * * *'.")]
    [InlineData("rate(5 minutes)", "AR4008", "'rate(5 minutes)' is not crontab: 'rate(…)' is AWS EventBridge's interval; write a step instead, such as '*/5 * * * *' (every 5 minutes) or '0 */2 * * *' (every 2 hours).")]
    // Not AWS's: a command after the fields is no year.
    [InlineData("0 3 * * ? /usr/bin/backup", "AR4008", "'0 3 * * ? /usr/bin/backup' is not crontab: it has 6 fields; crontab has 5 (minute hour day-of-month month day-of-week). A first field of seconds is Quartz's and Spring's format: drop it.")]
    [InlineData("0/15 * * * ? *", "AR4008", "'0/15 * * * ? *' is not crontab: it has 6 fields, the last a year, with '?' for no specific day: AWS EventBridge's format (minute hour day-of-month month day-of-week year). Crontab has no year: drop it, write '*' for '?'.")]
    // Review 32a F5: two schedules on two lines were told to type a space (10 fields).
    [InlineData("0 0 * * *\n0 12 * * *", "AR4001", "'0 0 * * *?0 12 * * *' is not a valid crontab schedule: it holds a line break after '0 0 * * *': a route has one schedule, on one line. For two, serve two routes, or write one schedule that names both times, such as '0 0,12 * * *'.")]
    // Review 32c F8: one schedule wrapped over two lines; other line breaks (U+2028) were told to type a space.
    [InlineData("0 12\n* * *", "AR4001", "'0 12?* * *' is not a valid crontab schedule: it holds a line break after '0 12': a schedule is one line; write '0 12 * * *'.")]
    [InlineData("0 0 * * *\u20280 12 * * *", "AR4001", "'0 0 * * *?0 12 * * *' is not a valid crontab schedule: it holds a line break after '0 0 * * *': a route has one schedule, on one line. For two, serve two routes, or write one schedule that names both times, such as '0 0,12 * * *'.")]
    [InlineData("0 0 12 * * ? 2026", "AR4008", "'0 0 12 * * ? 2026' is not crontab: 7 fields (seconds ... year) are Quartz's format; write 5: minute hour day-of-month month day-of-week.")]
    [InlineData("0 0 L * *", "AR4008", "'0 0 L * *' is not crontab: 'L' in the day-of-month field (\"last\") is a Quartz/Cronos extension. Crontab cannot name the last day: run on days 28-31 and return early in the handler unless tomorrow is the 1st.")]
    [InlineData("0 0 15W * *", "AR4008", "'0 0 15W * *' is not crontab: '15W' in the day-of-month field (the weekday nearest a day) is a Quartz/Cronos extension; write the day itself, such as '15', or a range such as '14-16'.")]
    [InlineData("0 0 * * 5#2", "AR4008", "'0 0 * * 5#2' is not crontab: '5#2' in the day-of-week field (the nth weekday of the month) is a Quartz/Cronos extension. Crontab cannot name the nth weekday: run on that weekday every week and return early in the handler unless the date is in the week you want (days 1-7 for the first, 8-14 for the second).")]
    [InlineData("0 0 ? * MON", "AR4008", "'0 0 ? * MON' is not crontab: '?' in the day-of-month field is Quartz's \"no specific value\"; crontab writes '*'.")]
    [InlineData("H * * * *", "AR4008", "'H * * * *' is not crontab: 'H' in the minute field is Jenkins' hashed value; write a fixed value instead, such as '7'.")]
    [InlineData("5/15 * * * *", "AR4008", "'5/15 * * * *' is not crontab: '5/15' in the minute field is a start with a step but no range; write '5-59/15'.")]
    [InlineData("@every_minute", "AR4008", "'@every_minute' is not crontab: write '* * * * *'.")]
    [InlineData("@every_5m", "AR4008", "'@every_5m' is not crontab: @every intervals are another scheduler's; write a step instead, such as '*/5 * * * *' (every 5 minutes) or '0 */2 * * *' (every 2 hours).")]
    [InlineData("0 0 * * SAT-SUN", "AR4009", "'0 0 * * SAT-SUN' has a range that runs backwards: the day-of-week range 'SAT-SUN' runs backwards, which Debian's cron skips without a word: it adds no days of the week, and the rest of the schedule runs as if it were not there (cronie's code since 2025 reads a range ending on Sunday as ending on 7, and runs it as 'SAT,SUN'; older cronie refuses it). To wrap around, list both parts: 'SAT,SUN'.")]
    // Review 24a F5: a step goes on across the wrap: 50, then 10 (70 - 60), not 0; hours 22, then 1.
    [InlineData("50-10/20 * * * *", "AR4009", "'50-10/20 * * * *' has a range that runs backwards: the minute range '50-10/20' runs backwards, which Debian's cron skips without a word: it adds no minutes, and the rest of the schedule runs as if it were not there. To wrap around, list both parts: '50,10'.")]
    [InlineData("0 22-2/3 * * *", "AR4009", "'0 22-2/3 * * *' has a range that runs backwards: the hour range '22-2/3' runs backwards, which Debian's cron skips without a word: it adds no hours, and the rest of the schedule runs as if it were not there. To wrap around, list both parts: '22,1'.")]
    [InlineData("40-30/5 * * * *", "AR4009", "'40-30/5 * * * *' has a range that runs backwards: the minute range '40-30/5' runs backwards, which Debian's cron skips without a word: it adds no minutes, and the rest of the schedule runs as if it were not there. To wrap around, list both parts: '40-59/5,0-30/5'.")]
    [InlineData("30-10 * * * *", "AR4009", "'30-10 * * * *' has a range that runs backwards: the minute range '30-10' runs backwards, which Debian's cron skips without a word: it adds no minutes, and the rest of the schedule runs as if it were not there. To wrap around, list both parts: '30-59,0-10'.")]
    [InlineData("0 0 * * 1-0", "AR4009", "'0 0 * * 1-0' has a range that runs backwards: the day-of-week range '1-0' runs backwards, which Debian's cron skips without a word: it adds no days of the week, and the rest of the schedule runs as if it were not there (cronie's code since 2025 reads a range ending on Sunday as ending on 7, and runs it as '1-6,0'; older cronie refuses it). To wrap around, list both parts: '1-6,0'.")]
    [InlineData("0 0 * * 7-2", "AR4009", "'0 0 * * 7-2' has a range that runs backwards: the day-of-week range '7-2' runs backwards, which Debian's cron skips without a word: it adds no days of the week, and the rest of the schedule runs as if it were not there. To wrap around, list both parts: '0-2'.")]
    // Review 16c F1: crontab separates fields with spaces and tabs only; '0<U+00A0>3 * * * *' is minute 0 of every hour there.
    [InlineData("0\u00A03 * * *", "AR4001", "'0\u00A03 * * *' is not a valid crontab schedule: it holds a no-break space (U+00A0, as pasted from a web page) after '0': crontab separates fields with spaces and tabs only. Type a space there.")]
    [InlineData("0 3\u2003* * *", "AR4001", "'0 3\u2003* * *' is not a valid crontab schedule: it holds the character U+2003 after '0 3': crontab separates fields with spaces and tabs only. Type a space there.")]
    [InlineData("0 3\v* * *", "AR4001", "'0 3?* * *' is not a valid crontab schedule: it holds the character U+000B after '0 3': crontab separates fields with spaces and tabs only. Type a space there.")]
    [InlineData("\u200B0 3 * * *", "AR4001", "'\u200B0 3 * * *' is not a valid crontab schedule: it holds the character U+200B at its start: crontab separates fields with spaces and tabs only. Type a space there.")]
    // Review 16c F2: a note after the fields was taken for a seconds field or Quartz's nth weekday.
    [InlineData("0 3 * * * # nightly", "AR4001", "'0 3 * * * # nightly' is not a valid crontab schedule: a schedule holds no comment: remove '# nightly' (in a crontab line, the text after the five fields is the command, never a comment) and put the note in a C# comment or in apiroutes.yaml.")]
    [InlineData("0 3 * * *#nightly", "AR4001", "'0 3 * * *#nightly' is not a valid crontab schedule: a schedule holds no comment: remove '#nightly' (in a crontab line, the text after the five fields is the command, never a comment) and put the note in a C# comment or in apiroutes.yaml.")]
    [InlineData("@daily #", "AR4001", "'@daily #' is not a valid crontab schedule: a schedule holds no comment: remove '#' (in a crontab line, the text after the five fields is the command, never a comment) and put the note in a C# comment or in apiroutes.yaml.")]
    public void Refused_schedules_have_a_code_and_say_what_to_write(string expression, string code, string message)
    {
        var result = CronSchedule.Parse(expression);

        Assert.False(result.IsValid);
        Assert.Equal(code, result.Code);
        Assert.Equal(message, result.Message);
    }

    [Fact]
    public void A_day_that_is_both_the_1st_and_a_Sunday_runs_once()
    {
        // The day rule in a month that starts on a Sunday (March 2026): the 1st is both a Sunday and the 1st.
        var schedule = CronSchedule.Parse("30 12 1,15 3 SUN").Schedule!;

        Assert.Equal(
            ["2026-03-01 12:30", "2026-03-08 12:30", "2026-03-15 12:30", "2026-03-22 12:30", "2026-03-29 12:30", "2027-03-01 12:30"],
            schedule.NextOccurrences(Now, 6).Select(Format));
    }

    [Fact]
    public void Occurrences_between_two_instants_follow_the_same_rules()
    {
        var schedule = CronSchedule.Parse("0 9 1 * MON").Schedule!;

        var between = schedule.GetOccurrences(Now, Now.AddDays(14), fromInclusive: true, toInclusive: false).Select(Format);

        Assert.Equal(["2026-01-01 09:00", "2026-01-05 09:00", "2026-01-12 09:00"], between);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00")]
    [InlineData("9999-12-31T23:59:59")]
    public void The_ends_of_time_give_no_exception(string instant)
    {
        var schedule = CronSchedule.Parse("* * * * *").Schedule!;
        var at = DateTime.Parse(instant, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        var next = schedule.GetNextOccurrence(at);

        Assert.True(next is null || next > at);
    }

    private static string Format(DateTime at) => at.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
