namespace Eventer.Testing.Elasticsearch;

/// <summary>How a <see cref="FakeElasticsearch"/> is set up; the defaults are an open cluster with ES defaults.</summary>
public sealed class FakeElasticsearchOptions
{
    /// <summary>With <see cref="Password"/>: every request needs <c>Authorization: Basic</c> with these credentials.</summary>
    public string? Username { get; init; }

    /// <summary>The password for <see cref="Username"/>.</summary>
    public string? Password { get; init; }

    /// <summary>
    /// Accepts <c>Authorization: ApiKey &lt;value&gt;</c> (the encoded key) on Elasticsearch. OpenSearch has no API
    /// keys: its security plugin refuses the scheme, and so does the fake.
    /// </summary>
    public string? ApiKey { get; init; }

    /// <summary>Overrides the engine's default version number, e.g. "8.7.1" (before document_parsing_exception) or "2.6.0" (no flat_object).</summary>
    public string? VersionNumber { get; init; }

    /// <summary>
    /// OpenSearch only: <c>compatibility.override_main_response_version</c> (2.1–2.x). <c>GET /</c> then reports
    /// "7.10.2" and drops <c>version.distribution</c>, as OpenSearch's MainResponse does; the tagline stays
    /// "The OpenSearch Project: https://opensearch.org/" because MainResponse writes it unconditionally.
    /// </summary>
    public bool OpenSearchCompatibilityMode { get; init; }

    /// <summary><c>http.max_content_length</c>: a larger (decompressed) body is answered 413.</summary>
    public long MaxContentLength { get; init; } = 100 * 1024 * 1024;

    /// <summary><c>action.auto_create_index</c>: false answers item 404 index_not_found_exception for a missing index or data stream.</summary>
    public bool AutoCreateIndex { get; init; } = true;

    /// <summary>Serve HTTPS with this certificate (with its private key), as a self-signed cluster does; null serves HTTP.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? Certificate { get; init; }
}
