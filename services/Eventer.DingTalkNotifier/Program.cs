using Eventer.DingTalkNotifier;
using Eventer.ServiceDefaults;

return await EventerHost.RunAsync(NotifierHost.ServiceName, () => NotifierHost.Build(args));
