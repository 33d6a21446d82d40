// The schema-registry client against a real registry (Apicurio 3 through its Confluent API;
// tests/install/with_registry.sh starts one and sets KSTREAMS_REGISTRY_URL to its base URL).
// ctest runs these as integration.registry (label registry), apart from the embedded tests.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "kstreams/avro_serde.h"
#include "kstreams/dsl_options.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"
#include "kstreams/json_schema_serde.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/schema_registry.h"
#include "kstreams/streams_builder.h"
#include "kstreams/wire_format.h"

namespace kstreams {
namespace {

using ::testing::HasSubstr;

std::string registryApi() {
  const char* url = std::getenv("KSTREAMS_REGISTRY_URL");
  return url == nullptr ? "" : std::string(url) + "/apis/ccompat/v7";
}

// Subjects unique to this run, so a reused registry does not see old versions.
std::string unique(const std::string& name) {
  return name + "-" + std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
}

constexpr const char* kV1 =
    R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[{"name":"name","type":"string"}]})";
constexpr const char* kV2WithDefault =
    R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0}]})";
constexpr const char* kV2NoDefault =
    R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[{"name":"name","type":"string"},{"name":"age","type":"int"}]})";

class RealRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (registryApi().empty()) GTEST_SKIP() << "KSTREAMS_REGISTRY_URL is not set";
    client = std::make_shared<SchemaRegistryClient>(registryApi());
  }
  SchemaRegistryClientPtr client;
};

TEST_F(RealRegistryTest, RegisterLookUpAndGetById) {
  const std::string subject = unique("users") + "-value";
  const int32_t id = client->registerSchema(subject, {kV1});
  EXPECT_GT(id, 0);
  // A fresh client (no cache) sees the same schema by id and finds it under the subject.
  SchemaRegistryClient fresh(registryApi());
  Schema by_id = fresh.getSchemaById(id);
  EXPECT_EQ(by_id.type, "AVRO");
  EXPECT_THAT(by_id.schema, HasSubstr("\"User\""));
  EXPECT_EQ(fresh.registerSchema(subject, {kV1}), id);  // registering again: same id
  auto found = fresh.lookupSchema(subject, {kV1});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, id);
  EXPECT_EQ(found->version, 1);
  EXPECT_EQ(fresh.lookupSchema(subject, {kV2WithDefault}), std::nullopt);
  EXPECT_EQ(fresh.lookupSchema(unique("nobody"), {kV1}), std::nullopt);
  auto latest = fresh.getLatestSchema(subject);
  EXPECT_EQ(latest.id, id);
  EXPECT_EQ(latest.subject, subject);
  EXPECT_THAT(fresh.getSubjects(), ::testing::Contains(subject));
}

TEST_F(RealRegistryTest, UnknownIdAndSubjectAreClearErrors) {
  try {
    client->getSchemaById(987654);
    FAIL();
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.httpStatus(), 404);
    EXPECT_EQ(e.errorCode(), 40403);
  }
  try {
    client->getLatestSchema(unique("nobody"));
    FAIL();
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.errorCode(), 40401);
  }
}

TEST_F(RealRegistryTest, BackwardCompatibilityRefusesANewFieldWithoutDefault) {
  const std::string subject = unique("evolving") + "-value";
  const int32_t v1 = client->registerSchema(subject, {kV1});
  client->setCompatibility(subject, "BACKWARD");
  EXPECT_FALSE(client->testCompatibility(subject, {kV2NoDefault}).compatible);
  EXPECT_TRUE(client->testCompatibility(subject, {kV2WithDefault}).compatible);
  try {
    client->registerSchema(subject, {kV2NoDefault});
    FAIL() << "registered an incompatible schema";
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.httpStatus(), 409);
  }
  const int32_t v2 = client->registerSchema(subject, {kV2WithDefault});
  EXPECT_NE(v1, v2);
  EXPECT_EQ(client->getLatestSchema(subject).version, 2);
  EXPECT_EQ(client->getSchema(subject, 1).id, v1);
}

TEST_F(RealRegistryTest, WriterSchemaWithoutAutoRegistration) {
  const std::string topic = unique("orders");
  SchemaSerdeConfig config;
  config.auto_register_schemas = false;
  EXPECT_THROW(resolveWriterSchema(*client, config, topic, {kV1}, "kstreams.test.User"),
               SerializationException);
  config.auto_register_schemas = true;
  config.subject_name_strategy = SubjectNameStrategy::kTopicRecordName;
  const auto written = resolveWriterSchema(*client, config, topic, {kV1}, "kstreams.test.User");
  EXPECT_EQ(client->getLatestSchema(topic + "-kstreams.test.User").id, written.id);
  config.auto_register_schemas = false;
  config.use_latest_version = true;
  EXPECT_EQ(resolveWriterSchema(*client, config, topic, {kV2WithDefault}, "kstreams.test.User").id,
            written.id);
}

// Avro through the real registry: v1 and v2 (a field with a default) registered under one
// BACKWARD subject by their serdes; each reads what the other wrote.
TEST_F(RealRegistryTest, AvroV1AndV2ReadEachOther) {
  const std::string topic = unique("avro-users");
  auto v1 = Serdes::Avro(client, kV1);
  auto v2 = Serdes::Avro(client, kV2WithDefault);
  std::string written_v1;
  ASSERT_TRUE(v1->serialize(topic, nlohmann::json{{"name", "ann"}}, written_v1));
  client->setCompatibility(topic + "-value", "BACKWARD");
  std::string written_v2;
  ASSERT_TRUE(v2->serialize(topic, nlohmann::json{{"name", "bo"}, {"age", 41}}, written_v2));
  EXPECT_NE(wire::parse(written_v1).schema_id, wire::parse(written_v2).schema_id);
  EXPECT_EQ(client->getLatestSchema(topic + "-value").version, 2);

  // Fresh serdes (empty caches) read through the registry by id.
  auto client2 = std::make_shared<SchemaRegistryClient>(registryApi());
  EXPECT_EQ(Serdes::Avro(client2, kV2WithDefault)->deserialize(topic, written_v1),
            (nlohmann::json{{"name", "ann"}, {"age", 0}}));
  EXPECT_EQ(Serdes::Avro(client2, kV1)->deserialize(topic, written_v2),
            (nlohmann::json{{"name", "bo"}}));
  EXPECT_EQ(Serdes::AvroReader(client2)->deserialize(topic, written_v2),
            (nlohmann::json{{"name", "bo"}, {"age", 41}}));

  // Against v2 alone a v3 whose "age" lost its default is backward compatible (v2 records have
  // an age); against every version (BACKWARD_TRANSITIVE) it is not: v1 records have none. The
  // registry refuses it and the serde says so.
  client->setCompatibility(topic + "-value", "BACKWARD_TRANSITIVE");
  std::string out;
  try {
    Serdes::Avro(client, kV2NoDefault)
        ->serialize(topic, nlohmann::json{{"name", "x"}, {"age", 1}}, out);
    FAIL() << "an incompatible schema was registered";
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.httpStatus(), 409);
  }
}

TEST_F(RealRegistryTest, JsonSchemaRegisteredAndValidated) {
  const std::string topic = unique("json-orders");
  const std::string schema =
      R"({"$schema":"http://json-schema.org/draft-07/schema#","title":"Order","type":"object",)"
      R"("properties":{"id":{"type":"string"}},"required":["id"]})";
  auto serde = Serdes::JsonSchema(client, schema);
  std::string out;
  ASSERT_TRUE(serde->serialize(topic, nlohmann::json{{"id", "a-1"}}, out));
  const int32_t id = wire::parse(out).schema_id;
  EXPECT_EQ(client->getSchemaById(id).type, "JSON");
  auto client2 = std::make_shared<SchemaRegistryClient>(registryApi());
  EXPECT_EQ(Serdes::JsonSchema(client2, schema)->deserialize(topic, out),
            (nlohmann::json{{"id", "a-1"}}));
  std::string bad;
  EXPECT_THROW(serde->serialize(topic, nlohmann::json{{"id", 1}}, bad), SerializationException);
}

// The serdes in the real runtime: Avro v1 records (and one that is not Avro) on an embedded
// cluster, read by a KafkaStreams application built with v2 (a new field with a default) that
// writes v2 records; the poison record goes to the dead-letter topic.
TEST_F(RealRegistryTest, AvroThroughKafkaStreamsOnTheEmbeddedCluster) {
  EmbeddedKafkaCluster cluster;
  const std::string bootstrap = cluster.bootstrapServers();
  const std::string in = unique("avro-in"), out = unique("avro-out"), dlq = unique("avro-dlq");
  ASSERT_TRUE(createTopics(bootstrap, {{in, 1}, {out, 1}, {dlq, 1}}).ok());

  auto v1 = Serdes::Avro(client, kV1);
  SimpleProducer producer(bootstrap);
  for (const char* name : {"ann", "bo", "cy"}) {
    std::string value;
    ASSERT_TRUE(v1->serialize(in, nlohmann::json{{"name", name}}, value));
    producer.send(in, std::string(name), value);
    if (std::string(name) == "bo")
      producer.send(in, std::string("poison"), std::string("not avro"));
  }
  ASSERT_TRUE(producer.flush().ok());

  auto v2 = Serdes::Avro(client, kV2WithDefault);
  StreamsBuilder builder;
  builder.stream(in, Consumed(Serdes::String(), v2))
      .mapValues([](const nlohmann::json& user) {
        nlohmann::json older = user;
        older["age"] = user["age"].get<int32_t>() + 1;
        return older;
      })
      .to(out, Produced(Serdes::String(), v2));
  KafkaStreams streams(builder.build(),
                       StreamsConfig{{"application.id", unique("avro-app")},
                                     {"bootstrap.servers", bootstrap},
                                     {"commit.interval.ms", "200"},
                                     {"poll.ms", "50"},
                                     {"deserialization.exception.handler", "LogAndContinue"},
                                     {"errors.dead.letter.queue.topic.name", dlq}});
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(std::chrono::seconds(60)));
  EXPECT_TRUE(streams.close(std::chrono::seconds(30)));

  auto records = readTopic(bootstrap, out);
  ASSERT_TRUE(records.ok()) << records.status();
  auto reader = Serdes::AvroReader(std::make_shared<SchemaRegistryClient>(registryApi()));
  // Written with v2, registered under the output topic's subject by the sink's serde.
  const int32_t out_id = client->getLatestSchema(out + "-value").id;
  std::vector<std::string> got;
  for (const auto& r : *records) {
    EXPECT_EQ(wire::parse(*r.value).schema_id, out_id);
    got.push_back(reader->deserialize(out, r.value).dump());
  }
  EXPECT_THAT(got, ::testing::ElementsAre(R"({"age":1,"name":"ann"})", R"({"age":1,"name":"bo"})",
                                          R"({"age":1,"name":"cy"})"));
  auto dead = readTopic(bootstrap, dlq);
  ASSERT_TRUE(dead.ok()) << dead.status();
  ASSERT_EQ(dead->size(), 1u);
  EXPECT_EQ((*dead)[0].value, std::optional<std::string>("not avro"));
}

// Evolution checked before it breaks: a topology whose reader cannot read the registered
// versions, or whose writer schema the subject's rule refuses, is refused when KafkaStreams is
// constructed, with the topic, subject, version and field in the message; the registry itself
// refuses the same writer schema with 409.
TEST_F(RealRegistryTest, IncompatibleTopologyRefusesToStart) {
  const std::string in = unique("evolve-in"), out = unique("evolve-out");
  client->setCompatibility(in + "-value", "BACKWARD");
  client->setCompatibility(out + "-value", "BACKWARD");
  client->registerSchema(in + "-value", {kV1});
  client->registerSchema(in + "-value", {kV2WithDefault});
  client->registerSchema(out + "-value", {kV1});

  auto construct = [&](const std::string& reader, const std::string& writer) {
    StreamsBuilder builder;
    builder.stream(in, Consumed(Serdes::String(), Serdes::Avro(client, reader)))
        .to(out, Produced(Serdes::String(), Serdes::Avro(client, writer)));
    return std::make_unique<KafkaStreams>(builder.build(),
                                          StreamsConfig{{"application.id", unique("evolve-app")},
                                                        {"bootstrap.servers", "127.0.0.1:9"}});
  };
  // v2 reads v2 (latest) and may follow v1 on the output: starts.
  EXPECT_NO_THROW(construct(kV2WithDefault, kV2WithDefault));
  // v1 reads v2 too (the new field is skipped).
  EXPECT_NO_THROW(construct(kV1, kV1));
  // A reader and a writer with "age" but no default: neither reads v1-shaped data.
  try {
    construct(kV2NoDefault, kV2NoDefault);
    ADD_FAILURE() << "constructed";
  } catch (const IncompatibleSchemaException& e) {
    const std::string what = e.what();
    // The source reads the latest version (v2, which has age with a default): readable.
    EXPECT_THAT(what, ::testing::Not(HasSubstr("topic \"" + in + "\"")));
    EXPECT_THAT(what, HasSubstr("sink KSTREAM-SINK-0000000001 writes values to topic \"" + out +
                                "\" with AvroSerde<kstreams.test.User>: subject \"" + out +
                                "-value\" (BACKWARD) would refuse to register the topology's "
                                "schema:\n    the new schema cannot read data written with version "
                                "1: User.age: field age (int) is missing in the writer's schema "
                                "and has no default"));
  }
  // Under BACKWARD_TRANSITIVE the source's reader must read v1 as well: a reader that needs a
  // field v1 lacks is refused, naming version 1.
  client->setCompatibility(in + "-value", "BACKWARD_TRANSITIVE");
  const std::string needs_email =
      R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[{"name":"name","type":"string"},{"name":"age","type":"int","default":0},{"name":"email","type":"string"}]})";
  try {
    construct(needs_email, kV2WithDefault);
    ADD_FAILURE() << "constructed";
  } catch (const IncompatibleSchemaException& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("reads values of topic \"" + in + "\""));
    EXPECT_THAT(what, HasSubstr("subject \"" + in + "-value\" (BACKWARD_TRANSITIVE) version 1"));
    EXPECT_THAT(what, HasSubstr("subject \"" + in + "-value\" (BACKWARD_TRANSITIVE) version 2"));
    EXPECT_THAT(what, HasSubstr("User.email: field email (string) is missing"));
  }
  // The registry refuses the same writer schema: 409.
  try {
    client->registerSchema(out + "-value", {kV2NoDefault});
    ADD_FAILURE() << "registered";
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.httpStatus(), 409);
  }
}

TEST(RealRegistryDown, UnreachableRegistryIsUnavailable) {
  // Port 1 on loopback: nothing listens there, the connection is refused at once.
  SchemaRegistryClient client("http://127.0.0.1:1", makeCurlHttpTransport(std::chrono::seconds(2)));
  try {
    client.getSchemaById(1);
    FAIL();
  } catch (const SchemaRegistryException& e) {
    EXPECT_TRUE(e.unavailable());
    EXPECT_EQ(e.httpStatus(), 0);
    EXPECT_THAT(e.what(), HasSubstr("unreachable: GET http://127.0.0.1:1/schemas/ids/1"));
  }
}

}  // namespace
}  // namespace kstreams
