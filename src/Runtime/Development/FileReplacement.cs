namespace ApiRoutes.Development;

/// <summary>Writes a file of the development folder whole, so that no reader ever sees it half written.</summary>
internal static class FileReplacement
{
    /// <summary>
    /// Through a temporary file of a fresh random name, created new (CreateNew fails on anything already there, a
    /// symbolic link included, so nothing planted in obj/ is written through), then renamed over <paramref name="path"/>.
    /// </summary>
    public static void Write(string path, string content)
    {
        var temporary = path + "." + Path.GetRandomFileName() + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(content);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
