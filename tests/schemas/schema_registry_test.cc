// The schema-registry client against a fake HTTP layer (no registry needed), the wire format,
// subject naming and serde settings. tests/integration/registry_test.cc runs the client against
// a real Apicurio registry.
#include "kstreams/schema_registry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/wire_format.h"
#include "nlohmann/json.hpp"
#include "schemas/fake_registry.h"

namespace kstreams {
namespace {

using ::testing::HasSubstr;
using testing_support::FakeRegistryTransport;

constexpr const char* kUser =
    R"({"type":"record","name":"User","fields":[{"name":"a","type":"int"}]})";

class SchemaRegistryClientTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeRegistryTransport> http = std::make_shared<FakeRegistryTransport>();
  SchemaRegistryClient client{std::string(FakeRegistryTransport::kBase) + "/", http};
};

TEST_F(SchemaRegistryClientTest, RegisterSendsConfluentBodyAndCachesTheId) {
  http->answer("POST", "/subjects/users-value/versions", 200, R"({"id":7})");
  EXPECT_EQ(client.registerSchema("users-value", {kUser, "AVRO"}), 7);
  EXPECT_EQ(client.registerSchema("users-value", {kUser, "AVRO"}), 7);
  ASSERT_EQ(http->count("POST", "/subjects/users-value/versions"), 1u);
  const auto body = nlohmann::json::parse(http->requests()[0].body);
  EXPECT_EQ(body, nlohmann::json({{"schema", kUser}}));  // no schemaType for Avro
  // The registered schema is known by id without asking.
  EXPECT_EQ(client.getSchemaById(7).schema, kUser);
  EXPECT_EQ(http->requests().size(), 1u);
}

TEST_F(SchemaRegistryClientTest, RegisterNamesTheTypeOfNonAvroSchemas) {
  http->answer("POST", "/subjects/j-value/versions", 200, R"({"id":3})");
  EXPECT_EQ(client.registerSchema("j-value", {R"({"type":"object"})", "JSON"}), 3);
  EXPECT_EQ(nlohmann::json::parse(http->requests()[0].body)["schemaType"], "JSON");
}

TEST_F(SchemaRegistryClientTest, GetByIdIsCachedAndDefaultsToAvro) {
  http->answer("GET", "/schemas/ids/5", 200, nlohmann::json({{"schema", kUser}}).dump());
  http->answer("GET", "/schemas/ids/6", 200,
               R"({"schema":"{\"type\":\"object\"}","schemaType":"JSON"})");
  EXPECT_EQ(client.getSchemaById(5), (Schema{kUser, "AVRO"}));
  EXPECT_EQ(client.getSchemaById(5), (Schema{kUser, "AVRO"}));
  EXPECT_EQ(client.getSchemaById(6).type, "JSON");
  EXPECT_EQ(http->count("GET", "/schemas/ids/5"), 1u);
}

TEST_F(SchemaRegistryClientTest, UnknownIdIsAClearSerializationError) {
  http->answer("GET", "/schemas/ids/99", 404,
               R"({"message":"Schema 99 not found.","error_code":40403})");
  try {
    client.getSchemaById(99);
    FAIL() << "no exception";
  } catch (const SerializationException& e) {  // what a source hands the deserialization handler
    const auto& registry = dynamic_cast<const SchemaRegistryException&>(e);
    EXPECT_EQ(registry.httpStatus(), 404);
    EXPECT_EQ(registry.errorCode(), 40403);
    EXPECT_FALSE(registry.unavailable());
    EXPECT_THAT(e.what(), HasSubstr("GET http://registry.test/apis/ccompat/v7/schemas/ids/99"));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 404 (error 40403): Schema 99 not found."));
  }
  // An error is not cached: the id may appear later (another writer registers it).
  http->answer("GET", "/schemas/ids/99", 200, nlohmann::json({{"schema", kUser}}).dump());
  EXPECT_EQ(client.getSchemaById(99).schema, kUser);
}

TEST_F(SchemaRegistryClientTest, RegistryDownIsUnavailable) {
  http->setDown(true);
  try {
    client.getSchemaById(1);
    FAIL() << "no exception";
  } catch (const SchemaRegistryException& e) {
    EXPECT_EQ(e.httpStatus(), 0);
    EXPECT_TRUE(e.unavailable());
    EXPECT_THAT(e.what(), HasSubstr("unreachable"));
  }
}

TEST_F(SchemaRegistryClientTest, ServerErrorsAndGarbageAreErrorsToo) {
  http->answer("GET", "/schemas/ids/1", 503, "<html>busy</html>");
  http->answer("GET", "/schemas/ids/2", 200, "not json");
  http->answer("GET", "/schemas/ids/3", 200, R"({"nothing":1})");
  try {
    client.getSchemaById(1);
    FAIL();
  } catch (const SchemaRegistryException& e) {
    EXPECT_TRUE(e.unavailable());
    EXPECT_THAT(e.what(), HasSubstr("HTTP 503: <html>busy</html>"));
  }
  EXPECT_THROW(client.getSchemaById(2), SchemaRegistryException);
  EXPECT_THROW(client.getSchemaById(3), SchemaRegistryException);
}

TEST_F(SchemaRegistryClientTest, LookupReturnsNulloptWhenAbsentAndCachesWhenFound) {
  http->answer("POST", "/subjects/a-value", 404, R"({"error_code":40403,"message":"no match"})");
  http->answer("POST", "/subjects/b-value", 404, R"({"error_code":40401,"message":"no subject"})");
  http->answer(
      "POST", "/subjects/c-value", 200,
      nlohmann::json({{"subject", "c-value"}, {"id", 4}, {"version", 2}, {"schema", kUser}})
          .dump());
  EXPECT_EQ(client.lookupSchema("a-value", {kUser}), std::nullopt);
  EXPECT_EQ(client.lookupSchema("b-value", {kUser}), std::nullopt);
  auto found = client.lookupSchema("c-value", {kUser});
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, 4);
  EXPECT_EQ(found->version, 2);
  client.lookupSchema("c-value", {kUser});
  EXPECT_EQ(http->count("POST", "/subjects/c-value"), 1u);
}

TEST_F(SchemaRegistryClientTest, LatestVersionIsNeverCachedAndSubjectsAreEncoded) {
  http->answer(
      "GET", "/subjects/com.acme.User%2Fv/versions/latest", 200,
      nlohmann::json({{"subject", "com.acme.User/v"}, {"id", 9}, {"version", 3}, {"schema", kUser}})
          .dump());
  EXPECT_EQ(client.getLatestSchema("com.acme.User/v").version, 3);
  EXPECT_EQ(client.getLatestSchema("com.acme.User/v").id, 9);
  EXPECT_EQ(http->count("GET", "/subjects/com.acme.User%2Fv/versions/latest"), 2u);
  http->answer(
      "GET", "/subjects/x/versions/2", 200,
      nlohmann::json({{"subject", "x"}, {"id", 1}, {"version", 2}, {"schema", kUser}}).dump());
  EXPECT_EQ(client.getSchema("x", 2).id, 1);
  http->answer("GET", "/subjects", 200, R"(["a-value","b-key"])");
  EXPECT_THAT(client.getSubjects(), ::testing::ElementsAre("a-value", "b-key"));
}

TEST_F(SchemaRegistryClientTest, CompatibilityCheck) {
  const std::string path = "/compatibility/subjects/u-value/versions/latest?verbose=true";
  http->answer("POST", path, 200, R"({"is_compatible":false,"messages":["b has no default"]})");
  auto result = client.testCompatibility("u-value", {kUser});
  EXPECT_FALSE(result.compatible);
  EXPECT_THAT(result.messages, ::testing::ElementsAre("b has no default"));
  http->answer("POST", path, 200, R"({"is_compatible":true})");
  EXPECT_TRUE(client.testCompatibility("u-value", {kUser}).compatible);
  // A subject without versions (Confluent answers 40401) accepts anything.
  http->answer("POST", path, 404, R"({"error_code":40401,"message":"Subject not found"})");
  EXPECT_TRUE(client.testCompatibility("u-value", {kUser}).compatible);

  http->answer("PUT", "/config/u-value", 200, R"({"compatibility":"FULL"})");
  client.setCompatibility("u-value", "FULL");
  EXPECT_EQ(nlohmann::json::parse(http->requests().back().body),
            nlohmann::json({{"compatibility", "FULL"}}));
}

TEST_F(SchemaRegistryClientTest, ConcurrentReadersShareTheCache) {
  http->answer("GET", "/schemas/ids/1", 200, nlohmann::json({{"schema", kUser}}).dump());
  client.getSchemaById(1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) ASSERT_EQ(client.getSchemaById(1).schema, kUser);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(http->count("GET", "/schemas/ids/1"), 1u);
}

TEST(SchemaRegistryClient, EmptyUrlIsAConfigError) {
  EXPECT_THROW(SchemaRegistryClient("/", std::make_shared<FakeRegistryTransport>()),
               ConfigException);
}

TEST(SubjectNames, Strategies) {
  EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicName, "orders", false, ""), "orders-value");
  EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicName, "orders", true, "x.Y"), "orders-key");
  EXPECT_EQ(subjectName(SubjectNameStrategy::kRecordName, "orders", false, "com.acme.Order"),
            "com.acme.Order");
  EXPECT_EQ(subjectName(SubjectNameStrategy::kTopicRecordName, "orders", true, "com.acme.Order"),
            "orders-com.acme.Order");
  EXPECT_THROW(subjectName(SubjectNameStrategy::kRecordName, "orders", false, ""),
               SerializationException);
}

TEST(SchemaSerdeConfig, ConfluentPropertyNames) {
  auto config = SchemaSerdeConfig::fromProperties(
      {{"auto.register.schemas", "false"},
       {"use.latest.version", "true"},
       {"value.subject.name.strategy",
        "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"},
       {"key.subject.name.strategy", "RecordNameStrategy"}},
      false);
  EXPECT_FALSE(config.is_key);
  EXPECT_FALSE(config.auto_register_schemas);
  EXPECT_TRUE(config.use_latest_version);
  EXPECT_EQ(config.subject_name_strategy, SubjectNameStrategy::kTopicRecordName);
  auto key = SchemaSerdeConfig::fromProperties(
      {{"key.subject.name.strategy", "RecordNameStrategy"}}, true);
  EXPECT_TRUE(key.is_key);
  EXPECT_TRUE(key.auto_register_schemas);
  EXPECT_EQ(key.subject_name_strategy, SubjectNameStrategy::kRecordName);
  try {
    SchemaSerdeConfig::fromProperties({{"auto.register.schemas", "yes"}}, false);
    FAIL();
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "auto.register.schemas");
  }
  EXPECT_THROW(SchemaSerdeConfig::fromProperties({{"value.subject.name.strategy", "Nope"}}, false),
               ConfigException);
}

TEST_F(SchemaRegistryClientTest, WriterSchemaFollowsTheSettings) {
  http->answer("POST", "/subjects/t-value/versions", 200, R"({"id":11})");
  SchemaSerdeConfig config;
  EXPECT_EQ(resolveWriterSchema(client, config, "t", {kUser}, "User").id, 11);

  config.auto_register_schemas = false;
  http->answer("POST", "/subjects/t-User", 404, R"({"error_code":40401,"message":"none"})");
  config.subject_name_strategy = SubjectNameStrategy::kTopicRecordName;
  try {
    resolveWriterSchema(client, config, "t", {kUser}, "User");
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("not registered under subject \"t-User\""));
    EXPECT_THAT(e.what(), HasSubstr("auto.register.schemas is false"));
  }
  EXPECT_EQ(http->count("POST", "/subjects/t-User/versions"), 0u);

  config.use_latest_version = true;
  config.subject_name_strategy = SubjectNameStrategy::kRecordName;
  http->answer(
      "GET", "/subjects/User/versions/latest", 200,
      nlohmann::json({{"subject", "User"}, {"id", 12}, {"version", 4}, {"schema", kUser}}).dump());
  EXPECT_EQ(resolveWriterSchema(client, config, "t", {"other"}, "User").id, 12);
}

TEST(WireFormat, HeaderIsMagicZeroAndBigEndianId) {
  std::string out = "x";
  wire::appendHeader(0x01020304, out);
  EXPECT_EQ(out, std::string("x\0\x01\x02\x03\x04", 6));
  out.erase(0, 1);
  out += "payload";
  wire::Framed framed = wire::parse(out);
  EXPECT_EQ(framed.schema_id, 0x01020304);
  EXPECT_EQ(framed.payload, "payload");

  std::string big;
  wire::appendHeader(-2, big);  // ids are unsigned on the wire; -2 round-trips bit for bit
  EXPECT_EQ(wire::parse(big).schema_id, -2);
  EXPECT_EQ(wire::parse(big).payload, "");
}

TEST(WireFormat, BadFramingIsASerializationException) {
  EXPECT_THROW(wire::parse(std::string("\0\0\0", 3)), wire::InvalidFramingException);
  try {
    wire::parse("{\"plain\":\"json\"}");
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown magic byte 0x7b (expected 0x00)"));
  }
}

}  // namespace
}  // namespace kstreams
