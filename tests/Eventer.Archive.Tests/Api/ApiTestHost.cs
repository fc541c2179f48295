using System.Net.Http.Json;
using System.Text.Json;
using Eventer.Archive.Persistence;
using Eventer.Contracts;
using Eventer.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Eventer.Archive.Tests.Api;

/// <summary>
/// The real archive host of <see cref="ArchiveTestHost"/> (own virtual host and database, extra
/// settings such as the replay token) with an HTTP client pointed at it and the API tests' helpers.
/// </summary>
internal sealed class ApiTestHost : IAsyncDisposable
{
    private readonly ArchiveTestHost _archive;

    private ApiTestHost(ArchiveTestHost archive)
    {
        _archive = archive;
        Http = new HttpClient { BaseAddress = archive.App.Address(), Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App => _archive.App;

    public string RabbitMq => _archive.RabbitMq;

    /// <summary>A client for the host's address.</summary>
    public HttpClient Http { get; }

    public MetricCollector<long> Duplicates => _archive.Duplicates;

    public static async Task<ApiTestHost> StartAsync(IDictionary<string, string?>? settings = null) =>
        new(await ArchiveTestHost.StartAsync(settings is null ? null : new Dictionary<string, string?>(settings)));

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
        Http.Dispose();
        await _archive.DisposeAsync();
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
