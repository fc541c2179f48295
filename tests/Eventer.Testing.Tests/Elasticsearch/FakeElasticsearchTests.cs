using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Eventer.Testing.Elasticsearch;
using static Eventer.Testing.Tests.Elasticsearch.EsClient;

namespace Eventer.Testing.Tests.Elasticsearch;

/// <summary>The fake against a plain HttpClient: each emulated server's wire rules and the injected faults.</summary>
[Trait("Category", "Unit")]
public sealed class FakeElasticsearchTests : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _fakes = [];
    private readonly List<EsClient> _clients = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _clients.ForEach(c => c.Dispose());
        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }
    }

    // ---- 1. Content-Type and X-Elastic-Product ----

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7, "Elasticsearch")]
    [InlineData(SearchEngine.Elasticsearch8, "Elasticsearch")]
    [InlineData(SearchEngine.Elasticsearch9, "Elasticsearch")]
    [InlineData(SearchEngine.OpenSearch2, null)]
    public async Task Every_answer_is_json_utf8_and_only_elasticsearch_names_its_product(SearchEngine engine, string? product)
    {
        var (_, client) = await StartAsync(engine);

        var answers = new[]
        {
            await client.GetAsync("/"),
            await client.GetAsync("/_index_template/missing"),
            await client.BulkAsync(Ndjson(Create("logs-a", "1"), new JsonObject { ["n"] = 1 })),
            await client.SendAsync(HttpMethod.Put, "/_no_such_api/x", "{}"),
        };

        Assert.Equal([200, 404, 200, 400], answers.Select(a => a.Status));
        Assert.All(answers, a => Assert.Equal("application/json; charset=UTF-8", a.ContentType));
        Assert.All(answers, a => Assert.Equal(product, a.ElasticProduct));
    }

    [Fact]
    public async Task Elasticsearch_before_7_14_sends_no_product_header()
    {
        var (_, client) = await StartAsync(SearchEngine.Elasticsearch7, new FakeElasticsearchOptions { VersionNumber = "7.13.4" });

        Assert.Null((await client.GetAsync("/")).ElasticProduct);
    }

    // ---- 2. GET / ----

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7, "7.17.25", "8.11.3", "6.8.0")]
    [InlineData(SearchEngine.Elasticsearch8, "8.15.3", "9.11.1", "7.17.0")]
    [InlineData(SearchEngine.Elasticsearch9, "9.1.0", "10.2.2", "8.18.0")]
    public async Task Root_describes_elasticsearch_as_elasticsearch_does(SearchEngine engine, string number, string lucene, string wire)
    {
        var (fake, client) = await StartAsync(engine);

        var root = (await client.GetAsync("/")).Json;

        Assert.Equal(number, fake.VersionNumber);
        Assert.Equal(number, (string?)root["version"]!["number"]);
        Assert.Equal("default", (string?)root["version"]!["build_flavor"]);
        Assert.Null(root["version"]!["distribution"]);
        Assert.Equal(lucene, (string?)root["version"]!["lucene_version"]);
        Assert.Equal(wire, (string?)root["version"]!["minimum_wire_compatibility_version"]);
        Assert.Equal("You Know, for Search", (string?)root["tagline"]);
        Assert.All(new[] { "name", "cluster_name", "cluster_uuid" }, key => Assert.False(string.IsNullOrEmpty((string?)root[key])));
    }

    [Fact]
    public async Task Root_describes_opensearch_with_its_distribution_and_tagline_and_compatibility_mode_hides_both_number_and_distribution()
    {
        var (_, plain) = await StartAsync(SearchEngine.OpenSearch2);
        var (_, compat) = await StartAsync(SearchEngine.OpenSearch2, new FakeElasticsearchOptions { OpenSearchCompatibilityMode = true });

        var root = (await plain.GetAsync("/")).Json;
        var compatRoot = (await compat.GetAsync("/")).Json;

        Assert.Equal(("opensearch", "2.17.1"), ((string?)root["version"]!["distribution"], (string?)root["version"]!["number"]));
        Assert.Null(root["version"]!["build_flavor"]);
        Assert.Equal("The OpenSearch Project: https://opensearch.org/", (string?)root["tagline"]);
        Assert.Equal("7.10.2", (string?)compatRoot["version"]!["number"]);
        Assert.Null(compatRoot["version"]!["distribution"]);
        Assert.Equal("The OpenSearch Project: https://opensearch.org/", (string?)compatRoot["tagline"]);
    }

    // ---- 3. REST API compatibility media types ----

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7, 7, 200, null)]
    [InlineData(SearchEngine.Elasticsearch7, 8, 400, "Accept version must be either version 7 or 7, but found 8. Accept=application/vnd.elasticsearch+json; compatible-with=8")]
    [InlineData(SearchEngine.Elasticsearch8, 7, 200, null)]
    [InlineData(SearchEngine.Elasticsearch8, 8, 200, null)]
    [InlineData(SearchEngine.Elasticsearch8, 9, 400, "Accept version must be either version 8 or 7, but found 9. Accept=application/vnd.elasticsearch+json; compatible-with=9")]
    [InlineData(SearchEngine.Elasticsearch9, 7, 400, "Accept version must be either version 9 or 8, but found 7. Accept=application/vnd.elasticsearch+json; compatible-with=7")]
    [InlineData(SearchEngine.Elasticsearch9, 8, 200, null)]
    [InlineData(SearchEngine.Elasticsearch9, 9, 200, null)]
    public async Task Elasticsearch_speaks_its_own_and_the_previous_compatible_with_only(SearchEngine engine, int version, int status, string? reason)
    {
        var (_, client) = await StartAsync(engine);

        var answer = await client.GetAsync("/", accept: $"application/vnd.elasticsearch+json; compatible-with={version}");

        Assert.Equal(status, answer.Status);
        if (reason is not null)
        {
            Assert.Equal("media_type_header_exception", answer.ErrorType);
            Assert.Equal("Invalid media-type value on headers [Accept, Content-Type]", (string?)answer.Json["error"]!["reason"]);
            Assert.Equal(reason, answer.ErrorReason);
        }
    }

    [Fact]
    public async Task A_body_needs_the_same_compatible_with_on_both_headers()
    {
        var (_, client) = await StartAsync(SearchEngine.Elasticsearch8);
        var body = Ndjson(Create("logs-a", "1"), new JsonObject { ["n"] = 1 });

        var mismatch = await client.SendAsync(HttpMethod.Post, "/_bulk", body,
            "application/vnd.elasticsearch+x-ndjson; compatible-with=7", accept: "application/vnd.elasticsearch+json; compatible-with=8");
        var oneSided = await client.SendAsync(HttpMethod.Post, "/_bulk", body,
            "application/x-ndjson", accept: "application/vnd.elasticsearch+json; compatible-with=8");
        var matching = await client.SendAsync(HttpMethod.Post, "/_bulk", body,
            "application/vnd.elasticsearch+x-ndjson; compatible-with=8", accept: "application/vnd.elasticsearch+json; compatible-with=8");

        Assert.Equal((400, "media_type_header_exception"), (mismatch.Status, mismatch.ErrorType));
        Assert.StartsWith("A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version and the compatible versions must match.", mismatch.ErrorReason);
        Assert.Equal(400, oneSided.Status);
        Assert.StartsWith("A compatible version is required on both Content-Type and Accept headers if either one has requested a compatible version. Accept=", oneSided.ErrorReason);
        Assert.Equal(200, matching.Status);
    }

    [Fact]
    public async Task OpenSearch_refuses_an_elasticsearch_vendor_content_type_and_ignores_such_an_accept()
    {
        var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);

        var body = await client.SendAsync(HttpMethod.Post, "/_bulk", Ndjson(Create("logs-a", "1"), new JsonObject { ["n"] = 1 }),
            "application/vnd.elasticsearch+x-ndjson; compatible-with=7");
        var root = await client.GetAsync("/", accept: "application/vnd.elasticsearch+json; compatible-with=7");

        Assert.Equal(406, body.Status);
        Assert.Equal("Content-Type header [application/vnd.elasticsearch+x-ndjson; compatible-with=7] is not supported", body.ErrorReason);
        Assert.Empty(fake.Documents);
        Assert.Equal(200, root.Status);
    }

    [Fact]
    public async Task A_body_without_a_content_type_or_with_one_elasticsearch_cannot_read_is_406()
    {
        var (_, client) = await StartAsync(SearchEngine.Elasticsearch8);

        var missing = await client.SendAsync(HttpMethod.Post, "/_bulk", "{}\n", contentType: null);
        var text = await client.SendAsync(HttpMethod.Post, "/_bulk", "{}\n", contentType: "text/plain");

        Assert.Equal((406, "Content-Type header is missing"), (missing.Status, missing.ErrorReason));
        Assert.Equal((406, "Content-Type header [text/plain] is not supported"), (text.Status, text.ErrorReason));
    }

    // ---- 4. gzip and http.max_content_length ----

    [Fact]
    public async Task A_gzipped_bulk_is_read_and_recorded_with_both_sizes()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        var body = Ndjson(Create("logs-a", "1"), new JsonObject { ["message"] = new string('x', 2000) });

        var answer = await client.BulkAsync(body, gzip: true);

        Assert.Equal(201, Assert.Single(answer.Items).Status());
        Assert.Equal(new string('x', 2000), (string?)Assert.Single(fake.Documents).Source["message"]);
        var record = Assert.Single(fake.BulkRequests);
        Assert.True(record.Gzipped);
        Assert.Equal(Encoding.UTF8.GetByteCount(body), record.Bytes);
        Assert.True(record.CompressedBytes < record.Bytes / 5, $"{record.CompressedBytes} compressed of {record.Bytes}");
        Assert.Equal((1, 200, "application/x-ndjson"), (record.Actions, record.Status, record.ContentType));
    }

    [Fact]
    public async Task The_size_limit_applies_to_the_decompressed_body()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8, new FakeElasticsearchOptions { MaxContentLength = 4000 });
        var big = Ndjson(Create("logs-a", "1"), new JsonObject { ["message"] = new string('x', 5000) });
        var small = Ndjson(Create("logs-a", "2"), new JsonObject { ["message"] = new string('x', 3000) });

        var refused = await client.BulkAsync(big, gzip: true);
        var accepted = await client.BulkAsync(small, gzip: true);

        Assert.Equal(413, refused.Status);
        Assert.Equal("", refused.Text); // Netty's aggregator answers before ES: no body, no ES headers
        Assert.Null(refused.ElasticProduct);
        Assert.True(fake.BulkRequests[0].CompressedBytes < 4000);
        Assert.Equal(200, accepted.Status);
        Assert.Equal(["2"], fake.Documents.Select(d => d.Id));
    }

    // ---- 5. Authentication ----

    [Fact]
    public async Task Elasticsearch_with_credentials_answers_401_security_exception_with_its_challenges()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8,
            new FakeElasticsearchOptions { Username = "indexer", Password = "s3cret", ApiKey = "a2V5OnZhbHVl" });
        var bulk = Ndjson(Create("logs-a", "1"), new JsonObject { ["n"] = 1 });

        var none = await client.BulkAsync(bulk);
        var wrong = await client.GetAsync("/", authorization: Basic("indexer", "nope"));
        var basic = await client.GetAsync("/", authorization: Basic("indexer", "s3cret"));
        var apiKey = await client.BulkAsync(bulk, authorization: "ApiKey a2V5OnZhbHVl");

        Assert.Equal((401, "security_exception"), (none.Status, none.ErrorType));
        Assert.Equal("missing authentication credentials for REST request [/_bulk]", none.ErrorReason);
        Assert.Contains(none.WwwAuthenticate, h => h.StartsWith("Basic realm=\"security\"", StringComparison.Ordinal));
        Assert.Contains("ApiKey", none.WwwAuthenticate);
        Assert.Equal("Elasticsearch", none.ElasticProduct);
        Assert.Equal((401, "unable to authenticate user [indexer] for REST request [/]"), (wrong.Status, wrong.ErrorReason));
        Assert.Equal(200, basic.Status);
        Assert.Equal(201, Assert.Single(apiKey.Items).Status());
        Assert.Equal([false, true], fake.BulkRequests.Select(r => r.Authenticated));
        Assert.DoesNotContain("s3cret", string.Join(",", fake.BulkRequests));
    }

    [Fact]
    public async Task OpenSearch_security_answers_a_plain_text_401_and_knows_no_api_keys()
    {
        var (_, client) = await StartAsync(SearchEngine.OpenSearch2,
            new FakeElasticsearchOptions { Username = "admin", Password = "admin", ApiKey = "a2V5OnZhbHVl" });

        var none = await client.GetAsync("/");
        var apiKey = await client.GetAsync("/", authorization: "ApiKey a2V5OnZhbHVl");
        var basic = await client.GetAsync("/", authorization: Basic("admin", "admin"));

        Assert.Equal((401, "Unauthorized", "text/plain; charset=UTF-8"), (none.Status, none.Text, none.ContentType));
        Assert.Equal(["Basic realm=\"OpenSearch Security\""], none.WwwAuthenticate);
        Assert.Equal(401, apiKey.Status);
        Assert.Equal(200, basic.Status);
    }

    // ---- 6. Index templates and mapping types ----

    [Fact]
    public async Task A_template_is_stored_as_received_and_read_back_in_the_real_shape()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        var template = Template("kube-events-*", new JsonObject { ["message"] = new JsonObject { ["type"] = "text" } }, dataStream: true);

        var put = await client.PutAsync("/_index_template/kube-events", template);
        var get = await client.GetAsync("/_index_template/kube-events");
        var missing = await client.GetAsync("/_index_template/other");
        var noPatterns = await client.PutAsync("/_index_template/bad", new JsonObject { ["priority"] = 1 });

        Assert.Equal((200, true), (put.Status, (bool?)put.Json["acknowledged"]));
        Assert.True(JsonNode.DeepEquals(template, fake.IndexTemplates["kube-events"]));
        var entry = Assert.Single(get.Json["index_templates"]!.AsArray())!;
        Assert.Equal("kube-events", (string?)entry["name"]);
        Assert.True(JsonNode.DeepEquals(template, entry["index_template"]));
        Assert.Equal((404, "resource_not_found_exception"), (missing.Status, missing.ErrorType));
        Assert.Equal((400, "action_request_validation_exception"), (noPatterns.Status, noPatterns.ErrorType));
        Assert.Single(fake.IndexTemplates);
    }

    [Theory]
    [InlineData(SearchEngine.Elasticsearch8, null, "flattened", 200)]
    [InlineData(SearchEngine.Elasticsearch8, null, "flat_object", 400)]
    [InlineData(SearchEngine.OpenSearch2, null, "flattened", 400)]
    [InlineData(SearchEngine.OpenSearch2, null, "flat_object", 200)]
    [InlineData(SearchEngine.OpenSearch2, "2.6.0", "flat_object", 400)]
    [InlineData(SearchEngine.OpenSearch2, "2.11.1", "match_only_text", 400)]
    [InlineData(SearchEngine.OpenSearch2, "2.12.0", "match_only_text", 200)]
    [InlineData(SearchEngine.Elasticsearch7, "7.13.4", "match_only_text", 400)]
    [InlineData(SearchEngine.Elasticsearch7, null, "match_only_text", 200)]
    public async Task A_mapping_type_the_server_does_not_know_is_refused_at_put(SearchEngine engine, string? version, string type, int status)
    {
        var (fake, client) = await StartAsync(engine, new FakeElasticsearchOptions { VersionNumber = version });
        var mapping = new JsonObject
        {
            ["kubernetes"] = new JsonObject { ["properties"] = new JsonObject { ["labels"] = new JsonObject { ["type"] = type } } },
        };

        var answer = await client.PutAsync("/_index_template/t", Template("t-*", mapping));

        Assert.Equal(status, answer.Status);
        if (status == 400)
        {
            Assert.Equal("mapper_parsing_exception", answer.ErrorType);
            Assert.Equal($"No handler for type [{type}] declared on field [labels]", answer.ErrorReason);
            Assert.Empty(fake.IndexTemplates);
        }
    }

    // ---- 7. ILM and ISM ----

    [Fact]
    public async Task Elasticsearch_stores_ilm_policies_and_has_no_ism()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch9);
        var policy = new JsonObject { ["policy"] = new JsonObject { ["phases"] = new JsonObject { ["delete"] = new JsonObject { ["min_age"] = "30d" } } } };

        var ilm = await client.PutAsync("/_ilm/policy/kube-events", policy);
        var again = await client.PutAsync("/_ilm/policy/kube-events", policy);
        var ism = await client.PutAsync("/_plugins/_ism/policies/kube-events", policy);

        Assert.Equal((200, 200), (ilm.Status, again.Status));
        Assert.True(JsonNode.DeepEquals(policy, fake.LifecyclePolicies["kube-events"]));
        Assert.Equal(400, ism.Status);
        Assert.Equal("no handler found for uri [/_plugins/_ism/policies/kube-events] and method [PUT]", ism.ErrorReason);
    }

    [Fact]
    public async Task OpenSearch_stores_ism_policies_as_documents_updated_only_with_their_seq_no_and_has_no_ilm()
    {
        var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);
        var policy = new JsonObject { ["policy"] = new JsonObject { ["description"] = "delete after 30d", ["states"] = new JsonArray() } };

        var created = await client.PutAsync("/_plugins/_ism/policies/kube-events", policy);
        var blindUpdate = await client.PutAsync("/_plugins/_ism/policies/kube-events", policy);
        var seqNo = (long)(await client.GetAsync("/_plugins/_ism/policies/kube-events")).Json["_seq_no"]!;
        var update = await client.PutAsync($"/_plugins/_ism/policies/kube-events?if_seq_no={seqNo}&if_primary_term=1", policy);
        var ilm = await client.PutAsync("/_ilm/policy/kube-events", policy);

        Assert.Equal(201, created.Status);
        Assert.Equal((409, "version_conflict_engine_exception"), (blindUpdate.Status, blindUpdate.ErrorType));
        Assert.Equal("[kube-events]: version conflict, document already exists (current version [1])", blindUpdate.ErrorReason);
        Assert.Equal((200, 2L), (update.Status, (long)update.Json["_version"]!));
        Assert.True(JsonNode.DeepEquals(policy, fake.LifecyclePolicies["kube-events"]));
        Assert.Equal(400, ilm.Status);
    }

    // ---- 8. Data streams ----

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7)]
    [InlineData(SearchEngine.Elasticsearch8)]
    [InlineData(SearchEngine.Elasticsearch9)]
    [InlineData(SearchEngine.OpenSearch2)]
    public async Task The_first_create_into_a_data_stream_template_creates_the_stream(SearchEngine engine)
    {
        var (fake, client) = await StartAsync(engine);
        await client.PutAsync("/_index_template/kube-events", Template("kube-events-*", [], dataStream: true));

        var answer = await client.BulkAsync(Ndjson(Create("kube-events-prod", "a"), Doc("2025-03-01T08:00:00Z")));

        var item = Assert.Single(answer.Items);
        Assert.Equal(201, item.Status());
        var backing = (string)item["_index"]!;
        Assert.Matches(engine == SearchEngine.OpenSearch2 ? @"^\.ds-kube-events-prod-000001$" : @"^\.ds-kube-events-prod-\d{4}\.\d{2}\.\d{2}-000001$", backing);
        Assert.Equal(["kube-events-prod"], fake.DataStreams);
        var doc = Assert.Single(fake.DocumentsIn("kube-events-prod"));
        Assert.Equal(("kube-events-prod", "a"), (doc.Index, doc.Id));
        Assert.Single(fake.DocumentsIn(backing));
        var stream = (await client.GetAsync("/_data_stream/kube-events-prod")).Json["data_streams"]![0]!;
        Assert.Equal(backing, (string?)stream["indices"]![0]!["index_name"]);
        Assert.Equal("@timestamp", (string?)stream["timestamp_field"]!["name"]);
    }

    [Fact]
    public async Task A_data_stream_takes_only_create_and_only_documents_with_a_timestamp()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.PutAsync("/_index_template/kube-events", Template("kube-events-*", [], dataStream: true));

        var answer = await client.BulkAsync(Ndjson(
            new JsonObject { ["index"] = new JsonObject { ["_index"] = "kube-events-prod", ["_id"] = "a" } }, Doc("2025-03-01T08:00:00Z"),
            Create("kube-events-prod", "b"), new JsonObject { ["message"] = "no time" },
            Create("kube-events-prod", "c"), Doc("2025-03-01T08:00:00Z")));

        Assert.Equal([400, 400, 201], answer.Items.Select(i => i.Status()));
        Assert.Equal("only write ops with an op_type of create are allowed in data streams", answer.Items[0].ErrorReason());
        Assert.Equal("document_parsing_exception", answer.Items[1].ErrorType());
        Assert.Equal("data stream timestamp field [@timestamp] is missing", (string?)answer.Items[1]["error"]!["caused_by"]!["reason"]);
        Assert.Equal(["c"], fake.DocumentsIn("kube-events-prod").Select(d => d.Id));
    }

    [Fact]
    public async Task A_data_stream_can_be_created_and_read_explicitly()
    {
        var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);
        await client.PutAsync("/_index_template/kube-events", Template("kube-events-*", [], dataStream: true));

        var created = await client.SendAsync(HttpMethod.Put, "/_data_stream/kube-events-x");
        var again = await client.SendAsync(HttpMethod.Put, "/_data_stream/kube-events-x");
        var noTemplate = await client.SendAsync(HttpMethod.Put, "/_data_stream/other");
        var missing = await client.GetAsync("/_data_stream/other");

        Assert.Equal(200, created.Status);
        Assert.Equal((400, "resource_already_exists_exception"), (again.Status, again.ErrorType));
        Assert.Equal((400, "no matching index template found for data stream [other]"), (noTemplate.Status, noTemplate.ErrorReason));
        Assert.Equal((404, "index_not_found_exception"), (missing.Status, missing.ErrorType));
        Assert.Equal(["kube-events-x"], fake.DataStreams);
    }

    // ---- 9. Plain indices ----

    [Fact]
    public async Task A_plain_index_is_created_on_first_write_with_the_best_templates_mapping()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.PutAsync("/_index_template/low", Template("kube-*", new JsonObject { ["n"] = new JsonObject { ["type"] = "keyword" } }, priority: 1));
        await client.PutAsync("/_index_template/high", Template("kube-events-*", new JsonObject { ["n"] = new JsonObject { ["type"] = "long" } }, priority: 300));

        var answer = await client.BulkAsync(Ndjson(Create("kube-events-2025.03.01", "1"), new JsonObject { ["n"] = 5 }));
        var mapping = (await client.GetAsync("/kube-events-2025.03.01/_mapping")).Json;

        Assert.Equal(("kube-events-2025.03.01", 201), ((string?)Assert.Single(answer.Items)["_index"], answer.Items[0].Status()));
        Assert.Equal("long", (string?)mapping["kube-events-2025.03.01"]!["mappings"]!["properties"]!["n"]!["type"]);
        Assert.Empty(fake.DataStreams);
    }

    [Fact]
    public async Task Without_auto_create_a_missing_index_is_item_404_until_it_is_created()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch7, new FakeElasticsearchOptions { AutoCreateIndex = false });
        var bulk = Ndjson(Create("events", "1"), new JsonObject { ["n"] = 1 });

        var refused = Assert.Single((await client.BulkAsync(bulk)).Items);
        var put = await client.SendAsync(HttpMethod.Put, "/events");
        var accepted = Assert.Single((await client.BulkAsync(bulk)).Items);

        Assert.Equal((404, "index_not_found_exception"), (refused.Status(), refused.ErrorType()));
        Assert.Equal("no such index [events] and [action.auto_create_index] is [false]", refused.ErrorReason());
        Assert.Equal(200, put.Status);
        Assert.Equal(201, accepted.Status());
        Assert.Equal("_doc", (string?)accepted["_type"]); // 7.x still echoes the type
        Assert.Single(fake.DocumentsIn("events"));
    }

    // ---- 10. _bulk ----

    [Fact]
    public async Task Items_are_answered_in_request_order_and_a_second_create_of_an_id_is_409()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);

        var first = await client.BulkAsync(Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 }));
        var second = await client.BulkAsync(Ndjson(
            Create("events", "b"), new JsonObject { ["n"] = 2 },
            Create("events", "a"), new JsonObject { ["n"] = 3 },
            Create("events"), new JsonObject { ["n"] = 4 }));

        Assert.False((bool)first.Json["errors"]!);
        Assert.True((bool)second.Json["errors"]!);
        Assert.Equal([201, 409, 201], second.Items.Select(i => i.Status()));
        Assert.Equal(["b", "a"], second.Items.Take(2).Select(i => (string)i["_id"]!));
        Assert.Equal(("created", 1), ((string?)second.Items[0]["result"], (int)second.Items[0]["_version"]!));
        Assert.Equal("version_conflict_engine_exception", second.Items[1].ErrorType());
        Assert.Equal("[a]: version conflict, document already exists (current version [1])", second.Items[1].ErrorReason());
        var generated = (string)second.Items[2]["_id"]!;
        Assert.Equal(20, generated.Length);
        Assert.Equal(["a", "b", generated], fake.Documents.Select(d => d.Id));
        Assert.Equal(1, (int)fake.Documents[0].Source["n"]!);
        Assert.Equal(4, fake.CreateActions);
    }

    [Fact]
    public async Task A_bulk_body_must_end_with_a_newline_and_name_known_ops()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch9);

        var unterminated = await client.BulkAsync(Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 }).TrimEnd('\n'));
        var unknownOp = await client.BulkAsync(Ndjson(new JsonObject { ["upsert"] = new JsonObject { ["_index"] = "events" } }, new JsonObject()));
        var pathIndex = await client.BulkAsync(Ndjson(new JsonObject { ["create"] = new JsonObject { ["_id"] = "p" } }, new JsonObject { ["n"] = 1 }), "events/_bulk");

        Assert.Equal((400, "illegal_argument_exception"), (unterminated.Status, unterminated.ErrorType));
        Assert.Equal("The bulk request must be terminated by a newline [\\n]", unterminated.ErrorReason);
        Assert.Equal(400, unknownOp.Status);
        Assert.Equal("Malformed action/metadata line [1], expected one of [create, delete, index, update] but found [upsert]", unknownOp.ErrorReason);
        Assert.Equal(201, Assert.Single(pathIndex.Items).Status());
        Assert.Equal(["events"], fake.Documents.Select(d => d.Index));
    }

    [Fact]
    public async Task Filter_path_keeps_positions_with_status_and_drops_successful_items_with_error_alone()
    {
        var (_, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.BulkAsync(Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 }));
        var bulk = Ndjson(Create("events", "b"), new JsonObject { ["n"] = 2 }, Create("events", "a"), new JsonObject { ["n"] = 3 });

        var withStatus = await client.BulkAsync(bulk.Replace("\"b\"", "\"c\""), "_bulk?filter_path=errors,items.*.status,items.*.error.type,items.*.error.reason");
        var errorOnly = await client.BulkAsync(bulk.Replace("\"b\"", "\"d\""), "_bulk?filter_path=items.*.error");
        var allGood = await client.BulkAsync(Ndjson(Create("events", "e"), new JsonObject { ["n"] = 5 }), "_bulk?filter_path=errors,items.*.error");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":"version_conflict_engine_exception","reason":"[a]: version conflict, document already exists (current version [1])"}}}]}
            """), withStatus.Json), withStatus.Text);
        var survivors = errorOnly.Json["items"]!.AsArray();
        Assert.Equal("version_conflict_engine_exception", (string?)Assert.Single(survivors)!["create"]!["error"]!["type"]);
        Assert.Equal("""{"errors":false}""", allGood.Text);
    }

    // ---- 11. Mapping checks ----

    [Theory]
    [InlineData(SearchEngine.Elasticsearch7, null, "mapper_parsing_exception")]
    [InlineData(SearchEngine.Elasticsearch8, "8.7.1", "mapper_parsing_exception")]
    [InlineData(SearchEngine.Elasticsearch8, null, "document_parsing_exception")]
    [InlineData(SearchEngine.Elasticsearch9, null, "document_parsing_exception")]
    [InlineData(SearchEngine.OpenSearch2, null, "mapper_parsing_exception")]
    public async Task A_value_that_does_not_fit_its_mapped_type_is_item_400_named_per_version(SearchEngine engine, string? version, string type)
    {
        var (fake, client) = await StartAsync(engine, new FakeElasticsearchOptions { VersionNumber = version });
        await client.PutAsync("/_index_template/t", Template("events*", new JsonObject
        {
            ["count"] = new JsonObject { ["type"] = "long" },
            ["at"] = new JsonObject { ["type"] = "date" },
        }));

        var answer = await client.BulkAsync(Ndjson(
            Create("events", "1"), new JsonObject { ["count"] = "many" },
            Create("events", "2"), new JsonObject { ["at"] = "yesterday" },
            Create("events", "3"), new JsonObject { ["count"] = "42", ["at"] = "2025-03-01T08:00:00.123456Z" },
            Create("events", "4"), new JsonObject { ["count"] = 7, ["at"] = 1740816000000 }));

        Assert.Equal([400, 400, 201, 201], answer.Items.Select(i => i.Status()));
        Assert.Equal([type, type], answer.Items.Take(2).Select(i => i.ErrorType()));
        Assert.Contains("failed to parse field [count] of type [long] in document with id '1'", answer.Items[0].ErrorReason());
        Assert.Contains("failed to parse field [at] of type [date] in document with id '2'", answer.Items[1].ErrorReason());
        Assert.Equal(["3", "4"], fake.Documents.Select(d => d.Id));
    }

    [Fact]
    public async Task A_keyword_over_the_lucene_term_limit_is_refused_unless_ignore_above_skips_it()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.PutAsync("/_index_template/t", Template("events*", new JsonObject
        {
            ["capped"] = new JsonObject { ["type"] = "keyword", ["ignore_above"] = 1024 },
            ["raw"] = new JsonObject { ["type"] = "keyword" },
            ["message"] = new JsonObject { ["type"] = "text" },
        }));
        var huge = new string('é', 20000); // 40,000 UTF-8 bytes

        var answer = await client.BulkAsync(Ndjson(
            Create("events", "capped"), new JsonObject { ["capped"] = huge },
            Create("events", "raw"), new JsonObject { ["raw"] = huge },
            Create("events", "text"), new JsonObject { ["message"] = huge }));

        Assert.Equal([201, 400, 201], answer.Items.Select(i => i.Status()));
        Assert.Equal("illegal_argument_exception", answer.Items[1].ErrorType());
        Assert.StartsWith("Document contains at least one immense term in field=\"raw\"", answer.Items[1].ErrorReason());
        Assert.Equal(["capped", "text"], fake.Documents.Select(d => d.Id));
    }

    [Fact]
    public async Task Unmapped_fields_follow_dynamic_false_strict_and_true()
    {
        var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);
        await client.PutAsync("/_index_template/loose", Template("loose*", new JsonObject { ["n"] = new JsonObject { ["type"] = "long" } }, dynamic: "false"));
        await client.PutAsync("/_index_template/strict", Template("strict*", new JsonObject
        {
            ["n"] = new JsonObject { ["type"] = "long" },
            ["open"] = new JsonObject { ["type"] = "object", ["dynamic"] = true },
        }, dynamic: "strict"));

        var answer = await client.BulkAsync(Ndjson(
            Create("loose", "1"), new JsonObject { ["n"] = 1, ["extra"] = new JsonObject { ["deep"] = "kept" } },
            Create("strict", "2"), new JsonObject { ["n"] = 1, ["extra"] = "x" },
            Create("strict", "3"), new JsonObject { ["n"] = 1, ["open"] = new JsonObject { ["anything"] = "x" } },
            Create("dynamic", "4"), new JsonObject { ["seen"] = 5 },
            Create("dynamic", "5"), new JsonObject { ["seen"] = "five" }));

        Assert.Equal([201, 400, 201, 201, 400], answer.Items.Select(i => i.Status()));
        Assert.Equal("kept", (string?)fake.DocumentsIn("loose")[0].Source["extra"]!["deep"]);
        var looseFields = (await client.GetAsync("/loose/_mapping")).Json["loose"]!["mappings"]!["properties"]!.AsObject();
        Assert.Equal(["n"], looseFields.Select(p => p.Key)); // dynamic: false maps nothing new
        Assert.Equal("strict_dynamic_mapping_exception", answer.Items[1].ErrorType());
        Assert.Equal("mapping set to strict, dynamic introduction of [extra] within [_doc] is not allowed", answer.Items[1].ErrorReason());
        Assert.Contains("failed to parse field [seen] of type [long]", answer.Items[4].ErrorReason()); // "seen" was mapped long by doc 4
    }

    [Fact]
    public async Task Dynamic_mapping_stops_at_the_total_fields_limit_but_flattened_and_disabled_objects_take_anything()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.PutAsync("/_index_template/t", Template("events*", new JsonObject
        {
            ["labels"] = new JsonObject { ["type"] = "flattened" },
            ["blob"] = new JsonObject { ["type"] = "object", ["enabled"] = false },
        }));
        JsonObject Many(string prefix, int count) => new(Enumerable.Range(0, count).Select(i => KeyValuePair.Create($"{prefix}{i}", (JsonNode?)i)));

        var answer = await client.BulkAsync(Ndjson(
            Create("events", "labels"), new JsonObject { ["labels"] = Many("app.kubernetes.io/k", 10_000) },
            Create("events", "dotted"), new JsonObject { ["labels.app.kubernetes.io/name"] = "api" },
            Create("events", "blob"), new JsonObject { ["blob"] = new JsonObject { ["x"] = Many("k", 2000), ["y"] = "z" } },
            Create("events", "explode"), Many("field", 1000),
            Create("events", "fits"), Many("field", 990)));

        Assert.Equal([201, 201, 201, 400, 201], answer.Items.Select(i => i.Status()));
        Assert.Equal("illegal_argument_exception", answer.Items[3].ErrorType());
        Assert.Equal("Limit of total fields [1000] has been exceeded while adding new fields [1000]", answer.Items[3].ErrorReason());
        Assert.Equal(["labels", "dotted", "blob", "fits"], fake.Documents.Select(d => d.Id));
    }

    // ---- 12. GET _doc, _count, _refresh ----

    [Fact]
    public async Task A_stored_document_can_be_read_counted_and_refreshed()
    {
        var (_, client) = await StartAsync(SearchEngine.Elasticsearch8);
        await client.BulkAsync(Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 }, Create("events", "b"), new JsonObject { ["n"] = 2 }));

        var doc = await client.GetAsync("/events/_doc/b");
        var absent = await client.GetAsync("/events/_doc/z");
        var count = await client.GetAsync("/events/_count");
        var refresh = await client.SendAsync(HttpMethod.Post, "/events/_refresh");
        var noIndex = await client.GetAsync("/nothing/_count");

        Assert.Equal((200, true, 2), (doc.Status, (bool)doc.Json["found"]!, (int)doc.Json["_source"]!["n"]!));
        Assert.Equal((404, false), (absent.Status, (bool)absent.Json["found"]!));
        Assert.Equal(2, (int)count.Json["count"]!);
        Assert.Equal(200, refresh.Status);
        Assert.Equal((404, "index_not_found_exception"), (noIndex.Status, noIndex.ErrorType));
    }

    // ---- 13. Injected faults ----

    [Fact]
    public async Task Injected_statuses_answer_the_next_requests_whole_and_store_nothing()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        var bulk = Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 });
        fake.RespondWithStatus(503, count: 2);
        fake.RespondWithStatus(429);
        fake.RespondWithStatus(401);
        fake.RespondWithStatus(413);

        var answers = new List<EsAnswer>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await client.BulkAsync(bulk));
        }

        Assert.Equal([503, 503, 429, 401, 413, 200], answers.Select(a => a.Status));
        Assert.Equal("cluster_block_exception", answers[0].ErrorType);
        Assert.Equal("es_rejected_execution_exception", answers[2].ErrorType);
        Assert.Equal("security_exception", answers[3].ErrorType);
        Assert.NotEmpty(answers[3].WwwAuthenticate);
        Assert.Equal(["a"], fake.Documents.Select(d => d.Id));
        Assert.Equal([503, 503, 429, 401, 413, 200], fake.BulkRequests.Select(r => r.Status));
        Assert.Equal(1, fake.CreateActions);
    }

    [Fact]
    public async Task Item_rules_answer_their_items_without_storing_them_and_resends_are_counted()
    {
        var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);
        fake.RejectItems(item => item.Id == "b" ? new ItemFault(429, "circuit_breaking_exception", "[parent] Data too large") : null);
        fake.RejectItems(item => (int?)item.Source?["n"] == 3 ? new ItemFault(400, "mapper_parsing_exception", "injected") : null);
        var bulk = Ndjson(
            Create("events", "a"), new JsonObject { ["n"] = 1 },
            Create("events", "b"), new JsonObject { ["n"] = 2 },
            Create("events", "c"), new JsonObject { ["n"] = 3 });

        var first = await client.BulkAsync(bulk);
        fake.ClearItemRules();
        var resend = await client.BulkAsync(bulk);

        Assert.Equal([201, 429, 400], first.Items.Select(i => i.Status()));
        Assert.Equal(("circuit_breaking_exception", "[parent] Data too large"), (first.Items[1].ErrorType(), first.Items[1].ErrorReason()));
        Assert.Equal([409, 201, 201], resend.Items.Select(i => i.Status()));
        Assert.Equal(["a", "b", "c"], fake.Documents.Select(d => d.Id));
        Assert.Equal(6, fake.CreateActions);
    }

    [Fact]
    public async Task A_seeded_fraction_of_items_is_429_the_same_way_every_time()
    {
        async Task<List<int>> RunAsync()
        {
            var (fake, client) = await StartAsync(SearchEngine.OpenSearch2);
            fake.RejectFractionOfItemsWith429(0.2, seed: 7);
            var lines = Enumerable.Range(0, 500).SelectMany(i => new JsonNode[] { Create("events", $"{i}"), new JsonObject { ["n"] = i } }).ToArray();
            var answer = await client.BulkAsync(Ndjson(lines));
            Assert.All(answer.Items.Where(i => i.Status() == 429), i => Assert.Equal("opensearch_rejected_execution_exception", i.ErrorType()));
            Assert.Equal(answer.Items.Count(i => i.Status() == 201), fake.Documents.Count);
            return [.. answer.Items.Select(i => i.Status())];
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.InRange(first.Count(s => s == 429), 70, 130);
    }

    [Fact]
    public async Task The_response_delay_holds_an_answer_whose_write_has_already_happened()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        fake.ResponseDelay = TimeSpan.FromSeconds(2);
        var clock = Stopwatch.StartNew();

        var pending = client.BulkAsync(Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 }));
        await Eventually.HoldsAsync(() => fake.Documents.Count == 1, TimeSpan.FromSeconds(5), "the document stored before the answer");
        var answeredBeforeStored = pending.IsCompleted;
        var answer = await pending;

        Assert.False(answeredBeforeStored);
        Assert.Equal(201, Assert.Single(answer.Items).Status());
        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(2), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task A_dropped_connection_stores_nothing_and_a_dropped_answer_hides_a_write()
    {
        var (fake, client) = await StartAsync(SearchEngine.Elasticsearch8);
        var bulk = Ndjson(Create("events", "a"), new JsonObject { ["n"] = 1 });

        fake.DropNextConnections(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.BulkAsync(bulk));
        var storedAfterDrop = fake.Documents.Count;
        fake.DropNextAnswers(1);
        await Assert.ThrowsAsync<HttpRequestException>(() => client.BulkAsync(bulk));
        var resend = await client.BulkAsync(bulk);

        Assert.Equal(0, storedAfterDrop);
        Assert.Equal(409, Assert.Single(resend.Items).Status());
        Assert.Single(fake.Documents);
    }

    private static JsonObject Doc(string timestamp) => new() { ["@timestamp"] = timestamp, ["message"] = "hello" };

    private static JsonObject Template(string pattern, JsonObject properties, bool dataStream = false, int priority = 200, string? dynamic = null)
    {
        var mappings = new JsonObject();
        if (dynamic is not null)
        {
            mappings["dynamic"] = dynamic;
        }

        mappings["properties"] = properties;
        var template = new JsonObject
        {
            ["index_patterns"] = new JsonArray(pattern),
            ["priority"] = priority,
            ["template"] = new JsonObject { ["mappings"] = mappings },
        };
        if (dataStream)
        {
            template["data_stream"] = new JsonObject();
        }

        return template;
    }

    private async Task<(FakeElasticsearch Fake, EsClient Client)> StartAsync(SearchEngine engine, FakeElasticsearchOptions? options = null)
    {
        var fake = await FakeElasticsearch.StartAsync(engine, options);
        _fakes.Add(fake);
        var client = new EsClient(fake.Address);
        _clients.Add(client);
        return (fake, client);
    }
}
