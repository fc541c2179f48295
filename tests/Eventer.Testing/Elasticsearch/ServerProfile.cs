using System.Globalization;

namespace Eventer.Testing.Elasticsearch;

/// <summary>
/// What differs between the emulated servers, decided from the engine and its version number — so a test
/// that overrides the version (e.g. "8.7.1", "2.6.0") gets that release's behaviour.
/// </summary>
internal sealed class ServerProfile
{
    public ServerProfile(SearchEngine engine, string versionNumber)
    {
        Engine = engine;
        VersionNumber = versionNumber;
        var parts = versionNumber.Split('-')[0].Split('.');
        Major = int.Parse(parts[0], CultureInfo.InvariantCulture);
        Minor = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
    }

    public SearchEngine Engine { get; }

    public string VersionNumber { get; }

    public int Major { get; }

    public int Minor { get; }

    public bool IsOpenSearch => Engine == SearchEngine.OpenSearch2;

    /// <summary>ES sends <c>X-Elastic-Product: Elasticsearch</c> on every response since 7.14 (elastic/elasticsearch#73424).</summary>
    public bool SendsProductHeader => !IsOpenSearch && AtLeast(7, 14);

    /// <summary>ES 8.8 renamed document-parse failures to document_parsing_exception (elastic/elasticsearch#92646).</summary>
    public string ParseExceptionType => !IsOpenSearch && AtLeast(8, 8) ? "document_parsing_exception" : "mapper_parsing_exception";

    /// <summary>document_parsing_exception reasons start with the "[line:column] " of the offending token.</summary>
    public bool PrefixesParseLocation => !IsOpenSearch && AtLeast(8, 8);

    /// <summary>ES 7.x still echoes the (only) mapping type in bulk items and GET responses.</summary>
    public bool EchoesType => !IsOpenSearch && Major == 7;

    /// <summary>OpenSearch renamed Elasticsearch's exception types that carried the product name.</summary>
    public string RejectedExecutionType => IsOpenSearch ? "opensearch_rejected_execution_exception" : "es_rejected_execution_exception";

    /// <summary>ES 8 words the total-fields error with the count of new fields.</summary>
    public bool CountsNewFieldsInLimitMessage => !IsOpenSearch && Major >= 8;

    /// <summary>The REST API compatibility versions (<c>compatible-with=N</c>) ES accepts: its major and the one before.</summary>
    public (int Current, int Minimum) CompatibleWith => Major >= 8 ? (Major, Major - 1) : (Major, Major);

    /// <summary>ES backing indices carry the creation date; OpenSearch's are only numbered.</summary>
    public string BackingIndexName(string dataStream, DateTimeOffset now) =>
        IsOpenSearch
            ? $".ds-{dataStream}-000001"
            : $".ds-{dataStream}-{now.UtcDateTime.ToString("yyyy.MM.dd", CultureInfo.InvariantCulture)}-000001";

    /// <summary>Mapping types this server has a handler for; any other is refused with "No handler for type".</summary>
    public bool KnowsType(string type) => type switch
    {
        "text" or "keyword" or "long" or "integer" or "short" or "byte" or "double" or "float" or "half_float"
            or "scaled_float" or "date" or "date_nanos" or "boolean" or "object" or "nested" or "ip" or "binary"
            or "geo_point" or "alias" => true,
        "flattened" or "constant_keyword" or "wildcard" or "version" or "unsigned_long" => !IsOpenSearch,
        "flat_object" => IsOpenSearch && AtLeast(2, 7),
        "match_only_text" => IsOpenSearch ? AtLeast(2, 12) : AtLeast(7, 14),
        _ => false,
    };

    public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

    public static string DefaultVersion(SearchEngine engine) => engine switch
    {
        SearchEngine.Elasticsearch7 => "7.17.25",
        SearchEngine.Elasticsearch8 => "8.15.3",
        SearchEngine.Elasticsearch9 => "9.1.0",
        SearchEngine.OpenSearch2 => "2.17.1",
        _ => throw new ArgumentOutOfRangeException(nameof(engine)),
    };

    public string LuceneVersion => (IsOpenSearch, Major) switch
    {
        (true, _) => "9.11.1",
        (false, 7) => "8.11.3",
        (false, 8) => "9.11.1",
        _ => "10.2.2",
    };

    public string MinimumWireCompatibilityVersion => (IsOpenSearch, Major) switch
    {
        (true, _) => "7.10.0",
        (false, 7) => "6.8.0",
        (false, 8) => "7.17.0",
        _ => "8.18.0",
    };

    public string MinimumIndexCompatibilityVersion => (IsOpenSearch, Major) switch
    {
        (true, _) => "7.0.0",
        (false, 7) => "6.0.0-beta1",
        (false, 8) => "7.0.0",
        _ => "8.0.0",
    };
}
