using Eventer.Archive;
using Eventer.ServiceDefaults;

return await EventerHost.RunAsync(ArchiveHost.ServiceName, () => ArchiveHost.Build(args));
