using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace ApiRoutes.Cli.Bundling;

/// <summary>
/// Bounds a zip's central directory before <see cref="System.IO.Compression.ZipArchive"/> opens it: the archive reads
/// the whole directory into memory at once (about 530 bytes per record), and a record costs the zip only 46 bytes, as
/// all of them may point at one local entry — a 15 MB zip cost 160 MB of memory before any count was checked. So the
/// end of central directory record (and the ZIP64 ones, when a locator is there) is read first, found as the archive
/// finds it (the last signature in the last 64 KiB + 22 bytes), and the zip is refused when it declares, or its
/// directory holds (counted record by record from where the archive starts, without keeping them), more entries than
/// <c>--max-files</c> and the list, or more bytes than those entries may need (<see cref="MaxBytesPerEntry"/> each).
/// </summary>
internal static class ZipCentralDirectory
{
    /// <summary>A record's 46 bytes, a path of at most 1,024 characters in UTF-8 (4 KiB), and 1 KiB of extra fields and comment.</summary>
    public const int MaxBytesPerEntry = 5 * 1024;

    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint EntrySignature = 0x02014b50;
    private const int EndSize = 22;
    private const int Zip64LocatorSize = 20;
    private const int Zip64EndSize = 56;
    private const int EntrySize = 46;

    /// <exception cref="BundleRefusedException">The directory is missing, or over the bound.</exception>
    public static void Check(SafeFileHandle zip, BundleLimits limits)
    {
        var length = RandomAccess.GetLength(zip);
        var bound = new Bound((ulong)limits.MaxFiles + 1, ((ulong)limits.MaxFiles + 1) * MaxBytesPerEntry, limits.MaxFiles);
        var end = FindEnd(zip, length) ?? throw new BundleRefusedException("it is not a valid zip file: it has no end of central directory record.");
        Span<byte> record = stackalloc byte[EndSize];
        Read(zip, end, record);
        var entries = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        var start = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        var zip64 = Zip64Starts(zip, end, length, bound);

        // 0xFFFF and 0xFFFFFFFF say "see the ZIP64 record" when there is one.
        bound.Declared(entries == ushort.MaxValue && zip64.Count > 0 ? 0UL : entries, size == uint.MaxValue && zip64.Count > 0 ? 0UL : size);
        foreach (var from in zip64.Append(start).Distinct())
        {
            Count(zip, from, length, bound);
        }
    }

    private static long? FindEnd(SafeFileHandle zip, long length)
    {
        if (length < EndSize)
        {
            return null;
        }

        // A few bytes more than the archive searches: the last signature is the same one, or the archive finds none.
        var tail = new byte[(int)Math.Min(length, EndSize + ushort.MaxValue + 8)];
        var tailStart = length - tail.Length;
        Read(zip, tailStart, tail);
        for (var i = tail.Length - EndSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature)
            {
                return tailStart + i;
            }
        }

        return null;
    }

    // The locator is the 20 bytes before the end record; a reader that looks a little further back for its signature
    // finds one of these too, so every one in the 32 bytes before is taken (at most 8: the signature cannot overlap itself).
    private static List<ulong> Zip64Starts(SafeFileHandle zip, long end, long length, Bound bound)
    {
        var starts = new List<ulong>();
        Span<byte> buffer = stackalloc byte[Zip64EndSize];
        for (var locator = end - Zip64LocatorSize; locator >= 0 && locator >= end - Zip64LocatorSize - 32; locator--)
        {
            Read(zip, locator, buffer[..Zip64LocatorSize]);
            var offset = BinaryPrimitives.ReadUInt64LittleEndian(buffer[8..]);
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer) != Zip64LocatorSignature || length < Zip64EndSize || offset > (ulong)(length - Zip64EndSize))
            {
                continue;
            }

            Read(zip, (long)offset, buffer);
            if (BinaryPrimitives.ReadUInt32LittleEndian(buffer) == Zip64EndSignature)
            {
                bound.Declared(BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]), BinaryPrimitives.ReadUInt64LittleEndian(buffer[40..]));
                starts.Add(BinaryPrimitives.ReadUInt64LittleEndian(buffer[48..]));
            }
        }

        return starts;
    }

    // Record by record, as the archive reads them: consecutive records with the signature, from the start it takes.
    private static void Count(SafeFileHandle zip, ulong start, long length, Bound bound)
    {
        Span<byte> header = stackalloc byte[EntrySize];
        ulong entries = 0, bytes = 0;
        var position = start;

        // Ends: each record moves on by at least 46 bytes, and Held refuses past the bound.
        while (position <= (ulong)length && (ulong)length - position >= EntrySize)
        {
            Read(zip, (long)position, header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != EntrySignature)
            {
                return;
            }

            var size = EntrySize + Variable(header);
            entries++;
            bytes += size;
            bound.Held(entries, bytes);
            position += size;
        }
    }

    // The name, extra field and comment lengths.
    private static ulong Variable(ReadOnlySpan<byte> header) =>
        (ulong)BinaryPrimitives.ReadUInt16LittleEndian(header[28..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[30..]) + BinaryPrimitives.ReadUInt16LittleEndian(header[32..]);

    private static void Read(SafeFileHandle zip, long offset, Span<byte> buffer)
    {
        if (RandomAccess.Read(zip, buffer, offset) != buffer.Length)
        {
            throw new BundleRefusedException("it is not a valid zip file: it ends inside its central directory.");
        }
    }

    private sealed record Bound(ulong Entries, ulong Bytes, int MaxFiles)
    {
        public void Declared(ulong entries, ulong bytes) => Check(entries > Entries ? entries.ToString(System.Globalization.CultureInfo.InvariantCulture) : null, bytes);

        public void Held(ulong entries, ulong bytes) => Check(entries > Entries ? $"at least {entries}" : null, bytes);

        private void Check(string? tooMany, ulong bytes)
        {
            if (tooMany is not null)
            {
                throw new BundleRefusedException($"the zip has {tooMany} entries: more than the list and the ceiling of {MaxFiles} files (--max-files).");
            }

            if (bytes > Bytes)
            {
                throw new BundleRefusedException($"the zip's central directory is {bytes} bytes, over the {Bytes} bytes that the list and {MaxFiles} files (--max-files) may need.");
            }
        }
    }
}
