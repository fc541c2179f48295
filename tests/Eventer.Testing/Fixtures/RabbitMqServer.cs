using System.Net.Http.Headers;
using System.Text;
using Testcontainers.RabbitMq;

namespace Eventer.Testing.Fixtures;

/// <summary>
/// A real RabbitMQ: the one named by <c>EVENTER_TEST_RABBITMQ</c> (an amqp URI; management API at
/// <c>EVENTER_TEST_RABBITMQ_MANAGEMENT</c>, default port 15672 of the same host), else a container.
/// Each test takes its own virtual host, so fixed queue and exchange names never meet.
/// </summary>
public sealed class RabbitMqServer
{
    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static RabbitMqServer? _shared;

    private readonly HttpClient _management;

    internal RabbitMqServer(Uri amqp, Uri management)
    {
        Amqp = amqp;
        var userInfo = amqp.UserInfo.Split(':', 2);
        Username = Uri.UnescapeDataString(userInfo[0]);
        Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "";
        _management = new HttpClient { BaseAddress = management, Timeout = TimeSpan.FromSeconds(30) };
        _management.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Username}:{Password}")));
    }

    /// <summary>The broker's base URI (default virtual host).</summary>
    public Uri Amqp { get; }

    public string Username { get; }

    public string Password { get; }

    /// <summary>The process-wide server, started on first use.</summary>
    public static async Task<RabbitMqServer> GetAsync()
    {
        await Gate.WaitAsync();
        try
        {
            return _shared ??= await StartAsync();
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Starts a broker of the caller's own, for a test that stops, kills and starts the server process
    /// while other tests keep using the shared one. Dispose it when done.
    /// </summary>
    public static Task<DedicatedRabbitMq> StartDedicatedAsync() => DedicatedRabbitMq.StartNewAsync();

    private static async Task<RabbitMqServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable("EVENTER_TEST_RABBITMQ");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var amqp = new Uri(configured);
            var management = Environment.GetEnvironmentVariable("EVENTER_TEST_RABBITMQ_MANAGEMENT") is { Length: > 0 } m
                ? new Uri(m)
                : new Uri($"http://{amqp.Host}:15672/");
            return new RabbitMqServer(amqp, management);
        }

        // The management image serves the HTTP API the virtual hosts are made with.
        var container = new RabbitMqBuilder("rabbitmq:3.13-management")
            .WithPortBinding(15672, true)
            .Build();
        await container.StartAsync();
        var uri = new UriBuilder(container.GetConnectionString()) { Scheme = "amqp" }.Uri;
        return new RabbitMqServer(uri, new Uri($"http://{container.Hostname}:{container.GetMappedPublicPort(15672)}/"));
    }

    /// <summary>Creates a fresh virtual host and returns the amqp URI of it.</summary>
    public async Task<string> CreateVirtualHostAsync(string? prefix = null)
    {
        var name = $"{prefix ?? "test"}-{Guid.NewGuid():N}";
        var escaped = Uri.EscapeDataString(name);
        (await _management.PutAsync($"api/vhosts/{escaped}", Json("{}"))).EnsureSuccessStatusCode();
        (await _management.PutAsync($"api/permissions/{escaped}/{Uri.EscapeDataString(Username)}",
            Json("""{"configure":".*","write":".*","read":".*"}"""))).EnsureSuccessStatusCode();
        return new UriBuilder(Amqp) { Path = "/" + escaped }.Uri.ToString();
    }

    /// <summary>Messages ready in a queue of a virtual host and the queue's arguments, or null when the queue does not exist.</summary>
    public async Task<QueueCounts?> GetQueueAsync(string amqpUri, string queue)
    {
        var vhost = new Uri(amqpUri).AbsolutePath.TrimStart('/');
        var response = await _management.GetAsync($"api/queues/{vhost}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        using var doc = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        long Read(string property) => doc.RootElement.TryGetProperty(property, out var v) && v.ValueKind == System.Text.Json.JsonValueKind.Number ? v.GetInt64() : 0;
        var arguments = doc.RootElement.TryGetProperty("arguments", out var args) && args.ValueKind == System.Text.Json.JsonValueKind.Object
            ? args.EnumerateObject().ToDictionary(a => a.Name, a => a.Value.ValueKind == System.Text.Json.JsonValueKind.String ? a.Value.GetString()! : a.Value.GetRawText())
            : [];
        return new QueueCounts(Read("messages_ready"), Read("messages_unacknowledged"), arguments);
    }

    /// <summary>Takes every message now in <paramref name="queue"/> (acknowledging them), with their headers.</summary>
    public static async Task<IReadOnlyList<QueuedMessage>> DrainAsync(string amqpUri, string queue)
    {
        var factory = new RabbitMQ.Client.ConnectionFactory { Uri = new Uri(amqpUri) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<QueuedMessage>();
        try
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } result)
            {
                var headers = (result.BasicProperties.Headers ?? new Dictionary<string, object?>())
                    .ToDictionary(h => h.Key, h => h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value?.ToString());
                messages.Add(new QueuedMessage(result.BasicProperties.MessageId, headers, Encoding.UTF8.GetString(result.Body.Span)));
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            // The queue does not exist (yet): nothing in it.
        }

        return messages;
    }

    /// <summary>Throws unless the management API answers for our user.</summary>
    internal async Task GetOverviewAsync()
    {
        using var response = await _management.GetAsync("api/overview");
        response.EnsureSuccessStatusCode();
    }

    internal void Dispose() => _management.Dispose();

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}

/// <summary>A message taken from a queue: its AMQP message id, headers and body.</summary>
public sealed record QueuedMessage(string? MessageId, IReadOnlyDictionary<string, string?> Headers, string Body);

/// <summary>What the management API says a queue holds.</summary>
public sealed record QueueCounts(long Ready, long Unacknowledged, IReadOnlyDictionary<string, string> Arguments);
