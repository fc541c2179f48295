using Eventer.EsIndexer;
using Eventer.ServiceDefaults;

return await EventerHost.RunAsync(EsIndexerHost.ServiceName, () => EsIndexerHost.Build(args));
