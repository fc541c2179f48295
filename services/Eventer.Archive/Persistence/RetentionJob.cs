using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Eventer.Archive.Persistence;

/// <summary>
/// Deletes occurrences older than <see cref="RetentionOptions.MaxAge"/> (by occurred_at), in bounded
/// batches, each its own short statement, so ingestion never waits behind a long delete.
/// </summary>
public sealed class RetentionJob(
    IServiceScopeFactory scopes,
    ArchiveMetrics metrics,
    TimeProvider clock,
    IOptions<RetentionOptions> options,
    ILogger<RetentionJob> logger) : BackgroundService
{
    private readonly RetentionOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.Interval, clock);
        do
        {
            try
            {
                var deleted = await DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    logger.LogInformation("Retention deleted {RowCount} occurrence(s) older than {MaxAge}", deleted, _options.MaxAge);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Retention failed ({Error}: {Reason}); trying again in {Interval}", ex.GetType().Name, ex.Message, _options.Interval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Deletes every expired occurrence, batch by batch; returns how many.</summary>
    public async Task<long> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - _options.MaxAge;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ArchiveDbContext>();
        long total = 0;
        int deleted;
        do
        {
            deleted = await db.Database.ExecuteSqlRawAsync($"""
                DELETE FROM {ArchiveDbContext.Schema}.occurrences WHERE occurrence_key IN (
                    SELECT occurrence_key FROM {ArchiveDbContext.Schema}.occurrences WHERE occurred_at < @cutoff LIMIT @limit)
                """,
                [new NpgsqlParameter<DateTimeOffset>("cutoff", cutoff), new NpgsqlParameter<int>("limit", _options.BatchSize)],
                cancellationToken);
            total += deleted;
            metrics.Deleted(deleted);
        }
        while (deleted == _options.BatchSize && !cancellationToken.IsCancellationRequested);

        return total;
    }
}
