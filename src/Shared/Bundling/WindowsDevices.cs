namespace ApiRoutes.Bundling;

/// <summary>
/// The names Windows opens as devices in every folder: <c>nul.txt</c> or <c>wwwroot/COM1.dll</c> unpacks there as no
/// file at all (or writes to a serial port), so a bundle that must unpack to the same files everywhere holds none.
/// </summary>
internal static class WindowsDevices
{
    private static readonly string[] Names =
    [
        "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
        .. Numbered("COM"), .. Numbered("LPT"),
    ];

    /// <returns>The device that <paramref name="segment"/> names on Windows, as Windows spells it, or null.</returns>
    public static string? Named(string segment)
    {
        // Windows looks only at what comes before the first dot, without the spaces before it: 'Con .tar.gz' is CON.
        var dot = segment.IndexOf('.', StringComparison.Ordinal);
        var stem = (dot < 0 ? segment : segment[..dot]).TrimEnd(' ');
        return Array.Find(Names, name => string.Equals(name, stem, StringComparison.OrdinalIgnoreCase));
    }

    // COM0-COM9 and LPT0-LPT9, and the superscript 1, 2 and 3 that Windows also reads as port numbers.
    private static IEnumerable<string> Numbered(string prefix) =>
        "0123456789\u00B9\u00B2\u00B3".Select(digit => prefix + digit);
}
