using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Eventer.Collector.Watching;
using k8s;
using k8s.Exceptions;

namespace Eventer.Collector.Tests.Watching;

/// <summary>What the collector reads from a kubeconfig, for every kind of user, and which file it reads.</summary>
public sealed class KubeconfigReaderTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("eventer-kubeconfig-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void Each_kind_of_user_is_read_from_its_context()
    {
        var alice = KubeconfigReader.FromFile(WriteKubeconfig("alice"));
        Assert.Equal(("https://one.example:6443", true, "alice-token"), (alice.Host, alice.SkipTlsVerify, alice.AccessToken));
        Assert.Equal(Path.Combine(_dir.FullName, "certs", "alice.crt"), alice.ClientCertificateFilePath);

        var bob = KubeconfigReader.FromFile(WriteKubeconfig("bob"));
        Assert.Equal(("https://127.0.0.1:16443", "api.two.example", "team-b"), (bob.Host, bob.TlsServerName, bob.Namespace));
        Assert.Equal(Ca.Thumbprint, Assert.Single(bob.SslCaCerts!.Cast<X509Certificate2>()).Thumbprint);
        Assert.Equal(Base64(ClientPem), bob.ClientCertificateData);

        Assert.Equal("carol-from-exec", KubeconfigReader.FromFile(WriteKubeconfig("carol")).AccessToken);

        var dave = KubeconfigReader.FromFile(WriteKubeconfig("dave"));
        Assert.Equal(("http://127.0.0.1:8080/", "dave", "dave-secret"), (dave.Host, dave.Username, dave.Password));
    }

    [Fact]
    public void A_missing_or_empty_kubeconfig_is_an_error_that_names_the_file()
    {
        var missing = Path.Combine(_dir.FullName, "absent.yaml");
        var error = Assert.Throws<KubeConfigException>(() => KubeconfigReader.FromFile(missing));
        Assert.Contains(missing, error.Message);

        var empty = Path.Combine(_dir.FullName, "empty.yaml");
        File.WriteAllText(empty, "");
        error = Assert.Throws<KubeConfigException>(() => KubeconfigReader.FromFile(empty));
        Assert.Equal($"kubeconfig {empty} is empty", error.Message);
    }

    [Fact]
    public void The_standard_order_names_one_file_or_leaves_the_choice_to_the_library()
    {
        var home = Path.Combine(_dir.FullName, "config");
        var sep = Path.PathSeparator;

        Assert.Equal("/set/in/options", KubeconfigReader.FileToRead("/set/in/options", "/from/env", home));
        Assert.Equal("/from/env", KubeconfigReader.FileToRead(null, "/from/env", home));
        Assert.Equal("/quoted", KubeconfigReader.FileToRead("", "\"/quoted\"", home));
        Assert.Equal("/from/env", KubeconfigReader.FileToRead(null, $"/from/env{sep}", home));
        Assert.Null(KubeconfigReader.FileToRead(null, $"/a{sep}/b", home)); // merged by the library

        Assert.Null(KubeconfigReader.FileToRead(null, null, home)); // in-cluster
        File.WriteAllText(home, "");
        Assert.Equal(home, KubeconfigReader.FileToRead(null, null, home));
        Assert.Equal(home, KubeconfigReader.FileToRead(null, "", home));
    }

    private static readonly X509Certificate2 Ca = SelfSigned("CN=eventer test CA");
    private static readonly string ClientPem = SelfSigned("CN=bob").ExportCertificatePem();
    private static readonly string ClientKeyPem = ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportECPrivateKeyPem();

    private static X509Certificate2 SelfSigned(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.ASCII.GetBytes(text));

    /// <summary>A kubeconfig with four users, whose current context is <paramref name="current"/>; relative files beside it.</summary>
    private string WriteKubeconfig(string current)
    {
        File.WriteAllText(Path.Combine(_dir.FullName, "ca.crt"), Ca.ExportCertificatePem());

        // A credential plugin whose token is made of its environment and its argument: carol-from-exec.
        var plugin = Path.Combine(_dir.FullName, "credential-plugin.sh");
        File.WriteAllText(plugin, """
            #!/bin/sh
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s"}}' "$EXEC_TOKEN" "$1"
            """);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(plugin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var path = Path.Combine(_dir.FullName, $"{current}.kubeconfig");
        File.WriteAllText(path, $$$"""
            apiVersion: v1
            kind: Config
            preferences: {}
            current-context: {{{current}}}
            clusters:
            - name: one
              cluster:
                server: https://one.example:6443
                insecure-skip-tls-verify: true
            - name: two
              cluster:
                server: https://127.0.0.1:16443
                certificate-authority: ca.crt
                tls-server-name: api.two.example
                proxy-url: http://proxy.example:3128
            - name: three
              cluster:
                server: http://0.0.0.0:8080
                certificate-authority-data: {{{Base64(Ca.ExportCertificatePem())}}}
            contexts:
            - name: alice
              context: {cluster: one, user: alice}
            - name: bob
              context:
                cluster: two
                user: bob
                namespace: team-b
            - name: carol
              context: {cluster: two, user: carol, namespace: team-c}
            - name: dave
              context: {cluster: three, user: dave}
            users:
            - name: alice
              user:
                token: alice-token
                client-certificate: certs/alice.crt
                client-key: certs/alice.key
            - name: bob
              user:
                client-certificate-data: {{{Base64(ClientPem)}}}
                client-key-data: {{{Base64(ClientKeyPem)}}}
            - name: carol
              user:
                exec:
                  apiVersion: client.authentication.k8s.io/v1
                  command: {{{plugin}}}
                  args: [exec]
                  env:
                  - name: EXEC_TOKEN
                    value: carol-from
                  interactiveMode: Never
                  provideClusterInfo: false
            - name: dave
              user:
                username: dave
                password: dave-secret
            """);
        return path;
    }
}
