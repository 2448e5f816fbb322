using ApiRoutes.Background;
using Microsoft.AspNetCore.Http;

namespace ApiRoutes.Runtime.Tests;

/// <summary>What reading a background request's body holds before the body has arrived.</summary>
public class BackgroundBodyReadTests
{
    // Review 7, R7-3: the array for the claimed Content-Length was allocated before the first byte arrived, so a client
    // sending only headers that claim the limit (256 KB) made the server hold 256 KB per connection.
    [Fact]
    public async Task A_large_claimed_body_holds_memory_as_its_bytes_arrive_not_as_claimed()
    {
        var stalled = new StalledStream();
        var context = new DefaultHttpContext { Request = { ContentLength = 256 * 1024, Body = stalled } };

        var before = GC.GetAllocatedBytesForCurrentThread();
        var read = BackgroundRouteEndpoint.ReadBodyAsync(context.Request, 256 * 1024, CancellationToken.None);   // up to the first read that waits
        var held = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(read.IsCompleted);
        Assert.True(held < 64 * 1024, $"{held} bytes allocated before the body's second byte arrived");
        stalled.End();
        Assert.Equal("x"u8.ToArray(), (await read)!.Value.ToArray());   // (Kestrel itself refuses a body shorter than its Content-Length)
    }

    // One byte at once, then nothing until End: the rest of the body is still on its way.
    private sealed class StalledStream : Stream
    {
        private readonly TaskCompletionSource<int> _end = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _sentOne;

        public void End() => _end.TrySetResult(0);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_sentOne)
            {
                _sentOne = true;
                buffer.Span[0] = (byte)'x';
                return ValueTask.FromResult(1);
            }

            return new ValueTask<int>(_end.Task);
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
