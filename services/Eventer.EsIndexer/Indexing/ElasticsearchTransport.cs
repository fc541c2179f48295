using System.Security.Cryptography.X509Certificates;
using Elastic.Transport;
using Elastic.Transport.Products;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// Elastic's low-level transport (node pool, failover, auth, TLS) with the plain
/// <c>application/json</c> media type that Elasticsearch 7.17, 8, 9 and OpenSearch 2 all accept:
/// no <c>compatible-with</c>, no product check, no client meta header.
/// </summary>
public static class ElasticsearchTransport
{
    public static ITransport Create(ElasticsearchConnection connection, EsIndexerOptions options)
    {
        NodePool pool = connection.Nodes.Count == 1
            ? new SingleNodePool(connection.Nodes[0])
            : new StaticNodePool(connection.Nodes, randomize: true);

        var ca = string.IsNullOrEmpty(options.CaCertificate) ? null : X509CertificateLoader.LoadCertificateFromFile(options.CaCertificate);
        var invoker = new HttpRequestInvoker((handler, _) =>
        {
            // Trust exactly this CA (chain and host name still checked by .NET). The transport's
            // own CertificateValidations.AuthorityIsRoot accepts any self-signed certificate.
            if (ca is not null && handler is SocketsHttpHandler sockets)
            {
                var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
                policy.CustomTrustStore.Add(ca);
                sockets.SslOptions.CertificateChainPolicy = policy;
            }

            return handler;
        });

        var username = options.Username ?? connection.Username;
        var password = options.Username is null ? connection.Password : options.Password;
        AuthorizationHeader? authentication = !string.IsNullOrEmpty(options.ApiKey) ? new ApiKey(options.ApiKey)
            : username is not null ? new BasicAuthentication(username, password ?? "")
            : null;

        var configuration = new TransportConfiguration(pool, invoker, productRegistration: DefaultProductRegistration.Default)
        {
            Authentication = authentication,
            CertificateFingerprint = string.IsNullOrEmpty(options.CertificateFingerprint) ? null : options.CertificateFingerprint,
            ServerCertificateValidationCallback = options.InsecureSkipCertificateCheck ? CertificateValidations.AllowAll : null,
            // Both the per-attempt timeout and the budget across nodes (the default is 10 minutes).
            RequestTimeout = options.RequestTimeout,
            MaxRetries = Math.Min(connection.Nodes.Count - 1, 2),
            DeadTimeout = TimeSpan.FromSeconds(5),
            MaxDeadTimeout = TimeSpan.FromMinutes(1),
            EnableHttpCompression = true,
            DisableAuditTrail = true,
            DisableMetaHeader = true,
            ThrowExceptions = false,
            UserAgent = UserAgent.Create("eventer-es-indexer"),
        };
        return new DistributedTransport(configuration);
    }
}
