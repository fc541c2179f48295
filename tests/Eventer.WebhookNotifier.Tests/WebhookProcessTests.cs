using Eventer.Testing;
using Eventer.Testing.Fixtures;
using Eventer.Testing.Webhooks;
using Npgsql;

namespace Eventer.WebhookNotifier.Tests;

/// <summary>The webhook notifier as its own process, as it is deployed.</summary>
[Trait("Category", "Integration")]
public sealed class WebhookProcessTests
{
    [Fact]
    public async Task The_notifier_process_migrates_its_schema_and_runs_without_loading_EF_Core()
    {
        await using var receiver = await FakeWebhookReceiver.StartAsync();
        var postgres = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("webhook");
        var settings = WebhookTestHost.OneTarget("Json", receiver.RegisterEndpoint("ops"));
        settings["ConnectionStrings:rabbitmq"] = await (await RabbitMqServer.GetAsync()).CreateVirtualHostAsync("webhook");
        settings["ConnectionStrings:postgres"] = postgres;

        await using var notifier = ServiceProcess.Start("Eventer.WebhookNotifier", settings);
        await notifier.WaitUntilReadyAsync(); // readiness includes the database check

        await using (var source = NpgsqlDataSource.Create(postgres))
        await using (var command = source.CreateCommand("SELECT count(*) FROM webhook.alerts"))
        {
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }

        Assert.Contains(notifier.MappedAssemblies("Npgsql"), path => path.EndsWith("/Npgsql.dll", StringComparison.Ordinal)); // the maps are read
        Assert.Empty(notifier.MappedAssemblies("EntityFrameworkCore"));
    }
}
