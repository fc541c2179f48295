using Eventer.ServiceDefaults;
using Eventer.WebhookNotifier;

return await EventerHost.RunAsync(WebhookHost.ServiceName, () => WebhookHost.Build(args));
