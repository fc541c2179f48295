using Eventer.DingTalkNotifier;
using Eventer.Notifications.Persistence;
using Microsoft.EntityFrameworkCore;

namespace Eventer.DingTalkNotifier.Tests;

/// <summary>The notifier's schema in a test database, migrated as the service migrates it.</summary>
public static class NotifierDatabase
{
    public static async Task MigrateAsync(string connectionString)
    {
        await using var context = DeliveryDbContext.Create(connectionString, NotifierHost.Sink);
        await context.Database.MigrateAsync();
    }
}
