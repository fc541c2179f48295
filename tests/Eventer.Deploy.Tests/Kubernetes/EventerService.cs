using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Eventer.Archive;
using Eventer.Collector;
using Eventer.DingTalkNotifier;
using Eventer.EsIndexer;
using Eventer.WebhookNotifier;

namespace Eventer.Deploy.Tests.Kubernetes;

/// <summary>An eventer service as the manifests run it: image <c>eventer/&lt;name&gt;</c>, its assembly and its real host builder.</summary>
public sealed record EventerService(string Name, Assembly Assembly, Func<string[], Action<WebApplicationBuilder>?, WebApplication> Build)
{
    public static readonly IReadOnlyList<EventerService> All =
    [
        new(CollectorHost.ServiceName, typeof(CollectorHost).Assembly, CollectorHost.Build),
        new(ArchiveHost.ServiceName, typeof(ArchiveHost).Assembly, ArchiveHost.Build),
        new(EsIndexerHost.ServiceName, typeof(EsIndexerHost).Assembly, EsIndexerHost.Build),
        new(NotifierHost.ServiceName, typeof(NotifierHost).Assembly, NotifierHost.Build),
        new(WebhookHost.ServiceName, typeof(WebhookHost).Assembly, WebhookHost.Build),
    ];

    public string Image => "eventer/" + Name;

    /// <summary>The service's project folder, whose appsettings.json the image carries.</summary>
    public string ProjectDirectory => RepositoryRoot.Combine("services", Assembly.GetName().Name!);

    /// <summary>The service an image (with or without tag) runs, or null for someone else's image.</summary>
    public static EventerService? ForImage(string? image) =>
        All.SingleOrDefault(s => image == s.Image || image?.StartsWith(s.Image + ":", StringComparison.Ordinal) == true || image?.StartsWith(s.Image + "@", StringComparison.Ordinal) == true);

    public static EventerService Named(string name) => All.Single(s => s.Name == name);

    public override string ToString() => Name;
}
