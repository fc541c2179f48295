using Eventer.Collector;
using Eventer.ServiceDefaults;

return await EventerHost.RunAsync(CollectorHost.ServiceName, () => CollectorHost.Build(args));
