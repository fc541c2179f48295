using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Eventer.Testing.Elasticsearch;

public sealed partial class FakeElasticsearch
{
    private const int MaxIdBytes = 512;

    // POST /_bulk and /{index}/_bulk. The whole request is validated first (BulkRequestParser and
    // BulkRequest.validate answer 400 for the lot); then each item is handled in request order and answered
    // in the same position, as TransportBulkAction does.
    private Reply Bulk(RequestInfo request, string? pathIndex)
    {
        var started = Stopwatch.StartNew();
        var text = Encoding.UTF8.GetString(request.Body);
        if (text.Length == 0)
        {
            return BadRequest("action_request_validation_exception", "Validation Failed: 1: no requests added;");
        }

        if (!text.EndsWith('\n'))
        {
            return BadRequest("illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
        }

        var (actions, invalid) = ParseBulk(text, pathIndex);
        if (invalid is not null)
        {
            return invalid;
        }

        request.BulkActions = actions.Count;
        var items = new JsonArray();
        var errors = false;
        lock (_lock)
        {
            foreach (var action in actions)
            {
                if (action.Op is "create" or "index")
                {
                    _createActions++;
                }

                var item = Handle(action);
                errors |= item["error"] is not null;
                items.Add(new JsonObject { [action.Op] = item });
            }
        }

        return Json(200, new JsonObject { ["took"] = Math.Max(1, started.ElapsedMilliseconds), ["errors"] = errors, ["items"] = items });
    }

    private (List<BulkAction> Actions, Reply? Invalid) ParseBulk(string text, string? pathIndex)
    {
        var lines = text.Split('\n');
        var actions = new List<BulkAction>();
        var validation = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line.Trim().Length == 0)
            {
                continue;
            }

            JsonObject? actionLine;
            try
            {
                actionLine = JsonNode.Parse(line) as JsonObject;
            }
            catch (JsonException e)
            {
                return ([], BadRequest("x_content_parse_exception", $"[{i + 1}:1] Malformed action/metadata line [{i + 1}]: {e.Message}"));
            }

            if (actionLine is not { Count: 1 })
            {
                return ([], BadRequest("illegal_argument_exception", $"Malformed action/metadata line [{i + 1}], expected START_OBJECT or END_OBJECT but found [{line}]"));
            }

            var (op, metaNode) = actionLine.First();
            if (op is not ("create" or "index" or "delete" or "update"))
            {
                return ([], BadRequest("illegal_argument_exception", $"Malformed action/metadata line [{i + 1}], expected one of [create, delete, index, update] but found [{op}]"));
            }

            var meta = metaNode as JsonObject ?? [];
            if (meta.ContainsKey("_type") && (_profile.IsOpenSearch || _profile.Major >= 8))
            {
                return ([], BadRequest("illegal_argument_exception", $"Action/metadata line [{i + 1}] contains an unknown parameter [_type]"));
            }

            var index = Text(meta["_index"]) ?? pathIndex;
            var id = Text(meta["_id"]);
            string? source = null;
            if (op != "delete")
            {
                // An action whose source line never came is dropped, as BulkRequestParser stops at the last newline.
                if (i + 1 >= lines.Length - 1)
                {
                    break;
                }

                source = lines[++i];
            }

            if (index is null)
            {
                validation.Add("index is missing");
            }

            if (id is not null && Encoding.UTF8.GetByteCount(id) > MaxIdBytes)
            {
                validation.Add($"id [{id}] is too long, must be no longer than {MaxIdBytes} bytes but was: {Encoding.UTF8.GetByteCount(id)}");
            }

            actions.Add(new BulkAction(op, index ?? "", id, source));
        }

        if (validation.Count > 0)
        {
            var message = "Validation Failed: " + string.Concat(validation.Select((v, n) => $"{n + 1}: {v};"));
            return ([], BadRequest("action_request_validation_exception", message));
        }

        return actions.Count == 0
            ? ([], BadRequest("action_request_validation_exception", "Validation Failed: 1: no requests added;"))
            : (actions, null);
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    // Called under _lock. One item's answer: {"_index","_id",…,"status"[,"error"]}.
    private JsonObject Handle(BulkAction action)
    {
        JsonObject? source = null;
        Exception? sourceError = null;
        if (action.Source is not null)
        {
            try
            {
                source = JsonNode.Parse(action.Source) as JsonObject;
                source?.ToJsonString(); // surfaces a duplicate key, which JsonObject reports lazily
            }
            catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
            {
                source = null;
                sourceError = e;
            }
        }

        var id = action.Id;
        var probe = new BulkItem(action.Op, action.Index, id, source);
        foreach (var rule in _itemRules)
        {
            if (rule(probe) is { } fault)
            {
                return Failed(action.Index, id, fault.Status, EsErrors.Error(fault.Type, fault.Reason), null);
            }
        }

        if (InvalidName(action.Index) is { } invalidName)
        {
            return Failed(action.Index, id, 400, invalidName, null);
        }

        if (action.Op == "update")
        {
            return Failed(action.Index, id, 400, EsErrors.Error("illegal_argument_exception", "FakeElasticsearch does not emulate the update op"), null);
        }

        var index = Resolve(action.Index);
        if (index is null && action.Op == "delete")
        {
            return Failed(action.Index, id, 404, IndexNotFound(action.Index, $"no such index [{action.Index}]"), null);
        }

        if (index is null)
        {
            var template = FindTemplate(action.Index);
            var allowAutoCreate = template?.Body["allow_auto_create"] is JsonValue allow && allow.GetValueKind() == JsonValueKind.True;
            if (!_options.AutoCreateIndex && !allowAutoCreate)
            {
                return Failed(action.Index, id, 404,
                    IndexNotFound(action.Index, $"no such index [{action.Index}] and [action.auto_create_index] is [false]"), null);
            }

            index = template?.Body["data_stream"] is JsonObject
                ? CreateDataStream(action.Index, template)
                : CreateIndex(action.Index, null, template, null, null);
        }

        id ??= NewDocumentId();
        if (action.Op == "delete")
        {
            return Delete(index, id);
        }

        if (index.DataStream is not null && action.Op != "create")
        {
            return Failed(action.Index, id, 400,
                EsErrors.Error("illegal_argument_exception", "only write ops with an op_type of create are allowed in data streams"), null);
        }

        if (source is null)
        {
            var cause = EsErrors.Error(sourceError is null ? "not_x_content_exception" : "json_parse_exception",
                sourceError?.Message ?? "Compressor detection can only be called on some xcontent bytes or compressed xcontent bytes");
            return Failed(index.Name, id, 400, EsErrors.Error(_profile.ParseExceptionType, "failed to parse", cause), index);
        }

        if (index.DataStream is not null && _dataStreams[index.DataStream].TimestampField is var timestampField
            && source[timestampField] is null or JsonArray)
        {
            var cause = _profile.IsOpenSearch
                ? EsErrors.Error("illegal_argument_exception", $"documents must contain a single-valued timestamp field '{timestampField}' of date type")
                : EsErrors.Error("illegal_argument_exception", $"data stream timestamp field [{timestampField}] is missing");
            return Failed(index.Name, id, 400, EsErrors.Error(_profile.ParseExceptionType, "failed to parse: " + cause["reason"], cause), index);
        }

        var exists = index.Documents.TryGetValue(id, out var existing);
        if (exists && action.Op == "create")
        {
            return Failed(index.Name, id, 409, EsErrors.Error(
                "version_conflict_engine_exception", $"[{id}]: version conflict, document already exists (current version [{existing!.Version}])"), index, shard: true);
        }

        if (index.Mapping.Check(source, id, action.Source!, _profile) is { } mappingError)
        {
            return Failed(index.Name, id, mappingError.Status, mappingError.Error, index);
        }

        var version = exists ? existing!.Version + 1 : 1;
        var stored = new StoredVersion(new StoredDocument(index.DataStream ?? index.Name, id, source, DateTimeOffset.UtcNow), version, index.NextSeqNo++);
        index.Documents[id] = stored;
        return Succeeded(index, id, version, stored.SeqNo, exists ? "updated" : "created", exists ? 200 : 201);
    }

    private JsonObject Delete(IndexState index, string id)
    {
        var found = index.Documents.Remove(id, out var existing);
        return Succeeded(index, id, found ? existing!.Version + 1 : 1, index.NextSeqNo++, found ? "deleted" : "not_found", found ? 200 : 404);
    }

    private JsonObject Succeeded(IndexState index, string id, long version, long seqNo, string result, int status)
    {
        var item = ItemHead(index.Name, id);
        item["_version"] = version;
        item["result"] = result;
        item["_shards"] = new JsonObject { ["total"] = 2, ["successful"] = 1, ["failed"] = 0 };
        item["_seq_no"] = seqNo;
        item["_primary_term"] = 1;
        item["status"] = status;
        return item;
    }

    private JsonObject Failed(string indexName, string? id, int status, JsonObject error, IndexState? index, bool shard = false)
    {
        var item = ItemHead(indexName, id);
        item["status"] = status;
        if (index is not null)
        {
            error["index_uuid"] = index.Uuid;
            if (shard)
            {
                error["shard"] = "0";
            }

            error["index"] = index.Name;
        }

        item["error"] = error;
        return item;
    }

    private JsonObject ItemHead(string indexName, string? id)
    {
        var item = new JsonObject { ["_index"] = indexName };
        if (_profile.EchoesType)
        {
            item["_type"] = "_doc";
        }

        if (id is not null)
        {
            item["_id"] = id;
        }

        return item;
    }

    private static JsonObject IndexNotFound(string name, string reason)
    {
        var error = EsErrors.Error("index_not_found_exception", reason);
        error["resource.type"] = "index_expression";
        error["resource.id"] = name;
        error["index_uuid"] = "_na_";
        error["index"] = name;
        return error;
    }

    // ES's auto-generated ids: 20 URL-safe base64 characters.
    private static string NewDocumentId() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');

    private sealed record BulkAction(string Op, string Index, string? Id, string? Source);
}
