// Typed Avro for user structs (kstreams/avro_struct.h): the derived schema, round trips through
// the registry serde, and evolution between two versions of a struct.
#include "kstreams/avro_struct.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kstreams/wire_format.h"
#include "schemas/fake_registry.h"

namespace avro_test {

struct Address {
  std::string city;
  bool operator==(const Address&) const = default;
};
inline const kstreams::AvroRecord<Address>& avroRecord(const Address*) {
  static const auto r =
      kstreams::AvroRecord<Address>("com.acme.Address").field("city", &Address::city);
  return r;
}

struct EntryV1 {
  std::string ip;
  int32_t status = 0;
  bool operator==(const EntryV1&) const = default;
};
inline const kstreams::AvroRecord<EntryV1>& avroRecord(const EntryV1*) {
  static const auto r = kstreams::AvroRecord<EntryV1>("com.acme.AccessLogEntry")
                            .field("ip", &EntryV1::ip)
                            .field("status", &EntryV1::status);
  return r;
}

struct EntryV2 {
  std::string ip;
  int32_t status = 0;
  int64_t bytes = 0;
  std::optional<std::string> agent;
  double ratio = 0;
  float load = 0;
  bool ok = false;
  int16_t small = 0;
  std::vector<uint8_t> raw;
  std::vector<std::string> tags;
  std::map<std::string, int64_t> counts;
  Address home;
  std::optional<Address> work;
  std::vector<Address> past;
  bool operator==(const EntryV2&) const = default;
};
inline const kstreams::AvroRecord<EntryV2>& avroRecord(const EntryV2*) {
  static const auto r = kstreams::AvroRecord<EntryV2>("com.acme.AccessLogEntry")
                            .field("ip", &EntryV2::ip)
                            .field("status", &EntryV2::status)
                            .field("bytes", &EntryV2::bytes, -1)
                            .field("agent", &EntryV2::agent)
                            .field("ratio", &EntryV2::ratio, 0.5)
                            .field("load", &EntryV2::load, 0)
                            .field("ok", &EntryV2::ok, true)
                            .field("small", &EntryV2::small, 0)
                            .field("raw", &EntryV2::raw)
                            .field("tags", &EntryV2::tags)
                            .field("counts", &EntryV2::counts)
                            .field("home", &EntryV2::home)
                            .field("work", &EntryV2::work)
                            .field("past", &EntryV2::past);
  return r;
}

}  // namespace avro_test

namespace kstreams {
namespace {

using avro_test::Address;
using avro_test::EntryV1;
using avro_test::EntryV2;
using testing_support::FakeRegistryTransport;

TEST(AvroStruct, DerivedSchema) {
  EXPECT_EQ(avroRecord(static_cast<const EntryV1*>(nullptr)).schemaJson(),
            R"({"fields":[{"name":"ip","type":"string"},{"name":"status","type":"int"}],)"
            R"("name":"AccessLogEntry","namespace":"com.acme","type":"record"})");
  const auto v2 =
      nlohmann::json::parse(avroRecord(static_cast<const EntryV2*>(nullptr)).schemaJson());
  EXPECT_EQ(v2["fields"][2],
            (nlohmann::json{{"name", "bytes"}, {"type", "long"}, {"default", -1}}));
  EXPECT_EQ(
      v2["fields"][3],
      (nlohmann::json{{"name", "agent"}, {"type", {"null", "string"}}, {"default", nullptr}}));
  EXPECT_EQ(v2["fields"][8]["type"], "bytes");
  // Address appears in full once, then by name.
  EXPECT_EQ(v2["fields"][11]["type"]["type"], "record");
  EXPECT_EQ(v2["fields"][12]["type"], (nlohmann::json{"null", "com.acme.Address"}));
  EXPECT_EQ(v2["fields"][13]["type"],
            (nlohmann::json{{"type", "array"}, {"items", "com.acme.Address"}}));
  EXPECT_NO_THROW(AvroSchema(v2.dump()));  // Avro C accepts it
}

class AvroStructTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeRegistryTransport> http = std::make_shared<FakeRegistryTransport>();
  SchemaRegistryClientPtr registry =
      std::make_shared<SchemaRegistryClient>(FakeRegistryTransport::kBase, http);
};

TEST_F(AvroStructTest, RoundTripAndEvolutionBothWays) {
  http->answer("POST", "/subjects/log-value/versions", 200, R"({"id":1})");
  auto v1 = Serdes::Avro<EntryV1>(registry);
  std::string old_record;
  v1->serialize("log", EntryV1{"10.0.0.1", 404}, old_record);
  EXPECT_EQ(wire::parse(old_record).schema_id, 1);

  // v2 is registered as id 2 by another client (the fake answers per request).
  http->answer("POST", "/subjects/log-value/versions", 200, R"({"id":2})");
  auto registry2 = std::make_shared<SchemaRegistryClient>(FakeRegistryTransport::kBase, http);
  http->answer(
      "GET", "/schemas/ids/1", 200,
      nlohmann::json({{"schema", avroRecord(static_cast<const EntryV1*>(nullptr)).schemaJson()}})
          .dump());
  auto v2 = Serdes::Avro<EntryV2>(registry2);
  EntryV2 entry;
  entry.ip = "10.0.0.2";
  entry.status = 500;
  entry.bytes = 1 << 20;
  entry.agent = "curl";
  entry.ratio = 0.25;
  entry.load = 1.5f;
  entry.ok = false;
  entry.small = -3;
  entry.raw = {0, 255};
  entry.tags = {"a"};
  entry.counts = {{"x", 1}};
  entry.home = Address{"Oslo"};
  entry.work = Address{"Bergen"};
  entry.past = {Address{"Rome"}, Address{"Paris"}};
  std::string new_record;
  v2->serialize("log", entry, new_record);
  EXPECT_EQ(wire::parse(new_record).schema_id, 2);
  EXPECT_EQ(v2->deserialize("log", new_record), entry);

  // Old reader, new record: the new fields are dropped.
  http->answer(
      "GET", "/schemas/ids/2", 200,
      nlohmann::json({{"schema", avroRecord(static_cast<const EntryV2*>(nullptr)).schemaJson()}})
          .dump());
  EXPECT_EQ(v1->deserialize("log", new_record), (EntryV1{"10.0.0.2", 500}));
  // New reader, old record: defaults fill the fields v1 did not have... except those without a
  // default (raw, tags, counts, home, past): v2 as declared here is not backward compatible.
  EXPECT_THROW(v2->deserialize("log", old_record), SerializationException);
}

struct EntryV2Compatible {
  std::string ip;
  int32_t status = 0;
  int64_t bytes = 0;
  std::optional<std::string> agent;
  bool operator==(const EntryV2Compatible&) const = default;
};
const AvroRecord<EntryV2Compatible>& avroRecord(const EntryV2Compatible*) {
  static const auto r = AvroRecord<EntryV2Compatible>("com.acme.AccessLogEntry")
                            .field("ip", &EntryV2Compatible::ip)
                            .field("status", &EntryV2Compatible::status)
                            .field("bytes", &EntryV2Compatible::bytes, -1)
                            .field("agent", &EntryV2Compatible::agent);
  return r;
}

TEST_F(AvroStructTest, NewReaderReadsOldRecordsWithDefaults) {
  http->answer(
      "GET", "/schemas/ids/1", 200,
      nlohmann::json({{"schema", avroRecord(static_cast<const EntryV1*>(nullptr)).schemaJson()}})
          .dump());
  std::string old_record;
  wire::appendHeader(1, old_record);
  old_record += AvroSchema(avroRecord(static_cast<const EntryV1*>(nullptr)).schemaJson())
                    .encode(nlohmann::json{{"ip", "1.2.3.4"}, {"status", 200}});
  EXPECT_EQ(Serdes::Avro<EntryV2Compatible>(registry)->deserialize("log", old_record),
            (EntryV2Compatible{"1.2.3.4", 200, -1, std::nullopt}));
}

}  // namespace
}  // namespace kstreams
