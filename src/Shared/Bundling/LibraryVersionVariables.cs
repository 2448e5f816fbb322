namespace ApiRoutes.Bundling;

/// <summary>
/// Environment variables that give the version of a native library the runtime opens by name: it joins the value to the
/// library's file name and opens that path as a relative one, from the working directory or the app's folder (both the
/// bundle's folder under <c>apiroutes serve</c>). A version alone picks one of the system's libraries, as the variable is
/// meant to; a value with a folder in it leaves the bundle (review 48C F1: <c>3/../../../../../../tmp/s48c/e</c>, with a
/// folder <c>libssl.so.3</c> in the bundle, loaded <c>/tmp/s48c/e</c> into the served app when it first hashed a file,
/// as libssl). <c>serve</c> passes the variables on, so a version still works, and refuses a value that names a folder.
/// </summary>
internal static class LibraryVersionVariables
{
    // dotnet/runtime's opensslshim.c: strcat("libssl.so.", value), then dlopen (the value may be 32 characters long).
    // CLR_OPENSSL_VERSION_OVERRIDE is its name before .NET 10. GlobalizationMode.LoadAppLocalIcu: 'libicuuc' + suffix +
    // '.so.' + version, and the same for libicui18n and libicudata, where the value is 'suffix:version' or 'version'.
    // DOTNET_ICU_VERSION_OVERRIDE is not one of them: pal_icushim.c reads it with sscanf("%d.%d.%d"), numbers only.
    private static readonly (string Name, string Library, Func<string, string> Opened, string Fix)[] Variables =
    [
        ("DOTNET_OPENSSL_VERSION_OVERRIDE", "libssl's file name", value => "libssl.so." + value, "the OpenSSL version alone (such as 3)"),
        ("CLR_OPENSSL_VERSION_OVERRIDE", "libssl's file name", value => "libssl.so." + value, "the OpenSSL version alone (such as 3)"),
        ("DOTNET_SYSTEM_GLOBALIZATION_APPLOCALICU", "ICU's file names (libicuuc, libicui18n, libicudata)", IcuName,
            "the ICU version alone (such as 72.1.0.3, or suffix:72.1.0.3)"),
    ];

    /// <summary>The first of the variables set in <paramref name="environment"/> whose value names a folder, and why it may not.</summary>
    /// <returns>A sentence that begins "environment sets …" and says how to fix it; null when none names a folder.</returns>
    public static string? FolderIn(System.Collections.IDictionary environment)
    {
        foreach (var (name, library, opened, fix) in Variables)
        {
            // As UnverifiedCodeVariables matches names: Windows' variables ignore case, and Unix has no second spelling.
            var value = environment.Keys.OfType<string>().Where(key => key.Equals(name, StringComparison.OrdinalIgnoreCase))
                .Select(key => environment[key] as string).FirstOrDefault(text => text is not null && BundleRuntimeConfig.NamesAFolder(text));
            if (value is not null)
            {
                return $"environment sets {name} to {BundlePath.Quote(value)}, which names a folder: the runtime joins it to {library} and opens "
                    + $"{BundlePath.Quote(opened(value))} from the bundle's folder, which loads a library from outside the bundle into the app, code that "
                    + $"was not verified. Set it to {fix}, or unset it.";
            }
        }

        return null;
    }

    private static string IcuName(string value) =>
        value.IndexOf(':', StringComparison.Ordinal) is var colon and >= 0
            ? $"libicuuc{value[..colon]}.so.{value[(colon + 1)..]}"
            : $"libicuuc.so.{value}";
}
