using Eventer.ServiceDefaults;
using Microsoft.Extensions.Options;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// Finds out which server it talks to (<c>GET /</c>) and installs the index templates (and the
/// retention policy, when configured) before anything is written: at start, retried until it
/// works, and again by the consumer if a batch arrives first. Readiness says how far it got.
/// </summary>
public sealed class IndexSetup(
    ElasticsearchClient client,
    IndexLayout layout,
    ElasticsearchStatus status,
    IOptions<EsIndexerOptions> options,
    ILogger<IndexSetup> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The server, once its templates are in; throws <see cref="ElasticsearchUnavailableException"/> while they cannot be.</summary>
    public async Task<SearchServer> EnsureAsync(CancellationToken cancellationToken)
    {
        if (status.TemplatesInstalled)
        {
            return status.Server!;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!status.TemplatesInstalled)
            {
                await InstallAsync(cancellationToken);
            }

            return status.Server!;
        }
        catch (ElasticsearchUnavailableException ex)
        {
            status.Failed(ex.Message);
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.InsecureSkipCertificateCheck)
        {
            logger.LogWarning("EsIndexer:InsecureSkipCertificateCheck is on: any certificate is accepted, so anyone in between can read and change what is indexed");
        }

        string? lastProblem = null;
        var backoff = new Backoff(TimeSpan.FromMilliseconds(500), options.Value.MaxRetryInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await EnsureAsync(stoppingToken);
                return;
            }
            catch (ElasticsearchUnavailableException ex)
            {
                if (ex.Message != lastProblem)
                {
                    logger.LogWarning("Cannot set up Elasticsearch yet, trying again: {Problem}", ex.Message);
                    lastProblem = ex.Message;
                }
            }

            await backoff.PauseAsync(stoppingToken);
        }
    }

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        var root = await client.GetAsync("/", cancellationToken);
        if (root.Status != 200)
        {
            throw new ElasticsearchUnavailableException(ElasticsearchClient.Describe("GET /", root));
        }

        SearchServer server;
        try
        {
            server = SearchServer.Parse(System.Text.Encoding.UTF8.GetString(root.Body));
        }
        catch (Exception ex) when (ex is NotSupportedException or System.Text.Json.JsonException)
        {
            throw new ElasticsearchUnavailableException(ex.Message);
        }

        if (options.Value.RetentionDays is { } days)
        {
            var (path, policy) = layout.LifecyclePolicy(server, days);
            // OpenSearch answers 409 to a PUT of an ISM policy that exists (updates need its seq_no):
            // the one installed before is kept.
            await PutAsync($"retention policy {layout.LifecyclePolicyName}", path, policy, cancellationToken,
                acceptConflict: server.Distribution == SearchDistribution.OpenSearch);
        }

        await PutAsync($"index template {layout.DeadLetterTemplateName}", $"/_index_template/{layout.DeadLetterTemplateName}", layout.DeadLetterTemplate(), cancellationToken);
        await PutAsync($"index template {layout.TemplateName}", $"/_index_template/{layout.TemplateName}", layout.Template(server), cancellationToken);
        status.Ready(server);
        logger.LogInformation("Indexing into {Server} ({IndexMode}), index template {Template} installed", server.ToString(), options.Value.IndexMode, layout.TemplateName);
    }

    private async Task PutAsync(string what, string path, System.Text.Json.Nodes.JsonObject body, CancellationToken cancellationToken, bool acceptConflict = false)
    {
        var answer = await client.PutAsync(path, body, cancellationToken);
        if (answer.Status is < 200 or >= 300 && !(acceptConflict && answer.Status == 409))
        {
            throw new ElasticsearchUnavailableException(ElasticsearchClient.Describe($"installing the {what}", answer));
        }
    }
}
