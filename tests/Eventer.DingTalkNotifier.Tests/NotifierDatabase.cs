using Eventer.DingTalkNotifier;
using Eventer.Notifications.Persistence;
using Eventer.ServiceDefaults;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>The notifier's schema in a test database, migrated as the service migrates it.</summary>
public static class NotifierDatabase
{
    public static async Task MigrateAsync(string connectionString)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await new ScriptMigrator(source, DeliverySchema.For(NotifierHost.Sink), NullLogger<ScriptMigrator>.Instance).StartAsync(CancellationToken.None);
    }
}
