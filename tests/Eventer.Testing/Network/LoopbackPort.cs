using System.Net;
using System.Net.Sockets;

namespace Eventer.Testing.Network;

/// <summary>Loopback ports for servers whose port must be chosen before they start.</summary>
public static class LoopbackPort
{
    /// <summary>A loopback port that nothing listens on now.</summary>
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
