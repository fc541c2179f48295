namespace Eventer.ServiceDefaults;

/// <summary>The parts of <c>ConnectionStrings:rabbitmq</c> (an <c>amqp://</c> or <c>amqps://</c> URI).</summary>
public sealed record RabbitMqConnection(string Host, int Port, string VirtualHost, string Username, string Password, bool UseTls)
{
    /// <summary>The configuration key.</summary>
    public const string Key = "ConnectionStrings:rabbitmq";

    /// <summary>
    /// Parses the URI; a missing or malformed one stops the service with a message that names the
    /// key, never the value (it holds a password). There is no default: a service that silently
    /// talked to guest@localhost would look healthy while delivering nothing.
    /// </summary>
    public static RabbitMqConnection Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new EventerConfigurationException(Key, "is required, e.g. amqp://eventer:…@rabbitmq:5672/");
        }

        var value = connectionString.Trim();
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || uri.Host.Length == 0)
        {
            throw new EventerConfigurationException(Key, "must be an amqp:// or amqps:// URI such as amqp://user:password@host:5672/vhost");
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var username = userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : "guest";
        var password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "guest";
        var path = uri.AbsolutePath.TrimStart('/');
        var virtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        var tls = uri.Scheme == "amqps";
        var port = uri.IsDefaultPort || uri.Port <= 0 ? (tls ? 5671 : 5672) : uri.Port;
        return new RabbitMqConnection(uri.Host, port, virtualHost, username, password, tls);
    }

    /// <summary>
    /// A RabbitMQ.Client factory for this broker, for the few places that talk to RabbitMQ beside
    /// MassTransit. It does not reconnect by itself: each caller retries what a broken connection cut.
    /// </summary>
    public RabbitMQ.Client.ConnectionFactory Factory(string clientName) => new()
    {
        HostName = Host,
        Port = Port,
        VirtualHost = VirtualHost,
        UserName = Username,
        Password = Password,
        Ssl = new RabbitMQ.Client.SslOption { Enabled = UseTls, ServerName = Host },
        ClientProvidedName = clientName,
        AutomaticRecoveryEnabled = false,
    };

    /// <summary>Never print the password.</summary>
    public override string ToString() => $"{(UseTls ? "amqps" : "amqp")}://{Host}:{Port}/{Uri.EscapeDataString(VirtualHost)}";
}
