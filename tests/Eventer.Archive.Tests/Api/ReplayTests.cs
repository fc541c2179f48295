using System.Net;
using System.Text.Json;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using RabbitMQ.Client;
using static Eventer.Archive.Tests.Api.ApiSamples;

namespace Eventer.Archive.Tests.Api;

[Trait("Category", "Integration")]
public sealed class ReplayTests
{
    private const string Token = "replay-token-for-tests";
    private const string Window = "2026-11-27T08:00:00Z";
    private const string WindowEnd = "2026-11-27T09:00:00Z";

    [Fact]
    public async Task A_window_goes_to_that_queue_only_oldest_first_under_the_original_message_ids()
    {
        var target = $"backfill-{Guid.NewGuid():N}";
        await using var archive = await ApiTestHost.StartAsync(ReplaySettings(target));
        await DeclareQueueAsync(archive.RabbitMq, target);
        await using var probe = await ProbeQueue.BindAsync(archive.RabbitMq);
        var inWindow = new[] { At(T0.AddMinutes(30)), At(T0.AddMinutes(10)), At(T0.AddMinutes(20)) };
        await archive.StoreAsync([
            .. inWindow,
            At(T0.AddMinutes(15)) with { EventNamespace = "kube-system" },
            At(T0.AddHours(-1)),
            At(T0.AddHours(1)),
        ]);

        using var response = await archive.ReplayAsync(new { queue = target, @namespace = "default", since = Window, until = WindowEnd }, Token);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        Assert.Equal(3, JsonDocument.Parse(body).RootElement.GetProperty("sent").GetInt64());

        var received = new List<QueuedMessage>();
        await Eventually.HoldsAsync(async () =>
        {
            received.AddRange(await RabbitMqServer.DrainAsync(archive.RabbitMq, target));
            return received.Count >= 3;
        }, TimeSpan.FromSeconds(30), "three replayed messages in the target queue");
        await probe.PollAsync();

        var expected = inWindow.OrderBy(m => m.Series!.LastObservedTime).ToList();
        Assert.Equal(expected.Select(m => OccurrenceKey.MessageIdFor(m).ToString()), received.Select(m => m.MessageId));
        Assert.All(received, m => Assert.Equal("true", m.Headers.GetValueOrDefault("eventer-replayed")));
        Assert.Equal(expected.Select(m => m.EventUid), received.Select(m => ProbedOccurrence.Parse(m.MessageId, m.Body).EventUid));
        Assert.Empty(probe.Received); // sent to one queue, never published to every consumer
        Assert.Empty(await RabbitMqServer.DrainAsync(archive.RabbitMq, target));
    }

    [Fact]
    public async Task A_replay_to_a_queue_that_does_not_exist_is_refused_and_sends_nothing()
    {
        var target = $"never-started-{Guid.NewGuid():N}";
        await using var archive = await ApiTestHost.StartAsync(ReplaySettings(target));
        await using var probe = await ProbeQueue.BindAsync(archive.RabbitMq);
        await archive.StoreAsync([At(T0.AddMinutes(30))]);

        using var response = await archive.ReplayAsync(new { queue = target, since = Window, until = WindowEnd }, Token);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Contains($"queue '{target}' does not exist", await response.Content.ReadAsStringAsync());
        await probe.PollAsync();
        Assert.Empty(probe.Received);
    }

    [Fact]
    public async Task Replayed_messages_redelivered_to_the_archive_add_no_row()
    {
        await using var archive = await ApiTestHost.StartAsync(new Dictionary<string, string?> { ["Archive:ReplayToken"] = Token });
        await archive.StoreAsync(At(T0.AddMinutes(1)), At(T0.AddMinutes(2)), At(T0.AddMinutes(3)));

        using var response = await archive.ReplayAsync(new { queue = "archive", since = Window, until = WindowEnd }, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        await Eventually.HoldsAsync(() => archive.Duplicates.GetMeasurementSnapshot().Sum(m => m.Value) == 3,
            TimeSpan.FromSeconds(30), "the archive to skip the three replayed duplicates");
        Assert.Equal(3, await archive.CountRowsAsync());
    }

    [Fact]
    public async Task Replay_without_the_right_token_is_a_401()
    {
        await using var archive = await ApiTestHost.StartAsync(new Dictionary<string, string?> { ["Archive:ReplayToken"] = Token });
        var request = new { queue = "es-indexer", since = Window, until = WindowEnd };

        using var missing = await archive.ReplayAsync(request, token: null);
        using var wrong = await archive.ReplayAsync(request, Token + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal("Bearer", wrong.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(Token, await wrong.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Replay_without_a_configured_token_is_disabled()
    {
        await using var archive = await ApiTestHost.StartAsync();

        using var response = await archive.ReplayAsync(new { queue = "es-indexer", since = Window, until = WindowEnd }, Token);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("disabled", body, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("""{"queue":"not-allowed","since":"2026-11-27T08:00:00Z","until":"2026-11-27T09:00:00Z"}""", "queue")]
    [InlineData("""{"queue":"bad name!","since":"2026-11-27T08:00:00Z","until":"2026-11-27T09:00:00Z"}""", "queue")]
    [InlineData("""{"since":"2026-11-27T08:00:00Z","until":"2026-11-27T09:00:00Z"}""", "queue")]
    [InlineData("""{"queue":"es-indexer","since":"2026-11-27T08:00:00Z"}""", "until")]
    [InlineData("""{"queue":"es-indexer","until":"2026-11-27T09:00:00Z"}""", "since")]
    [InlineData("""{"queue":"es-indexer","since":"2026-11-27T09:00:00Z","until":"2026-11-27T09:00:00Z"}""", "until")]
    [InlineData("""{"queue":"es-indexer","since":"then","until":"2026-11-27T09:00:00Z"}""", "since")]
    [InlineData("""{"queue":"es-indexer","since":"2026-11-27T08:00:00Z","until":"2026-11-27T09:00:00Z","namespce":"x"}""", "namespce")]
    [InlineData("""{"queue":"es-indexer","since":"2026-11-27T08:00:00Z","until":"2026-11-27T09:00:00Z","type":1}""", "type")]
    [InlineData("""{"queue":""", "body")]
    [InlineData("""[]""", "body")]
    public async Task A_bad_replay_request_is_a_400_naming_the_property(string json, string property)
    {
        await using var archive = await ApiTestHost.StartAsync(new Dictionary<string, string?> { ["Archive:ReplayToken"] = Token });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/replay")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);

        using var response = await archive.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(JsonDocument.Parse(body).RootElement.GetProperty("errors").TryGetProperty(property, out _), body);
    }

    private static Dictionary<string, string?> ReplaySettings(string queue) => new()
    {
        ["Archive:ReplayToken"] = Token,
        ["Archive:ReplayQueues:0"] = queue,
    };

    /// <summary>The new consumer's queue exists before the backfill, as it would in production.</summary>
    /// <summary>
    /// The queue as a consumer service declares it: with arguments of its own (the notifiers' single
    /// active consumer; a replay that declared the queue plainly would be refused with
    /// PRECONDITION_FAILED and never finish), and MassTransit's exchange of the same name bound to it.
    /// </summary>
    private static async Task DeclareQueueAsync(string amqpUri, string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(amqpUri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-single-active-consumer"] = true });
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true);
        await channel.QueueBindAsync(queue, queue, "");
    }
}
