using Eventer.Archive.Persistence;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Eventer.Archive.Api;

/// <summary><c>POST /api/replay</c>: backfills one queue from the archive (bearer token required).</summary>
internal static class ReplayEndpoint
{
    public static async Task<IResult> PostAsync(
        HttpContext context, ArchiveDbContext db, ISendEndpointProvider sendEndpoints, IOptionsSnapshot<ArchiveApiOptions> options, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (ReplayAuthorization.Check(context, settings.ReplayToken) is { } denied)
        {
            return denied;
        }

        var (request, errors) = await ReplayRequestReader.ReadAsync(context.Request.Body, settings, cancellationToken);
        if (request is null)
        {
            return Results.ValidationProblem(errors);
        }

        var logger = loggers.CreateLogger(typeof(ReplayEndpoint));
        logger.LogInformation("Replay to {Queue} from {Since} until {Until} started", request.Queue, request.Filter.Since, request.Filter.Until);
        var sent = await new OccurrenceReplayer(db, sendEndpoints).ReplayAsync(request, settings.ReplayBatchSize, cancellationToken);
        logger.LogInformation("Replay to {Queue} sent {Sent} occurrence(s)", request.Queue, sent);
        return Results.Ok(new ReplayResult(sent));
    }
}

/// <summary>How many occurrences a replay sent.</summary>
public sealed record ReplayResult(long Sent);
