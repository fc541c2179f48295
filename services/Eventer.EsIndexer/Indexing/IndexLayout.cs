using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Contracts;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// Names and templates: where each occurrence is written, the composable index template that
/// maps it, the dead-letter index, and the optional retention policy.
/// </summary>
public sealed class IndexLayout(EsIndexerOptions options)
{
    /// <summary>Above the built-in templates (<c>logs-*-*</c> has 100, Fleet's go to 200), so ours wins for our names.</summary>
    private const int TemplatePriority = 300;

    public string TemplateName => options.IndexPrefix;

    public string DeadLetterIndex => $"{options.IndexPrefix}-deadletter";

    public string DeadLetterTemplateName => DeadLetterIndex;

    public string LifecyclePolicyName => $"{options.IndexPrefix}-retention";

    /// <summary>The data stream or daily index an occurrence goes to.</summary>
    public string TargetOf(KubeEventObserved message) => options.IndexMode switch
    {
        IndexMode.Daily => $"{options.IndexPrefix}-{EventDocument.OccurredAt(message).UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture)}",
        _ => options.DataStream ?? $"{options.IndexPrefix}-{IndexSafe(message.Cluster)}",
    };

    /// <summary>
    /// Index names must be lowercase without <c>\ / * ? " &lt; &gt; | , # :</c> or spaces. A cluster
    /// name is lowercased and anything else becomes <c>_</c>: the same cluster always gets the same stream.
    /// </summary>
    public static string IndexSafe(string cluster)
    {
        var safe = new StringBuilder(cluster.Length);
        foreach (var c in cluster.ToLowerInvariant())
        {
            safe.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return safe.Length > 150 ? safe.ToString(0, 150) : safe.ToString();
    }

    /// <summary>The template for occurrences: data stream or plain indices, explicit mappings, retention when configured.</summary>
    public JsonObject Template(SearchServer server)
    {
        var settings = new JsonObject();
        if (options.RetentionDays is not null && server.Distribution == SearchDistribution.Elasticsearch)
        {
            // OpenSearch's ISM attaches by the policy's own ism_template instead.
            settings["index.lifecycle.name"] = LifecyclePolicyName;
        }

        var template = new JsonObject
        {
            ["index_patterns"] = new JsonArray(options.DataStream ?? $"{options.IndexPrefix}-*"),
            ["priority"] = TemplatePriority,
            ["template"] = new JsonObject { ["settings"] = settings, ["mappings"] = EventDocument.Mappings(server) },
            ["_meta"] = new JsonObject { ["managed_by"] = "eventer-es-indexer" },
        };
        if (options.IndexMode == IndexMode.DataStream)
        {
            template["data_stream"] = new JsonObject();
        }

        return template;
    }

    /// <summary>
    /// The dead-letter index: a plain index (higher priority than the occurrence template, whose
    /// pattern also matches it) holding the reason and the original document. The original
    /// (<c>event.original</c>) is not mapped at all, only kept in <c>_source</c>: whatever made it
    /// fail cannot make this one fail too, however long it is.
    /// </summary>
    public JsonObject DeadLetterTemplate() => new()
    {
        ["index_patterns"] = new JsonArray(DeadLetterIndex),
        ["priority"] = TemplatePriority + 1,
        ["template"] = new JsonObject
        {
            ["mappings"] = new JsonObject
            {
                ["dynamic"] = false,
                ["properties"] = new JsonObject
                {
                    ["@timestamp"] = new JsonObject { ["type"] = "date" },
                    ["event"] = new JsonObject
                    {
                        ["properties"] = new JsonObject
                        {
                            ["id"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = EventDocument.KeywordIgnoreAbove },
                        },
                    },
                    ["error"] = new JsonObject
                    {
                        ["properties"] = new JsonObject
                        {
                            ["type"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = EventDocument.KeywordIgnoreAbove },
                            ["code"] = new JsonObject { ["type"] = "long" },
                            ["message"] = new JsonObject { ["type"] = "text" },
                        },
                    },
                    ["orchestrator"] = new JsonObject
                    {
                        ["properties"] = new JsonObject
                        {
                            ["cluster"] = new JsonObject { ["properties"] = new JsonObject { ["name"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = EventDocument.KeywordIgnoreAbove } } },
                        },
                    },
                },
            },
        },
        ["_meta"] = new JsonObject { ["managed_by"] = "eventer-es-indexer" },
    };

    /// <summary>
    /// The retention policy: ILM on Elasticsearch (data streams roll over daily, so whole days
    /// can be deleted), ISM on OpenSearch (attached to our indices by its <c>ism_template</c>).
    /// </summary>
    public (string Path, JsonObject Body) LifecyclePolicy(SearchServer server, int retentionDays)
    {
        var deleteAfter = $"{retentionDays}d";
        if (server.Distribution == SearchDistribution.Elasticsearch)
        {
            var hot = new JsonObject();
            if (options.IndexMode == IndexMode.DataStream)
            {
                hot["rollover"] = new JsonObject { ["max_age"] = "1d", ["max_primary_shard_size"] = "50gb" };
            }

            return ($"/_ilm/policy/{LifecyclePolicyName}", new JsonObject
            {
                ["policy"] = new JsonObject
                {
                    ["phases"] = new JsonObject
                    {
                        ["hot"] = new JsonObject { ["min_age"] = "0ms", ["actions"] = hot },
                        ["delete"] = new JsonObject { ["min_age"] = deleteAfter, ["actions"] = new JsonObject { ["delete"] = new JsonObject() } },
                    },
                },
            });
        }

        var pattern = options.DataStream ?? $"{options.IndexPrefix}-*";
        var hotActions = new JsonArray();
        if (options.IndexMode == IndexMode.DataStream)
        {
            hotActions.Add(new JsonObject { ["rollover"] = new JsonObject { ["min_index_age"] = "1d" } });
        }

        return ($"/_plugins/_ism/policies/{LifecyclePolicyName}", new JsonObject
        {
            ["policy"] = new JsonObject
            {
                ["description"] = $"eventer: delete {options.IndexPrefix} indices after {retentionDays} days",
                ["default_state"] = "hot",
                ["states"] = new JsonArray(
                    new JsonObject
                    {
                        ["name"] = "hot",
                        ["actions"] = hotActions,
                        ["transitions"] = new JsonArray(new JsonObject { ["state_name"] = "delete", ["conditions"] = new JsonObject { ["min_index_age"] = deleteAfter } }),
                    },
                    new JsonObject
                    {
                        ["name"] = "delete",
                        ["actions"] = new JsonArray(new JsonObject { ["delete"] = new JsonObject() }),
                        ["transitions"] = new JsonArray(),
                    }),
                // Data streams' backing indices are .ds-<name>-…; list both forms.
                ["ism_template"] = new JsonObject { ["index_patterns"] = new JsonArray(pattern, $".ds-{pattern}"), ["priority"] = 100 },
            },
        });
    }
}
