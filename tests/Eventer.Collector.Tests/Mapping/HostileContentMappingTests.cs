using System.Text;
using Eventer.Collector.Mapping;
using Eventer.Contracts;
using k8s;
using k8s.Models;

namespace Eventer.Collector.Tests.Mapping;

/// <summary>What an Event may carry but PostgreSQL or UTF-8 cannot: the mapper cleans every string.</summary>
[Trait("Category", "Unit")]
public sealed class HostileContentMappingTests
{
    // NUL, a lone high and a lone low surrogate, and a valid pair that must survive.
    private const string Hostile = "a\0b\uD800c\uDC00d\uD83D\uDE00";
    private const string Cleaned = "a\uFFFDb\uFFFDc\uFFFDd\uD83D\uDE00";

    private readonly KubeEventMapper _mapper = new("prod", TimeProvider.System);

    [Fact]
    public void Core_v1_every_string_is_cleaned()
    {
        var m = _mapper.FromCoreV1(new Corev1Event
        {
            Metadata = Metadata(),
            InvolvedObject = Reference(),
            Related = Reference(),
            Type = Hostile,
            Reason = Hostile,
            Message = Hostile,
            Action = Hostile,
            Source = new V1EventSource { Component = Hostile, Host = Hostile },
            ReportingComponent = Hostile,
            ReportingInstance = Hostile,
        });

        AssertCleaned(m);
    }

    [Fact]
    public void Events_v1_every_string_is_cleaned()
    {
        var m = _mapper.FromEventsV1(new Eventsv1Event
        {
            Metadata = Metadata(),
            Regarding = Reference(),
            Related = Reference(),
            Type = Hostile,
            Reason = Hostile,
            Note = Hostile,
            Action = Hostile,
            DeprecatedSource = new V1EventSource { Component = Hostile, Host = Hostile },
            ReportingController = Hostile,
            ReportingInstance = Hostile,
            EventTime = DateTime.UtcNow,
        });

        AssertCleaned(m);
    }

    [Fact]
    public void A_nul_as_the_api_server_sends_it_is_cleaned_in_both_apis()
    {
        // \u0000 is valid JSON; the client reads it into the string as is.
        var core = KubernetesJson.Deserialize<Corev1Event>("""{"metadata":{"uid":"u1","labels":{"k\u0000":"v\u0000"}},"message":"disk\u0000full"}""");
        var events = KubernetesJson.Deserialize<Eventsv1Event>("""{"metadata":{"uid":"u2"},"note":"disk\u0000full","eventTime":"2026-11-27T09:00:00.000000Z"}""");

        var fromCore = _mapper.FromCoreV1(core);
        var fromEvents = _mapper.FromEventsV1(events);

        Assert.Equal("disk\uFFFDfull", fromCore.Message);
        Assert.Equal("v\uFFFD", fromCore.Labels["k\uFFFD"]);
        Assert.Equal("disk\uFFFDfull", fromEvents.Message);
    }

    [Fact]
    public void A_megabyte_message_is_capped_in_both_apis()
    {
        var huge = new string('x', 1024 * 1024);

        var fromCore = _mapper.FromCoreV1(new Corev1Event { Metadata = new V1ObjectMeta { Uid = "u1" }, Message = huge });
        var fromEvents = _mapper.FromEventsV1(new Eventsv1Event { Metadata = new V1ObjectMeta { Uid = "u2" }, Note = huge });

        foreach (var message in new[] { fromCore.Message, fromEvents.Message })
        {
            Assert.InRange(Encoding.UTF8.GetByteCount(message), 60 * 1024, StorableText.MaxMessageBytes);
            Assert.Matches(@"…\[eventer cut \d+ of 1048576 bytes\]$", message);
        }
    }

    [Fact]
    public void Ten_thousand_labels_are_all_carried()
    {
        var labels = Enumerable.Range(0, 10_000).ToDictionary(i => $"label-{i}", i => $"value-{i}");

        var m = _mapper.FromCoreV1(new Corev1Event { Metadata = new V1ObjectMeta { Uid = "u1", Labels = labels } });

        Assert.Equal(10_000, m.Labels.Count);
        Assert.Equal("value-9999", m.Labels["label-9999"]);
    }

    private static V1ObjectMeta Metadata() => new()
    {
        Uid = Hostile,
        Name = Hostile,
        NamespaceProperty = Hostile,
        ResourceVersion = Hostile,
        Labels = new Dictionary<string, string> { [Hostile] = Hostile },
        Annotations = new Dictionary<string, string> { [Hostile] = Hostile },
    };

    private static V1ObjectReference Reference() => new()
    {
        Kind = Hostile,
        NamespaceProperty = Hostile,
        Name = Hostile,
        Uid = Hostile,
        ApiVersion = Hostile,
        FieldPath = Hostile,
        ResourceVersion = Hostile,
    };

    private static void AssertCleaned(KubeEventObserved m)
    {
        Assert.Equal("prod", m.Cluster);
        var fields = new Dictionary<string, string>
        {
            [nameof(m.EventUid)] = m.EventUid,
            [nameof(m.EventName)] = m.EventName,
            [nameof(m.EventNamespace)] = m.EventNamespace,
            [nameof(m.EventResourceVersion)] = m.EventResourceVersion,
            [nameof(m.Type)] = m.Type,
            [nameof(m.Reason)] = m.Reason,
            [nameof(m.Message)] = m.Message,
            [nameof(m.Action)] = m.Action,
            [nameof(m.SourceComponent)] = m.SourceComponent,
            [nameof(m.SourceHost)] = m.SourceHost,
            [nameof(m.ReportingController)] = m.ReportingController,
            [nameof(m.ReportingInstance)] = m.ReportingInstance,
            ["Label key"] = m.Labels.Keys.Single(),
            ["Label value"] = m.Labels.Values.Single(),
            ["Annotation key"] = m.Annotations.Keys.Single(),
            ["Annotation value"] = m.Annotations.Values.Single(),
        };
        foreach (var (where, reference) in new[] { ("InvolvedObject", m.InvolvedObject), ("Related", m.Related!) })
        {
            foreach (var (name, value) in new[]
            {
                (nameof(reference.Kind), reference.Kind), (nameof(reference.Namespace), reference.Namespace), (nameof(reference.Name), reference.Name),
                (nameof(reference.Uid), reference.Uid), (nameof(reference.ApiVersion), reference.ApiVersion),
                (nameof(reference.FieldPath), reference.FieldPath), (nameof(reference.ResourceVersion), reference.ResourceVersion),
            })
            {
                fields[$"{where}.{name}"] = value;
            }
        }

        Assert.All(fields, f => Assert.True(f.Value == Cleaned, $"{f.Key} is {Escape(f.Value)}"));

        // Nothing left that strict UTF-8 cannot encode, and the occurrence key is storable too.
        new UTF8Encoding(false, throwOnInvalidBytes: true).GetBytes(OccurrenceKey.For(m));
    }

    private static string Escape(string text) => string.Concat(text.Select(c => c < 0x20 || c > 0x7E ? $"\\u{(int)c:X4}" : c.ToString()));
}
