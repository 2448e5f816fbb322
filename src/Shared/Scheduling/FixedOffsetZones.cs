using System.Globalization;
using System.Text.RegularExpressions;

namespace ApiRoutes.Scheduling;

/// <summary>
/// The time zone database's fixed offsets, <c>Etc/GMT+5</c> to <c>Etc/GMT-14</c>, whose sign is POSIX's: <c>Etc/GMT+5</c>
/// is five hours <em>behind</em> UTC. A schedule written for UTC+05:00 with it runs ten hours off without a word, so the
/// build says which way each one goes (AR4104; note 45, review 45b).
/// </summary>
internal static partial class FixedOffsetZones
{
    /// <summary>What the build says of a schedule in a fixed offset of the database other than zero (AR4104), or null.</summary>
    public static string? Warning(string? id)
    {
        if (id is null || Offset().Match(id) is not { Success: true } match)
        {
            return null;
        }

        var hours = int.Parse(match.Groups["hours"].Value, CultureInfo.InvariantCulture);
        var behind = match.Groups["sign"].Value == "+";
        var (way, sign, other) = behind ? ("behind", '-', '+') : ("ahead of", '+', '-');
        // The database goes from 14 hours ahead to 12 behind: UTC-13:00 and UTC-14:00 have no zone (review 46d F4).
        var opposite = !behind && hours > 12 ? "" : $" If you meant UTC{other}{hours:00}:00, write 'Etc/GMT{sign}{hours}'.";
        return $"'{id}' is {hours} hour{(hours == 1 ? "" : "s")} {way} UTC (UTC{sign}{hours:00}:00): the time zone database's Etc/GMT zones carry the "
            + $"sign of POSIX TZ strings, the reverse of ISO 8601's.{opposite} A fixed offset "
            + "never changes for daylight saving; a place's name (such as 'America/New_York') follows its clock changes.";
    }

    // The database has Etc/GMT-14 to Etc/GMT+12; "+0", "-0" and "0" are legacy names of Etc/GMT (AR4103).
    [GeneratedRegex(@"^Etc/GMT(?<sign>[+-])(?<hours>1[0-4]|[1-9])$", RegexOptions.CultureInvariant)]
    private static partial Regex Offset();
}
