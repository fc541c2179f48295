using Eventer.ServiceDefaults;
using Eventer.Testing;
using Eventer.Testing.Fixtures;

namespace Eventer.Archive.Tests;

[Trait("Category", "Integration")]
public sealed class ArchiveStartupTests
{
    [Theory]
    [InlineData("this is not a connection string", "ConnectionStrings:postgres: is not a valid Npgsql connection string")]
    [InlineData("", "ConnectionStrings:postgres: is required")]
    [InlineData("Host=127.0.0.1;Port=1;Database=x;Username=u;Password=hunter2;Timeout=3", "ConnectionStrings:postgres: migrating the database failed")]
    public async Task A_bad_database_setting_stops_the_archive_with_one_line(string connectionString, string expected)
    {
        var rabbitMq = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("archive");
        var error = new StringWriter();

        var exitCode = await EventerHost.RunAsync(ArchiveHost.ServiceName, () => ArchiveHost.Build([], b => b.UseTestSettings(new Dictionary<string, string?>
        {
            ["ConnectionStrings:rabbitmq"] = rabbitMq,
            ["ConnectionStrings:postgres"] = connectionString,
        })), error);

        var line = Assert.Single(error.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(EventerHost.ConfigurationErrorExitCode, exitCode);
        Assert.StartsWith($"archive: cannot start: {expected}", line);
        Assert.DoesNotContain("hunter2", line);
    }
}
