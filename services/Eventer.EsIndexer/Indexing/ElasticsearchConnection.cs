using Eventer.ServiceDefaults;

namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// The parts of <c>ConnectionStrings:elasticsearch</c>: one URL or several comma-separated nodes,
/// with optional <c>user:password@</c>. The node addresses keep no credentials, so no URL the
/// transport logs, traces or puts in an exception can carry them.
/// </summary>
public sealed record ElasticsearchConnection(IReadOnlyList<Uri> Nodes, string? Username, string? Password)
{
    public const string Key = "ConnectionStrings:elasticsearch";

    /// <summary>Parses the value; a missing or malformed one stops the service with a message that names the key, never the value.</summary>
    public static ElasticsearchConnection Parse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new EventerConfigurationException(Key, "is required, e.g. http://elastic:…@elasticsearch:9200 or https://es1:9200,https://es2:9200");
        }

        var nodes = new List<Uri>();
        string? username = null, password = null;
        foreach (var part in connectionString.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            {
                throw new EventerConfigurationException(Key, $"node {nodes.Count + 1} is not an http:// or https:// URL such as https://elasticsearch:9200");
            }

            if (uri.UserInfo.Length > 0)
            {
                var (user, secret) = SplitUserInfo(uri.UserInfo);
                if (username is not null && (user, secret) != (username, password))
                {
                    throw new EventerConfigurationException(Key, "names different credentials on different nodes; one cluster has one set");
                }

                (username, password) = (user, secret);
            }

            nodes.Add(new UriBuilder(uri) { UserName = "", Password = "" }.Uri);
        }

        if (nodes.Count == 0)
        {
            throw new EventerConfigurationException(Key, "names no node");
        }

        if (nodes.Select(n => n.Scheme).Distinct().Count() > 1)
        {
            throw new EventerConfigurationException(Key, "mixes http and https nodes");
        }

        return new ElasticsearchConnection(nodes, username, password);
    }

    private static (string User, string? Password) SplitUserInfo(string userInfo)
    {
        var parts = userInfo.Split(':', 2);
        return (Uri.UnescapeDataString(parts[0]), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null);
    }

    /// <summary>Never print the password.</summary>
    public override string ToString() => string.Join(",", Nodes);
}
