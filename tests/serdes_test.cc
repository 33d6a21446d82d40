#include "kstreams/serdes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "kstreams/json_serde.h"
#include "nlohmann/json.hpp"

namespace kstreams {
namespace {

using ::testing::HasSubstr;

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : bytes) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

std::string Unhex(std::string_view hex) {
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return bytes;
}

template <typename T>
std::string Serialize(const SerdePtr<T>& serde, const T& value) {
  std::string out;
  EXPECT_TRUE(serde->serialize("topic", value, out));
  return out;
}

// Asserts the exact encoding and that it decodes back to `value`.
template <typename T>
void ExpectEncoding(const SerdePtr<T>& serde, const T& value, std::string_view hex) {
  const std::string bytes = Serialize(serde, value);
  EXPECT_EQ(Hex(bytes), hex) << serde->name() << " " << ::testing::PrintToString(value);
  const T back = serde->deserialize("topic", bytes);
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) {
      EXPECT_TRUE(std::isnan(back));
      return;
    }
    // Tells 0.0 from -0.0, which compare equal.
    EXPECT_EQ(std::signbit(back), std::signbit(value));
  }
  EXPECT_EQ(back, value);
}

template <typename T>
std::string DeserializeError(const SerdePtr<T>& serde, std::optional<std::string_view> data) {
  try {
    serde->deserialize("events", data);
  } catch (const SerializationException& e) {
    return e.what();
  }
  ADD_FAILURE() << serde->name() << " did not throw";
  return "";
}

// The expected hex strings in the *JavaEncoding tests were printed by kafka-clients 4.4.0's
// serializers (IntegerSerializer, LongSerializer, ...) under Java 17.

TEST(SerdesTest, Int32JavaEncoding) {
  const auto serde = Serdes::Int32();
  ExpectEncoding<int32_t>(serde, 0, "00000000");
  ExpectEncoding<int32_t>(serde, 1, "00000001");
  ExpectEncoding<int32_t>(serde, -1, "ffffffff");
  ExpectEncoding<int32_t>(serde, 123456789, "075bcd15");
  ExpectEncoding<int32_t>(serde, std::numeric_limits<int32_t>::min(), "80000000");
  ExpectEncoding<int32_t>(serde, std::numeric_limits<int32_t>::max(), "7fffffff");
}

TEST(SerdesTest, Int64JavaEncoding) {
  const auto serde = Serdes::Int64();
  ExpectEncoding<int64_t>(serde, 0, "0000000000000000");
  ExpectEncoding<int64_t>(serde, 1, "0000000000000001");
  ExpectEncoding<int64_t>(serde, -1, "ffffffffffffffff");
  ExpectEncoding<int64_t>(serde, 1234567890123456789, "112210f47de98115");
  ExpectEncoding<int64_t>(serde, std::numeric_limits<int64_t>::min(), "8000000000000000");
  ExpectEncoding<int64_t>(serde, std::numeric_limits<int64_t>::max(), "7fffffffffffffff");
}

TEST(SerdesTest, Int16JavaEncoding) {
  const auto serde = Serdes::Int16();
  ExpectEncoding<int16_t>(serde, 0, "0000");
  ExpectEncoding<int16_t>(serde, 1, "0001");
  ExpectEncoding<int16_t>(serde, -1, "ffff");
  ExpectEncoding<int16_t>(serde, 12345, "3039");
  ExpectEncoding<int16_t>(serde, std::numeric_limits<int16_t>::min(), "8000");
  ExpectEncoding<int16_t>(serde, std::numeric_limits<int16_t>::max(), "7fff");
}

TEST(SerdesTest, DoubleJavaEncoding) {
  const auto serde = Serdes::Double();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  ExpectEncoding(serde, 0.0, "0000000000000000");
  ExpectEncoding(serde, -0.0, "8000000000000000");
  ExpectEncoding(serde, 1.5, "3ff8000000000000");
  ExpectEncoding(serde, std::numeric_limits<double>::quiet_NaN(), "7ff8000000000000");
  ExpectEncoding(serde, kInf, "7ff0000000000000");
  ExpectEncoding(serde, -kInf, "fff0000000000000");
  ExpectEncoding(serde, 3.141592653589793, "400921fb54442d18");
  // Java's doubleToLongBits collapses every NaN, payload and sign included, to one encoding.
  ExpectEncoding(serde, std::bit_cast<double>(uint64_t{0x7ff8000000000001}), "7ff8000000000000");
  ExpectEncoding(serde, std::bit_cast<double>(uint64_t{0xfff8000000000000}), "7ff8000000000000");
}

TEST(SerdesTest, FloatJavaEncoding) {
  const auto serde = Serdes::Float();
  ExpectEncoding(serde, 0.0f, "00000000");
  ExpectEncoding(serde, -0.0f, "80000000");
  ExpectEncoding(serde, 1.5f, "3fc00000");
  ExpectEncoding(serde, std::numeric_limits<float>::quiet_NaN(), "7fc00000");
  ExpectEncoding(serde, std::numeric_limits<float>::infinity(), "7f800000");
  ExpectEncoding(serde, 3.1415927f, "40490fdb");
  // Java's FloatSerializer uses floatToRawIntBits: NaN payloads and signs survive.
  ExpectEncoding(serde, std::bit_cast<float>(uint32_t{0x7fc00001}), "7fc00001");
  ExpectEncoding(serde, std::bit_cast<float>(uint32_t{0xffc00000}), "ffc00000");
}

TEST(SerdesTest, StringJavaEncoding) {
  const auto serde = Serdes::String();
  ExpectEncoding<std::string>(serde, "", "");
  ExpectEncoding<std::string>(serde, "héllo ✓", "68c3a96c6c6f20e29c93");
  ExpectEncoding<std::string>(serde, "hello", "68656c6c6f");
}

TEST(SerdesTest, StringDoesNotValidateUtf8) {
  // Java would read these bytes as "a\uFFFDb"; kstreams keeps them as they are.
  const std::string malformed = Unhex("61ff62");
  EXPECT_EQ(Serdes::String()->deserialize("topic", malformed), malformed);
  EXPECT_EQ(Serialize(Serdes::String(), malformed), malformed);
}

TEST(SerdesTest, BytesRoundTripsAnyByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  ExpectEncoding(Serdes::Bytes(), all, Hex(all));
  ExpectEncoding<std::string>(Serdes::Bytes(), "", "");
}

TEST(SerdesTest, NullBytesAndStringReadAsEmpty) {
  EXPECT_EQ(Serdes::Bytes()->deserialize("topic", std::nullopt), "");
  EXPECT_EQ(Serdes::String()->deserialize("topic", std::nullopt), "");
}

TEST(SerdesTest, SerializeAppendsToTheBuffer) {
  std::string out = "prefix:";
  EXPECT_TRUE(Serdes::String()->serialize("t", "abc", out));
  EXPECT_TRUE(Serdes::Bytes()->serialize("t", "de", out));
  EXPECT_TRUE(Serdes::Int16()->serialize("t", 1, out));
  EXPECT_TRUE(Serdes::Int32()->serialize("t", 2, out));
  EXPECT_TRUE(Serdes::Int64()->serialize("t", 3, out));
  EXPECT_TRUE(Serdes::Float()->serialize("t", 1.5f, out));
  EXPECT_TRUE(Serdes::Double()->serialize("t", 1.5, out));
  EXPECT_TRUE(Serdes::Optional(Serdes::Int32())->serialize("t", 4, out));
  EXPECT_TRUE(Serdes::Json<nlohmann::json>()->serialize("t", nlohmann::json{{"a", 1}}, out));
  EXPECT_EQ(Hex(out), Hex("prefix:abcde") + "0001" + "00000002" + "0000000000000003" + "3fc00000" +
                          "3ff8000000000000" + "00000004" + Hex(R"({"a":1})"));
}

TEST(SerdesTest, WrongSizeThrowsLikeJava) {
  EXPECT_THAT(DeserializeError(Serdes::Int32(), Unhex("000000")),
              HasSubstr("Size of data received by IntegerDeserializer is not 4 (got 3 bytes"));
  EXPECT_THAT(DeserializeError(Serdes::Int64(), Unhex("0000000000")),
              HasSubstr("Size of data received by LongDeserializer is not 8 (got 5 bytes"));
  EXPECT_THAT(DeserializeError(Serdes::Int16(), Unhex("000000")),
              HasSubstr("Size of data received by ShortDeserializer is not 2"));
  EXPECT_THAT(DeserializeError(Serdes::Float(), ""),
              HasSubstr("Size of data received by FloatDeserializer is not 4 (got 0 bytes"));
  EXPECT_THAT(DeserializeError(Serdes::Double(), Unhex("000000000000000000")),
              HasSubstr("Size of data received by DoubleDeserializer is not 8"));
  EXPECT_THAT(DeserializeError(Serdes::Int32(), Unhex("000000")), HasSubstr("\"events\""));
}

TEST(SerdesTest, NullNumberThrowsAndPointsToOptional) {
  const std::string message = DeserializeError(Serdes::Int32(), std::nullopt);
  EXPECT_THAT(message, HasSubstr("IntegerSerde: null where an int32 was expected"));
  EXPECT_THAT(message, HasSubstr("\"events\""));
  EXPECT_THAT(message, HasSubstr("Serdes::Optional"));
  EXPECT_THAT(DeserializeError(Serdes::Int64(), std::nullopt), HasSubstr("an int64"));
  EXPECT_THAT(DeserializeError(Serdes::Int16(), std::nullopt), HasSubstr("an int16"));
  EXPECT_THAT(DeserializeError(Serdes::Float(), std::nullopt), HasSubstr("a float"));
  EXPECT_THAT(DeserializeError(Serdes::Double(), std::nullopt), HasSubstr("a double"));
}

TEST(SerdesTest, OptionalMapsNulloptToKafkaNull) {
  const SerdePtr<std::optional<int64_t>> serde = Serdes::Optional(Serdes::Int64());
  std::string out = "x";
  EXPECT_FALSE(serde->serialize("t", std::nullopt, out));
  EXPECT_EQ(out, "x");
  EXPECT_EQ(serde->deserialize("t", std::nullopt), std::nullopt);

  EXPECT_EQ(Hex(Serialize<std::optional<int64_t>>(serde, 1)), "0000000000000001");
  EXPECT_EQ(serde->deserialize("t", Unhex("0000000000000001")), std::optional<int64_t>(1));
  // An empty value is not a null: it still goes to the inner serde.
  EXPECT_THAT(DeserializeError(serde, ""), HasSubstr("is not 8"));
  EXPECT_EQ(Serdes::Optional(Serdes::String())->deserialize("t", ""),
            std::optional<std::string>(""));

  EXPECT_EQ(serde->name(), "Optional<LongSerde>");
  EXPECT_EQ(serde->type(), std::type_index(typeid(std::optional<int64_t>)));
}

TEST(SerdesTest, NamesAndTypes) {
  EXPECT_EQ(Serdes::String()->name(), "StringSerde");
  EXPECT_EQ(Serdes::Bytes()->name(), "ByteArraySerde");
  EXPECT_EQ(Serdes::Int16()->name(), "ShortSerde");
  EXPECT_EQ(Serdes::Int32()->name(), "IntegerSerde");
  EXPECT_EQ(Serdes::Int64()->name(), "LongSerde");
  EXPECT_EQ(Serdes::Float()->name(), "FloatSerde");
  EXPECT_EQ(Serdes::Double()->name(), "DoubleSerde");
  EXPECT_EQ(Serdes::Json<nlohmann::json>()->name(), "JsonSerde<nlohmann::json>");
  EXPECT_EQ(Serdes::Int32()->type(), std::type_index(typeid(int32_t)));
  EXPECT_EQ(Serdes::String()->type(), std::type_index(typeid(std::string)));
  // Factories without arguments share one instance.
  EXPECT_EQ(Serdes::String(), Serdes::String());
  EXPECT_EQ(Serdes::Json<nlohmann::json>(), Serdes::Json<nlohmann::json>());
}

struct Point {
  int32_t x = 0;
  int32_t y = 0;
  bool operator==(const Point&) const = default;
};

TEST(SerdesTest, FromLambdas) {
  const SerdePtr<Point> serde = Serdes::from<Point>(
      [](const Point& p, std::string& out) {
        Serdes::Int32()->serialize("", p.x, out);
        Serdes::Int32()->serialize("", p.y, out);
      },
      [](std::string_view data) {
        if (data.size() != 8) throw SerializationException("PointSerde: need 8 bytes");
        return Point{Serdes::Int32()->deserialize("", data.substr(0, 4)),
                     Serdes::Int32()->deserialize("", data.substr(4))};
      },
      "PointSerde");
  ExpectEncoding(serde, Point{1, -1}, "00000001ffffffff");
  EXPECT_EQ(serde->name(), "PointSerde");
  EXPECT_EQ(serde->type(), std::type_index(typeid(Point)));
  EXPECT_THAT(DeserializeError(serde, "abc"), HasSubstr("need 8 bytes"));
  EXPECT_THAT(DeserializeError(serde, std::nullopt),
              HasSubstr("PointSerde: null where a value was expected"));
}

TEST(SerdesTest, FromLambdasThatHandleNulls) {
  // A serializer returning bool may write nulls; a deserializer taking an optional sees them.
  const SerdePtr<std::string> serde = Serdes::from<std::string>(
      [](const std::string& s, std::string& out) {
        out += s;
        return s != "<null>";
      },
      [](std::optional<std::string_view> data) {
        return data ? std::string(*data) : std::string("<null>");
      },
      "NullMarkerSerde");
  std::string out;
  EXPECT_FALSE(serde->serialize("t", "<null>", out));
  EXPECT_TRUE(serde->serialize("t", "a", out));
  EXPECT_EQ(serde->deserialize("t", std::nullopt), "<null>");
  EXPECT_EQ(serde->deserialize("t", "a"), "a");
}

TEST(SerdesTest, JsonValue) {
  const auto serde = Serdes::Json<nlohmann::json>();
  const nlohmann::json value = {{"name", "héllo"}, {"n", 3}, {"list", {1, 2.5, nullptr}}};
  const std::string bytes = Serialize(serde, value);
  EXPECT_EQ(bytes, R"({"list":[1,2.5,null],"n":3,"name":"héllo"})");
  EXPECT_EQ(serde->deserialize("t", bytes), value);
  EXPECT_EQ(serde->deserialize("t", std::nullopt), nlohmann::json(nullptr));
  EXPECT_EQ(serde->deserialize("t", "42"), nlohmann::json(42));
}

TEST(SerdesTest, JsonInvalidInputThrows) {
  const auto serde = Serdes::Json<nlohmann::json>();
  const std::string message = DeserializeError(serde, R"({"a":)");
  EXPECT_THAT(message, HasSubstr("JsonSerde<nlohmann::json>: cannot deserialize"));
  EXPECT_THAT(message, HasSubstr("parse_error"));
  EXPECT_THAT(DeserializeError(serde, ""), HasSubstr("parse_error"));

  std::string out;
  EXPECT_THROW(serde->serialize("t", nlohmann::json(Unhex("61ff")), out), SerializationException);
}

struct Order {
  std::string id;
  int64_t cents = 0;
  std::vector<std::string> tags;
  bool operator==(const Order&) const = default;
};

void to_json(nlohmann::json& j, const Order& o) {
  j = nlohmann::json{{"id", o.id}, {"cents", o.cents}, {"tags", o.tags}};
}
void from_json(const nlohmann::json& j, Order& o) {
  j.at("id").get_to(o.id);
  j.at("cents").get_to(o.cents);
  j.at("tags").get_to(o.tags);
}

TEST(SerdesTest, JsonUserType) {
  const SerdePtr<Order> serde = Serdes::Json<Order>();
  const Order order{"a-1", 1250, {"x", "y"}};
  const std::string bytes = Serialize(serde, order);
  EXPECT_EQ(bytes, R"({"cents":1250,"id":"a-1","tags":["x","y"]})");
  EXPECT_EQ(serde->deserialize("t", bytes), order);
  EXPECT_EQ(serde->name(), "JsonSerde<kstreams::(anonymous namespace)::Order>");

  EXPECT_THAT(DeserializeError(serde, R"({"id":"a-1"})"), HasSubstr("out_of_range"));
  EXPECT_THAT(DeserializeError(serde, R"({"id":7,"cents":1,"tags":[]})"), HasSubstr("type_error"));
  EXPECT_THAT(DeserializeError(serde, "nope"), HasSubstr("parse_error"));
  EXPECT_THAT(DeserializeError(serde, std::nullopt), HasSubstr("null where a JSON value"));
  // Optional makes it nullable.
  EXPECT_EQ(Serdes::Optional(serde)->deserialize("t", std::nullopt), std::nullopt);
}

TEST(SerdesTest, FromNameResolvesJavaAndShortNames) {
  struct Case {
    std::string_view name;
    std::shared_ptr<const SerdeBase> expected;
  };
  const std::string java = "org.apache.kafka.common.serialization.Serdes$";
  const std::vector<Case> cases = {
      {"String", Serdes::String()}, {"Bytes", Serdes::Bytes()},   {"ByteArray", Serdes::Bytes()},
      {"Short", Serdes::Int16()},   {"Int16", Serdes::Int16()},   {"Integer", Serdes::Int32()},
      {"Int32", Serdes::Int32()},   {"Long", Serdes::Int64()},    {"Int64", Serdes::Int64()},
      {"Float", Serdes::Float()},   {"Double", Serdes::Double()}, {" String\n", Serdes::String()},
  };
  for (const Case& c : cases) {
    const auto serde = Serdes::fromName(c.name);
    ASSERT_TRUE(serde.ok()) << c.name << ": " << serde.status();
    EXPECT_EQ(*serde, c.expected) << c.name;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<const SerdeBase>>> java_cases = {
      {"StringSerde", Serdes::String()},   {"IntegerSerde", Serdes::Int32()},
      {"LongSerde", Serdes::Int64()},      {"DoubleSerde", Serdes::Double()},
      {"ByteArraySerde", Serdes::Bytes()}, {"BytesSerde", Serdes::Bytes()},
      {"ShortSerde", Serdes::Int16()},     {"FloatSerde", Serdes::Float()},
  };
  for (const auto& [suffix, expected] : java_cases) {
    const auto serde = Serdes::fromName(java + suffix);
    ASSERT_TRUE(serde.ok()) << suffix << ": " << serde.status();
    EXPECT_EQ(*serde, expected) << suffix;
  }
}

TEST(SerdesTest, FromNameRejectsUnknownNames) {
  for (std::string_view name :
       {"string", "Int8", "", "StringSerde", "org.apache.kafka.common.serialization.Serdes$String",
        "org.apache.kafka.common.serialization.Serdes$UUIDSerde"}) {
    const auto serde = Serdes::fromName(name);
    ASSERT_FALSE(serde.ok()) << name;
    EXPECT_EQ(serde.status().code(), absl::StatusCode::kNotFound);
    const std::string message(serde.status().message());
    EXPECT_THAT(message, HasSubstr("unknown serde \"" + std::string(name) + "\""));
    EXPECT_THAT(message, HasSubstr("Integer, Int32"));
    EXPECT_THAT(message, HasSubstr("org.apache.kafka.common.serialization.Serdes$"));
    EXPECT_THAT(message, HasSubstr("ByteArraySerde"));
  }
}

}  // namespace
}  // namespace kstreams
