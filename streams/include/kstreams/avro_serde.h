// File: kstreams/avro_serde.h
//
// Avro serdes with a schema registry and the Confluent wire format (kstreams/wire_format.h), on
// Avro C (libavro). Generic records are nlohmann::json values shaped by the schema:
//
//   | Avro              | JSON value                                                   |
//   |-------------------|--------------------------------------------------------------|
//   | null, boolean     | null, true/false                                             |
//   | int, long         | integer                                                      |
//   | float, double     | number (an integer is accepted too)                          |
//   | string            | string                                                       |
//   | bytes, fixed      | nlohmann::json::binary                                       |
//   | enum              | the symbol, a string                                         |
//   | array, map        | array, object                                                |
//   | record            | object with one member per field (a missing member is null)  |
//   | union             | the value itself, written with the first branch it fits     |
//
//   auto registry = std::make_shared<SchemaRegistryClient>(url);
//   auto serde = Serdes::Avro(registry, R"({"type":"record","name":"User",...})");
//   builder.stream("users", Consumed(Serdes::String(), serde))...
//
// Writing: the serde's own schema (its "writer schema") is registered or looked up under the
// subject its SchemaSerdeConfig names (see kstreams/schema_registry.h), once per topic; the
// record is encoded with that schema behind the 5-byte header carrying its id.
// Reading: the id in the header names the writer's schema (fetched once per id and cached);
// the bytes are decoded with it and then resolved to the serde's schema (the "reader schema")
// by Avro's rules, so a reader built with v1 reads records written with v2 and the other way
// round where the rules allow: fields the reader lacks are dropped, fields the writer lacks take
// the reader's default, int/long/float promote to long/float/double, string and bytes convert,
// enum symbols map by name (or to the reader enum's default), unions pick the first matching
// branch. Without a reader schema (Serdes::AvroReader) records come out as the writer wrote them.
//
// Errors are SerializationExceptions (at a source they reach the deserialization exception
// handler): a value that does not fit the schema (naming the field path), bytes without the
// Confluent header, an id the registry does not know, an unreachable registry
// (SchemaRegistryException), writer and reader schemas that cannot be resolved (naming the field
// at fault: "field age of kstreams.test.User is missing in the writer's schema and has no
// default"). An invalid schema given to the constructor throws SerializationException at once.
//
// Thread-safety: a serde is shared by all stream threads; its caches (the writer id per topic,
// parsed writer schemas per id) sit behind std::shared_mutex. The SchemaRegistryClient is shared.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kstreams/schema_registry.h"
#include "kstreams/serde.h"
#include "nlohmann/json.hpp"

namespace kstreams {

namespace avro_internal {
class ParsedSchema;  // Avro C's schema, value class and the record defaults (avro.cc)
}

// A parsed, immutable Avro schema (Avro C behind RAII). Cheap to copy (shared).
class AvroSchema {
 public:
  // Parses `json`; throws SerializationException with Avro C's message when it is not a valid
  // Avro schema.
  explicit AvroSchema(const std::string& json);

  // The schema's text as given.
  const std::string& json() const;
  // The full name of a named schema (record, enum, fixed), "" for others.
  const std::string& fullName() const;

  // Avro binary of `value` (see the table above). Throws SerializationException naming the path
  // of a value that does not fit.
  std::string encode(const nlohmann::json& value) const;
  // Decodes `bytes` written with `writer` and resolves them to this (the reader's) schema.
  nlohmann::json decode(std::string_view bytes, const AvroSchema& writer) const;
  // Decodes `bytes` written with this schema, as written.
  nlohmann::json decode(std::string_view bytes) const;

  const avro_internal::ParsedSchema& parsed() const { return *parsed_; }

 private:
  std::shared_ptr<const avro_internal::ParsedSchema> parsed_;
};

// Generic Avro records through a schema registry (see the file comment).
class AvroGenericSerde final : public Serde<nlohmann::json>, public SchemaCheckedSerde {
 public:
  // `schema`: the writer schema for serialize and the reader schema for deserialize; nullopt
  // for a serde that only reads, records as written (serialize then throws).
  AvroGenericSerde(SchemaRegistryClientPtr registry, std::optional<AvroSchema> schema,
                   SchemaSerdeConfig config = {});

  bool serialize(std::string_view topic, const nlohmann::json& value,
                 std::string& out) const override;
  nlohmann::json deserialize(std::string_view topic,
                             std::optional<std::string_view> data) const override;
  std::string name() const override;

  // The start-time check (kstreams/schema_compatibility.h): reading, every version of the
  // topic's subject that its rule covers must resolve to this serde's schema (a reader without a
  // schema reads anything); writing, the schema must be registered or acceptable to the subject.
  std::string checkSchema(std::string_view topic, Use use) const override;

  // The writer schema registered for `topic` (resolving it now if not yet done), e.g. for a
  // compatibility check at start-up.
  RegisteredSchema writerSchemaFor(std::string_view topic) const;

 private:
  struct Writer {
    int32_t id;
    AvroSchema schema;
  };
  const Writer& writerFor(std::string_view topic) const;
  AvroSchema schemaById(int32_t id) const;

  SchemaRegistryClientPtr registry_;
  std::optional<AvroSchema> schema_;
  SchemaSerdeConfig config_;

  mutable std::shared_mutex mutex_;
  mutable std::map<std::string, Writer, std::less<>> writers_;
  mutable std::unordered_map<int32_t, AvroSchema> by_id_;
};

namespace Serdes {

// Generic Avro records written with `schema` and read into it (see AvroGenericSerde).
inline SerdePtr<nlohmann::json> Avro(SchemaRegistryClientPtr registry, const std::string& schema,
                                     SchemaSerdeConfig config = {}) {
  return std::make_shared<const AvroGenericSerde>(std::move(registry), AvroSchema(schema), config);
}

// Reads generic Avro records as their writers wrote them; cannot serialize.
inline SerdePtr<nlohmann::json> AvroReader(SchemaRegistryClientPtr registry,
                                           SchemaSerdeConfig config = {}) {
  return std::make_shared<const AvroGenericSerde>(std::move(registry), std::nullopt, config);
}

}  // namespace Serdes
}  // namespace kstreams
