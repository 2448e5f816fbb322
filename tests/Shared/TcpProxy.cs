using System.Net;
using System.Net.Sockets;

namespace ApiRoutes.Testing;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of a server, to take the server away from an app and give it back: a real
/// network fault (connections reset, new ones refused) without stopping the server other tests use.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _target;
    private readonly List<TcpClient> _connections = [];
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private byte[]? _dropReplyTo;
    private volatile bool _dropRequestToo;
    private volatile bool _frozen;

    public TcpProxy(int targetPort)
    {
        _target = targetPort;
        Port = PostgresServer.FreePort();
        Open();
    }

    public int Port { get; }

    /// <summary>Closes every connection and refuses new ones.</summary>
    public async Task CutAsync()
    {
        _listener?.Stop();
        _listener = null;
        await _accepting;
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                try
                {
                    connection.Client?.LingerState = new LingerOption(true, 0);   // RST, as a crash or a network fault
                }
                catch (Exception e) when (e is ObjectDisposedException or SocketException)
                {
                    // Closed by its pump meanwhile.
                }

                connection.Dispose();
            }

            _connections.Clear();
        }
    }

    /// <summary>
    /// Once: the connection whose client next sends <paramref name="marker"/> (its bytes, within one read) gets no answer
    /// to it: the server's next bytes to it are dropped and the connection is reset both ways. The server did what it
    /// was asked (a commit of a small batch is answered only once done); the client never hears of it.
    /// </summary>
    public void DropReplyTo(byte[] marker)
    {
        _dropRequestToo = false;
        Volatile.Write(ref _dropReplyTo, marker);
    }

    /// <summary>
    /// As <see cref="DropReplyTo"/>, but the bytes with <paramref name="marker"/> never reach the server either: the
    /// connection fails with the request sent, as far as the client can tell, and the server never had it.
    /// </summary>
    public void DropRequestWith(byte[] marker)
    {
        _dropRequestToo = true;
        Volatile.Write(ref _dropReplyTo, marker);
    }

    /// <summary>Whether bytes were dropped since <see cref="DropReplyTo"/> or <see cref="DropRequestWith"/>.</summary>
    public bool DroppedReply { get; private set; }

    /// <summary>
    /// A network partition: from now on no byte goes through either way, and nothing is closed — connections made meanwhile
    /// are taken and never joined to the server — as when packets are dropped without a reset (a cable, a firewall).
    /// </summary>
    public void Freeze() => _frozen = true;

    /// <summary>Accepts connections again, on the same port.</summary>
    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _accepting = AcceptAsync(_listener);
    }

    public async ValueTask DisposeAsync() => await CutAsync();

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            if (_frozen)
            {
                lock (_connections)
                {
                    _connections.Add(client);   // held open, never answered
                }

                continue;
            }

            var server = new TcpClient();
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            lock (_connections)
            {
                _connections.RemoveAll(connection => connection.Client is null);
                _connections.Add(client);
                _connections.Add(server);
            }

            var pair = new Pair(client, server);
            _ = ForwardAsync(pair, requests: true);
            _ = ForwardAsync(pair, requests: false);
        }
    }

    // One direction of a connection (the client's requests, or the server's replies), until either side closes, or
    // the bytes DropReplyTo/DropRequestWith picked are dropped: then the connection is reset both ways.
    private async Task ForwardAsync(Pair pair, bool requests)
    {
        var buffer = new byte[64 * 1024];
        var (from, to) = requests ? (pair.Client, pair.Server) : (pair.Server, pair.Client);
        try
        {
            int read;
            while ((read = await from.GetStream().ReadAsync(buffer)) > 0)
            {
                if (_frozen)
                {
                    continue;   // dropped, the connection left open
                }

                if (requests ? Picked(pair, buffer.AsSpan(0, read)) && _dropRequestToo : pair.DropNextReply)
                {
                    DroppedReply = true;
                    pair.Client.Client.LingerState = new LingerOption(true, 0);   // RST both ways, as a network fault
                    pair.Server.Client.LingerState = new LingerOption(true, 0);
                    break;
                }

                await to.GetStream().WriteAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException or InvalidOperationException)
        {
            // Cut, or one side closed.
        }

        pair.Dispose();
    }

    // Whether these request bytes hold the marker armed (once): the connection's next reply is then dropped.
    private bool Picked(Pair pair, ReadOnlySpan<byte> bytes)
    {
        if (Volatile.Read(ref _dropReplyTo) is not { } marker || bytes.IndexOf(marker) < 0
            || Interlocked.CompareExchange(ref _dropReplyTo, null, marker) != marker)
        {
            return false;
        }

        pair.DropNextReply = true;
        return true;
    }

    private sealed class Pair(TcpClient client, TcpClient server) : IDisposable
    {
        public TcpClient Client { get; } = client;

        public TcpClient Server { get; } = server;

        public volatile bool DropNextReply;

        public void Dispose()
        {
            Client.Dispose();
            Server.Dispose();
        }
    }
}
