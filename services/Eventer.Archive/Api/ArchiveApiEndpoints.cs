using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Eventer.Archive.Api;

/// <summary>The archive's HTTP API: query (<c>/api/events</c>, <c>/api/stats</c>) and replay (<c>/api/replay</c>).</summary>
public static class ArchiveApiEndpoints
{
    /// <summary>
    /// Maps the query and replay endpoints under <c>/api</c>. Needs <see cref="ArchiveApiOptions"/>
    /// registered (section <c>Archive</c>); replay stays disabled until <c>Archive:ReplayToken</c> is set.
    /// </summary>
    public static IEndpointRouteBuilder MapArchiveApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/events", EventsEndpoints.ListAsync);
        api.MapGet("/events/{uid}", EventsEndpoints.GetAsync);
        api.MapGet("/stats", StatsEndpoint.GetAsync);
        api.MapPost("/replay", ReplayEndpoint.PostAsync);
        return app;
    }
}
