using Eventer.DingTalkNotifier;
using Eventer.Notifications.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>The notifier's schema in a test database, migrated as the service migrates it.</summary>
public static class NotifierDatabase
{
    public static async Task MigrateAsync(string connectionString)
    {
        var options = new DbContextOptionsBuilder<DeliveryDbContext>()
            .UseNpgsql(connectionString, npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", NotifierHost.Sink.Schema));
        DeliveryDbContext.UseSchemas(options);
        await using var context = new DeliveryDbContext(options.Options, NotifierHost.Sink);
        await context.Database.MigrateAsync();
    }
}
