// The Avro compatibility checker (kstreams/schema_compatibility.h): Avro's resolution rules
// reader against writer, and the registry's modes on top of them.
#include "kstreams/schema_compatibility.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "kstreams/avro_serde.h"
#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/json_schema_serde.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "nlohmann/json.hpp"
#include "schemas/fake_registry.h"

namespace kstreams {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A record User with the given fields (JSON text of the "fields" array's members).
std::string user(const std::string& fields, const std::string& extra = "") {
  return R"({"type":"record","name":"User","namespace":"kstreams.test")" + extra +
         R"(,"fields":[)" + fields + "]}";
}

const std::string kName = R"({"name":"name","type":"string"})";
const std::string kAgeNoDefault = R"({"name":"age","type":"int"})";
const std::string kAgeWithDefault = R"({"name":"age","type":"int","default":0})";

std::string reasons(const std::vector<SchemaIncompatibility>& problems) {
  std::string s;
  for (const auto& p : problems) s += p.toString() + "\n";
  return s;
}

TEST(AvroReadable, IdenticalSchemasAreCompatible) {
  EXPECT_THAT(checkAvroReadable(user(kName), user(kName)), IsEmpty());
  EXPECT_THAT(checkAvroReadable(R"("string")", R"("string")"), IsEmpty());
}

TEST(AvroReadable, AddedFieldWithDefaultIsReadFromOldData) {
  // New reader, old writer: the default fills the field.
  EXPECT_THAT(checkAvroReadable(user(kName + "," + kAgeWithDefault), user(kName)), IsEmpty());
  // Old reader, new writer: the extra field is skipped.
  EXPECT_THAT(checkAvroReadable(user(kName), user(kName + "," + kAgeWithDefault)), IsEmpty());
}

TEST(AvroReadable, AddedFieldWithoutDefaultCannotReadOldData) {
  auto problems = checkAvroReadable(user(kName + "," + kAgeNoDefault), user(kName));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].path, "User.age");
  EXPECT_THAT(problems[0].reason,
              HasSubstr("field age (int) is missing in the writer's schema and has no default"));
  // The other way (an old reader of new data) is fine: the field is skipped.
  EXPECT_THAT(checkAvroReadable(user(kName), user(kName + "," + kAgeNoDefault)), IsEmpty());
}

TEST(AvroReadable, RemovedFieldBreaksOldReadersUnlessItHadADefault) {
  // v2 removes age. An old reader (v1) of v2 data needs age's default.
  auto problems = checkAvroReadable(user(kName + "," + kAgeNoDefault), user(kName));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].path, "User.age");
  EXPECT_THAT(checkAvroReadable(user(kName + "," + kAgeWithDefault), user(kName)), IsEmpty());
  // A new reader (v2) of v1 data just skips it.
  EXPECT_THAT(checkAvroReadable(user(kName), user(kName + "," + kAgeNoDefault)), IsEmpty());
}

TEST(AvroReadable, RenameNeedsAnAlias) {
  const std::string old_writer = user(R"({"name":"name","type":"string"})");
  const std::string renamed = user(R"({"name":"full_name","type":"string"})");
  const std::string renamed_with_alias =
      user(R"({"name":"full_name","type":"string","aliases":["name"]})");
  auto problems = checkAvroReadable(renamed, old_writer);
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].path, "User.full_name");
  EXPECT_THAT(checkAvroReadable(renamed_with_alias, old_writer), IsEmpty());
  // A renamed record is matched through the reader record's aliases.
  const std::string person =
      R"({"type":"record","name":"Person","namespace":"kstreams.test","fields":[)" + kName + "]}";
  const std::string person_alias =
      R"({"type":"record","name":"Person","namespace":"kstreams.test","aliases":["User"],"fields":[)" +
      kName + "]}";
  auto names = checkAvroReadable(person, user(kName));
  ASSERT_THAT(names, SizeIs(1));
  EXPECT_THAT(names[0].reason, HasSubstr("different names"));
  EXPECT_THAT(checkAvroReadable(person_alias, user(kName)), IsEmpty());
}

TEST(AvroReadable, PromotionsFollowAvro) {
  auto field = [](const std::string& type) {
    return user(R"({"name":"n","type":")" + type + R"("})");
  };
  const std::vector<std::pair<std::string, std::string>> allowed = {
      {"int", "long"},     {"int", "float"},    {"int", "double"},
      {"long", "float"},   {"long", "double"},  {"float", "double"},
      {"string", "bytes"}, {"bytes", "string"}, {"boolean", "boolean"}};
  for (const auto& [writer, reader] : allowed) {
    EXPECT_THAT(checkAvroReadable(field(reader), field(writer)), IsEmpty())
        << writer << " -> " << reader;
  }
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"long", "int"},   {"double", "float"}, {"float", "long"},
      {"string", "int"}, {"int", "string"},   {"boolean", "int"}};
  for (const auto& [writer, reader] : refused) {
    auto problems = checkAvroReadable(field(reader), field(writer));
    ASSERT_THAT(problems, SizeIs(1)) << writer << " -> " << reader;
    EXPECT_EQ(problems[0].path, "User.n");
    EXPECT_THAT(problems[0].reason,
                HasSubstr("the writer's " + writer + " cannot be read as the reader's " + reader));
  }
}

TEST(AvroReadable, EnumSymbols) {
  auto color = [](const std::string& symbols, const std::string& extra = "") {
    return user(R"({"name":"c","type":{"type":"enum","name":"Color","symbols":[)" + symbols + "]" +
                extra + "}}");
  };
  // A reader with more symbols reads everything.
  EXPECT_THAT(checkAvroReadable(color(R"("RED","GREEN","BLUE")"), color(R"("RED","GREEN")")),
              IsEmpty());
  // A writer symbol the reader lacks: refused, unless the reader's enum has a default.
  auto problems = checkAvroReadable(color(R"("RED","GREEN")"), color(R"("RED","GREEN","BLUE")"));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].path, "User.c");
  EXPECT_THAT(problems[0].reason, HasSubstr("symbol BLUE"));
  EXPECT_THAT(checkAvroReadable(color(R"("RED","GREEN")", R"(,"default":"RED")"),
                                color(R"("RED","GREEN","BLUE")")),
              IsEmpty());
}

TEST(AvroReadable, Unions) {
  auto field = [](const std::string& type) { return user(R"({"name":"n","type":)" + type + "}"); };
  // Making a field optional: a union reader reads the plain writer.
  EXPECT_THAT(checkAvroReadable(field(R"(["null","string"])"), field(R"("string")")), IsEmpty());
  // A union writer read by a plain reader: the null branch cannot be read.
  auto problems = checkAvroReadable(field(R"("string")"), field(R"(["null","string"])"));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_EQ(problems[0].path, "User.n");
  EXPECT_THAT(problems[0].reason, HasSubstr("union branch null"));
  // A branch added to the writer's union that the reader's union lacks.
  problems = checkAvroReadable(field(R"(["null","string"])"), field(R"(["null","string","int"])"));
  ASSERT_THAT(problems, SizeIs(1));
  EXPECT_THAT(problems[0].reason, HasSubstr("matches no branch"));
  // A promotion inside a union.
  EXPECT_THAT(checkAvroReadable(field(R"(["null","long"])"), field(R"(["null","int"])")),
              IsEmpty());
}

TEST(AvroReadable, NestedRecordsArraysAndMapsNameTheFieldPath) {
  const std::string writer = user(
      R"({"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"}]}},)"
      R"({"name":"tags","type":{"type":"array","items":"string"}},)"
      R"({"name":"scores","type":{"type":"map","values":"int"}})");
  const std::string reader = user(
      R"({"name":"address","type":{"type":"record","name":"Address","fields":[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}},)"
      R"({"name":"tags","type":{"type":"array","items":"int"}},)"
      R"({"name":"scores","type":{"type":"map","values":"double"}})");
  auto problems = checkAvroReadable(reader, writer);
  ASSERT_THAT(problems, SizeIs(2)) << reasons(problems);
  EXPECT_EQ(problems[0].path, "User.address.zip");
  EXPECT_EQ(problems[1].path, "User.tags[]");
  EXPECT_THAT(checkAvroReadable(writer, writer), IsEmpty());
}

TEST(AvroReadable, RecursiveSchemasTerminate) {
  const std::string list =
      R"({"type":"record","name":"Node","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","Node"]}]})";
  const std::string list_long =
      R"({"type":"record","name":"Node","fields":[{"name":"v","type":"long"},{"name":"next","type":["null","Node"]}]})";
  EXPECT_THAT(checkAvroReadable(list, list), IsEmpty());
  EXPECT_THAT(checkAvroReadable(list_long, list), IsEmpty());
  EXPECT_THAT(checkAvroReadable(list, list_long), SizeIs(1));
}

TEST(AvroReadable, InvalidSchemaThrows) {
  EXPECT_THROW(checkAvroReadable(R"({"type":"record"})", R"("string")"), SerializationException);
}

// ---- modes -----------------------------------------------------------------------------------

const std::string kV1 = user(kName);
const std::string kV2 = user(kName + "," + kAgeWithDefault);
const std::string kV3NoDefault = user(kName + "," + R"({"name":"email","type":"string"})");

TEST(AvroCompatibility, Modes) {
  const std::vector<VersionedSchema> history = {{1, kV1}};
  // A new field without a default: FORWARD allows it (old readers skip it), BACKWARD does not.
  EXPECT_FALSE(
      checkAvroCompatibility(CompatibilityLevel::kBackward, kV3NoDefault, history).compatible());
  EXPECT_TRUE(
      checkAvroCompatibility(CompatibilityLevel::kForward, kV3NoDefault, history).compatible());
  EXPECT_FALSE(
      checkAvroCompatibility(CompatibilityLevel::kFull, kV3NoDefault, history).compatible());
  EXPECT_TRUE(
      checkAvroCompatibility(CompatibilityLevel::kNone, kV3NoDefault, history).compatible());
  // With a default: every mode.
  for (auto level : {CompatibilityLevel::kBackward, CompatibilityLevel::kForward,
                     CompatibilityLevel::kFull, CompatibilityLevel::kFullTransitive}) {
    EXPECT_TRUE(checkAvroCompatibility(level, kV2, history).compatible()) << toString(level);
  }
  // Removing a field without a default: BACKWARD allows it, FORWARD does not.
  const std::vector<VersionedSchema> with_age = {{1, user(kName + "," + kAgeNoDefault)}};
  EXPECT_TRUE(checkAvroCompatibility(CompatibilityLevel::kBackward, kV1, with_age).compatible());
  auto forward = checkAvroCompatibility(CompatibilityLevel::kForward, kV1, with_age);
  ASSERT_FALSE(forward.compatible());
  EXPECT_EQ(forward.describe(),
            "version 1 cannot read data written with the new schema: User.age: field age (int) "
            "is missing in the writer's schema and has no default");
}

TEST(AvroCompatibility, TransitiveChecksEveryVersion) {
  // v1 {name}, v2 {name, age = 0}, v3 {name, age without default}: v3 reads v2's data (age is
  // there), but not v1's; only the transitive mode looks that far back.
  const std::vector<VersionedSchema> history = {{1, kV1}, {2, kV2}};
  const std::string v3 = user(kName + "," + kAgeNoDefault);
  auto latest_only = checkAvroCompatibility(CompatibilityLevel::kBackward, v3, history);
  EXPECT_TRUE(latest_only.compatible()) << latest_only.describe();
  EXPECT_EQ(latest_only.versions_checked, std::vector<int32_t>{2});
  auto transitive = checkAvroCompatibility(CompatibilityLevel::kBackwardTransitive, v3, history);
  ASSERT_FALSE(transitive.compatible());
  EXPECT_EQ(transitive.versions_checked, (std::vector<int32_t>{1, 2}));
  ASSERT_THAT(transitive.problems, SizeIs(1));
  EXPECT_EQ(transitive.problems[0].version, 1);
  EXPECT_EQ(transitive.describe(),
            "the new schema cannot read data written with version 1: User.age: field age (int) is "
            "missing in the writer's schema and has no default");
}

TEST(AvroCompatibility, LevelNames) {
  EXPECT_EQ(parseCompatibilityLevel("backward_transitive"),
            CompatibilityLevel::kBackwardTransitive);
  EXPECT_EQ(toString(parseCompatibilityLevel("FULL")), "FULL");
  EXPECT_THROW(parseCompatibilityLevel("SIDEWAYS"), ConfigException);
}

// ---- against a subject (fake registry) ---------------------------------------------------------

TEST(AvroCompatibility, AgainstASubjectUsesItsRuleAndVersions) {
  auto transport = std::make_shared<testing_support::FakeRegistryTransport>();
  SchemaRegistryClient client(testing_support::FakeRegistryTransport::kBase, transport);
  transport->answer("GET", "/config/users-value", 200, R"({"compatibilityLevel":"FULL"})");
  transport->answer("GET", "/subjects/users-value/versions", 200, "[1]");
  transport->answer(
      "GET", "/subjects/users-value/versions/1", 200,
      nlohmann::json({{"subject", "users-value"}, {"id", 7}, {"version", 1}, {"schema", kV1}})
          .dump());
  auto report = checkAgainstSubject(client, "users-value", {kV3NoDefault, "AVRO"});
  EXPECT_EQ(report.level, CompatibilityLevel::kFull);
  ASSERT_FALSE(report.compatible());
  EXPECT_THAT(report.describe(),
              HasSubstr("the new schema cannot read data written with version 1: User.email"));
  // No subject: anything goes, and the registry's global rule is asked for.
  report = checkAgainstSubject(client, "nobody-value", {kV3NoDefault, "AVRO"});
  EXPECT_TRUE(report.compatible());
  EXPECT_EQ(report.level, CompatibilityLevel::kBackward);
  EXPECT_EQ(transport->count("GET", "/config"), 1u);
}

// ---- the check at KafkaStreams construction (fake registry) ------------------------------------

class StartTimeCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    client = std::make_shared<SchemaRegistryClient>(testing_support::FakeRegistryTransport::kBase,
                                                    transport);
    transport->answer("GET", "/config", 200, R"({"compatibilityLevel":"BACKWARD"})");
    for (const std::string subject : {"users-value", "users-out-value"}) {
      transport->answer("GET", "/subjects/" + subject + "/versions", 200, "[1]");
      transport->answer(
          "GET", "/subjects/" + subject + "/versions/1", 200,
          nlohmann::json({{"subject", subject}, {"id", 7}, {"version", 1}, {"schema", kV1}})
              .dump());
    }
  }
  std::unique_ptr<KafkaStreams> construct(const std::string& reader, const std::string& writer) {
    StreamsBuilder builder;
    builder.stream("users", Consumed(Serdes::String(), Serdes::Avro(client, reader)))
        .to("users-out", Produced(Serdes::String(), Serdes::Avro(client, writer)));
    return std::make_unique<KafkaStreams>(
        builder.build(),
        StreamsConfig{{"application.id", "check"}, {"bootstrap.servers", "127.0.0.1:9"}});
  }
  std::shared_ptr<testing_support::FakeRegistryTransport> transport =
      std::make_shared<testing_support::FakeRegistryTransport>();
  SchemaRegistryClientPtr client;
};

TEST_F(StartTimeCheckTest, IncompatibleTopologyRefusesToStartNamingTopicSubjectVersionAndField) {
  try {
    construct(kV3NoDefault, kV3NoDefault);
    FAIL() << "constructed";
  } catch (const IncompatibleSchemaException& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("refusing to start"));
    EXPECT_THAT(what, HasSubstr("source KSTREAM-SOURCE-0000000000 reads values of topic \"users\" "
                                "with AvroSerde<kstreams.test.User>: subject \"users-value\" "
                                "(BACKWARD) version 1 (id 7) cannot be read with the topology's "
                                "schema: User.email: field email (string) is missing in the "
                                "writer's schema and has no default"));
    EXPECT_THAT(what,
                HasSubstr("sink KSTREAM-SINK-0000000001 writes values to topic \"users-out\""));
    EXPECT_THAT(what, HasSubstr("subject \"users-out-value\" (BACKWARD) would refuse to register "
                                "the topology's schema:\n    the new schema cannot read data "
                                "written with version 1: User.email"));
  }
}

TEST_F(StartTimeCheckTest, CompatibleTopologyConstructs) {
  // v2 adds a field with a default: it reads v1 and BACKWARD accepts it; the registry agrees.
  transport->answer("POST", "/compatibility/subjects/users-out-value/versions/latest?verbose=true",
                    200, R"({"is_compatible":true})");
  EXPECT_NO_THROW(construct(kV2, kV2));
  EXPECT_EQ(transport->count("GET", "/subjects/users-value/versions/1"), 1u);
}

TEST_F(StartTimeCheckTest, JsonSchemaSinksAskTheRegistry) {
  transport->answer("POST", "/compatibility/subjects/orders-value/versions/latest?verbose=true",
                    200, R"({"is_compatible":false,"messages":["property id removed"]})");
  StreamsBuilder builder;
  builder.stream("in", Consumed(Serdes::String(), Serdes::String()))
      .mapValues([](const std::string& s) {
        return nlohmann::json{{"id", s}};
      })
      .to("orders", Produced(Serdes::String(),
                             Serdes::JsonSchema(client, R"({"title":"Order","type":"object"})")));
  try {
    KafkaStreams streams(builder.build(), StreamsConfig{{"application.id", "check-json"},
                                                        {"bootstrap.servers", "127.0.0.1:9"}});
    FAIL() << "constructed";
  } catch (const IncompatibleSchemaException& e) {
    EXPECT_THAT(e.what(), HasSubstr("writes values to topic \"orders\" with "
                                    "JsonSchemaSerde<Order>: subject \"orders-value\" (BACKWARD) "
                                    "would refuse to register the topology's schema:\n    the "
                                    "registry refuses it: property id removed"));
  }
}

TEST_F(StartTimeCheckTest, UnreachableRegistryRefusesToStart) {
  transport->setDown(true);
  try {
    construct(kV2, kV2);
    FAIL() << "constructed";
  } catch (const IncompatibleSchemaException& e) {
    EXPECT_THAT(e.what(), HasSubstr("the check failed: schema registry unreachable"));
  }
}

}  // namespace
}  // namespace kstreams
