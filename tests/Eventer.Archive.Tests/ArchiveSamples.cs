using Eventer.Contracts;
using Eventer.Testing;

namespace Eventer.Archive.Tests;

/// <summary>The seed Event of shared/samples as the collector publishes it.</summary>
internal static class ArchiveSamples
{
    public static KubeEventObserved Seed(string? uid = null) => ObservedSamples.Seed(uid);
}
