using System.ComponentModel.DataAnnotations;
using Eventer.Collector.Leadership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Eventer.Collector.Tests.Leadership;

[Trait("Category", "Unit")]
public sealed class LeadershipOptionsTests
{
    public static TheoryData<string, string> BadSettings => new()
    {
        { nameof(LeadershipOptions.Mode), "7" },
        { nameof(LeadershipOptions.LeaseName), "Eventer_Collector" },
        { nameof(LeadershipOptions.LeaseName), "" },
        { nameof(LeadershipOptions.LeaseNamespace), "-eventer" },
        { nameof(LeadershipOptions.Identity), "" },
        { nameof(LeadershipOptions.LeaseDuration), "00:00:00" },
        { nameof(LeadershipOptions.LeaseDuration), "00:00:20.500" },
        { nameof(LeadershipOptions.RenewDeadline), "00:00:14" },
        { nameof(LeadershipOptions.RenewDeadline), "00:00:20" },
        { nameof(LeadershipOptions.RetryPeriod), "00:00:10" },
        { nameof(LeadershipOptions.RetryPeriod), "00:00:00.010" },
    };

    [Fact]
    public void Defaults_are_valid_and_each_instance_has_its_own_identity()
    {
        var options = new LeadershipOptions();

        Assert.Empty(Validate(options));
        Assert.Equal(LeadershipMode.None, options.Mode);
        Assert.Equal("eventer-collector", options.LeaseName);
        Assert.Equal((TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(2)),
            (options.LeaseDuration, options.RenewDeadline, options.RetryPeriod));
        Assert.NotEqual(options.Identity, new LeadershipOptions().Identity);
        if (!File.Exists(LeadershipOptions.ServiceAccountNamespaceFile))
        {
            Assert.Equal("default", options.LeaseNamespace);
        }
    }

    [Fact]
    public void The_fast_test_timings_are_valid()
    {
        Assert.Empty(Validate(Candidates.Options(Candidates.NewLeaseName())));
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_fails_validation_naming_its_key(string key, string value)
    {
        var options = new LeadershipOptions();
        Set(options, key, value);

        var results = Validate(options);

        Assert.Contains(results, r => r.MemberNames.Contains(key));
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void A_bad_setting_stops_the_host_with_the_full_key(string key, string value)
    {
        var ex = Assert.Throws<OptionsValidationException>(() => Bind(new() { [$"{LeadershipOptions.Section}:{key}"] = value }));

        Assert.Contains($"Collector:Leadership:{key}: ", ex.Message);
    }

    [Fact]
    public void Only_none_and_lease_are_modes()
    {
        Assert.Equal([LeadershipMode.None, LeadershipMode.Lease], Enum.GetValues<LeadershipMode>());
        // The binder refuses a name that is no mode, naming the key (the host prints it as one line).
        var ex = Assert.Throws<InvalidOperationException>(() => Bind(new() { ["Collector:Leadership:Mode"] = "memory" }));
        Assert.Contains("'memory' at 'Collector:Leadership:Mode'", ex.Message);
        // A number binds, and validation refuses it: 2 was the test-only mode "memory".
        var results = Validate(new LeadershipOptions { Mode = (LeadershipMode)2 });
        Assert.Equal("must be 'none' or 'lease'", Assert.Single(results).ErrorMessage);
    }

    [Fact]
    public void The_mode_binds_from_its_lower_case_name()
    {
        var options = Bind(new()
        {
            ["Collector:Leadership:Mode"] = "lease",
            ["Collector:Leadership:LeaseNamespace"] = "eventer",
            ["Collector:Leadership:Identity"] = "collector-0",
        });

        Assert.Equal(LeadershipMode.Lease, options.Mode);
        Assert.Equal(("eventer", "collector-0"), (options.LeaseNamespace, options.Identity));
    }

    private static LeadershipOptions Bind(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddLeaderGate();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<LeadershipOptions>>().Value;
    }

    private static void Set(LeadershipOptions options, string key, string value)
    {
        switch (key)
        {
            case nameof(LeadershipOptions.Mode):
                options.Mode = (LeadershipMode)int.Parse(value);
                break;
            case nameof(LeadershipOptions.LeaseName):
                options.LeaseName = value;
                break;
            case nameof(LeadershipOptions.LeaseNamespace):
                options.LeaseNamespace = value;
                break;
            case nameof(LeadershipOptions.Identity):
                options.Identity = value;
                break;
            case nameof(LeadershipOptions.LeaseDuration):
                options.LeaseDuration = TimeSpan.Parse(value);
                break;
            case nameof(LeadershipOptions.RenewDeadline):
                options.RenewDeadline = TimeSpan.Parse(value);
                break;
            case nameof(LeadershipOptions.RetryPeriod):
                options.RetryPeriod = TimeSpan.Parse(value);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(key), key, null);
        }
    }

    private static List<ValidationResult> Validate(LeadershipOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results;
    }
}
