using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Eventer.Collector.Leadership;

/// <summary>
/// A <c>coordination.k8s.io/v1</c> Lease as an <see cref="ILeaderLock"/>. An update replaces the
/// Lease last read or written, naming its resourceVersion, so the API server refuses it (409) when
/// another candidate wrote in between.
/// </summary>
public sealed class LeaseLock(IKubernetes client, string @namespace, string name, string identity) : ILeaderLock
{
    private V1Lease? _last;

    public string Identity => identity;

    public async Task<LeaderRecord?> GetAsync(CancellationToken cancellationToken)
    {
        try
        {
            _last = await client.CoordinationV1.ReadNamespacedLeaseAsync(name, @namespace, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.NotFound)
        {
            _last = null;
            return null;
        }

        var spec = _last.Spec;
        return new LeaderRecord(spec?.HolderIdentity ?? "", spec?.LeaseDurationSeconds ?? 0, spec?.AcquireTime, spec?.RenewTime, spec?.LeaseTransitions ?? 0);
    }

    public async Task<bool> CreateAsync(LeaderRecord record, CancellationToken cancellationToken)
    {
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace }, Spec = Spec(record) };
        try
        {
            _last = await client.CoordinationV1.CreateNamespacedLeaseAsync(lease, @namespace, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public async Task<bool> UpdateAsync(LeaderRecord record, CancellationToken cancellationToken)
    {
        var last = _last ?? throw new InvalidOperationException($"Lease {Describe()} must be read or created before it is updated.");
        var lease = new V1Lease { Metadata = last.Metadata, Spec = Spec(record) };
        try
        {
            _last = await client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, name, @namespace, cancellationToken: cancellationToken);
            return true;
        }
        catch (HttpOperationException ex) when (ex.Response?.StatusCode == HttpStatusCode.Conflict)
        {
            return false;
        }
    }

    public string Describe() => $"{@namespace}/{name}";

    private static V1LeaseSpec Spec(LeaderRecord record) => new()
    {
        HolderIdentity = record.HolderIdentity,
        LeaseDurationSeconds = record.LeaseDurationSeconds,
        AcquireTime = record.AcquireTime,
        RenewTime = record.RenewTime,
        LeaseTransitions = record.LeaderTransitions,
    };
}
