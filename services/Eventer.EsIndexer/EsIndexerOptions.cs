using System.ComponentModel.DataAnnotations;
using Eventer.ServiceDefaults;

namespace Eventer.EsIndexer;

/// <summary>Where documents go in Elasticsearch/OpenSearch.</summary>
public enum IndexMode
{
    /// <summary>One data stream per cluster, <c>&lt;IndexPrefix&gt;-&lt;cluster&gt;</c> (or <see cref="EsIndexerOptions.DataStream"/>).</summary>
    DataStream,

    /// <summary>Daily indices <c>&lt;IndexPrefix&gt;-YYYY.MM.DD</c> by the occurrence's time: a redelivery always meets its first copy.</summary>
    Daily,
}

/// <summary>Settings of the es-indexer (section <c>EsIndexer</c>); the nodes are <c>ConnectionStrings:elasticsearch</c>.</summary>
public sealed class EsIndexerOptions : IValidatableObject
{
    public const string Section = "EsIndexer";

    /// <summary>Data stream per cluster, or daily indices.</summary>
    public IndexMode IndexMode { get; set; } = IndexMode.DataStream;

    /// <summary>Start of every index, data stream and template name eventer writes.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,99}$", ErrorMessage = "must be 1-100 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")]
    public string IndexPrefix { get; set; } = "kube-events";

    /// <summary>One data stream for every cluster instead of <c>&lt;IndexPrefix&gt;-&lt;cluster&gt;</c>.</summary>
    [RegularExpression("^[a-z0-9][a-z0-9._-]{0,199}$", ErrorMessage = "must be 1-200 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit")]
    public string? DataStream { get; set; }

    /// <summary>Delete documents older than this many days (ILM on Elasticsearch, ISM on OpenSearch); unset keeps them.</summary>
    [Range(1, 36_500)]
    public int? RetentionDays { get; set; }

    /// <summary>Most messages in one batch.</summary>
    /// <remarks>
    /// An occurrence waits for its batch to fill: at 1,000 events/s a batch of 500 took half a
    /// second, the es-indexer's median latency in the bench. 200 (300 KB bulks of typical Events,
    /// five a second at that rate) halved the median and took no more CPU per event (bench/README.md).
    /// </remarks>
    [Range(1, 10_000)]
    public int BatchMessageLimit { get; set; } = 200;

    /// <summary>How long a batch waits to fill before it is sent anyway: the latency when Events are few.</summary>
    [TimeSpanRange("00:00:00.001", "00:01:00")]
    public TimeSpan BatchTimeLimit { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Batches indexed at the same time.</summary>
    [Range(1, 16)]
    public int ConcurrencyLimit { get; set; } = 2;

    /// <summary>Largest uncompressed <c>_bulk</c> body; a batch is split below it, and a single larger document is dead-lettered.</summary>
    [Range(64 * 1024, 100 * 1024 * 1024)]
    public int MaxBulkBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Longest pause between attempts while Elasticsearch refuses items (429, 5xx) or whole requests.</summary>
    [TimeSpanRange("00:00:00.050", "00:10:00")]
    public TimeSpan MaxRetryInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one request may take, all nodes tried included.</summary>
    [TimeSpanRange("00:00:01", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Basic-auth user (or give it in the connection string as <c>http://user:password@host:9200</c>).</summary>
    public string? Username { get; set; }

    /// <summary>Basic-auth password.</summary>
    public string? Password { get; set; }

    /// <summary>An API key, base64 of <c>id:key</c> (Kibana's "encoded" value).</summary>
    public string? ApiKey { get; set; }

    /// <summary>PEM or DER file of the CA that signed the cluster's certificate (self-signed clusters).</summary>
    public string? CaCertificate { get; set; }

    /// <summary>SHA-256 fingerprint of the cluster's certificate or its CA, e.g. from <c>elasticsearch-certutil</c>.</summary>
    public string? CertificateFingerprint { get; set; }

    /// <summary>Accept any certificate. For trying things out only: anyone between eventer and the cluster can read and change the traffic.</summary>
    public bool InsecureSkipCertificateCheck { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(ApiKey) && !string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult("give either an API key or a user name, not both", [nameof(ApiKey)]);
        }

        if (!string.IsNullOrEmpty(Password) && string.IsNullOrEmpty(Username))
        {
            yield return new ValidationResult("a password needs EsIndexer:Username", [nameof(Password)]);
        }

        var trustSettings = new[] { !string.IsNullOrEmpty(CaCertificate), !string.IsNullOrEmpty(CertificateFingerprint), InsecureSkipCertificateCheck }.Count(set => set);
        if (trustSettings > 1)
        {
            yield return new ValidationResult("choose one of CaCertificate, CertificateFingerprint and InsecureSkipCertificateCheck", [nameof(CaCertificate)]);
        }

        if (!string.IsNullOrEmpty(CaCertificate) && !File.Exists(CaCertificate))
        {
            yield return new ValidationResult("names a file that does not exist", [nameof(CaCertificate)]);
        }

        if (!string.IsNullOrEmpty(CertificateFingerprint)
            && CertificateFingerprint.Replace(":", "", StringComparison.Ordinal) is var hex
            && (hex.Length != 64 || !hex.All(char.IsAsciiHexDigit)))
        {
            yield return new ValidationResult("must be a SHA-256 fingerprint: 64 hex digits, colons allowed", [nameof(CertificateFingerprint)]);
        }
    }
}
