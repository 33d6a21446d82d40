// JSON Schema validation on valijson for kstreams/json_schema_serde.h; the one place where
// valijson's errors become SerializationException. valijson aborts on a bad schema unless
// VALIJSON_USE_EXCEPTIONS is set, hence the define before its headers.
#define VALIJSON_USE_EXCEPTIONS 1
#include <mutex>
#include <string>
#include <utility>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "kstreams/json_schema_serde.h"
#include "kstreams/schema_compatibility.h"
#include "kstreams/wire_format.h"

namespace kstreams {

struct JsonSchema::Impl {
  std::string text;
  std::string title;
  nlohmann::json document;  // valijson's adapter reads it while validating: keep it alive
  valijson::Schema schema;
};

JsonSchema::JsonSchema(const std::string& text) {
  auto impl = std::make_shared<Impl>();
  impl->text = text;
  try {
    impl->document = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw SerializationException(std::string("JSON Schema: not JSON: ") + e.what());
  }
  if (!impl->document.is_object() && !impl->document.is_boolean()) {
    throw SerializationException("JSON Schema: a schema is an object or a boolean");
  }
  if (impl->document.is_object()) impl->title = impl->document.value("title", "");
  try {
    valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
    valijson::adapters::NlohmannJsonAdapter adapter(impl->document);
    parser.populateSchema(adapter, impl->schema);
  } catch (const std::exception& e) {
    throw SerializationException(std::string("JSON Schema: invalid schema: ") + e.what());
  }
  impl_ = std::move(impl);
}

const std::string& JsonSchema::text() const { return impl_->text; }
const std::string& JsonSchema::title() const { return impl_->title; }

std::vector<std::string> JsonSchema::validate(const nlohmann::json& value) const {
  // A Validator caches compiled regexes: one per call keeps this safe from any thread.
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(value);
  std::vector<std::string> errors;
  if (validator.validate(impl_->schema, target, &results)) return errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    std::string path;
    // valijson's context reads "<root>", "[cents]", "[0]": written as a JSON pointer, "/cents".
    for (const auto& part : error.context) {
      if (part == "<root>") continue;
      std::string_view p = part;
      if (p.size() >= 2 && p.front() == '[' && p.back() == ']') p = p.substr(1, p.size() - 2);
      if (p.size() >= 2 && p.front() == '"' && p.back() == '"') p = p.substr(1, p.size() - 2);
      path += '/';
      path += p;
    }
    errors.push_back((path.empty() ? "/" : path) + ": " + error.description);
  }
  return errors;
}

namespace {
std::string joined(const std::vector<std::string>& errors) {
  std::string out;
  for (const auto& e : errors) out += (out.empty() ? "" : "; ") + e;
  return out;
}
}  // namespace

JsonSchemaSerde::JsonSchemaSerde(SchemaRegistryClientPtr registry, std::optional<JsonSchema> schema,
                                 SchemaSerdeConfig config, bool validate_on_read)
    : registry_(std::move(registry)),
      schema_(std::move(schema)),
      config_(config),
      validate_on_read_(validate_on_read) {
  if (!registry_) throw std::invalid_argument("JsonSchemaSerde needs a SchemaRegistryClient");
}

std::string JsonSchemaSerde::name() const {
  return schema_ && !schema_->title().empty() ? "JsonSchemaSerde<" + schema_->title() + ">"
                                              : "JsonSchemaSerde";
}

std::string JsonSchemaSerde::checkSchema(std::string_view topic, Use use) const {
  if (use == Use::kRead || !schema_) return "";
  const std::string subject =
      subjectName(config_.subject_name_strategy, topic, config_.is_key, schema_->title());
  return checkWriterAgainstSubject(*registry_, config_, subject, Schema{schema_->text(), "JSON"});
}

const JsonSchemaSerde::Writer& JsonSchemaSerde::writerFor(std::string_view topic) const {
  {
    std::shared_lock lock(mutex_);
    if (auto it = writers_.find(topic); it != writers_.end()) return it->second;
  }
  if (!schema_)
    throw SerializationException(name() + " only reads: it has no schema to write with");
  RegisteredSchema registered = resolveWriterSchema(
      *registry_, config_, topic, Schema{schema_->text(), "JSON"}, schema_->title());
  Writer writer{registered.id,
                config_.use_latest_version ? JsonSchema(registered.schema.schema) : *schema_};
  std::unique_lock lock(mutex_);
  return writers_.emplace(std::string(topic), std::move(writer)).first->second;
}

JsonSchema JsonSchemaSerde::schemaById(int32_t id) const {
  {
    std::shared_lock lock(mutex_);
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  }
  Schema schema = registry_->getSchemaById(id);
  if (schema.type != "JSON") {
    throw SerializationException(name() + ": schema id " + std::to_string(id) + " is " +
                                 schema.type + ", not JSON Schema");
  }
  JsonSchema parsed(schema.schema);
  std::unique_lock lock(mutex_);
  return by_id_.emplace(id, std::move(parsed)).first->second;
}

bool JsonSchemaSerde::serialize(std::string_view topic, const nlohmann::json& value,
                                std::string& out) const {
  const Writer& writer = writerFor(topic);
  if (auto errors = writer.schema.validate(value); !errors.empty()) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) +
                                 "\"): the value does not match the schema: " + joined(errors));
  }
  std::string text;
  try {
    text = value.dump();
  } catch (const nlohmann::json::exception& e) {
    throw SerializationException(name() + ": cannot serialize: " + e.what());
  }
  wire::appendHeader(writer.id, out);
  out += text;
  return true;
}

nlohmann::json JsonSchemaSerde::deserialize(std::string_view topic,
                                            std::optional<std::string_view> data) const {
  if (!data.has_value()) return nlohmann::json(nullptr);
  const wire::Framed framed = wire::parse(*data);
  nlohmann::json value;
  try {
    value = nlohmann::json::parse(framed.payload.begin(), framed.payload.end());
  } catch (const nlohmann::json::exception& e) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) +
                                 "\"): not JSON: " + e.what());
  }
  if (validate_on_read_) {
    if (auto errors = schemaById(framed.schema_id).validate(value); !errors.empty()) {
      throw SerializationException(
          name() + " (topic \"" + std::string(topic) + "\", schema id " +
          std::to_string(framed.schema_id) +
          "): the value does not match the writer's schema: " + joined(errors));
    }
  }
  return value;
}

}  // namespace kstreams
