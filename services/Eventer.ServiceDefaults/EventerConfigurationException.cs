namespace Eventer.ServiceDefaults;

/// <summary>
/// A setting that cannot work, found while the service is being built. The message names the
/// key and what is wrong, and never contains the value (it may be a secret).
/// </summary>
public sealed class EventerConfigurationException(string key, string problem)
    : Exception($"{key}: {problem}")
{
    /// <summary>The configuration key, e.g. <c>ConnectionStrings:rabbitmq</c>.</summary>
    public string Key { get; } = key;
}
