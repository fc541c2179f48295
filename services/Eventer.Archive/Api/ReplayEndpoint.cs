using Eventer.Archive.Persistence;
using Eventer.ServiceDefaults;
using MassTransit;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Eventer.Archive.Api;

/// <summary><c>POST /api/replay</c>: backfills one queue from the archive (bearer token required).</summary>
internal static class ReplayEndpoint
{
    public static async Task<IResult> PostAsync(
        HttpContext context, ArchiveDbContext db, ISendEndpointProvider sendEndpoints, IOptionsSnapshot<ArchiveApiOptions> options, IConfiguration configuration,
        ILoggerFactory loggers, CancellationToken cancellationToken)
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

        if (!await QueueCheck.ExistsAsync(RabbitMqConnection.Parse(configuration[RabbitMqConnection.Key]), request.Queue, cancellationToken))
        {
            // Sent into the void otherwise: nothing is bound to route it.
            return Results.Problem(statusCode: StatusCodes.Status409Conflict,
                detail: $"queue '{request.Queue}' does not exist; start its consumer once, then replay");
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
