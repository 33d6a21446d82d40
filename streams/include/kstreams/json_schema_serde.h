// File: kstreams/json_schema_serde.h
//
// JSON Schema serdes with a schema registry and the Confluent wire format (magic byte 0, 4-byte
// schema id, then the JSON text), as Confluent's KafkaJsonSchemaSerializer writes them. Values
// are nlohmann::json; validation is JSON Schema draft 7 (valijson, header-only, kept out of this
// header).
//
//   auto serde = Serdes::JsonSchema(registry, R"({"title":"Order","type":"object",
//       "properties":{"id":{"type":"string"}},"required":["id"]})");
//   std::string out;
//   serde->serialize("orders", {{"id", "a-1"}}, out);      // registers under "orders-value"
//   serde->serialize("orders", {{"id", 5}}, out);          // throws: /id: wrong type
//
// Writing validates the value against the serde's schema (or, with use.latest.version, the
// subject's latest) and throws SerializationException listing what is wrong, so an invalid
// record never reaches the topic. Reading looks the writer's schema up by the id in the header
// (cached) and, unless `validate_on_read` is false, validates the value against it.
// RecordNameStrategy and TopicRecordNameStrategy use the schema's "title" as the record name.
//
// Errors and threads as in kstreams/avro_serde.h: SerializationExceptions (registry failures are
// SchemaRegistryException), caches behind std::shared_mutex, one serde shared by all threads.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kstreams/schema_registry.h"
#include "kstreams/serde.h"
#include "nlohmann/json.hpp"

namespace kstreams {

// A parsed, immutable JSON Schema (draft 7). Cheap to copy (shared).
class JsonSchema {
 public:
  // Throws SerializationException when `text` is not JSON or not a valid schema.
  explicit JsonSchema(const std::string& text);

  const std::string& text() const;
  // The schema's "title", "" without one.
  const std::string& title() const;
  // Empty when `value` is valid; otherwise one line per violation: "<path>: <what>".
  std::vector<std::string> validate(const nlohmann::json& value) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

class JsonSchemaSerde final : public Serde<nlohmann::json>, public SchemaCheckedSerde {
 public:
  // `schema`: the writer schema; nullopt for a serde that only reads (serialize then throws).
  JsonSchemaSerde(SchemaRegistryClientPtr registry, std::optional<JsonSchema> schema,
                  SchemaSerdeConfig config = {}, bool validate_on_read = true);

  bool serialize(std::string_view topic, const nlohmann::json& value,
                 std::string& out) const override;
  nlohmann::json deserialize(std::string_view topic,
                             std::optional<std::string_view> data) const override;
  std::string name() const override;
  // The start-time check: reading validates against each record's own writer schema, so there is
  // nothing to check; writing, the schema must be registered under the topic's subject or the
  // registry's compatibility endpoint must accept it (JSON Schema has no local checker).
  std::string checkSchema(std::string_view topic, Use use) const override;

 private:
  struct Writer {
    int32_t id;
    JsonSchema schema;
  };
  const Writer& writerFor(std::string_view topic) const;
  JsonSchema schemaById(int32_t id) const;

  SchemaRegistryClientPtr registry_;
  std::optional<JsonSchema> schema_;
  SchemaSerdeConfig config_;
  bool validate_on_read_;

  mutable std::shared_mutex mutex_;
  mutable std::map<std::string, Writer, std::less<>> writers_;
  mutable std::unordered_map<int32_t, JsonSchema> by_id_;
};

namespace Serdes {

inline SerdePtr<nlohmann::json> JsonSchema(SchemaRegistryClientPtr registry,
                                           const std::string& schema,
                                           SchemaSerdeConfig config = {}) {
  return std::make_shared<const JsonSchemaSerde>(std::move(registry), kstreams::JsonSchema(schema),
                                                 config);
}

}  // namespace Serdes
}  // namespace kstreams
