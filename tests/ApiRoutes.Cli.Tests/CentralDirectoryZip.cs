using System.Buffers.Binary;

namespace ApiRoutes.Cli.Tests;

/// <summary>
/// Rewrites a small zip's central directory as the review's memory bomb does: many more records, all copies of its
/// last one (so all point at one local entry and the zip needs no data for them), declared honestly or not, with or
/// without ZIP64 end records.
/// </summary>
internal static class CentralDirectoryZip
{
    /// <param name="locatorGap">Bytes between the ZIP64 locator and the end record, where the format puts none; with a
    /// gap, the plain end record points at a clean copy of the directory and only the ZIP64 one at the copies.</param>
    public static byte[] WithCopies(byte[] zip, int copies, bool zip64, bool declareCopies = true, int locatorGap = 0)
    {
        // A zip written by ZipArchive without a comment: the end record is its last 22 bytes.
        var end = zip.Length - 22;
        var entries = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        var size = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 12));
        var start = (int)BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));
        var last = start;
        for (var i = 1; i < entries; i++)
        {
            last += 46 + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(last + 28)) + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(last + 30))
                + BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(last + 32));
        }

        var record = zip.AsSpan(last, start + size - last).ToArray();
        using var output = new MemoryStream();
        output.Write(zip, 0, start + size);
        for (var i = 0; i < copies; i++)
        {
            output.Write(record);
        }

        var declaredEntries = (ulong)entries + (declareCopies ? (ulong)copies : 0);
        var declaredSize = (ulong)size + (declareCopies ? (ulong)(copies * record.Length) : 0);
        var cleanStart = output.Position;
        if (locatorGap > 0)
        {
            output.Write(zip, start, size);
        }

        var zip64End = output.Position;
        if (zip64)
        {
            var record64 = new byte[56];
            BinaryPrimitives.WriteUInt32LittleEndian(record64, 0x06064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(record64.AsSpan(4), 44);
            BinaryPrimitives.WriteUInt16LittleEndian(record64.AsSpan(12), 45);
            BinaryPrimitives.WriteUInt64LittleEndian(record64.AsSpan(24), declaredEntries);
            BinaryPrimitives.WriteUInt64LittleEndian(record64.AsSpan(32), declaredEntries);
            BinaryPrimitives.WriteUInt64LittleEndian(record64.AsSpan(40), declaredSize);
            BinaryPrimitives.WriteUInt64LittleEndian(record64.AsSpan(48), (ulong)start);
            output.Write(record64);
            var locator = new byte[20];
            BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
            BinaryPrimitives.WriteUInt64LittleEndian(locator.AsSpan(8), (ulong)zip64End);
            BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1);
            output.Write(locator);
            output.Write(new byte[locatorGap]);
        }

        var endRecord = zip.AsSpan(end, 22).ToArray();
        var masked = zip64 && locatorGap == 0;
        var entries16 = masked ? ushort.MaxValue : locatorGap > 0 ? entries : (ushort)Math.Min(declaredEntries, ushort.MaxValue);
        BinaryPrimitives.WriteUInt16LittleEndian(endRecord.AsSpan(8), entries16);
        BinaryPrimitives.WriteUInt16LittleEndian(endRecord.AsSpan(10), entries16);
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord.AsSpan(12), masked ? uint.MaxValue : locatorGap > 0 ? (uint)size : (uint)declaredSize);
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord.AsSpan(16), masked ? uint.MaxValue : locatorGap > 0 ? (uint)cleanStart : (uint)start);
        output.Write(endRecord);
        return output.ToArray();
    }
}
