using System.Net;
using System.Text.Json.Nodes;
using Eventer.Testing.Webhooks;
using Microsoft.Extensions.Time.Testing;

namespace Eventer.Testing.Tests.Webhooks;

/// <summary>The generic receiver against a real HttpClient: records, header checks, JSON bookkeeping and injected answers.</summary>
[Trait("Category", "Unit")]
public sealed class FakeWebhookReceiverTests : IAsyncLifetime
{
    private const string Endpoint = "ops-alerts";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero));
    private readonly PostClient _client = new();
    private FakeWebhookReceiver _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeWebhookReceiver.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Accepts_a_json_body_with_200_ok_and_records_it_with_its_headers()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        const string body = """{"reason":"BackOff","message":"a\"b\\c\nd 你好","count":3}""";

        var answer = await _client.PostAsync(url + "?source=eventer", body, headers: new Dictionary<string, string> { ["X-Eventer-Delivery"] = "abc" });

        Assert.Equal((HttpStatusCode.OK, """{"ok":true}""", "application/json"), (answer.Status, answer.Body, answer.ContentType));
        Assert.EndsWith($"/hooks/{Endpoint}", url, StringComparison.Ordinal);
        var request = Assert.Single(_fake.Received(Endpoint));
        Assert.Equal((Endpoint, "POST", $"/hooks/{Endpoint}?source=eventer", "application/json"), (request.Endpoint, request.Method, request.PathAndQuery, request.ContentType));
        Assert.Equal(body, request.RawBody);
        Assert.True(request.IsJson);
        Assert.Null(request.ParseError);
        Assert.Equal("a\"b\\c\nd 你好", (string?)request.Json!["message"]);
        Assert.Equal("abc", request.Headers["x-eventer-delivery"]);
        Assert.Equal(_clock.GetUtcNow(), request.At);
        Assert.Equal((200, """{"ok":true}"""), (request.HttpStatus, request.ResponseBody));
        Assert.Single(_fake.Delivered(Endpoint));
        Assert.True(_fake.AllBodiesAreJson(Endpoint));
    }

    [Fact]
    public async Task An_unknown_endpoint_is_404_and_is_recorded_under_its_name()
    {
        _fake.RegisterEndpoint(Endpoint);

        var answer = await _client.PostAsync(_fake.EndpointUrl("nobody"), "{}");
        var elsewhere = await _client.PostAsync(new Uri(_fake.Address, "webhook").ToString(), "{}");

        Assert.Equal((HttpStatusCode.NotFound, """{"ok":false,"error":"no such endpoint"}"""), (answer.Status, answer.Body));
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.Status);
        Assert.Equal(404, Assert.Single(_fake.Received("nobody")).HttpStatus);
        Assert.Empty(_fake.Delivered("nobody"));
        Assert.Empty(_fake.Received(Endpoint));
    }

    [Fact]
    public async Task Only_post_is_taken()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        using var http = new HttpClient();

        using var response = await http.GetAsync(new Uri(url));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET", Assert.Single(_fake.Received(Endpoint)).Method);
        Assert.Empty(_fake.Delivered(Endpoint));
    }

    [Fact]
    public async Task Required_headers_must_be_present_and_equal_where_a_value_is_given()
    {
        var url = _fake.RegisterEndpoint(Endpoint, new Dictionary<string, string?> { ["Authorization"] = "Bearer s3cret", ["X-Request-Id"] = null });
        var good = new Dictionary<string, string> { ["Authorization"] = "Bearer s3cret", ["X-Request-Id"] = "1" };

        var missing = await _client.PostAsync(url, "{}", headers: new Dictionary<string, string> { ["X-Request-Id"] = "1" });
        var wrong = await _client.PostAsync(url, "{}", headers: new Dictionary<string, string> { ["Authorization"] = "Bearer nope", ["X-Request-Id"] = "1" });
        var noId = await _client.PostAsync(url, "{}", headers: new Dictionary<string, string> { ["Authorization"] = "Bearer s3cret" });
        var ok = await _client.PostAsync(url, "{}", headers: good);

        Assert.Equal((HttpStatusCode.Unauthorized, """{"ok":false,"error":"missing or wrong header Authorization"}"""), (missing.Status, missing.Body));
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.Status);
        Assert.Equal((HttpStatusCode.Unauthorized, """{"ok":false,"error":"missing or wrong header X-Request-Id"}"""), (noId.Status, noId.Body));
        Assert.Equal(HttpStatusCode.OK, ok.Status);
        Assert.Equal([401, 401, 401, 200], _fake.Received(Endpoint).Select(r => r.HttpStatus));
        Assert.Single(_fake.Delivered(Endpoint));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_kept_raw_with_its_parse_error_and_answered_200_by_default()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        // What kube-eventer's template produces from a message with a newline and a quote.
        const string broken = "{\"EventMessage\": \"Back-off \"nginx:1.1\"\n pulling\"}";

        var valid = await _client.PostAsync(url, """{"ok":1}""");
        var invalid = await _client.PostAsync(url, broken, "text/plain");
        var empty = await _client.PostAsync(url, "");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], new[] { valid.Status, invalid.Status, empty.Status });
        Assert.False(_fake.AllBodiesAreJson(Endpoint));
        var notJson = _fake.NotJson(Endpoint);
        Assert.Equal([broken, ""], notJson.Select(r => r.RawBody));
        Assert.All(notJson, r => Assert.Null(r.Json));
        Assert.All(notJson, r => Assert.False(string.IsNullOrEmpty(r.ParseError)));
        Assert.Equal("text/plain", notJson[0].ContentType);
    }

    [Fact]
    public async Task A_strict_receiver_answers_400_to_a_body_that_is_not_json()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        _fake.RejectInvalidJson = true;

        var invalid = await _client.PostAsync(url, "{\"a\":");
        var valid = await _client.PostAsync(url, "[1,2]");

        Assert.Equal((HttpStatusCode.BadRequest, """{"ok":false,"error":"invalid JSON"}"""), (invalid.Status, invalid.Body));
        Assert.Equal(HttpStatusCode.OK, valid.Status);
        Assert.Equal("[1,2]", Assert.Single(_fake.Delivered(Endpoint)).RawBody);
    }

    [Fact]
    public void All_bodies_are_json_is_false_when_nothing_arrived()
    {
        _fake.RegisterEndpoint(Endpoint);

        Assert.False(_fake.AllBodiesAreJson(Endpoint));
    }

    [Fact]
    public async Task Injected_answers_come_first_then_it_recovers()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        _fake.RespondWith(500, count: 2);
        _fake.RespondWith(429, "slow down", retryAfterSeconds: 7, contentType: "text/plain");
        _fake.RespondWith(400, """{"error":"field 'reason' is required"}""");

        var answers = new List<HttpAnswer>();
        for (var i = 0; i < 5; i++)
        {
            answers.Add(await _client.PostAsync(url, $$"""{"n":{{i}}}"""));
        }

        Assert.Equal(
            [
                (HttpStatusCode.InternalServerError, """{"ok":false}""", null),
                (HttpStatusCode.InternalServerError, """{"ok":false}""", null),
                (HttpStatusCode.TooManyRequests, "slow down", 7),
                (HttpStatusCode.BadRequest, """{"error":"field 'reason' is required"}""", null),
                (HttpStatusCode.OK, """{"ok":true}""", (int?)null),
            ],
            answers.Select(a => (a.Status, a.Body, a.RetryAfterSeconds)));
        Assert.Equal("text/plain", answers[2].ContentType);
        Assert.Equal(5, _fake.Received(Endpoint).Count);
        Assert.Equal("""{"n":4}""", Assert.Single(_fake.Delivered(Endpoint)).RawBody);
        Assert.True(_fake.AllBodiesAreJson(Endpoint));
    }

    [Fact]
    public async Task A_slow_answer_times_the_client_out_though_the_request_was_recorded_and_a_drop_records_nothing()
    {
        var url = _fake.RegisterEndpoint(Endpoint);
        _fake.ResponseDelay = TimeSpan.FromMinutes(5);

        // The client gives up only once the fake has the request (a fixed 300 ms could run out, on a
        // loaded machine, before the request was even read): recorded, unanswered, then abandoned.
        using var giveUp = new CancellationTokenSource();
        var slow = _client.PostAsync(url, """{"slow":true}""", cancellationToken: giveUp.Token);
        await Eventually.HoldsAsync(() => _fake.Delivered(Endpoint).Count == 1, TimeSpan.FromSeconds(10), "the slow request to be recorded");
        Assert.False(slow.IsCompleted, "the slow request was answered");
        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        _fake.ResponseDelay = TimeSpan.Zero;
        _fake.DropNextConnections(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => _client.PostAsync(url, """{"dropped":true}"""));

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync(url, """{"fast":true}""")).Status);
        Assert.Equal(["""{"slow":true}""", """{"fast":true}"""], _fake.Received(Endpoint).Select(r => r.RawBody));
    }

    [Fact]
    public async Task Any_json_value_counts_as_json_but_duplicate_keys_do_not()
    {
        var url = _fake.RegisterEndpoint(Endpoint);

        await _client.PostAsync(url, "null");
        await _client.PostAsync(url, "\"text\"");
        await _client.PostAsync(url, """{"a":1,"a":2}""");

        Assert.Equal([true, true, false], _fake.Received(Endpoint).Select(r => r.IsJson));
        Assert.Equal("""{"a":1,"a":2}""", Assert.Single(_fake.NotJson(Endpoint)).RawBody);
    }
}
