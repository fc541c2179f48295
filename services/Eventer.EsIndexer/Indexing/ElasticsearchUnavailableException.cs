namespace Eventer.EsIndexer.Indexing;

/// <summary>
/// Elasticsearch cannot take the batch now: unreachable, overloaded, or refusing whole requests
/// (401/403 included). The batch stays unacknowledged in RabbitMQ and is tried again; nothing
/// goes to <c>es-indexer_error</c> for it. The message says why, without addresses' credentials.
/// </summary>
public sealed class ElasticsearchUnavailableException(string reason) : Exception(reason);
