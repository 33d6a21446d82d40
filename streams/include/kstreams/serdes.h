// File: kstreams/serdes.h
//
// The built-in serdes, byte-compatible with Kafka's Java serializers
// (org.apache.kafka.common.serialization), so a kstreams application and a Java application can
// share topics, changelogs and keys.
//
//   SerdePtr<std::string> s = Serdes::String();       // UTF-8, like Java's StringSerde
//   SerdePtr<int64_t> l = Serdes::Int64();             // 8 bytes big-endian, like LongSerde
//   auto maybe = Serdes::Optional(Serdes::Int64());    // std::nullopt <-> Kafka null
//   auto point = Serdes::from<Point>(
//       [](const Point& p, std::string& out) { out += p.ToString(); },
//       [](std::string_view data) { return Point::Parse(data); }, "PointSerde");
//
// | factory            | C++ type      | bytes (Java class)                                   |
// |--------------------|---------------|------------------------------------------------------|
// | Bytes()            | std::string   | as is (ByteArraySerde, BytesSerde)                   |
// | String()           | std::string   | UTF-8 (StringSerde)                                  |
// | Int16()            | int16_t       | 2 bytes big-endian two's complement (ShortSerde)     |
// | Int32()            | int32_t       | 4 bytes big-endian two's complement (IntegerSerde)   |
// | Int64()            | int64_t       | 8 bytes big-endian two's complement (LongSerde)      |
// | Float()            | float         | 4 bytes big-endian IEEE-754 binary32 (FloatSerde)    |
// | Double()           | double        | 8 bytes big-endian IEEE-754 binary64 (DoubleSerde)   |
// | Optional(serde)    | std::optional | the inner serde's bytes, or a Kafka null for nullopt |
// | Json<T>()          | T             | nlohmann::json dump(), in kstreams/json_serde.h      |
//
// Every factory returns an immutable serde that is safe to use from any number of threads; the
// ones without arguments return the same shared instance on each call (no allocation).
//
// Kafka nulls: Java deserializers return a Java null for a Kafka null, which C++ value types
// cannot hold. Sources therefore do not ask these serdes to read a null: the record gets ""
// (or 0) marked null (see Record::keyIsNull in kstreams/record.h), which sinks write back as a
// Kafka null, so a String or Bytes passthrough keeps tombstones and null keys, and "" stays "".
// Called directly, deserialize(nullopt) returns "" for Bytes() and String() and throws
// SerializationException for the numeric serdes. Wrap a serde in Optional() to see nulls as
// std::nullopt in functions and to write one from a computed value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "absl/status/statusor.h"
#include "kstreams/serde.h"

namespace kstreams {

namespace serdes_internal {

// The readable (demangled) name of a C++ type, for serde names in error messages.
std::string TypeName(const std::type_info& type);

// Throws the SerializationException for a Kafka null that `serde_name` cannot represent;
// `expected` names what it wanted ("an int32"). Out of line to keep callers' hot paths small.
[[noreturn]] void ThrowNull(std::string_view serde_name, std::string_view expected,
                            std::string_view topic);

template <typename T>
class OptionalSerde final : public Serde<std::optional<T>> {
 public:
  explicit OptionalSerde(SerdePtr<T> inner) : inner_(std::move(inner)) {}

  bool serialize(std::string_view topic, const std::optional<T>& value,
                 std::string& out) const override {
    return value.has_value() && inner_->serialize(topic, *value, out);
  }
  std::optional<T> deserialize(std::string_view topic,
                               std::optional<std::string_view> data) const override {
    if (!data.has_value()) return std::nullopt;
    return inner_->deserialize(topic, data);
  }
  std::string name() const override { return "Optional<" + inner_->name() + ">"; }

 private:
  SerdePtr<T> inner_;
};

template <typename T, typename SerializeFn, typename DeserializeFn>
class LambdaSerde final : public Serde<T> {
 public:
  LambdaSerde(SerializeFn serialize, DeserializeFn deserialize, std::string name)
      : serialize_(std::move(serialize)),
        deserialize_(std::move(deserialize)),
        name_(std::move(name)) {}

  bool serialize(std::string_view, const T& value, std::string& out) const override {
    if constexpr (std::is_same_v<std::invoke_result_t<const SerializeFn&, const T&, std::string&>,
                                 bool>) {
      return serialize_(value, out);
    } else {
      serialize_(value, out);
      return true;
    }
  }
  T deserialize(std::string_view topic, std::optional<std::string_view> data) const override {
    if constexpr (std::is_invocable_r_v<T, const DeserializeFn&, std::optional<std::string_view>>) {
      return deserialize_(data);
    } else {
      if (!data.has_value()) ThrowNull(name_, "a value", topic);
      return deserialize_(*data);
    }
  }
  bool deserializesNull() const override {
    return std::is_invocable_r_v<T, const DeserializeFn&, std::optional<std::string_view>>;
  }
  std::string name() const override { return name_; }

 private:
  SerializeFn serialize_;
  DeserializeFn deserialize_;
  std::string name_;
};

}  // namespace serdes_internal

// A namespace rather than a class so that kstreams/json_serde.h can add Serdes::Json<T>() without
// this header knowing about JSON.
namespace Serdes {

// Raw bytes, as Java's ByteArraySerde/BytesSerde. A Kafka null reads as "".
SerdePtr<std::string> Bytes();

// UTF-8 text, as Java's StringSerde (whose default encoding is UTF-8). A Kafka null reads as "".
// Neither direction validates UTF-8: validating would cost a pass over every record, and Java does
// not reject malformed input either (it substitutes U+FFFD, so malformed bytes read differently
// there: the bytes round-trip unchanged here, not in Java).
SerdePtr<std::string> String();

// Fixed-width big-endian numbers, as Java's ShortSerde, IntegerSerde, LongSerde, FloatSerde and
// DoubleSerde. Deserializing data of the wrong size or a Kafka null throws
// SerializationException. Double() writes every NaN as 0x7ff8000000000000, as Java's
// Double.doubleToLongBits does, so equal keys stay equal bytes; Float() keeps NaN payloads, as
// Java's Float.floatToRawIntBits does.
SerdePtr<int16_t> Int16();
SerdePtr<int32_t> Int32();
SerdePtr<int64_t> Int64();
SerdePtr<float> Float();
SerdePtr<double> Double();

// Makes any serde nullable: std::nullopt serializes to a Kafka null (serialize returns false) and
// a Kafka null deserializes to std::nullopt; other values go through `inner`, which must not be
// null. Accepts a pointer to a derived serde type too.
template <typename S>
SerdePtr<std::optional<typename S::Type>> Optional(std::shared_ptr<S> inner) {
  using T = typename S::Type;
  return std::make_shared<const serdes_internal::OptionalSerde<T>>(SerdePtr<T>(std::move(inner)));
}

// A serde from two callables, for user types that need nothing more (implementing Serde<T>
// directly is the full interface: it also sees the topic):
//   serialize:   void(const T& value, std::string& out) appends the encoding to `out`; or
//                bool(const T&, std::string&) returning false to write a Kafka null.
//   deserialize: T(std::string_view data), never called for a Kafka null (sources make it T{}
//                marked null; a direct deserialize(nullopt) throws SerializationException); or
//                T(std::optional<std::string_view> data) to handle nulls itself (then
//                deserializesNull() is true and a null is whatever it returns, written back
//                through serialize).
// Both callables are copied into the serde and may be called concurrently from several threads.
// Exceptions they throw propagate unchanged; throw SerializationException for bad input.
template <typename T, typename SerializeFn, typename DeserializeFn>
SerdePtr<T> from(SerializeFn serialize, DeserializeFn deserialize, std::string name) {
  static_assert(std::is_invocable_v<const SerializeFn&, const T&, std::string&>,
                "serialize must be callable as (const T&, std::string& out)");
  static_assert(std::is_invocable_r_v<T, const DeserializeFn&, std::string_view>,
                "deserialize must be callable as (std::string_view) or "
                "(std::optional<std::string_view>) and return T");
  return std::make_shared<const serdes_internal::LambdaSerde<T, SerializeFn, DeserializeFn>>(
      std::move(serialize), std::move(deserialize), std::move(name));
}

// Resolves a serde named in configuration (default.key.serde, default.value.serde), accepting the
// Java class names so that a Java application's configuration carries over:
//   org.apache.kafka.common.serialization.Serdes$StringSerde    String
//   ...$ByteArraySerde, ...$BytesSerde                          ByteArray, Bytes
//   ...$ShortSerde                                              Short, Int16
//   ...$IntegerSerde                                            Integer, Int32
//   ...$LongSerde                                               Long, Int64
//   ...$FloatSerde                                              Float
//   ...$DoubleSerde                                             Double
// Names are case-sensitive; surrounding whitespace is ignored. Returns NotFound, listing the
// known names, for any other name. The result is one of the shared instances above; check its
// type() before casting it to the Serde<T> a source needs.
absl::StatusOr<std::shared_ptr<const SerdeBase>> fromName(std::string_view name);

}  // namespace Serdes
}  // namespace kstreams
