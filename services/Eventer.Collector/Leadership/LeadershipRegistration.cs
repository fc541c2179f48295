using Eventer.ServiceDefaults;
using k8s;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Leadership;

/// <summary>Registers the collector's leader election.</summary>
public static class LeadershipRegistration
{
    /// <summary>
    /// Binds and validates <see cref="LeadershipOptions"/> (section <c>Collector:Leadership</c>)
    /// and adds one <see cref="LeaderGate"/>, both as a singleton for leader-only work to share and
    /// as the hosted service that campaigns. Call it before adding the hosted services that use
    /// the gate: the host stops them first, so the lease is released only after their work ended.
    /// Mode <c>lease</c> needs an <see cref="IKubernetes"/> in the container.
    /// </summary>
    public static IServiceCollection AddLeaderGate(this IServiceCollection services)
    {
        services.AddValidatedOptions(LeadershipOptions.Section, new LeadershipOptionsValidator(), (config, o) => config.Bind(o));
        services.AddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<LeadershipOptions>>().Value;
            return new LeaderGate(
                options,
                LeaderLocks.Create(options, sp.GetRequiredService<IKubernetes>),
                sp.GetRequiredService<ILogger<LeaderGate>>());
        });
        services.AddHostedService(sp => sp.GetRequiredService<LeaderGate>());
        return services;
    }
}
