// Kafka Connect JsonConverter-compatible serdes: exact envelope text as JsonConverter writes it
// (key order of its asJsonSchema/convertToJson), round trips, schemas.enable=false, and errors.
#include "kstreams/connect_json.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kstreams/record.h"
#include "kstreams/streams_builder.h"
#include "kstreams/topology_test_driver.h"

namespace connect_test {

struct Address {
  std::string city;
  std::optional<int32_t> zip;
  bool operator==(const Address&) const = default;
};

inline const kstreams::ConnectStruct<Address>& connectStruct(const Address*) {
  static const auto mapping = kstreams::ConnectStruct<Address>("com.acme.Address")
                                  .field("city", &Address::city)
                                  .field("zip", &Address::zip);
  return mapping;
}

struct Order {
  std::string id;
  int64_t cents = 0;
  int32_t quantity = 0;
  int16_t shelf = 0;
  int8_t flags = 0;
  bool paid = false;
  double weight = 0;
  float ratio = 0;
  kstreams::ConnectBytes token;
  std::optional<std::string> note;
  std::vector<std::string> tags;
  std::map<std::string, int64_t> counts;
  Address address;
  std::vector<Address> previous;
  bool operator==(const Order&) const = default;
};

inline const kstreams::ConnectStruct<Order>& connectStruct(const Order*) {
  static const auto mapping = kstreams::ConnectStruct<Order>("com.acme.Order")
                                  .field("id", &Order::id)
                                  .field("cents", &Order::cents)
                                  .field("quantity", &Order::quantity)
                                  .field("shelf", &Order::shelf)
                                  .field("flags", &Order::flags)
                                  .field("paid", &Order::paid)
                                  .field("weight", &Order::weight)
                                  .field("ratio", &Order::ratio)
                                  .field("token", &Order::token)
                                  .field("note", &Order::note)
                                  .field("tags", &Order::tags)
                                  .field("counts", &Order::counts)
                                  .field("address", &Order::address)
                                  .field("previous", &Order::previous);
  return mapping;
}

}  // namespace connect_test

namespace kstreams {
namespace {

using connect_test::Address;
using connect_test::Order;
using nlohmann::json;
using ::testing::HasSubstr;

std::string serialize(const auto& serde, const auto& value) {
  std::string out;
  EXPECT_TRUE(serde->serialize("t", value, out));
  return out;
}

// What JsonConverter (schemas.enable=true) writes for
//   SchemaBuilder.struct().name("com.acme.User").field("id", INT32_SCHEMA)
//       .field("name", OPTIONAL_STRING_SCHEMA)
// and Struct {id=42, name=null}: every field's schema then "field"; "optional" after the
// type-specific keys; "name" after "optional"; "schema" before "payload".
TEST(ConnectJson, EnvelopeTextIsJsonConvertersForAStruct) {
  auto schema = ConnectSchema::structure("com.acme.User")
                    .field("id", ConnectSchema::int32())
                    .field("name", ConnectSchema::string().asOptional());
  auto serde = Serdes::ConnectJson(schema);
  EXPECT_EQ(
      serialize(serde, json{{"id", 42}}),
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
      R"({"type":"string","optional":true,"field":"name"}],"optional":false,"name":"com.acme.User"},)"
      R"("payload":{"id":42,"name":null}})");
  // schemas.enable=false: the payload alone.
  EXPECT_EQ(serialize(Serdes::ConnectJson(schema, false), json{{"name", "x"}, {"id", 1}}),
            R"({"id":1,"name":"x"})");
}

TEST(ConnectJson, EnvelopeTextForPrimitivesArraysAndMaps) {
  EXPECT_EQ(serialize(Serdes::ConnectJson(ConnectSchema::boolean()), json(true)),
            R"({"schema":{"type":"boolean","optional":false},"payload":true})");
  EXPECT_EQ(serialize(Serdes::ConnectJson(ConnectSchema::int64()), json(-5)),
            R"({"schema":{"type":"int64","optional":false},"payload":-5})");
  // float64 is "double" and float32 "float" in Connect's schema JSON.
  EXPECT_EQ(serialize(Serdes::ConnectJson(ConnectSchema::float64()), json(1.0)),
            R"({"schema":{"type":"double","optional":false},"payload":1.0})");
  EXPECT_EQ(serialize(Serdes::ConnectJson(ConnectSchema::float32()), json(0.1f)),
            R"({"schema":{"type":"float","optional":false},"payload":0.1})");
  EXPECT_EQ(serialize(Serdes::ConnectJson(ConnectSchema::bytes()), json::binary({'h', 'i', '!'})),
            R"({"schema":{"type":"bytes","optional":false},"payload":"aGkh"})");
  EXPECT_EQ(
      serialize(Serdes::ConnectJson(ConnectSchema::array(ConnectSchema::string())), json{"a", "b"}),
      R"({"schema":{"type":"array","items":{"type":"string","optional":false},"optional":false},)"
      R"("payload":["a","b"]})");
  EXPECT_EQ(serialize(Serdes::ConnectJson(
                          ConnectSchema::map(ConnectSchema::string(), ConnectSchema::int32())),
                      json{{"k", 1}}),
            R"({"schema":{"type":"map","keys":{"type":"string","optional":false},)"
            R"("values":{"type":"int32","optional":false},"optional":false},"payload":{"k":1}})");
  // Non-string keys: an array of [key, value] pairs.
  EXPECT_EQ(
      serialize(Serdes::ConnectJson(
                    ConnectSchema::map(ConnectSchema::int32(), ConnectSchema::boolean()), false),
                json{{1, true}, {2, false}}),
      R"([[1,true],[2,false]])");
}

TEST(ConnectJson, SchemaMetadataKeysInConnectsOrder) {
  auto schema = ConnectSchema::int32()
                    .asOptional()
                    .withName("com.acme.Count")
                    .withVersion(2)
                    .withDoc("a count")
                    .withParameter("b", "2")
                    .withParameter("a", "1")
                    .withDefault(7);
  EXPECT_EQ(
      schema.toJson().dump(),
      R"({"type":"int32","optional":true,"name":"com.acme.Count","version":2,"doc":"a count",)"
      R"("parameters":{"b":"2","a":"1"},"default":7})");
  // A null is written as the default.
  EXPECT_EQ(serialize(Serdes::ConnectJson(schema, false), json(nullptr)), "7");
  EXPECT_EQ(ConnectSchema::fromJson(json::parse(schema.toJson().dump())), schema);
}

TEST(ConnectJson, TypedStructRoundTripAndText) {
  Order order;
  order.id = "a-1";
  order.cents = 1250;
  order.quantity = 3;
  order.shelf = -2;
  order.flags = 7;
  order.paid = true;
  order.weight = 2.5;
  order.ratio = 0.1f;
  order.token = ConnectBytes{std::string("\x00\xff", 2)};
  order.tags = {"x", "y"};
  order.counts = {{"b", 2}, {"a", 1}};
  order.address = Address{"Oslo", 150};
  order.previous = {Address{"Bergen", std::nullopt}};

  auto serde = Serdes::ConnectJson<Order>();
  const std::string text = serialize(serde, order);
  EXPECT_EQ(serde->deserialize("t", text), order);

  const std::string address_schema =
      R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"city"},)"
      R"({"type":"int32","optional":true,"field":"zip"}],"optional":false,"name":"com.acme.Address")";
  EXPECT_EQ(
      text,
      R"({"schema":{"type":"struct","fields":[)"
      R"({"type":"string","optional":false,"field":"id"},)"
      R"({"type":"int64","optional":false,"field":"cents"},)"
      R"({"type":"int32","optional":false,"field":"quantity"},)"
      R"({"type":"int16","optional":false,"field":"shelf"},)"
      R"({"type":"int8","optional":false,"field":"flags"},)"
      R"({"type":"boolean","optional":false,"field":"paid"},)"
      R"({"type":"double","optional":false,"field":"weight"},)"
      R"({"type":"float","optional":false,"field":"ratio"},)"
      R"({"type":"bytes","optional":false,"field":"token"},)"
      R"({"type":"string","optional":true,"field":"note"},)"
      R"({"type":"array","items":{"type":"string","optional":false},"optional":false,"field":"tags"},)"
      R"({"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int64","optional":false},"optional":false,"field":"counts"},)" +
          address_schema +
          R"(,"field":"address"},)"
          R"({"type":"array","items":)" +
          address_schema +
          R"(},"optional":false,"field":"previous"}],)"
          R"("optional":false,"name":"com.acme.Order"},)"
          R"("payload":{"id":"a-1","cents":1250,"quantity":3,"shelf":-2,"flags":7,)"
          R"("paid":true,"weight":2.5,"ratio":0.1,"token":"AP8=","note":null,)"
          R"("tags":["x","y"],"counts":{"a":1,"b":2},)"
          R"("address":{"city":"Oslo","zip":150},)"
          R"("previous":[{"city":"Bergen","zip":null}]}})");

  // Without the envelope.
  auto bare = Serdes::ConnectJson<Order>(false);
  const std::string payload = serialize(bare, order);
  EXPECT_EQ(payload.substr(0, 20), R"({"id":"a-1","cents":)");
  EXPECT_EQ(bare->deserialize("t", payload), order);
}

TEST(ConnectJson, ReadsWhatConnectWritesAndIgnoresUnknownFields) {
  // A record a Connect source wrote with a newer schema (an extra field) reads with ours.
  const std::string from_connect =
      R"({"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"city"},)"
      R"({"type":"int32","optional":true,"field":"zip"},{"type":"string","optional":true,"field":"street"}],)"
      R"("optional":false,"name":"com.acme.Address","version":2},)"
      R"("payload":{"city":"Oslo","zip":null,"street":"Karl Johans gate"}})";
  auto serde = Serdes::ConnectJson<Address>();
  EXPECT_EQ(serde->deserialize("t", from_connect), (Address{"Oslo", std::nullopt}));
  auto schema = ConnectSchema::fromJson(json::parse(from_connect)["schema"]);
  EXPECT_EQ(schema.fields().size(), 3u);
  // Parsed and written again, Connect's schema JSON comes out byte for byte.
  EXPECT_EQ(schema.toJson().dump(), nlohmann::ordered_json::parse(from_connect)["schema"].dump());
}

TEST(ConnectJson, ErrorsNameTheFieldAndAreSerializationExceptions) {
  auto serde = Serdes::ConnectJson<Order>();
  try {
    serde->deserialize("orders", R"({"id":"x"})");
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("JsonConverter with schemas.enable requires \"schema\" and \"payload\""));
  }
  try {
    Serdes::ConnectJson<Address>()->deserialize(
        "t", R"({"schema":null,"payload":{"city":"Oslo","zip":9999999999}})");
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("zip: 9999999999 is out of range for int32"));
  }
  try {
    Serdes::ConnectJson<Address>()->deserialize("t", R"({"schema":null,"payload":{"zip":1}})");
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("city: required field is missing or null"));
  }
  EXPECT_THROW(Serdes::ConnectJson<Address>()->deserialize("t", "not json"),
               SerializationException);

  auto schema = ConnectSchema::structure("s").field(
      "inner", ConnectSchema::structure("i").field("n", ConnectSchema::int8()));
  std::string out;
  try {
    Serdes::ConnectJson(schema)->serialize("t", json{{"inner", {{"n", 300}}}}, out);
    FAIL();
  } catch (const SerializationException& e) {
    EXPECT_THAT(e.what(), HasSubstr("inner.n: 300 is out of range for int8"));
  }
  EXPECT_THROW(Serdes::ConnectJson(schema)->serialize("t", json{{"other", 1}}, out),
               SerializationException);
  EXPECT_THROW(Serdes::ConnectJson(schema)->serialize("t", json{{"inner", nullptr}}, out),
               SerializationException);
  EXPECT_THROW(ConnectSchema::int32().field("x", ConnectSchema::int8()), std::invalid_argument);
}

TEST(ConnectJson, GenericRoundTripKeepsBytesAndNulls) {
  auto schema =
      ConnectSchema::structure()
          .field("b", ConnectSchema::bytes())
          .field("o", ConnectSchema::float64().asOptional())
          .field("m", ConnectSchema::map(ConnectSchema::int64(), ConnectSchema::string()));
  auto serde = Serdes::ConnectJson(schema);
  json value = {{"b", json::binary({1, 2, 3, 4})},
                {"o", nullptr},
                {"m", json::array({json::array({5, "five"})})}};
  EXPECT_EQ(serde->deserialize("t", serialize(serde, value)), value);
  EXPECT_EQ(serde->deserialize("t", std::nullopt), json(nullptr));
}

TEST(Base64, RoundTripsEveryLength) {
  std::string bytes;
  for (int n = 0; n < 20; ++n) {
    EXPECT_EQ(connect_internal::base64Decode(connect_internal::base64Encode(bytes), "x"), bytes);
    bytes += static_cast<char>(n * 37);
  }
  EXPECT_EQ(connect_internal::base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(connect_internal::base64Encode("fooba"), "Zm9vYmE=");
  EXPECT_THROW(connect_internal::base64Decode("Zm9=YmE=", "x"), SerializationException);
  EXPECT_THROW(connect_internal::base64Decode("Zm9", "x"), SerializationException);
}

// Through a topology: a record that is not Connect JSON goes to the deserialization handler.
TEST(ConnectJson, UndecodableRecordGoesToTheDeserializationHandler) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(Serdes::String(), Serdes::ConnectJson<Address>()))
      .mapValues([](const Address& a) { return a.city; })
      .to("out", Produced(Serdes::String(), Serdes::String()));
  StreamsConfig config{{"application.id", "connect-json"},
                       {"deserialization.exception.handler", "LogAndContinue"}};
  TopologyTestDriver driver(builder.build(), config);
  auto in = driver.createInputTopic("in", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic("out", Serdes::String(), Serdes::String());
  in.pipeInput("k", R"({"schema":null,"payload":{"city":"Oslo","zip":1}})");
  in.pipeInput("k", R"({"city":"Oslo"})");
  in.pipeInput("k", R"({"schema":null,"payload":{"city":"Rome"}})");
  auto values = out.readValuesToList();
  EXPECT_THAT(values, ::testing::ElementsAre("Oslo", "Rome"));
}

}  // namespace
}  // namespace kstreams
