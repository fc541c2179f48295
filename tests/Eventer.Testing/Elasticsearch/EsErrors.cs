using System.Text.Json.Nodes;

namespace Eventer.Testing.Elasticsearch;

/// <summary>Error bodies in the shapes Elasticsearch and OpenSearch send.</summary>
internal static class EsErrors
{
    /// <summary>
    /// The whole-request shape: <c>{"error":{"root_cause":[…],"type":…,"reason":…},"status":N}</c>.
    /// The root cause is the innermost caused_by, as ElasticsearchException.guessRootCauses reports it,
    /// unless <paramref name="rootCauseIsTop"/> (media_type_header_exception reports itself).
    /// </summary>
    public static JsonObject Body(int status, JsonObject error, bool rootCauseIsTop = false)
    {
        var root = error;
        while (!rootCauseIsTop && root["caused_by"] is JsonObject inner)
        {
            root = inner;
        }

        var rootCause = new JsonObject();
        foreach (var (key, value) in root)
        {
            if (key != "caused_by")
            {
                rootCause[key] = value?.DeepClone();
            }
        }

        var full = new JsonObject { ["root_cause"] = new JsonArray(rootCause) };
        foreach (var (key, value) in error)
        {
            full[key] = value?.DeepClone();
        }

        return new JsonObject { ["error"] = full, ["status"] = status };
    }

    public static JsonObject Body(int status, string type, string reason) => Body(status, Error(type, reason));

    /// <summary>An error object: type, reason and an optional cause (also the shape inside a bulk item).</summary>
    public static JsonObject Error(string type, string reason, JsonObject? causedBy = null)
    {
        var error = new JsonObject { ["type"] = type, ["reason"] = reason };
        if (causedBy is not null)
        {
            error["caused_by"] = causedBy;
        }

        return error;
    }

    /// <summary>The flat shape RestController uses for requests it cannot route or whose Content-Type it cannot read.</summary>
    public static JsonObject Flat(int status, string message) => new() { ["error"] = message, ["status"] = status };
}
