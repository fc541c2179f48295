using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Eventer.Collector.Publishing;

/// <summary>
/// MassTransit's JSON message envelope (<c>application/vnd.masstransit+json</c>), written around a
/// stored payload without parsing it again, so the consumers (MassTransit 8.5) read the message as
/// if MassTransit had published it: message id, conversation, addresses, message type, the trace
/// parent in <c>MT-Activity-Id</c>, and the sending host.
/// </summary>
public sealed class MassTransitEnvelope(Uri sourceAddress, Uri destinationAddress)
{
    public const string ContentType = "application/vnd.masstransit+json";

    /// <summary>The header MassTransit carries the W3C trace parent in.</summary>
    public const string ActivityIdHeader = "MT-Activity-Id";

    public const string MessageType = "urn:message:Eventer.Contracts:KubeEventObserved";

    private static readonly HostFields Host = HostFields.OfThisProcess();

    /// <summary>
    /// The envelope's UTF-8 bytes; <paramref name="payload"/> must be the message's JSON, in UTF-8.
    /// The bytes are the writer's own buffer, not a copy of it: every publish's body is garbage once
    /// confirmed, and the relay keeps hundreds of them in flight.
    /// </summary>
    public ReadOnlyMemory<byte> Write(Guid messageId, ReadOnlySpan<byte> payload, string? traceParent, DateTime sentTime)
    {
        var buffer = new ArrayBufferWriter<byte>(payload.Length + 1024);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("messageId", messageId);
            json.WriteNull("requestId");
            json.WriteNull("correlationId");
            json.WriteString("conversationId", messageId);
            json.WriteNull("initiatorId");
            json.WriteString("sourceAddress", sourceAddress.AbsoluteUri);
            json.WriteString("destinationAddress", destinationAddress.AbsoluteUri);
            json.WriteNull("responseAddress");
            json.WriteNull("faultAddress");
            json.WriteStartArray("messageType");
            json.WriteStringValue(MessageType);
            json.WriteEndArray();
            json.WritePropertyName("message");
            json.WriteRawValue(payload, skipInputValidation: true);
            json.WriteNull("expirationTime");
            json.WriteString("sentTime", sentTime);
            json.WriteStartObject("headers");
            if (traceParent is not null)
            {
                json.WriteString(ActivityIdHeader, traceParent);
            }

            json.WriteEndObject();
            json.WriteStartObject("host");
            json.WriteString("machineName", Host.MachineName);
            json.WriteString("processName", Host.ProcessName);
            json.WriteNumber("processId", Host.ProcessId);
            json.WriteString("assembly", Host.Assembly);
            json.WriteString("assemblyVersion", Host.AssemblyVersion);
            json.WriteString("frameworkVersion", Host.FrameworkVersion);
            json.WriteString("operatingSystemVersion", Host.OperatingSystemVersion);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenMemory;
    }

    private sealed record HostFields(string MachineName, string ProcessName, int ProcessId, string Assembly, string AssemblyVersion,
        string FrameworkVersion, string OperatingSystemVersion)
    {
        public static HostFields OfThisProcess()
        {
            var assembly = typeof(MassTransitEnvelope).Assembly.GetName();
            return new HostFields(Environment.MachineName, Process.GetCurrentProcess().ProcessName, Environment.ProcessId,
                assembly.Name ?? "Eventer.Collector", assembly.Version?.ToString() ?? "", Environment.Version.ToString(),
                RuntimeInformation.OSDescription);
        }
    }
}
