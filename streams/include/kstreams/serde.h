// File: kstreams/serde.h
//
// Serializers and deserializers turn keys and values into the bytes stored in Kafka and back.
// kstreams serializes only at the edges of a sub-topology (sources, sinks, later stores): between
// processors records travel as typed C++ objects.
//
//   auto serde = kstreams::Serdes::String();
//   std::string bytes;
//   serde->serialize("topic", std::string("hello"), bytes);   // bytes == "hello"
//   std::string back = serde->deserialize("topic", bytes);
//
// The built-in serdes (Java-compatible bytes) are in kstreams/serdes.h, JSON ones in
// kstreams/json_serde.h. A user serde implements `Serde<T>` (both directions in one object, like
// Java's `Serde<T>`), or wraps two lambdas with Serdes::from<T>().
// Serdes are immutable after construction and shared between threads through
// `std::shared_ptr<const Serde<T>>`; implementations must therefore be safe to call concurrently.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeindex>
#include <typeinfo>

namespace kstreams {

// Thrown by a serde that cannot encode or decode a value. The runtime catches it at the source
// node and hands the record to the deserialization exception handler (see streams_config.h).
class SerializationException : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Type-erased base of every Serde<T>: lets a configuration hold "some serde" (default.key.serde)
// and lets the runtime check, once at construction, that it produces the type a source needs.
class SerdeBase {
 public:
  virtual ~SerdeBase() = default;
  // The C++ type this serde encodes (typeid(T) for Serde<T>).
  virtual std::type_index type() const = 0;
  // A short human-readable name for error messages and describe(), e.g. "StringSerde".
  virtual std::string name() const = 0;
};

// Optional interface of serdes whose records follow a schema kept in a schema registry (the
// Avro and JSON Schema serdes of kstreams::schemas implement it). When KafkaStreams is
// constructed it looks for it on the key and value serdes of every source and sink and calls
// checkSchema before any record flows, so that an incompatible schema stops the application with
// a clear error instead of failing on its first record; serdes without it cost nothing.
class SchemaCheckedSerde {
 public:
  enum class Use { kRead, kWrite };
  virtual ~SchemaCheckedSerde() = default;
  // kRead: whether this serde can read the records of `topic`, i.e. every registered schema of
  // its subject that its compatibility rule covers (the latest, or all for a _TRANSITIVE rule)
  // resolves to the serde's reader schema. kWrite: whether the serde's writer schema may be
  // registered under the subject (it is already, or the subject's rule allows it). Returns "" when
  // so, otherwise the reason, naming the subject, the versions and the field at fault. Throws a
  // SerializationException when the registry cannot answer.
  virtual std::string checkSchema(std::string_view topic, Use use) const = 0;
};

namespace serdes_internal {
template <typename T>
inline constexpr bool kIsOptional = false;
template <typename U>
inline constexpr bool kIsOptional<std::optional<U>> = true;
}  // namespace serdes_internal

template <typename T>
class Serde : public SerdeBase {
 public:
  using Type = T;

  // Appends the encoding of `value` to `out` (which the caller may reuse across calls, so
  // implementations must append, not assign). Returns false to write a Kafka null instead (only
  // nullable serdes such as Serdes::Optional do that). Throws SerializationException.
  virtual bool serialize(std::string_view topic, const T& value, std::string& out) const = 0;

  // Decodes `data`; std::nullopt is a Kafka null (a record without key, or a tombstone).
  // Throws SerializationException when the bytes are not a valid encoding.
  virtual T deserialize(std::string_view topic, std::optional<std::string_view> data) const = 0;

  // Whether deserialize(topic, std::nullopt) gives the value that stands for a Kafka null. True
  // by default for std::optional types (nullopt) and false for the others: sources (and the test
  // driver) then do not call deserialize for a null but give the record a default-constructed T
  // marked null (Record::keyIsNull/valueIsNull), which sinks write back as a Kafka null. Override
  // to return true for a T with its own null (a serde whose deserialize(nullopt) returns it), or
  // to refuse nulls (deserialize(nullopt) throws: the record goes to the deserialization
  // exception handler).
  virtual bool deserializesNull() const { return serdes_internal::kIsOptional<T>; }

  std::type_index type() const final { return typeid(T); }
};

template <typename T>
using SerdePtr = std::shared_ptr<const Serde<T>>;

namespace serdes_internal {

// Decodes a key or value as sources do: a Kafka null that `serde` does not deserialize itself
// (Serde::deserializesNull, passed in as `serde_reads_null` so that callers ask once) becomes
// T{} with `*is_null` set. A T that is not default-constructible goes to deserialize(nullopt),
// which may throw.
template <typename T>
T deserializeOrNull(const Serde<T>& serde, bool serde_reads_null, std::string_view topic,
                    std::optional<std::string_view> data, bool* is_null) {
  if constexpr (std::is_default_constructible_v<T>) {
    if (!data.has_value() && !serde_reads_null) {
      *is_null = true;
      return T{};
    }
  }
  *is_null = !data.has_value() && !serde_reads_null;
  return serde.deserialize(topic, data);
}

}  // namespace serdes_internal

}  // namespace kstreams
