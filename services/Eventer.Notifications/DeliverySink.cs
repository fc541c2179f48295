namespace Eventer.Notifications;

/// <summary>Who the core delivers for: the names that make one notifier's tables, telemetry and lease its own.</summary>
/// <param name="Schema">Its PostgreSQL schema (pending alerts, inbox, lease), e.g. <c>dingtalk</c>.</param>
/// <param name="TelemetryName">Its meter and activity source, e.g. <c>Eventer.DingTalkNotifier</c>.</param>
/// <param name="Prefix">Its metrics' and spans' prefix, e.g. <c>dingtalk</c> (<c>eventer.dingtalk.messages.sent</c>, <c>dingtalk send</c>).</param>
public sealed record DeliverySink(string Schema, string TelemetryName, string Prefix);
