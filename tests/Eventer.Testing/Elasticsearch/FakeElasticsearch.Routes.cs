using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Elasticsearch;

public sealed partial class FakeElasticsearch
{
    private static readonly string[] TemplateKeys =
    [
        "index_patterns", "template", "composed_of", "priority", "version", "_meta", "data_stream",
        "allow_auto_create", "ignore_missing_component_templates", "deprecated",
    ];

    private Reply Route(RequestInfo request)
    {
        var segments = request.Path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries).Select(Uri.UnescapeDataString).ToArray();
        var method = request.Method;
        bool Is(params string[] methods) => methods.Contains(method) || (method == "HEAD" && methods.Contains("GET"));
        Reply? WrongMethod(params string[] allowed) => Is(allowed)
            ? null
            : Json(405, EsErrors.Flat(405, $"Incorrect HTTP method for uri [{request.PathAndQuery}] and method [{method}], allowed: [{string.Join(", ", allowed)}]"));

        switch (segments)
        {
            case []:
                return WrongMethod("GET") ?? Info();
            case ["_index_template", var name]:
                return WrongMethod("GET", "PUT", "POST", "DELETE")
                    ?? (method is "PUT" or "POST" ? PutTemplate(name, request) : method == "DELETE" ? DeleteTemplate(name) : GetTemplate(name));
            case ["_ilm", "policy", var name] when !_profile.IsOpenSearch:
                return WrongMethod("GET", "PUT") ?? (method == "PUT" ? PutIlmPolicy(name, request) : GetIlmPolicy(name));
            case ["_plugins", "_ism", "policies", var id] when _profile.IsOpenSearch:
                return WrongMethod("GET", "PUT") ?? (method == "PUT" ? PutIsmPolicy(id, request) : GetIsmPolicy(id));
            case ["_data_stream", var name]:
                return WrongMethod("GET", "PUT") ?? (method == "PUT" ? PutDataStream(name) : GetDataStream(name));
            case ["_bulk"]:
                return WrongMethod("POST", "PUT") ?? Bulk(request, null);
            case ["_refresh"]:
                return WrongMethod("GET", "POST") ?? Refreshed();
            case [var index, "_bulk"] when !index.StartsWith('_'):
                return WrongMethod("POST", "PUT") ?? Bulk(request, index);
            case [var index, "_doc", var id] when !index.StartsWith('_'):
                return WrongMethod("GET") ?? GetDocument(index, id);
            case [var index, "_count"] when !index.StartsWith('_'):
                return WrongMethod("GET", "POST") ?? Count(index);
            case [var index, "_refresh"] when !index.StartsWith('_'):
                return WrongMethod("GET", "POST") ?? RefreshIndex(index);
            case [var index, "_mapping"] when !index.StartsWith('_'):
                return WrongMethod("GET") ?? GetMapping(index);
            case [var index] when !index.StartsWith('_'):
                return WrongMethod("GET", "PUT") ?? (method == "PUT" ? PutIndex(index, request) : GetMapping(index));
            default:
                return Json(400, EsErrors.Flat(400, $"no handler found for uri [{request.PathAndQuery}] and method [{method}]"));
        }
    }

    // GET / as each server writes it (ES MainResponse; OpenSearch MainResponse with distribution first).
    private Reply Info()
    {
        var version = new JsonObject();
        if (_profile.IsOpenSearch)
        {
            if (!_options.OpenSearchCompatibilityMode)
            {
                version["distribution"] = "opensearch";
            }

            version["number"] = _options.OpenSearchCompatibilityMode ? "7.10.2" : _profile.VersionNumber;
            version["build_type"] = "tar";
        }
        else
        {
            version["number"] = _profile.VersionNumber;
            version["build_flavor"] = "default";
            version["build_type"] = "docker";
        }

        version["build_hash"] = Convert.ToHexStringLower(SHA1Of(_profile.VersionNumber));
        version["build_date"] = "2024-10-16T22:06:36.904732810Z";
        version["build_snapshot"] = false;
        version["lucene_version"] = _profile.LuceneVersion;
        version["minimum_wire_compatibility_version"] = _profile.MinimumWireCompatibilityVersion;
        version["minimum_index_compatibility_version"] = _profile.MinimumIndexCompatibilityVersion;
        return Json(200, new JsonObject
        {
            ["name"] = _profile.IsOpenSearch ? "opensearch-node1" : "es01",
            ["cluster_name"] = _profile.IsOpenSearch ? "opensearch-cluster" : "docker-cluster",
            ["cluster_uuid"] = _clusterUuid,
            ["version"] = version,
            ["tagline"] = _profile.IsOpenSearch ? "The OpenSearch Project: https://opensearch.org/" : "You Know, for Search",
        });
    }

    private static byte[] SHA1Of(string text) => System.Security.Cryptography.SHA1.HashData(Encoding.UTF8.GetBytes(text));

    private Reply PutTemplate(string name, RequestInfo request)
    {
        var (body, error) = ParseObject(request);
        if (body is null)
        {
            return error!;
        }

        if (body.Select(p => p.Key).FirstOrDefault(key => !TemplateKeys.Contains(key)) is { } unknown)
        {
            return BadRequest("x_content_parse_exception", $"[1:2] [index_template] unknown field [{unknown}]");
        }

        if (Patterns(body).Count == 0)
        {
            return BadRequest("action_request_validation_exception", "Validation Failed: 1: index patterns are missing;");
        }

        if (body["composed_of"] is JsonArray { Count: > 0 } composedOf)
        {
            // The fake keeps no component templates, so every one named is missing — as on a cluster without them.
            return BadRequest("illegal_argument_exception",
                $"index_template [{name}] invalid, cause [index template [{name}] specifies component templates [{string.Join(", ", composedOf)}] that do not exist]");
        }

        if (IndexMapping.FindUnknownType(body["template"]?["mappings"] as JsonObject, _profile) is { } noHandler)
        {
            return Json(400, EsErrors.Body(400, EsErrors.Error(
                "mapper_parsing_exception", "Failed to parse mapping: " + noHandler, EsErrors.Error("mapper_parsing_exception", noHandler))));
        }

        lock (_lock)
        {
            _templates[name] = (JsonObject)body.DeepClone();
        }

        return Acknowledged();
    }

    private Reply GetTemplate(string name)
    {
        lock (_lock)
        {
            if (!_templates.TryGetValue(name, out var template))
            {
                return NotFound("resource_not_found_exception", $"index template matching [{name}] not found");
            }

            return Json(200, new JsonObject
            {
                ["index_templates"] = new JsonArray(new JsonObject { ["name"] = name, ["index_template"] = template.DeepClone() }),
            });
        }
    }

    private Reply DeleteTemplate(string name)
    {
        lock (_lock)
        {
            return _templates.Remove(name)
                ? Acknowledged()
                : NotFound("resource_not_found_exception", $"index_template [{name}] missing");
        }
    }

    private Reply PutIlmPolicy(string name, RequestInfo request)
    {
        var (body, error) = ParseObject(request);
        if (body is null)
        {
            return error!;
        }

        if (body["policy"] is not JsonObject)
        {
            return BadRequest("x_content_parse_exception", "[1:2] [put_lifecycle_request] policy is required");
        }

        lock (_lock)
        {
            var version = _policies.TryGetValue(name, out var existing) ? existing.Version + 1 : 1;
            _policies[name] = new PolicyState((JsonObject)body.DeepClone(), version, version - 1);
        }

        return Acknowledged();
    }

    private Reply GetIlmPolicy(string name)
    {
        lock (_lock)
        {
            if (!_policies.TryGetValue(name, out var policy))
            {
                return NotFound("resource_not_found_exception", $"Lifecycle policy not found: {name}");
            }

            return Json(200, new JsonObject
            {
                [name] = new JsonObject
                {
                    ["version"] = policy.Version,
                    ["modified_date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                    ["policy"] = policy.Body["policy"]!.DeepClone(),
                },
            });
        }
    }

    // ISM stores policies as documents: a PUT of an existing id without if_seq_no/if_primary_term is a create
    // and fails 409, as OpenSearch's index-management plugin answers; with them it is an optimistic update.
    private Reply PutIsmPolicy(string id, RequestInfo request)
    {
        var (body, error) = ParseObject(request);
        if (body is null)
        {
            return error!;
        }

        if (body["policy"] is not JsonObject)
        {
            return BadRequest("illegal_argument_exception", "Required [policy] is missing");
        }

        var ifSeqNo = request.Query["if_seq_no"].ToString();
        var ifPrimaryTerm = request.Query["if_primary_term"].ToString();
        lock (_lock)
        {
            var exists = _policies.TryGetValue(id, out var existing);
            if (exists && (ifSeqNo.Length == 0 || ifPrimaryTerm.Length == 0))
            {
                return Json(409, EsErrors.Body(409, EsErrors.Error(
                    "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [{existing!.Version}])")));
            }

            if (exists && (ifSeqNo != existing!.SeqNo.ToString(CultureInfo.InvariantCulture) || ifPrimaryTerm != "1"))
            {
                return Json(409, EsErrors.Body(409, EsErrors.Error(
                    "version_conflict_engine_exception",
                    $"[{id}]: version conflict, required seqNo [{ifSeqNo}], primary term [{ifPrimaryTerm}]. current document has seqNo [{existing.SeqNo}] and primary term [1]")));
            }

            var state = exists ? new PolicyState((JsonObject)body.DeepClone(), existing!.Version + 1, existing.SeqNo + 1) : new PolicyState((JsonObject)body.DeepClone(), 1, 0);
            _policies[id] = state;
            return Json(exists ? 200 : 201, IsmDocument(id, state));
        }
    }

    private Reply GetIsmPolicy(string id)
    {
        lock (_lock)
        {
            return _policies.TryGetValue(id, out var policy)
                ? Json(200, IsmDocument(id, policy))
                : Json(404, EsErrors.Body(404, "status_exception", "Policy not found"));
        }
    }

    private static JsonObject IsmDocument(string id, PolicyState policy)
    {
        var stored = (JsonObject)policy.Body["policy"]!.DeepClone();
        stored["policy_id"] = id;
        return new JsonObject
        {
            ["_id"] = id,
            ["_version"] = policy.Version,
            ["_primary_term"] = 1,
            ["_seq_no"] = policy.SeqNo,
            ["policy"] = stored,
        };
    }

    private Reply PutDataStream(string name)
    {
        lock (_lock)
        {
            if (InvalidName(name) is { } invalid)
            {
                return Json(400, EsErrors.Body(400, invalid));
            }

            if (_dataStreams.ContainsKey(name))
            {
                return BadRequest("resource_already_exists_exception", $"data_stream [{name}] already exists");
            }

            var template = FindTemplate(name);
            if (template?.Body["data_stream"] is not JsonObject)
            {
                return BadRequest("illegal_argument_exception", $"no matching index template found for data stream [{name}]");
            }

            CreateDataStream(name, template);
            return Acknowledged();
        }
    }

    private Reply GetDataStream(string name)
    {
        lock (_lock)
        {
            if (!_dataStreams.TryGetValue(name, out var stream))
            {
                return NotFound("index_not_found_exception", $"no such index [{name}]", name);
            }

            var backing = _indices[stream.BackingIndex];
            var entry = new JsonObject
            {
                ["name"] = name,
                ["timestamp_field"] = new JsonObject { ["name"] = stream.TimestampField },
                ["indices"] = new JsonArray(new JsonObject { ["index_name"] = backing.Name, ["index_uuid"] = backing.Uuid }),
                ["generation"] = 1,
                ["status"] = "GREEN",
                ["template"] = stream.Template,
            };
            if (!_profile.IsOpenSearch)
            {
                entry["hidden"] = false;
                entry["system"] = false;
            }

            return Json(200, new JsonObject { ["data_streams"] = new JsonArray(entry) });
        }
    }

    private Reply PutIndex(string name, RequestInfo request)
    {
        JsonObject? body = null;
        if (request.Body.Length > 0)
        {
            (body, var error) = ParseObject(request);
            if (body is null)
            {
                return error!;
            }
        }

        lock (_lock)
        {
            if (InvalidName(name) is { } invalid)
            {
                return Json(400, EsErrors.Body(400, invalid));
            }

            if (Resolve(name) is { } existing)
            {
                return BadRequest("resource_already_exists_exception", $"index [{existing.Name}/{existing.Uuid}] already exists");
            }

            var template = FindTemplate(name);
            if (template?.Body["data_stream"] is JsonObject)
            {
                return BadRequest("illegal_argument_exception",
                    $"cannot create index with name [{name}], because it matches with template [{template.Name}] that creates data streams only, use create data stream api instead");
            }

            var mappings = body?["mappings"] as JsonObject;
            if (IndexMapping.FindUnknownType(mappings, _profile) is { } noHandler)
            {
                return Json(400, EsErrors.Body(400, EsErrors.Error(
                    "mapper_parsing_exception", "Failed to parse mapping: " + noHandler, EsErrors.Error("mapper_parsing_exception", noHandler))));
            }

            CreateIndex(name, null, template, mappings, body?["settings"] as JsonObject);
            return Json(200, new JsonObject { ["acknowledged"] = true, ["shards_acknowledged"] = true, ["index"] = name });
        }
    }

    private Reply GetMapping(string name)
    {
        lock (_lock)
        {
            return Resolve(name) is { } index
                ? Json(200, new JsonObject { [index.Name] = new JsonObject { ["mappings"] = index.Mapping.Root.DeepClone() } })
                : NotFound("index_not_found_exception", $"no such index [{name}]", name);
        }
    }

    private Reply GetDocument(string name, string id)
    {
        lock (_lock)
        {
            if (Resolve(name) is not { } index)
            {
                return NotFound("index_not_found_exception", $"no such index [{name}]", name);
            }

            var answer = new JsonObject { ["_index"] = index.Name };
            if (_profile.EchoesType)
            {
                answer["_type"] = "_doc";
            }

            answer["_id"] = id;
            if (!index.Documents.TryGetValue(id, out var stored))
            {
                answer["found"] = false;
                return Json(404, answer);
            }

            answer["_version"] = stored.Version;
            answer["_seq_no"] = stored.SeqNo;
            answer["_primary_term"] = 1;
            answer["found"] = true;
            answer["_source"] = stored.Document.Source.DeepClone();
            return Json(200, answer);
        }
    }

    private Reply Count(string name)
    {
        lock (_lock)
        {
            return Resolve(name) is { } index
                ? Json(200, new JsonObject { ["count"] = index.Documents.Count, ["_shards"] = Shards(skipped: true) })
                : NotFound("index_not_found_exception", $"no such index [{name}]", name);
        }
    }

    private Reply RefreshIndex(string name)
    {
        lock (_lock)
        {
            return Resolve(name) is null ? NotFound("index_not_found_exception", $"no such index [{name}]", name) : Refreshed();
        }
    }

    private static Reply Refreshed() => Json(200, new JsonObject { ["_shards"] = Shards(skipped: false) });

    private static JsonObject Shards(bool skipped)
    {
        var shards = new JsonObject { ["total"] = 1, ["successful"] = 1 };
        if (skipped)
        {
            shards["skipped"] = 0;
        }

        shards["failed"] = 0;
        return shards;
    }

    private static Reply Acknowledged() => Json(200, new JsonObject { ["acknowledged"] = true });

    // Called under _lock. A data stream's name, a backing index's, or a plain index's.
    private IndexState? Resolve(string name) =>
        _dataStreams.TryGetValue(name, out var stream) ? _indices[stream.BackingIndex]
        : _indices.GetValueOrDefault(name);

    // Called under _lock. The highest-priority template whose index_patterns match, as ES chooses one.
    private TemplateMatch? FindTemplate(string name) =>
        _templates
            .Where(t => Patterns(t.Value).Any(p => Wildcard(p, name)))
            .Select(t => new TemplateMatch(t.Key, t.Value))
            .OrderByDescending(t => t.Body["priority"] is JsonValue v && v.TryGetValue<long>(out var p) ? p : 0)
            .FirstOrDefault();

    private static List<string> Patterns(JsonObject template) => template["index_patterns"] switch
    {
        JsonArray array => [.. array.OfType<JsonValue>().Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>())],
        JsonValue one when one.GetValueKind() == JsonValueKind.String => [one.GetValue<string>()],
        _ => [],
    };

    private static bool Wildcard(string pattern, string name)
    {
        var regex = "^" + string.Join(".*", pattern.Split('*').Select(System.Text.RegularExpressions.Regex.Escape)) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(name, regex);
    }

    // Called under _lock.
    private IndexState CreateDataStream(string name, TemplateMatch template)
    {
        var timestampField = template.Body["data_stream"]?["timestamp_field"]?["name"] is JsonValue field ? field.GetValue<string>() : "@timestamp";
        var backing = _profile.BackingIndexName(name, DateTimeOffset.UtcNow);
        var index = CreateIndex(backing, name, template, null, null);

        // A data stream's template always maps its timestamp field as a date (ES adds it when missing).
        if (index.Mapping.Root["properties"] is not JsonObject properties)
        {
            index.Mapping.Root["properties"] = properties = new JsonObject();
        }

        properties[timestampField] ??= new JsonObject { ["type"] = "date" };
        _dataStreams[name] = new DataStreamState(backing, template.Name, timestampField);
        return index;
    }

    // Called under _lock. Mappings from the template, overlaid field by field with the request's own.
    private IndexState CreateIndex(string name, string? dataStream, TemplateMatch? template, JsonObject? mappings, JsonObject? settings)
    {
        var merged = (template?.Body["template"]?["mappings"] as JsonObject)?.DeepClone() as JsonObject ?? new JsonObject();
        foreach (var (key, value) in mappings ?? [])
        {
            if (key == "properties" && value is JsonObject properties && merged["properties"] is JsonObject existing)
            {
                foreach (var (field, mapping) in properties)
                {
                    existing[field] = mapping?.DeepClone();
                }
            }
            else
            {
                merged[key] = value?.DeepClone();
            }
        }

        var limit = TotalFieldsLimit(settings) ?? TotalFieldsLimit(template?.Body["template"]?["settings"] as JsonObject) ?? 1000;
        var index = new IndexState(name, dataStream, NewUuid(), new IndexMapping(merged, limit));
        _indices[name] = index;
        return index;
    }

    // index.mapping.total_fields.limit, written nested, flat, or without the "index." prefix.
    private static int? TotalFieldsLimit(JsonObject? settings)
    {
        if (settings is null)
        {
            return null;
        }

        var flat = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        void Flatten(JsonObject obj, string prefix)
        {
            foreach (var (key, value) in obj)
            {
                if (value is JsonObject child)
                {
                    Flatten(child, prefix + key + ".");
                }
                else
                {
                    flat[prefix + key] = value;
                }
            }
        }

        Flatten(settings, "");
        var node = flat.GetValueOrDefault("index.mapping.total_fields.limit") ?? flat.GetValueOrDefault("mapping.total_fields.limit");
        return node is JsonValue v && int.TryParse(v.ToString(), CultureInfo.InvariantCulture, out var limit) ? limit : null;
    }

    // The index and data stream naming rules (MetadataCreateIndexService.validateIndexOrAliasName).
    private static JsonObject? InvalidName(string name)
    {
        string? why = null;
        if (name != name.ToLowerInvariant())
        {
            why = "must be lowercase";
        }
        else if (name.IndexOfAny(['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':']) >= 0)
        {
            why = "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]";
        }
        else if (name[0] is '_' or '-' or '+')
        {
            why = "must not start with '_', '-', or '+'";
        }
        else if (name is "." or "..")
        {
            why = "must not be '.' or '..'";
        }
        else if (Encoding.UTF8.GetByteCount(name) > 255)
        {
            why = "index name is too long, (" + Encoding.UTF8.GetByteCount(name) + " > 255)";
        }

        if (why is null)
        {
            return null;
        }

        var error = EsErrors.Error("invalid_index_name_exception", $"Invalid index name [{name}], {why}");
        error["index_uuid"] = "_na_";
        error["index"] = name;
        return error;
    }

    private sealed record TemplateMatch(string Name, JsonObject Body);

    private sealed record PolicyState(JsonObject Body, long Version, long SeqNo);

    private sealed record DataStreamState(string BackingIndex, string Template, string TimestampField);

    private sealed record StoredVersion(StoredDocument Document, long Version, long SeqNo);

    private sealed class IndexState(string name, string? dataStream, string uuid, IndexMapping mapping)
    {
        public string Name { get; } = name;

        public string? DataStream { get; } = dataStream;

        public string Uuid { get; } = uuid;

        public IndexMapping Mapping { get; } = mapping;

        public OrderedDictionary<string, StoredVersion> Documents { get; } = new(StringComparer.Ordinal);

        public long NextSeqNo { get; set; }
    }
}
