// JSON Schema serdes (valijson) with the registry framing, over the fake registry.
#include "kstreams/json_schema_serde.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kstreams/wire_format.h"
#include "schemas/fake_registry.h"

namespace kstreams {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::FakeRegistryTransport;

constexpr const char* kOrder = R"({"$schema":"http://json-schema.org/draft-07/schema#",
  "title":"Order","type":"object",
  "properties":{"id":{"type":"string"},"cents":{"type":"integer","minimum":0}},
  "required":["id"]})";

TEST(JsonSchema, ValidatesAndNamesThePath) {
  JsonSchema schema(kOrder);
  EXPECT_EQ(schema.title(), "Order");
  EXPECT_TRUE(schema.validate(json{{"id", "a"}, {"cents", 5}}).empty());
  auto errors = schema.validate(json{{"id", 5}, {"cents", -1}});
  ASSERT_FALSE(errors.empty());
  std::string all;
  for (const auto& e : errors) all += e + "\n";
  EXPECT_THAT(all, HasSubstr("/id: Value type not permitted"));
  EXPECT_THAT(all, HasSubstr("/cents: Expected number greater than or equal to 0"));
  EXPECT_FALSE(schema.validate(json{{"cents", 1}}).empty());
  EXPECT_THROW(JsonSchema("{nope"), SerializationException);
  EXPECT_THROW(JsonSchema(R"({"type":"object","properties":{"a":{"type":12}}})"),
               SerializationException);
}

class JsonSchemaSerdeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http->answer("POST", "/subjects/orders-value/versions", 200, R"({"id":4})");
    http->answer("GET", "/schemas/ids/4", 200,
                 json({{"schema", kOrder}, {"schemaType", "JSON"}}).dump());
  }
  std::shared_ptr<FakeRegistryTransport> http = std::make_shared<FakeRegistryTransport>();
  SchemaRegistryClientPtr registry =
      std::make_shared<SchemaRegistryClient>(FakeRegistryTransport::kBase, http);
};

TEST_F(JsonSchemaSerdeTest, FramesRegistersAndRoundTrips) {
  auto serde = Serdes::JsonSchema(registry, kOrder);
  std::string out;
  ASSERT_TRUE(serde->serialize("orders", json{{"id", "a-1"}, {"cents", 5}}, out));
  EXPECT_EQ(out, std::string("\0\0\0\0\x04", 5) + R"({"cents":5,"id":"a-1"})");
  EXPECT_EQ(json::parse(http->requests()[0].body)["schemaType"], "JSON");
  EXPECT_EQ(serde->deserialize("orders", out), (json{{"id", "a-1"}, {"cents", 5}}));
}

TEST_F(JsonSchemaSerdeTest, InvalidValuesNeverReachTheTopicNorPassOnRead) {
  auto serde = Serdes::JsonSchema(registry, kOrder);
  std::string out;
  try {
    serde->serialize("orders", json{{"cents", -3}}, out);
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("does not match the schema"));
  }
  EXPECT_TRUE(out.empty());
  std::string bad;
  wire::appendHeader(4, bad);
  bad += R"({"id":7})";
  EXPECT_THROW(serde->deserialize("orders", bad), SerializationException);
  JsonSchemaSerde lenient(registry, std::nullopt, {}, false);
  EXPECT_EQ(lenient.deserialize("orders", bad), (json{{"id", 7}}));
  EXPECT_THROW(lenient.serialize("orders", json::object(), out), SerializationException);
  // An Avro id is not a JSON Schema.
  http->answer("GET", "/schemas/ids/9", 200, R"({"schema":"\"string\""})");
  std::string avro;
  wire::appendHeader(9, avro);
  avro += "{}";
  EXPECT_THROW(serde->deserialize("orders", avro), SerializationException);
}

TEST_F(JsonSchemaSerdeTest, RecordNameStrategyUsesTheTitle) {
  SchemaSerdeConfig config;
  config.subject_name_strategy = SubjectNameStrategy::kTopicRecordName;
  http->answer("POST", "/subjects/orders-Order/versions", 200, R"({"id":6})");
  std::string out;
  Serdes::JsonSchema(registry, kOrder, config)->serialize("orders", json{{"id", "x"}}, out);
  EXPECT_EQ(wire::parse(out).schema_id, 6);
}

}  // namespace
}  // namespace kstreams
