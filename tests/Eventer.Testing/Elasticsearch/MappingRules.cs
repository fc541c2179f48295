using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Eventer.Testing.Elasticsearch;

/// <summary>An item-level refusal: the status and the error object put into the bulk item.</summary>
internal sealed record ItemError(int Status, JsonObject Error);

/// <summary>
/// An index's mapping (kept live: dynamic fields are added to it as real ES does) and the checks a document
/// goes through when it is stored: values against mapped types, <c>dynamic</c> false/strict/true, the
/// 32766-byte Lucene term limit, and <c>index.mapping.total_fields.limit</c>.
/// </summary>
internal sealed partial class IndexMapping
{
    /// <summary>Lucene's IndexWriter.MAX_TERM_LENGTH: a longer single term rejects the whole document.</summary>
    public const int MaxTermBytes = 32766;

    private const string DefaultDateFormat = "strict_date_optional_time||epoch_millis";

    public IndexMapping(JsonObject? mappings, int totalFieldsLimit)
    {
        Root = Normalize(mappings ?? new JsonObject());
        TotalFieldsLimit = totalFieldsLimit;
    }

    /// <summary>The mapping as it stands, dotted field names expanded into objects.</summary>
    public JsonObject Root { get; private set; }

    public int TotalFieldsLimit { get; }

    /// <summary>The message of the first type this server has no handler for, e.g. "No handler for type [flattened] declared on field [labels]".</summary>
    public static string? FindUnknownType(JsonObject? mappings, ServerProfile profile)
    {
        return mappings?["properties"] is JsonObject properties ? Find(properties) : null;

        string? Find(JsonObject props)
        {
            foreach (var (name, node) in props)
            {
                if (node is not JsonObject field)
                {
                    continue;
                }

                if (field["type"] is JsonValue t && t.TryGetValue<string>(out var type) && !profile.KnowsType(type))
                {
                    return $"No handler for type [{type}] declared on field [{name}]";
                }

                foreach (var child in new[] { field["properties"], field["fields"] })
                {
                    if (child is JsonObject nested && Find(nested) is { } found)
                    {
                        return found;
                    }
                }
            }

            return null;
        }
    }

    /// <summary>The number of mapped fields as ES counts them toward the limit: objects and multi-fields included.</summary>
    public static int CountFields(JsonObject objectMapping)
    {
        var count = 0;
        if (objectMapping["properties"] is JsonObject properties)
        {
            foreach (var (_, node) in properties)
            {
                if (node is JsonObject field)
                {
                    count += 1 + ((field["fields"] as JsonObject)?.Count ?? 0);
                    count += CountFields(field);
                }
            }
        }

        return count;
    }

    /// <summary>
    /// Checks <paramref name="source"/> and, when it is accepted, adds the fields it maps dynamically. Null means
    /// accepted. The walk first runs against the live mapping; only a document that needs new fields is walked
    /// again against a copy, which replaces the mapping if the document passes (a refused document adds nothing).
    /// </summary>
    public ItemError? Check(JsonObject source, string id, string rawSource, ServerProfile profile)
    {
        var dryRun = new Walker(Root, id, rawSource, profile, allowAdd: false);
        var error = dryRun.Walk(source);
        if (error is not null || !dryRun.NeedsNewFields)
        {
            return error;
        }

        var copy = (JsonObject)Root.DeepClone();
        var walker = new Walker(copy, id, rawSource, profile, allowAdd: true);
        error = walker.Walk(source);
        if (error is not null)
        {
            return error;
        }

        var before = CountFields(Root);
        var after = CountFields(copy);
        if (after > TotalFieldsLimit)
        {
            var message = $"Limit of total fields [{TotalFieldsLimit}] has been exceeded";
            if (profile.CountsNewFieldsInLimitMessage)
            {
                message += $" while adding new fields [{after - before}]";
            }

            return new ItemError(400, EsErrors.Error("illegal_argument_exception", message));
        }

        Root = copy;
        return null;
    }

    // Mappings may name fields with dots ("event.kind"); ES expands them into objects, and so does the fake,
    // so that a document's "event": {"kind": …} and "event.kind": … both find the same field.
    private static JsonObject Normalize(JsonObject mapping)
    {
        var copy = (JsonObject)mapping.DeepClone();
        if (copy["properties"] is JsonObject properties)
        {
            copy["properties"] = ExpandProperties(properties);
        }

        return copy;
    }

    private static JsonObject ExpandProperties(JsonObject properties)
    {
        var expanded = new JsonObject();
        foreach (var (name, node) in properties)
        {
            if (node is not JsonObject field)
            {
                continue;
            }

            var segments = name.Split('.');
            var target = expanded;
            for (var i = 0; i < segments.Length - 1; i++)
            {
                if (target[segments[i]] is not JsonObject parent)
                {
                    target[segments[i]] = parent = new JsonObject { ["properties"] = new JsonObject() };
                }

                if (parent["properties"] is not JsonObject parentProperties)
                {
                    parent["properties"] = parentProperties = new JsonObject();
                }

                target = parentProperties;
            }

            var leaf = (JsonObject)field.DeepClone();
            if (leaf["properties"] is JsonObject childProperties)
            {
                leaf["properties"] = ExpandProperties(childProperties);
            }

            var last = segments[^1];
            if (target[last] is JsonObject existing && existing["properties"] is JsonObject existingProperties
                && leaf["properties"] is JsonObject leafProperties)
            {
                foreach (var (childName, child) in leafProperties.ToList())
                {
                    leafProperties.Remove(childName);
                    existingProperties[childName] = child;
                }
            }
            else
            {
                target[last] = leaf;
            }
        }

        return expanded;
    }

    private static string? Text(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string DynamicOf(JsonObject objectMapping, string inherited) =>
        objectMapping["dynamic"] switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.True => "true",
            JsonValue v when v.GetValueKind() == JsonValueKind.False => "false",
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().ToLowerInvariant(),
            _ => inherited,
        };

    private static bool IsFalse(JsonNode? node) =>
        node is JsonValue v && (v.GetValueKind() == JsonValueKind.False
            || (v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "false"));

    private static int? Int(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var i) ? i
        : node is JsonValue s && s.GetValueKind() == JsonValueKind.String && int.TryParse(s.GetValue<string>(), CultureInfo.InvariantCulture, out var j) ? j
        : null;

    [GeneratedRegex(@"^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$")]
    private static partial Regex IsoDate();

    [GeneratedRegex(@"^-?\d+(\.\d+)?$")]
    private static partial Regex Epoch();

    private static bool IsIsoDate(string text, bool requireDay)
    {
        var m = IsoDate().Match(text);
        if (!m.Success || (requireDay && !m.Groups[3].Success))
        {
            return false;
        }

        int Part(int group, int fallback) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value, CultureInfo.InvariantCulture) : fallback;
        var (year, month, day) = (Part(1, 1), Part(2, 1), Part(3, 1));
        var (hour, minute, second) = (Part(4, 0), Part(5, 0), Part(6, 0));
        return month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(Math.Max(year, 1), month)
            && hour <= 23 && minute <= 59 && second <= 59;
    }

    /// <summary>Walks one document against one mapping tree (the live one, or a copy it may add to).</summary>
    private sealed class Walker(JsonObject root, string id, string rawSource, ServerProfile profile, bool allowAdd)
    {
        public bool NeedsNewFields { get; private set; }

        public ItemError? Walk(JsonObject source) => WalkObject(root, "", DynamicOf(root, "true"), source);

        private ItemError? WalkObject(JsonObject objectMapping, string path, string dynamic, JsonObject value)
        {
            foreach (var (key, child) in value)
            {
                var error = WalkField(objectMapping, path, dynamic, key.Split('.'), 0, child);
                if (error is not null)
                {
                    return error;
                }
            }

            return null;
        }

        // One (possibly dotted) key: "a.b.c": v walks a → b as objects, then checks c's value.
        private ItemError? WalkField(JsonObject parent, string parentPath, string dynamic, string[] segments, int at, JsonNode? value)
        {
            var name = segments[at];
            var path = parentPath.Length == 0 ? name : $"{parentPath}.{name}";
            var field = Lookup(parent, name);
            if (at == segments.Length - 1)
            {
                return CheckValue(parent, parentPath, name, path, dynamic, field, value);
            }

            if (field is null)
            {
                if (dynamic is "false" or "runtime")
                {
                    return null;
                }

                if (dynamic == "strict")
                {
                    return Strict(name, parentPath);
                }

                if (!allowAdd)
                {
                    NeedsNewFields = true;
                    return null;
                }

                field = Add(parent, name, new JsonObject { ["properties"] = new JsonObject() });
            }

            var type = TypeOf(field);
            if (type is "flattened" or "flat_object")
            {
                return CheckFlattened(field, path, type, value);
            }

            if (type is not ("object" or "nested"))
            {
                return Parsing($"Could not dynamically add mapping for field [{string.Join('.', segments)}]. Existing mapping for [{path}] must be of type object but found [{type}].", name);
            }

            return IsFalse(field["enabled"]) ? null : WalkField(field, path, DynamicOf(field, dynamic), segments, at + 1, value);
        }

        private ItemError? CheckValue(JsonObject parent, string parentPath, string name, string path, string dynamic, JsonObject? field, JsonNode? value)
        {
            if (value is null)
            {
                return null; // null indexes nothing and maps nothing
            }

            if (value is JsonArray array)
            {
                foreach (var element in array)
                {
                    var error = CheckValue(parent, parentPath, name, path, dynamic, Lookup(parent, name), element);
                    if (error is not null)
                    {
                        return error;
                    }
                }

                return null;
            }

            if (field is null)
            {
                if (dynamic is "false" or "runtime")
                {
                    return null; // kept in _source, not indexed
                }

                if (dynamic == "strict")
                {
                    return Strict(name, parentPath);
                }

                if (!allowAdd)
                {
                    NeedsNewFields = true;
                    return null;
                }

                field = Add(parent, name, Infer(value));
            }

            var type = TypeOf(field);
            switch (type)
            {
                case "object" or "nested":
                    if (IsFalse(field["enabled"]))
                    {
                        return null; // enabled: false takes anything, unparsed
                    }

                    return value is JsonObject obj
                        ? WalkObject(field, path, DynamicOf(field, dynamic), obj)
                        : Parsing($"object mapping for [{path}] tried to parse field [{name}] as object, but found a concrete value", name);
                case "flattened" or "flat_object":
                    return CheckFlattened(field, path, type, value);
                default:
                    if (value is JsonObject)
                    {
                        return FieldParse(path, name, type, value, EsErrors.Error("illegal_argument_exception", $"Cannot parse an object as a value of field [{path}] of type [{type}]"));
                    }

                    var leafError = CheckLeaf(field, path, name, type, (JsonValue)value);
                    if (leafError is not null || field["fields"] is not JsonObject multiFields)
                    {
                        return leafError;
                    }

                    foreach (var (subName, subNode) in multiFields)
                    {
                        if (subNode is JsonObject sub && CheckLeaf(sub, $"{path}.{subName}", name, TypeOf(sub), (JsonValue)value) is { } subError)
                        {
                            return subError;
                        }
                    }

                    return null;
            }
        }

        private ItemError? CheckLeaf(JsonObject field, string path, string name, string type, JsonValue value)
        {
            var kind = value.GetValueKind();
            var text = kind == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
            var coerce = !IsFalse(field["coerce"]);
            switch (type)
            {
                case "long" or "integer" or "short" or "byte":
                    return CheckInteger(path, name, type, kind, text, coerce);
                case "double" or "float" or "half_float" or "scaled_float":
                    var numeric = kind == JsonValueKind.Number || (kind == JsonValueKind.String && coerce
                        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
                    return numeric ? null : FieldParse(path, name, type, value, EsErrors.Error("illegal_argument_exception", $"For input string: \"{text}\""));
                case "date" or "date_nanos":
                    return CheckDate(field, path, name, type, kind, text);
                case "boolean":
                    var boolean = kind is JsonValueKind.True or JsonValueKind.False || (kind == JsonValueKind.String && text is "true" or "false" or "");
                    return boolean ? null : FieldParse(path, name, type, value, EsErrors.Error("illegal_argument_exception", $"Failed to parse value [{text}] as only [true] or [false] are allowed."));
                case "ip":
                    return kind == JsonValueKind.String && IPAddress.TryParse(text, out _)
                        ? null
                        : FieldParse(path, name, type, value, EsErrors.Error("illegal_argument_exception", $"'{text}' is not an IP string literal."));
                case "keyword":
                    return Int(field["ignore_above"]) is { } ignoreAbove && text.Length > ignoreAbove
                        ? null // ignore_above: kept in _source, not indexed, no error
                        : CheckTermLength(path, text);
                default:
                    return null; // text, match_only_text and the rest take any scalar
            }
        }

        private ItemError? CheckInteger(string path, string name, string type, JsonValueKind kind, string text, bool coerce)
        {
            var (min, max) = type switch
            {
                "integer" => ((decimal)int.MinValue, (decimal)int.MaxValue),
                "short" => (short.MinValue, short.MaxValue),
                "byte" => (sbyte.MinValue, sbyte.MaxValue),
                _ => ((decimal)long.MinValue, (decimal)long.MaxValue),
            };
            var parsed = kind is JsonValueKind.Number or JsonValueKind.String
                && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number
                : (decimal?)null;
            if (parsed is null || (kind == JsonValueKind.String && !coerce))
            {
                return FieldParse(path, name, type, text, EsErrors.Error("illegal_argument_exception", $"For input string: \"{text}\""));
            }

            if (decimal.Truncate(parsed.Value) != parsed.Value && !coerce)
            {
                return FieldParse(path, name, type, text, EsErrors.Error("illegal_argument_exception", $"Value [{text}] has a decimal part"));
            }

            var article = type == "integer" ? "an" : "a";
            return decimal.Truncate(parsed.Value) < min || decimal.Truncate(parsed.Value) > max
                ? FieldParse(path, name, type, text, EsErrors.Error("illegal_argument_exception", $"Value [{text}] is out of range for {article} {type}"))
                : null;
        }

        private ItemError? CheckDate(JsonObject field, string path, string name, string type, JsonValueKind kind, string text)
        {
            var format = Text(field["format"]) ?? DefaultDateFormat;
            var parsed = false;
            var known = false;
            foreach (var one in format.Split("||"))
            {
                switch (one)
                {
                    case "strict_date_optional_time" or "date_optional_time" or "strict_date_optional_time_nanos" or "strict_date_time" or "date_time" or "strict_date" or "date":
                        known = true;
                        parsed |= kind == JsonValueKind.String && IsIsoDate(text, requireDay: false);
                        break;
                    case "epoch_millis" or "epoch_second":
                        known = true;
                        parsed |= kind is JsonValueKind.Number or JsonValueKind.String && Epoch().IsMatch(text);
                        break;
                }
            }

            if (known && !parsed)
            {
                var cause = EsErrors.Error(
                    "illegal_argument_exception",
                    $"failed to parse date field [{text}] with format [{format}]",
                    EsErrors.Error("date_time_parse_exception", $"Failed to parse with all enclosed parsers"));
                return FieldParse(path, name, type, text, cause);
            }

            // date_nanos stores nanoseconds since the epoch in a long: 1970 to 2262 only.
            if (type == "date_nanos" && kind == JsonValueKind.String && IsIsoDate(text, requireDay: false)
                && int.Parse(text[..4], CultureInfo.InvariantCulture) is < 1970 or > 2262)
            {
                return FieldParse(path, name, type, text, EsErrors.Error(
                    "illegal_argument_exception", $"date[{text}] is before the epoch in 1970 or after 2262 and cannot be stored in nanosecond resolution"));
            }

            return null;
        }

        private ItemError? CheckFlattened(JsonObject field, string path, string type, JsonNode? value)
        {
            // flattened/flat_object map any keys to keyword-like terms: no mapping growth, but each value is
            // still one Lucene term (flattened honours ignore_above; flat_object has none).
            var ignoreAbove = type == "flattened" ? Int(field["ignore_above"]) : null;
            var termField = type == "flattened" ? $"{path}._keyed" : $"{path}._valueAndPath";
            foreach (var leaf in Leaves(value))
            {
                if (ignoreAbove is { } limit && leaf.Length > limit)
                {
                    continue;
                }

                if (CheckTermLength(termField, leaf) is { } error)
                {
                    return error;
                }
            }

            return null;
        }

        private static IEnumerable<string> Leaves(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (_, child) in obj)
                    {
                        foreach (var leaf in Leaves(child))
                        {
                            yield return leaf;
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        foreach (var leaf in Leaves(child))
                        {
                            yield return leaf;
                        }
                    }

                    break;
                case JsonValue value:
                    yield return value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : value.ToJsonString();
                    break;
            }
        }

        private static ItemError? CheckTermLength(string path, string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            if (bytes.Length <= MaxTermBytes)
            {
                return null;
            }

            var prefix = string.Join(", ", bytes.Take(30).Select(b => ((sbyte)b).ToString(CultureInfo.InvariantCulture)));
            var original = $"bytes can be at most {MaxTermBytes} in length; got {bytes.Length}";
            return new ItemError(400, EsErrors.Error(
                "illegal_argument_exception",
                $"Document contains at least one immense term in field=\"{path}\" (whose UTF8 encoding is longer than the max length {MaxTermBytes}), "
                    + $"all of which were skipped.  Please correct the analyzer to not produce such terms.  The prefix of the first immense term is: '[{prefix}]...', "
                    + $"original message: {original}",
                EsErrors.Error("max_bytes_length_exceeded_exception", original)));
        }

        private ItemError Strict(string name, string parentPath) =>
            new(400, EsErrors.Error(
                "strict_dynamic_mapping_exception",
                Location(name) + $"mapping set to strict, dynamic introduction of [{name}] within [{(parentPath.Length == 0 ? "_doc" : parentPath)}] is not allowed"));

        private ItemError Parsing(string reason, string name) =>
            new(400, EsErrors.Error(profile.ParseExceptionType, Location(name) + reason));

        private ItemError FieldParse(string path, string name, string type, object preview, JsonObject cause)
        {
            var shown = preview is JsonObject obj ? PreviewOf(obj) : preview is JsonValue v ? (v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString()) : preview.ToString();
            return new ItemError(400, EsErrors.Error(
                profile.ParseExceptionType,
                Location(name) + $"failed to parse field [{path}] of type [{type}] in document with id '{id}'. Preview of field's value: '{shown}'",
                cause));
        }

        // Java's Map.toString, which is how ES previews an object value.
        private static string PreviewOf(JsonObject obj) =>
            "{" + string.Join(", ", obj.Select(p => $"{p.Key}={(p.Value is JsonObject o ? PreviewOf(o) : p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : p.Value?.ToJsonString() ?? "null")}")) + "}";

        // document_parsing_exception (ES ≥ 8.8) starts with the "[line:column] " of the token; the fake points
        // at the value following the field's name in the source line (approximate, never relied upon).
        private string Location(string name)
        {
            if (!profile.PrefixesParseLocation)
            {
                return "";
            }

            var at = rawSource.IndexOf($"\"{name}\"", StringComparison.Ordinal);
            var column = at < 0 ? 1 : at + name.Length + 4;
            return $"[1:{column}] ";
        }

        private static JsonObject? Lookup(JsonObject parent, string name) =>
            parent["properties"] is JsonObject properties ? properties[name] as JsonObject : null;

        private static JsonObject Add(JsonObject parent, string name, JsonObject mapping)
        {
            if (parent["properties"] is not JsonObject properties)
            {
                parent["properties"] = properties = new JsonObject();
            }

            properties[name] = mapping;
            return mapping;
        }

        private static string TypeOf(JsonObject field) =>
            Text(field["type"]) ?? "object";

        // ES's default dynamic mapping: dates detected in strings, other strings text + keyword(256),
        // integers long, fractions float.
        private JsonObject Infer(JsonNode value)
        {
            switch (value)
            {
                case JsonObject:
                    return new JsonObject { ["properties"] = new JsonObject() };
                case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                    var dateDetection = !IsFalse(root["date_detection"]);
                    return dateDetection && IsIsoDate(v.GetValue<string>(), requireDay: true)
                        ? new JsonObject { ["type"] = "date" }
                        : new JsonObject
                        {
                            ["type"] = "text",
                            ["fields"] = new JsonObject { ["keyword"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = 256 } },
                        };
                case JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False:
                    return new JsonObject { ["type"] = "boolean" };
                case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                    return new JsonObject { ["type"] = v.TryGetValue<long>(out _) || !v.ToJsonString().Contains('.') ? "long" : "float" };
                default:
                    return new JsonObject { ["type"] = "keyword" };
            }
        }
    }
}
