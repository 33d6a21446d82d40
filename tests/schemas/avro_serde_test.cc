// Avro on Avro C: encoding generic records, writer -> reader resolution (v1 reads v2 and v2
// reads v1), and the registry serde with the Confluent framing over a fake registry.
#include "kstreams/avro_serde.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "kstreams/streams_builder.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/wire_format.h"
#include "schemas/fake_registry.h"

namespace kstreams {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using testing_support::FakeRegistryTransport;

constexpr const char* kV1 = R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[
  {"name":"name","type":"string"},
  {"name":"visits","type":"int"}]})";
// v2: a new field with a default, visits promoted to long, a nested record, an enum and a union.
constexpr const char* kV2 = R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[
  {"name":"name","type":"string"},
  {"name":"visits","type":"long"},
  {"name":"email","type":["null","string"],"default":null},
  {"name":"level","type":{"type":"enum","name":"Level","symbols":["LOW","HIGH"],"default":"LOW"},"default":"HIGH"},
  {"name":"address","type":{"type":"record","name":"Address","fields":[
     {"name":"city","type":"string","default":"Oslo"},
     {"name":"token","type":"bytes","default":"\u00ff\u0001"}]},
   "default":{}}]})";

TEST(AvroSchema, InvalidSchemaThrowsAtOnce) {
  EXPECT_THROW(AvroSchema("{not json"), SerializationException);
  EXPECT_THROW(AvroSchema(R"({"type":"record","name":"X","fields":[{"name":"a","type":"nope"}]})"),
               SerializationException);
  EXPECT_EQ(AvroSchema(kV2).fullName(), "kstreams.test.User");
}

TEST(AvroSchema, EncodesAvroBinary) {
  AvroSchema v1(kV1);
  // "ab" is a zig-zag length 2 (0x04) then the bytes; 3 zig-zags to 0x06.
  EXPECT_EQ(v1.encode(json{{"name", "ab"}, {"visits", 3}}), std::string("\x04"
                                                                        "ab"
                                                                        "\x06",
                                                                        4));
  EXPECT_EQ(v1.decode(v1.encode(json{{"name", "ab"}, {"visits", -70000}})),
            (json{{"name", "ab"}, {"visits", -70000}}));
}

TEST(AvroSchema, RoundTripOfEveryKind) {
  AvroSchema v2(kV2);
  json user = {{"name", "ann"},
               {"visits", int64_t{1} << 40},
               {"email", "ann@example.com"},
               {"level", "LOW"},
               {"address", {{"city", "Rome"}, {"token", json::binary({0, 1, 2})}}}};
  EXPECT_EQ(v2.decode(v2.encode(user)), user);
  json no_email = user;
  no_email["email"] = nullptr;
  EXPECT_EQ(v2.decode(v2.encode(no_email)), no_email);
  // Missing members take their defaults.
  json defaults = v2.decode(v2.encode(json{{"name", "bo"}, {"visits", 1}}));
  EXPECT_EQ(defaults["email"], nullptr);
  EXPECT_EQ(defaults["level"], "HIGH");
  EXPECT_EQ(defaults["address"], (json{{"city", "Oslo"}, {"token", json::binary({0xff, 0x01})}}));
}

TEST(AvroSchema, ValuesThatDoNotFitNameTheField) {
  AvroSchema v2(kV2);
  auto message = [&](const json& value) {
    try {
      v2.encode(value);
    } catch (const SerializationException& e) {
      return std::string(e.what());
    }
    return std::string("no exception");
  };
  EXPECT_THAT(message(json{{"name", 1}, {"visits", 1}}), HasSubstr("name: expected a string"));
  EXPECT_THAT(message(json{{"name", "x"}, {"visits", 1}, {"level", "MID"}}),
              HasSubstr("level: \"MID\" is not a symbol of kstreams.test.Level"));
  EXPECT_THAT(message(json{{"name", "x"}, {"visits", 1}, {"email", 5}}),
              HasSubstr("email: 5 fits no branch of the union [null, string]"));
  EXPECT_THAT(message(json{{"name", "x"}, {"visits", 1}, {"extra", 5}}),
              HasSubstr("extra: not a field of kstreams.test.User"));
  EXPECT_THAT(message(json{{"visits", 1}}), HasSubstr("name: expected a string"));
}

TEST(AvroResolution, V1ReaderReadsV2Records) {
  AvroSchema v1(kV1), v2(kV2);
  const std::string written = v2.encode(json{{"name", "ann"}, {"visits", 7}, {"email", "a@b"}});
  // New fields are dropped; visits was written as a long and v1 reads an int: not allowed by
  // Avro's rules (no narrowing), so this v2 is only backward compatible. A v2 that keeps the
  // int reads fine:
  EXPECT_THROW(v1.decode(written, v2), SerializationException);
  AvroSchema v2_int(std::string(kV2).replace(std::string(kV2).find("\"long\""), 6, "\"int\""));
  EXPECT_EQ(
      v1.decode(v2_int.encode(json{{"name", "ann"}, {"visits", 7}, {"email", "a@b"}}), v2_int),
      (json{{"name", "ann"}, {"visits", 7}}));
}

TEST(AvroResolution, V2ReaderReadsV1RecordsWithDefaultsAndPromotion) {
  AvroSchema v1(kV1), v2(kV2);
  json read = v2.decode(v1.encode(json{{"name", "bo"}, {"visits", 3}}), v1);
  EXPECT_EQ(read, (json{{"name", "bo"},
                        {"visits", 3},
                        {"email", nullptr},
                        {"level", "HIGH"},
                        {"address", {{"city", "Oslo"}, {"token", json::binary({0xff, 0x01})}}}}));
}

TEST(AvroResolution, MissingFieldWithoutDefaultNamesIt) {
  AvroSchema v1(kV1);
  AvroSchema strict(R"({"type":"record","name":"User","namespace":"kstreams.test","fields":[
    {"name":"name","type":"string"},{"name":"age","type":"int"}]})");
  try {
    strict.decode(v1.encode(json{{"name", "x"}, {"visits", 1}}), v1);
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("field age of kstreams.test.User is missing in the writer's "
                                    "schema and has no default"));
  }
}

TEST(AvroResolution, EnumsUnionsAndStringBytes) {
  AvroSchema writer(R"({"type":"record","name":"R","fields":[
    {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
    {"name":"u","type":["null","int"]},
    {"name":"s","type":"string"}]})");
  AvroSchema reader(R"({"type":"record","name":"R","fields":[
    {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
    {"name":"u","type":["null","double"]},
    {"name":"s","type":"bytes"}]})");
  json read = reader.decode(writer.encode(json{{"e", "C"}, {"u", 4}, {"s", "hi"}}), writer);
  EXPECT_EQ(read, (json{{"e", "A"}, {"u", 4.0}, {"s", json::binary({'h', 'i'})}}));
  // A reader enum without the symbol and without a default refuses.
  AvroSchema no_default(R"({"type":"record","name":"R","fields":[
    {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"]}}]})");
  EXPECT_THROW(
      no_default.decode(writer.encode(json{{"e", "C"}, {"u", nullptr}, {"s", ""}}), writer),
      SerializationException);
  // Renamed record types do not resolve.
  AvroSchema other(R"({"type":"record","name":"Other","fields":[]})");
  EXPECT_THROW(other.decode(writer.encode(json{{"e", "A"}, {"u", nullptr}, {"s", ""}}), writer),
               SerializationException);
}

TEST(AvroResolution, AliasesRenameFieldsAndRecords) {
  AvroSchema writer(R"({"type":"record","name":"User","fields":[
    {"name":"name","type":"string"},{"name":"age","type":"int"}]})");
  // Field "name" renamed to "full_name", record User renamed to Person, both with aliases.
  AvroSchema reader(R"({"type":"record","name":"Person","aliases":["User"],"fields":[
    {"name":"full_name","type":"string","aliases":["name"]},{"name":"age","type":"long"}]})");
  EXPECT_EQ(reader.decode(writer.encode(json{{"name", "ann"}, {"age", 3}}), writer),
            (json{{"full_name", "ann"}, {"age", 3}}));
  // Without the field alias, the renamed field is missing in the writer's data.
  AvroSchema no_alias(R"({"type":"record","name":"Person","aliases":["User"],"fields":[
    {"name":"full_name","type":"string"}]})");
  EXPECT_THROW(no_alias.decode(writer.encode(json{{"name", "ann"}, {"age", 3}}), writer),
               SerializationException);
}

TEST(AvroResolution, TruncatedBytesAreAnError) {
  AvroSchema v1(kV1);
  std::string bytes = v1.encode(json{{"name", "abcdef"}, {"visits", 1}});
  EXPECT_THROW(v1.decode(bytes.substr(0, 3)), SerializationException);
  // A poison record whose string length claims 2^40 bytes is refused before anything allocates.
  try {
    v1.decode(std::string("\x80\x80\x80\x80\x80\x40", 6));
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("truncated record: a string of 1099511627776 bytes, 0 left"));
  }
  AvroSchema v2(kV2);
  std::string good = v2.encode(json{{"name", "a"}, {"visits", 1}});
  // name "a", visits 1, then union branch 1 (string) of email... patch the branch index to 5.
  std::string bad_branch = good;
  bad_branch[3] = '\x0a';
  EXPECT_THROW(v2.decode(bad_branch), SerializationException);
  std::string bad_enum = good;
  bad_enum[4] = '\x0a';  // level index 5 of 2 symbols
  EXPECT_THROW(v2.decode(bad_enum), SerializationException);
  EXPECT_EQ(v2.decode(good)["name"], "a");
}

class AvroSerdeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http->answer("POST", "/subjects/users-value/versions", 200, R"({"id":1})");
    http->answer("GET", "/schemas/ids/1", 200, json({{"schema", kV1}}).dump());
    http->answer("GET", "/schemas/ids/2", 200, json({{"schema", kV2}}).dump());
  }
  std::shared_ptr<FakeRegistryTransport> http = std::make_shared<FakeRegistryTransport>();
  SchemaRegistryClientPtr registry =
      std::make_shared<SchemaRegistryClient>(FakeRegistryTransport::kBase, http);
};

TEST_F(AvroSerdeTest, WritesConfluentFramingAndReadsBack) {
  auto serde = Serdes::Avro(registry, kV1);
  std::string out;
  ASSERT_TRUE(serde->serialize("users", json{{"name", "ab"}, {"visits", 3}}, out));
  EXPECT_EQ(out, std::string("\0\0\0\0\x01\x04"
                             "ab"
                             "\x06",
                             9));
  out.clear();
  serde->serialize("users", json{{"name", "cd"}, {"visits", 4}}, out);
  EXPECT_EQ(http->count("POST", "/subjects/users-value/versions"), 1u);  // once per topic
  EXPECT_EQ(serde->deserialize("users", out), (json{{"name", "cd"}, {"visits", 4}}));
  EXPECT_EQ(serde->deserialize("users", std::nullopt), json(nullptr));
}

TEST_F(AvroSerdeTest, ReaderV2ReadsRecordsWrittenWithV1AndTheOtherWay) {
  // A record framed with id 2 (v2) read by a v1 serde, and one framed with id 1 read by v2.
  AvroSchema v1(kV1),
      v2_int(std::string(kV2).replace(std::string(kV2).find("\"long\""), 6, "\"int\""));
  http->answer("GET", "/schemas/ids/3", 200, json({{"schema", v2_int.json()}}).dump());
  std::string framed_v2;
  wire::appendHeader(3, framed_v2);
  framed_v2 += v2_int.encode(json{{"name", "ann"}, {"visits", 7}, {"level", "LOW"}});
  EXPECT_EQ(Serdes::Avro(registry, kV1)->deserialize("users", framed_v2),
            (json{{"name", "ann"}, {"visits", 7}}));
  std::string framed_v1;
  wire::appendHeader(1, framed_v1);
  framed_v1 += v1.encode(json{{"name", "bo"}, {"visits", 2}});
  json read = Serdes::Avro(registry, kV2)->deserialize("users", framed_v1);
  EXPECT_EQ(read["visits"], 2);
  EXPECT_EQ(read["level"], "HIGH");
  // The generic reader gives records as written.
  EXPECT_EQ(Serdes::AvroReader(registry)->deserialize("users", framed_v2)["level"], "LOW");
}

TEST_F(AvroSerdeTest, SubjectStrategiesAndAutoRegistration) {
  SchemaSerdeConfig config;
  config.subject_name_strategy = SubjectNameStrategy::kRecordName;
  http->answer("POST", "/subjects/kstreams.test.User/versions", 200, R"({"id":5})");
  std::string out;
  Serdes::Avro(registry, kV1, config)->serialize("any", json{{"name", ""}, {"visits", 0}}, out);
  EXPECT_EQ(wire::parse(out).schema_id, 5);

  config.auto_register_schemas = false;
  config.subject_name_strategy = SubjectNameStrategy::kTopicName;
  http->answer("POST", "/subjects/other-value", 404, R"({"error_code":40401,"message":"no"})");
  out.clear();
  try {
    Serdes::Avro(registry, kV1, config)->serialize("other", json{{"name", ""}, {"visits", 0}}, out);
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("not registered under subject \"other-value\""));
  }
  config.is_key = true;
  http->answer("POST", "/subjects/other-key", 200,
               json({{"subject", "other-key"}, {"id", 8}, {"version", 1}, {"schema", kV1}}).dump());
  Serdes::Avro(registry, kV1, config)->serialize("other", json{{"name", ""}, {"visits", 0}}, out);
  EXPECT_EQ(wire::parse(out).schema_id, 8);
}

TEST_F(AvroSerdeTest, UnknownIdBadMagicAndRegistryDownAreSerializationErrors) {
  auto serde = Serdes::Avro(registry, kV1);
  http->answer("GET", "/schemas/ids/77", 404,
               R"({"error_code":40403,"message":"Schema 77 not found."})");
  std::string framed;
  wire::appendHeader(77, framed);
  framed += "x";
  EXPECT_THROW(serde->deserialize("users", framed), SchemaRegistryException);
  EXPECT_THROW(serde->deserialize("users", "plain text"), wire::InvalidFramingException);
  http->setDown(true);
  std::string framed2;
  wire::appendHeader(2, framed2);
  try {
    serde->deserialize("users", framed2);
    FAIL();
  } catch (const SchemaRegistryException& e) {
    EXPECT_TRUE(e.unavailable());
  }
}

TEST_F(AvroSerdeTest, FailuresAtTheSourceGoToTheDeserializationHandler) {
  auto serde = Serdes::Avro(registry, kV2);
  StreamsBuilder builder;
  builder.stream("users", Consumed(Serdes::String(), serde))
      .mapValues([](const json& user) {
        return user["name"].get<std::string>() + ":" + user["level"].get<std::string>();
      })
      .to("out", Produced(Serdes::String(), Serdes::String()));
  TopologyTestDriver driver(builder.build(),
                            StreamsConfig{{"application.id", "avro"},
                                          {"deserialization.exception.handler", "LogAndContinue"}});
  auto in = driver.createInputTopic("users", Serdes::String(), Serdes::Bytes());
  auto out = driver.createOutputTopic("out", Serdes::String(), Serdes::String());
  AvroSchema v1(kV1);
  std::string good;
  wire::appendHeader(1, good);
  good += v1.encode(json{{"name", "ann"}, {"visits", 1}});
  std::string unknown_id;
  wire::appendHeader(66, unknown_id);
  in.pipeInput("k", good);
  in.pipeInput("k", "not avro");
  in.pipeInput("k", unknown_id);
  in.pipeInput("k", good);
  EXPECT_THAT(out.readValuesToList(), ::testing::ElementsAre("ann:HIGH", "ann:HIGH"));
}

// A registry that is down when a sink serializes fails the record through the production
// exception handler: by default the processing stops with the registry's message.
TEST_F(AvroSerdeTest, RegistryDownAtTheSinkIsAProductionError) {
  http->setDown(true);
  StreamsBuilder builder;
  builder.stream("in", Consumed(Serdes::String(), Serdes::String()))
      .mapValues([](const std::string& name) {
        return json{{"name", name}, {"visits", 1}};
      })
      .to("users", Produced(Serdes::String(), Serdes::Avro(registry, kV1)));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"application.id", "avro-sink"}});
  auto in = driver.createInputTopic("in", Serdes::String(), Serdes::String());
  try {
    in.pipeInput("k", "ann");
    FAIL() << "the record was written without its schema id";
  } catch (const std::exception& e) {
    EXPECT_THAT(e.what(), HasSubstr("schema registry unreachable"));
  }
}

TEST_F(AvroSerdeTest, ConcurrentUseSharesTheCaches) {
  auto serde = Serdes::Avro(registry, kV1);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::string out;
        serde->serialize("users", json{{"name", std::to_string(t)}, {"visits", i}}, out);
        ASSERT_EQ(serde->deserialize("users", out)["visits"], i);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(http->count("GET", "/schemas/ids/1"), 0u);  // registered here, so known by id
}

}  // namespace
}  // namespace kstreams
