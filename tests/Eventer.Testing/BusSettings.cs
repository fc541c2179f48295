namespace Eventer.Testing;

/// <summary>How a fault test sets up the bus of the service it runs.</summary>
public enum BusSettings
{
    /// <summary>As shipped: no <c>Bus:*</c> setting at all (kill switch on, default retries and thresholds).</summary>
    Default,

    /// <summary>The kill switch out of reach, so a test shows the consumer's own answer to a fault.</summary>
    KillSwitchOutOfReach,
}

/// <summary>Settings for each <see cref="BusSettings"/>.</summary>
public static class BusSettingsExtensions
{
    /// <summary>
    /// Sets the <c>Bus:*</c> keys of <paramref name="bus"/> in <paramref name="settings"/>; a null
    /// value asks the test host to drop a key it would otherwise set for speed.
    /// </summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, BusSettings bus)
    {
        ArgumentNullException.ThrowIfNull(settings);
        switch (bus)
        {
            case BusSettings.Default:
                settings["Bus:RetryLimit"] = null;
                settings["Bus:RetryInterval"] = null;
                settings["Bus:KillSwitchActivationThreshold"] = null;
                break;
            case BusSettings.KillSwitchOutOfReach:
                settings["Bus:KillSwitchActivationThreshold"] = "100000";
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(bus), bus, null);
        }

        return settings;
    }
}
