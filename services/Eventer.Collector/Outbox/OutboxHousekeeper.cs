using Eventer.ServiceDefaults;
using Eventer.Collector.Leadership;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Outbox;

/// <summary>
/// Beside the relay, never in its way: measures the backlog for the metrics every few seconds and
/// purges rows sent longer ago than <see cref="OutboxOptions.Retention"/>, in bounded batches.
/// Only the leader does it, like the relay.
/// </summary>
public sealed class OutboxHousekeeper(
    OutboxStore store,
    LeaderGate gate,
    CollectorMetrics metrics,
    TimeProvider clock,
    IOptions<OutboxOptions> options,
    ILogger<OutboxHousekeeper> logger) : BackgroundService
{
    private const int PurgeBatch = 5000;
    private static readonly TimeSpan MeasureInterval = TimeSpan.FromSeconds(5);

    private readonly OutboxOptions _options = options.Value;

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => gate.RunWhileLeaderAsync(HousekeepAsync, stoppingToken);

    private async Task HousekeepAsync(CancellationToken stoppingToken)
    {
        var nextPurge = clock.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = clock.GetUtcNow();
                var (depth, oldest) = await store.MeasureAsync(stoppingToken);
                metrics.OutboxMeasured(depth, oldest is null ? TimeSpan.Zero : now - oldest.Value);
                if (now >= nextPurge)
                {
                    nextPurge = now + _options.PurgeInterval;
                    await PurgeAsync(now - _options.Retention, stoppingToken);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // The relay reports database trouble in readiness; this only misses a measurement.
                logger.LogDebug("Outbox housekeeping skipped: {Error}", ex.GetType().Name);
            }

            await Backoff.PauseAsync(MeasureInterval, stoppingToken);
        }
    }

    private async Task PurgeAsync(DateTimeOffset sentBefore, CancellationToken cancellationToken)
    {
        int purged;
        do
        {
            purged = await store.PurgeSentAsync(sentBefore, PurgeBatch, cancellationToken);
            metrics.Purged(purged);
        }
        while (purged == PurgeBatch && !cancellationToken.IsCancellationRequested);
    }
}
