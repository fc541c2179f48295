using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Eventer.Archive.Api;

/// <summary>Checks the replay bearer token. The token never reaches a log, a problem body or an exception.</summary>
internal static class ReplayAuthorization
{
    /// <summary>Null when the caller may replay, else the answer to give.</summary>
    public static IResult? Check(HttpContext context, string? configuredToken)
    {
        if (string.IsNullOrEmpty(configuredToken))
        {
            return Results.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Replay is disabled",
                detail: "Set Archive:ReplayToken (environment Archive__ReplayToken) to enable POST /api/replay.");
        }

        var header = context.Request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) && Matches(header[scheme.Length..].Trim(), configuredToken))
        {
            return null;
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Results.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Replay needs the replay token",
            detail: "Send 'Authorization: Bearer <Archive:ReplayToken>'.");
    }

    /// <summary>Compares hashes so neither the content nor the length of the token leaks through timing.</summary>
    private static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(given)),
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
