using System.Text.Json;

namespace Eventer.Archive.Api;

/// <summary>A validated replay request: where to send, and which stored occurrences.</summary>
internal sealed record ReplayRequest(string Queue, EventFilter Filter);

/// <summary>
/// Reads <c>{ "queue": …, "since": …, "until": …, other filters }</c>. Parsed by hand so that every
/// bad part (malformed JSON, a number where a string belongs, an unknown property) becomes a 400
/// naming it, never a 500 or a silently ignored filter.
/// </summary>
internal static class ReplayRequestReader
{
    private static readonly string[] Properties = ["queue", .. FilterParser.FilterNames];

    public static async Task<(ReplayRequest? Request, Dictionary<string, string[]> Errors)> ReadAsync(
        Stream body, ArchiveApiOptions options, CancellationToken cancellationToken)
    {
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        }
        catch (JsonException)
        {
            return (null, new() { ["body"] = ["must be a JSON object such as {\"queue\":\"es-indexer\",\"since\":\"…\",\"until\":\"…\"}"] });
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, new() { ["body"] = ["must be a JSON object"] });
            }

            var values = new Dictionary<string, string?>(StringComparer.Ordinal);
            var parser = new FilterParser(name => values.GetValueOrDefault(name));
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!Properties.Contains(property.Name))
                {
                    parser.Fail(property.Name, $"is not a property of a replay request (known: {string.Join(", ", Properties)})");
                }
                else if (property.Value.ValueKind == JsonValueKind.String)
                {
                    values[property.Name] = property.Value.GetString();
                }
                else if (property.Value.ValueKind != JsonValueKind.Null)
                {
                    parser.Fail(property.Name, "must be a string");
                }
            }

            var filter = parser.Filter();
            var queue = values.GetValueOrDefault("queue");
            if (string.IsNullOrEmpty(queue))
            {
                parser.Fail("queue", "is required: the one queue to send the occurrences to");
            }
            else if (!ArchiveApiOptions.IsQueueName(queue))
            {
                parser.Fail("queue", "must be 1-200 letters, digits, '-', '_', '.' or ':'");
            }
            else if (!options.EffectiveReplayQueues.Contains(queue, StringComparer.Ordinal))
            {
                parser.Fail("queue", $"is not a replay queue (Archive:ReplayQueues: {string.Join(", ", options.EffectiveReplayQueues)})");
            }

            // An open window could resend the whole archive by accident; asking for both ends makes it deliberate.
            if (!values.ContainsKey("since") || values["since"] is null)
            {
                parser.Fail("since", "is required: replay sends a bounded window");
            }

            if (!values.ContainsKey("until") || values["until"] is null)
            {
                parser.Fail("until", "is required: replay sends a bounded window");
            }

            return parser.Errors.Count > 0 ? (null, parser.Errors) : (new ReplayRequest(queue!, filter), parser.Errors);
        }
    }
}
