// SchemaRegistryClient over the Confluent-compatible REST API, subject naming strategies and
// the writer-schema resolution shared by schema-registry serdes. Registry answers become
// SchemaRegistryException here and nowhere else.
#include "kstreams/schema_registry.h"

#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "kstreams/errors.h"
#include "nlohmann/json.hpp"

namespace kstreams {
namespace {

// Percent-encodes everything outside RFC 3986's unreserved characters (subjects are topic or
// record names, which may hold '.', '-', '_' but also, with other strategies, anything).
std::string encodePathSegment(std::string_view segment) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(segment.size());
  for (char c : segment) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

std::string schemaRequestBody(const Schema& schema) {
  nlohmann::json body = {{"schema", schema.schema}};
  // Confluent's API leaves schemaType out for Avro, its default.
  if (!schema.type.empty() && schema.type != "AVRO") body["schemaType"] = schema.type;
  return body.dump();
}

nlohmann::json parseJson(const std::string& text, const std::string& what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw SchemaRegistryException("schema registry: " + what + ": the answer is not JSON (" +
                                      e.what() + "): " + text.substr(0, 200),
                                  200, 0);
  }
}

// Reads a field of a registry answer, naming the request when it is missing or mistyped.
template <typename T>
T field(const nlohmann::json& json, const char* name, const std::string& what) {
  try {
    return json.at(name).get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw SchemaRegistryException("schema registry: " + what + ": unexpected answer (" + e.what() +
                                      "): " + json.dump().substr(0, 200),
                                  200, 0);
  }
}

Schema schemaFrom(const nlohmann::json& json, const std::string& what) {
  Schema schema;
  schema.schema = field<std::string>(json, "schema", what);
  auto type = json.find("schemaType");
  schema.type = type != json.end() && type->is_string() ? type->get<std::string>() : "AVRO";
  return schema;
}

RegisteredSchema registeredFrom(const nlohmann::json& json, const std::string& what) {
  RegisteredSchema r;
  r.subject = field<std::string>(json, "subject", what);
  r.id = field<int32_t>(json, "id", what);
  r.version = field<int32_t>(json, "version", what);
  r.schema = schemaFrom(json, what);
  return r;
}

}  // namespace

SchemaRegistryClient::SchemaRegistryClient(std::string base_url,
                                           std::shared_ptr<HttpTransport> transport)
    : base_url_(std::move(base_url)), transport_(std::move(transport)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  if (base_url_.empty()) throw ConfigException("schema.registry.url", "must not be empty");
  if (!transport_) transport_ = makeCurlHttpTransport();
}

std::string SchemaRegistryClient::call(const char* method, const std::string& path,
                                       const std::string& body) {
  HttpRequest request{method, base_url_ + path, body};
  HttpResponse response = transport_->send(request);
  if (response.status >= 200 && response.status < 300) return std::move(response.body);
  // The API's error body: {"error_code": 40403, "message": "..."}.
  int error_code = 0;
  std::string message = response.body.substr(0, 300);
  try {
    auto json = nlohmann::json::parse(response.body);
    if (json.is_object()) {
      if (auto c = json.find("error_code"); c != json.end() && c->is_number_integer()) {
        error_code = c->get<int>();
      }
      if (auto m = json.find("message"); m != json.end() && m->is_string()) {
        message = m->get<std::string>();
      }
    }
  } catch (const nlohmann::json::exception&) {
    // Not the API's JSON (a proxy's page, say): keep the raw text.
  }
  std::string what = "schema registry: " + request.method + " " + request.url + ": HTTP " +
                     std::to_string(response.status);
  if (error_code != 0) what += " (error " + std::to_string(error_code) + ")";
  if (!message.empty()) what += ": " + message;
  throw SchemaRegistryException(what, response.status, error_code);
}

std::string SchemaRegistryClient::key(const std::string& subject, const Schema& schema) {
  std::string k;
  k.reserve(subject.size() + schema.type.size() + schema.schema.size() + 2);
  k += subject;
  k += '\0';
  k += schema.type;
  k += '\0';
  k += schema.schema;
  return k;
}

int32_t SchemaRegistryClient::registerSchema(const std::string& subject, const Schema& schema) {
  const std::string k = key(subject, schema);
  {
    std::shared_lock lock(mutex_);
    if (auto it = ids_by_subject_schema_.find(k); it != ids_by_subject_schema_.end()) {
      return it->second;
    }
  }
  const std::string what = "register under " + subject;
  const auto answer =
      parseJson(call("POST", "/subjects/" + encodePathSegment(subject) + "/versions",
                     schemaRequestBody(schema)),
                what);
  const auto id = field<int32_t>(answer, "id", what);
  std::unique_lock lock(mutex_);
  ids_by_subject_schema_.emplace(k, id);
  schemas_by_id_.emplace(id, schema);
  return id;
}

std::optional<RegisteredSchema> SchemaRegistryClient::lookupSchema(const std::string& subject,
                                                                   const Schema& schema) {
  const std::string k = key(subject, schema);
  {
    std::shared_lock lock(mutex_);
    if (auto it = registered_by_subject_schema_.find(k);
        it != registered_by_subject_schema_.end()) {
      return it->second;
    }
  }
  const std::string what = "look up under " + subject;
  std::string body;
  try {
    body = call("POST", "/subjects/" + encodePathSegment(subject), schemaRequestBody(schema));
  } catch (const SchemaRegistryException& e) {
    // 40401 subject not found, 40403 schema not found under it.
    if (e.httpStatus() == 404) return std::nullopt;
    throw;
  }
  RegisteredSchema found = registeredFrom(parseJson(body, what), what);
  // The registry may answer with its own (normalised) text; keep the caller's for the cache.
  found.schema = schema;
  std::unique_lock lock(mutex_);
  registered_by_subject_schema_.emplace(k, found);
  ids_by_subject_schema_.emplace(k, found.id);
  schemas_by_id_.emplace(found.id, schema);
  return found;
}

Schema SchemaRegistryClient::getSchemaById(int32_t id) {
  {
    std::shared_lock lock(mutex_);
    if (auto it = schemas_by_id_.find(id); it != schemas_by_id_.end()) return it->second;
  }
  const std::string what = "schema id " + std::to_string(id);
  Schema schema =
      schemaFrom(parseJson(call("GET", "/schemas/ids/" + std::to_string(id), ""), what), what);
  std::unique_lock lock(mutex_);
  return schemas_by_id_.emplace(id, std::move(schema)).first->second;
}

RegisteredSchema SchemaRegistryClient::getLatestSchema(const std::string& subject) {
  const std::string what = "latest version of " + subject;
  return registeredFrom(
      parseJson(call("GET", "/subjects/" + encodePathSegment(subject) + "/versions/latest", ""),
                what),
      what);
}

RegisteredSchema SchemaRegistryClient::getSchema(const std::string& subject, int32_t version) {
  const std::string what = "version " + std::to_string(version) + " of " + subject;
  return registeredFrom(parseJson(call("GET",
                                       "/subjects/" + encodePathSegment(subject) + "/versions/" +
                                           std::to_string(version),
                                       ""),
                                  what),
                        what);
}

std::vector<std::string> SchemaRegistryClient::getSubjects() {
  const auto answer = parseJson(call("GET", "/subjects", ""), "subjects");
  try {
    return answer.get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw SchemaRegistryException(
        std::string("schema registry: subjects: unexpected answer: ") + e.what(), 200, 0);
  }
}

CompatibilityResult SchemaRegistryClient::testCompatibility(const std::string& subject,
                                                            const Schema& schema) {
  const std::string what = "compatibility under " + subject;
  std::string body;
  try {
    body = call(
        "POST",
        "/compatibility/subjects/" + encodePathSegment(subject) + "/versions/latest?verbose=true",
        schemaRequestBody(schema));
  } catch (const SchemaRegistryException& e) {
    // Confluent's registry answers 40401 for a subject without versions: nothing to break.
    if (e.errorCode() == 40401) return CompatibilityResult{true, {}};
    throw;
  }
  const auto answer = parseJson(body, what);
  CompatibilityResult result;
  result.compatible = field<bool>(answer, "is_compatible", what);
  if (auto m = answer.find("messages"); m != answer.end() && m->is_array()) {
    for (const auto& message : *m) {
      result.messages.push_back(message.is_string() ? message.get<std::string>() : message.dump());
    }
  }
  return result;
}

void SchemaRegistryClient::setCompatibility(const std::string& subject, const std::string& level) {
  call("PUT", "/config/" + encodePathSegment(subject),
       nlohmann::json({{"compatibility", level}}).dump());
}

void SchemaRegistryClient::deleteSubject(const std::string& subject) {
  for (const char* query : {"", "?permanent=true"}) {
    try {
      call("DELETE", "/subjects/" + encodePathSegment(subject) + query, "");
    } catch (const SchemaRegistryException& e) {
      if (e.httpStatus() != 404) throw;
    }
  }
  std::unique_lock lock(mutex_);
  const std::string prefix = subject + '\0';
  for (auto* cache : {&ids_by_subject_schema_}) {
    for (auto it = cache->begin(); it != cache->end();) {
      it = it->first.compare(0, prefix.size(), prefix) == 0 ? cache->erase(it) : std::next(it);
    }
  }
  for (auto it = registered_by_subject_schema_.begin();
       it != registered_by_subject_schema_.end();) {
    it = it->first.compare(0, prefix.size(), prefix) == 0 ? registered_by_subject_schema_.erase(it)
                                                          : std::next(it);
  }
}

std::optional<std::string> SchemaRegistryClient::getCompatibility(const std::string& subject) {
  const std::string path = subject.empty() ? "/config" : "/config/" + encodePathSegment(subject);
  const std::string what = "compatibility rule of " + (subject.empty() ? "the registry" : subject);
  std::string body;
  try {
    body = call("GET", path, "");
  } catch (const SchemaRegistryException& e) {
    // 40401 subject not found, 40408 subject without its own rule.
    if (e.httpStatus() == 404) return std::nullopt;
    throw;
  }
  const auto answer = parseJson(body, what);
  // Confluent answers {"compatibilityLevel": "..."}; some versions "compatibility".
  for (const char* key : {"compatibilityLevel", "compatibility"}) {
    if (auto it = answer.find(key); it != answer.end() && it->is_string())
      return it->get<std::string>();
  }
  return std::nullopt;
}

std::vector<int32_t> SchemaRegistryClient::getVersions(const std::string& subject) {
  const std::string what = "versions of " + subject;
  std::string body;
  try {
    body = call("GET", "/subjects/" + encodePathSegment(subject) + "/versions", "");
  } catch (const SchemaRegistryException& e) {
    if (e.httpStatus() == 404) return {};
    throw;
  }
  try {
    auto versions = parseJson(body, what).get<std::vector<int32_t>>();
    std::sort(versions.begin(), versions.end());
    return versions;
  } catch (const nlohmann::json::exception& e) {
    throw SchemaRegistryException("schema registry: " + what + ": unexpected answer: " + e.what(),
                                  200, 0);
  }
}

// ---- naming and settings
// -------------------------------------------------------------------------

std::string subjectName(SubjectNameStrategy strategy, std::string_view topic, bool is_key,
                        std::string_view record_name) {
  if (strategy != SubjectNameStrategy::kTopicName && record_name.empty()) {
    throw SerializationException(
        std::string(strategy == SubjectNameStrategy::kRecordName ? "RecordNameStrategy"
                                                                 : "TopicRecordNameStrategy") +
        " needs a named record schema (topic \"" + std::string(topic) + "\")");
  }
  switch (strategy) {
    case SubjectNameStrategy::kTopicName:
      return std::string(topic) + (is_key ? "-key" : "-value");
    case SubjectNameStrategy::kRecordName:
      return std::string(record_name);
    case SubjectNameStrategy::kTopicRecordName:
      return std::string(topic) + "-" + std::string(record_name);
  }
  return {};
}

SubjectNameStrategy parseSubjectNameStrategy(std::string_view value, const std::string& key) {
  std::string_view simple = value;
  if (auto dot = simple.rfind('.'); dot != std::string_view::npos) simple.remove_prefix(dot + 1);
  if (simple == "TopicNameStrategy") return SubjectNameStrategy::kTopicName;
  if (simple == "RecordNameStrategy") return SubjectNameStrategy::kRecordName;
  if (simple == "TopicRecordNameStrategy") return SubjectNameStrategy::kTopicRecordName;
  throw ConfigException(key, "\"" + std::string(value) +
                                 "\" is not TopicNameStrategy, RecordNameStrategy or "
                                 "TopicRecordNameStrategy");
}

namespace {
bool parseBool(const std::map<std::string, std::string>& properties, const std::string& key,
               bool fallback) {
  auto it = properties.find(key);
  if (it == properties.end()) return fallback;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  throw ConfigException(key, "\"" + it->second + "\" is not true or false");
}
}  // namespace

SchemaSerdeConfig SchemaSerdeConfig::fromProperties(
    const std::map<std::string, std::string>& properties, bool is_key) {
  SchemaSerdeConfig config;
  config.is_key = is_key;
  config.auto_register_schemas =
      parseBool(properties, "auto.register.schemas", config.auto_register_schemas);
  config.use_latest_version =
      parseBool(properties, "use.latest.version", config.use_latest_version);
  const std::string strategy_key =
      is_key ? "key.subject.name.strategy" : "value.subject.name.strategy";
  if (auto it = properties.find(strategy_key); it != properties.end()) {
    config.subject_name_strategy = parseSubjectNameStrategy(it->second, strategy_key);
  }
  return config;
}

RegisteredSchema resolveWriterSchema(SchemaRegistryClient& client, const SchemaSerdeConfig& config,
                                     std::string_view topic, const Schema& schema,
                                     std::string_view record_name) {
  const std::string subject =
      subjectName(config.subject_name_strategy, topic, config.is_key, record_name);
  if (config.use_latest_version) return client.getLatestSchema(subject);
  if (config.auto_register_schemas) {
    RegisteredSchema registered;
    registered.subject = subject;
    registered.id = client.registerSchema(subject, schema);
    registered.schema = schema;
    return registered;
  }
  if (auto found = client.lookupSchema(subject, schema)) return *found;
  throw SerializationException("schema not registered under subject \"" + subject +
                               "\" and auto.register.schemas is false (topic \"" +
                               std::string(topic) + "\")");
}

}  // namespace kstreams
