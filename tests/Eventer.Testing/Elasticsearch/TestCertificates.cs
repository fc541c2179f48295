using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Eventer.Testing.Elasticsearch;

/// <summary>A private CA and a server certificate for 127.0.0.1 it signed, as a self-signed cluster has them.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(X509Certificate2 authority, X509Certificate2 server)
    {
        Authority = authority;
        Server = server;
    }

    /// <summary>The CA (public part only, as a user would have it).</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>The server's certificate with its private key, for the fake.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>SHA-256 of the server certificate, as <c>AA:BB:…</c>.</summary>
    public string ServerFingerprint => string.Join(":", Server.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2")));

    public static TestCertificates Create(string name = "eventer-test-ca")
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest($"CN={name}", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var serverRequest = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        serverRequest.CertificateExtensions.Add(names.Build());
        serverRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        serverRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = serverRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), Guid.NewGuid().ToByteArray());
        using var withKey = signed.CopyWithPrivateKey(serverKey);

        // Re-imported so Kestrel can use the key on Linux (an ephemeral key cannot be used for TLS).
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new TestCertificates(X509CertificateLoader.LoadCertificate(ca.Export(X509ContentType.Cert)), server);
    }

    /// <summary>Writes the CA as PEM to a temporary file and returns its path.</summary>
    public string WriteAuthorityPem()
    {
        var path = Path.Combine(Path.GetTempPath(), $"eventer-ca-{Guid.NewGuid():N}.crt");
        File.WriteAllText(path, Authority.ExportCertificatePem());
        return path;
    }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }
}
