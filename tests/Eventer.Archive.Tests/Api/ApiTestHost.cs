using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Eventer.Archive.Persistence;
using Eventer.Contracts;
using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.Archive.Tests.Api;

/// <summary>
/// The real archive host, built like <see cref="ArchiveTestHost"/> (own virtual host and database)
/// with extra settings such as the replay token, and an HTTP client pointed at it.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    private ApiTestHost(WebApplication app, string rabbitMq)
    {
        App = app;
        RabbitMq = rabbitMq;
        Duplicates = new MetricCollector<long>(app.Services.GetRequiredService<IMeterFactory>(), ArchiveMetrics.Name, "eventer.archive.occurrences.duplicates");
    }

    public WebApplication App { get; }

    public string RabbitMq { get; }

    /// <summary>A client for the host's address, known once it has started.</summary>
    public HttpClient Http { get; private set; } = null!;

    public MetricCollector<long> Duplicates { get; }

    public static async Task<ApiTestHost> StartAsync(IDictionary<string, string?>? settings = null)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("archive-api");
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("archive_api");
        var all = new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = postgres,
            ["Bus:RetryLimit"] = "1",
            ["Bus:RetryInterval"] = "00:00:00.100",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var app = ArchiveHost.Build([], b => b.UseTestSettings(all));
        var host = new ApiTestHost(app, rabbitMq);
        await app.StartAsync();
        await app.WaitUntilReadyAsync();
        host.Http = new HttpClient { BaseAddress = app.Address(), Timeout = TimeSpan.FromSeconds(60) };
        return host;
    }

    /// <summary>Stores occurrences through the real store, as the consumer does.</summary>
    public async Task StoreAsync(params KubeEventObserved[] messages)
    {
        await using var scope = App.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<OccurrenceStore>();
        foreach (var message in messages)
        {
            Assert.True(await store.StoreAsync(message, CancellationToken.None));
        }
    }

    public async Task<long> CountRowsAsync()
    {
        await using var scope = App.Services.CreateAsyncScope();
        return scope.ServiceProvider.GetRequiredService<ArchiveDbContext>().Occurrences.LongCount();
    }

    /// <summary>GETs <paramref name="path"/>, asserts 200 and returns the JSON body.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Occurrence keys of one page of <c>/api/events</c>, and its next cursor.</summary>
    public async Task<(List<string> Keys, string? Next)> PageAsync(string query)
    {
        var page = await GetJsonAsync("/api/events?" + query);
        var keys = page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("occurrenceKey").GetString()!).ToList();
        return (keys, page.GetProperty("next").GetString());
    }

    public async Task<HttpResponseMessage> ReplayAsync(object body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/replay") { Content = JsonContent.Create(body) };
        if (token is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        return await Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Duplicates.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

/// <summary>Occurrences made for API tests: distinct uids, chosen times, a few varying fields.</summary>
internal static class ApiSamples
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 27, 8, 0, 0, TimeSpan.Zero);

    /// <summary>An occurrence that happened at <paramref name="occurredAt"/> (its series' lastObservedTime).</summary>
    public static KubeEventObserved At(DateTimeOffset occurredAt, string? uid = null, int occurrence = 1) =>
        ArchiveSamples.Seed(uid) with
        {
            Occurrence = occurrence,
            Count = occurrence,
            Series = new KubeEventSeries { Count = occurrence, LastObservedTime = occurredAt },
        };
}
