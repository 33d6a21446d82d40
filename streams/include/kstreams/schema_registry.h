// File: kstreams/schema_registry.h
//
// A client of a schema registry's Confluent-compatible REST API (Confluent Schema Registry, or
// Apicurio Registry at <base>/apis/ccompat/v7; `scripts/registry start` runs one), and the
// pieces that schema-registry serdes share: subject naming strategies and the serde settings
// (auto.register.schemas, use.latest.version) under Confluent's property names.
//
//   auto client = std::make_shared<kstreams::SchemaRegistryClient>(
//       "http://127.0.0.1:8081/apis/ccompat/v7");
//   int32_t id = client->registerSchema("orders-value", {avro_schema_text, "AVRO"});
//   kstreams::Schema back = client->getSchemaById(id);                 // cached
//   kstreams::RegisteredSchema latest = client->getLatestSchema("orders-value");
//   kstreams::CompatibilityResult check = client->testCompatibility("orders-value", {v2, "AVRO"});
//
// Link kstreams::schemas (libcurl underneath; kstreams::streams does not need it).
//
// Errors: every failure throws SchemaRegistryException, a SerializationException, so inside a
// serde at a source it reaches the deserialization exception handler like any undecodable record
// (the record is never skipped silently unless that handler says so), and at a sink the
// production exception handler. The message names the method, the URL, the HTTP status and the
// registry's error_code and message; httpStatus() is 0 when the registry could not be reached.
//
// Thread-safety: one client is meant to be shared (std::shared_ptr) by all stream threads and
// serdes of an application; every method may be called concurrently. Its caches sit behind a
// std::shared_mutex (readers do not block each other); HTTP requests run outside the lock.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kstreams/serde.h"

namespace kstreams {

// A registry request failed: the registry was unreachable (httpStatus() == 0), answered an error
// (httpStatus() >= 400, errorCode() is its "error_code", e.g. 40403 schema not found, 40401
// subject not found, 409 incompatible), or answered something that is not the API's JSON.
class SchemaRegistryException : public SerializationException {
 public:
  SchemaRegistryException(const std::string& what, int http_status, int error_code)
      : SerializationException(what), http_status_(http_status), error_code_(error_code) {}
  int httpStatus() const { return http_status_; }
  int errorCode() const { return error_code_; }
  // True when the registry could not be reached or answered 5xx: retrying later may succeed.
  bool unavailable() const { return http_status_ == 0 || http_status_ >= 500; }

 private:
  int http_status_;
  int error_code_;
};

// ---- HTTP -------------------------------------------------------------------------------------

struct HttpRequest {
  std::string method;  // "GET", "POST", "PUT", "DELETE"
  std::string url;
  std::string body;  // sent as application/vnd.schemaregistry.v1+json when not empty
};

struct HttpResponse {
  int status = 0;
  std::string body;
};

// What the client sends its requests through: libcurl in production (makeCurlHttpTransport),
// a fake in unit tests. Implementations must be safe to call from several threads at once.
class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends `request` and returns the response whatever its status. Throws
  // SchemaRegistryException with httpStatus() 0 when no response came (connection refused,
  // timeout, DNS).
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

// libcurl, one pooled easy handle per concurrent request (kept-alive connections), each request
// bounded by `timeout` (connect included).
std::shared_ptr<HttpTransport> makeCurlHttpTransport(
    std::chrono::milliseconds timeout = std::chrono::seconds(10));

// ---- schemas
// --------------------------------------------------------------------------------------

// A schema as the registry stores it: its text and type ("AVRO", "JSON", "PROTOBUF").
struct Schema {
  std::string schema;
  std::string type = "AVRO";
  bool operator==(const Schema&) const = default;
};

// A schema registered under a subject.
struct RegisteredSchema {
  std::string subject;
  int32_t id = 0;
  int32_t version = 0;
  Schema schema;
};

// The registry's verdict on a candidate schema against a subject's latest version.
struct CompatibilityResult {
  bool compatible = false;
  // The registry's explanations (verbose mode), when it gives any.
  std::vector<std::string> messages;
};

// ---- the client --------------------------------------------------------------------------------

class SchemaRegistryClient {
 public:
  // `base_url`: the Confluent-compatible API's root, e.g. "http://127.0.0.1:8081" for Confluent's
  // registry, "http://127.0.0.1:PORT/apis/ccompat/v7" for Apicurio (a trailing '/' is ignored).
  // `transport`: nullptr for libcurl with a 10 s timeout.
  explicit SchemaRegistryClient(std::string base_url,
                                std::shared_ptr<HttpTransport> transport = nullptr);

  const std::string& baseUrl() const { return base_url_; }

  // Registers `schema` under `subject` (POST /subjects/{subject}/versions) and returns its id;
  // registering a schema the subject already has returns the existing id. Cached per (subject,
  // schema): a second call does not ask the registry. Throws (409 when the subject's
  // compatibility rule refuses it, 422 when it is not a valid schema).
  int32_t registerSchema(const std::string& subject, const Schema& schema);

  // The registered version of `schema` under `subject` (POST /subjects/{subject}), or nullopt
  // when the subject or that schema is not there. Cached when found.
  std::optional<RegisteredSchema> lookupSchema(const std::string& subject, const Schema& schema);

  // The schema with global id `id` (GET /schemas/ids/{id}). Ids never change meaning, so this is
  // cached for the client's life. Throws SchemaRegistryException (errorCode() 40403) for an
  // unknown id.
  Schema getSchemaById(int32_t id);

  // The latest version under `subject` (GET /subjects/{subject}/versions/latest); never cached.
  // Throws (40401) for an unknown subject.
  RegisteredSchema getLatestSchema(const std::string& subject);

  // Version `version` of `subject` (GET /subjects/{subject}/versions/{version}).
  RegisteredSchema getSchema(const std::string& subject, int32_t version);

  // All subjects (GET /subjects).
  std::vector<std::string> getSubjects();

  // Whether `schema` may be registered under `subject` as its compatibility rule stands
  // (POST /compatibility/subjects/{subject}/versions/latest?verbose=true). A subject without
  // versions accepts anything.
  CompatibilityResult testCompatibility(const std::string& subject, const Schema& schema);

  // Sets `subject`'s compatibility rule (PUT /config/{subject}): "BACKWARD", "FORWARD", "FULL",
  // their "_TRANSITIVE" forms, or "NONE".
  void setCompatibility(const std::string& subject, const std::string& level);

  // Deletes `subject` and all its versions for good (DELETE /subjects/{subject}, then again with
  // ?permanent=true); a subject that does not exist is not an error. Cached ids stay valid.
  void deleteSubject(const std::string& subject);

  // `subject`'s own compatibility rule (GET /config/{subject}), or the registry's global one
  // (GET /config) for an empty `subject`; nullopt when none is set there.
  std::optional<std::string> getCompatibility(const std::string& subject);

  // The version numbers registered under `subject` (GET /subjects/{subject}/versions), oldest
  // first; empty when the subject does not exist.
  std::vector<int32_t> getVersions(const std::string& subject);

 private:
  // One request; returns the body of a 2xx response, throws SchemaRegistryException otherwise.
  std::string call(const char* method, const std::string& path, const std::string& body);
  static std::string key(const std::string& subject, const Schema& schema);

  std::string base_url_;
  std::shared_ptr<HttpTransport> transport_;

  std::shared_mutex mutex_;
  std::unordered_map<int32_t, Schema> schemas_by_id_;
  std::unordered_map<std::string, int32_t> ids_by_subject_schema_;
  std::unordered_map<std::string, RegisteredSchema> registered_by_subject_schema_;
};

using SchemaRegistryClientPtr = std::shared_ptr<SchemaRegistryClient>;

// ---- subject naming and serde settings
// ------------------------------------------------------------

// How a serializer names the subject a schema is registered under (Confluent's strategies):
//   kTopicName        "<topic>-key" / "<topic>-value" (the default): one schema line per topic
//   kRecordName       "<record full name>": one line per record type, across topics
//   kTopicRecordName  "<topic>-<record full name>": per topic and record type
enum class SubjectNameStrategy { kTopicName, kRecordName, kTopicRecordName };

// The subject for a key (`is_key`) or value of `topic` whose schema names `record_name` (the
// Avro record's full name; may be empty for kTopicName). Throws SerializationException when the
// strategy needs a record name and there is none.
std::string subjectName(SubjectNameStrategy strategy, std::string_view topic, bool is_key,
                        std::string_view record_name);

// Settings every schema-registry serde takes, under Confluent's names in fromProperties.
struct SchemaSerdeConfig {
  // Whether this serde handles keys (subjects "<topic>-key") or values ("<topic>-value").
  // Default: false (values).
  bool is_key = false;

  // "auto.register.schemas": a serializer registers its schema when the subject does not have it
  // yet. When false the schema must already be registered (looked up, never written), and a
  // serializer whose schema is missing throws. Default: true.
  bool auto_register_schemas = true;

  // "use.latest.version": a serializer writes with the id of the subject's latest version (asked
  // once per subject, then cached by the serde) instead of its own schema's; use with
  // auto_register_schemas = false. Default: false.
  bool use_latest_version = false;

  // "key.subject.name.strategy" / "value.subject.name.strategy": a Java class name
  // (io.confluent.kafka.serializers.subject.TopicNameStrategy, RecordNameStrategy,
  // TopicRecordNameStrategy) or just its simple name. Default: kTopicName.
  SubjectNameStrategy subject_name_strategy = SubjectNameStrategy::kTopicName;

  // Reads the keys above from `properties` (other keys are ignored); throws ConfigException for
  // a value that is not "true"/"false" or not a known strategy.
  static SchemaSerdeConfig fromProperties(const std::map<std::string, std::string>& properties,
                                          bool is_key);
};

// Parses a strategy name as above; throws ConfigException naming `key`.
SubjectNameStrategy parseSubjectNameStrategy(std::string_view value, const std::string& key);

// The schema a serializer writes with and the id it puts in the wire header, following
// `config`: auto-register, look up, or the subject's latest version. Throws
// SchemaRegistryException (registry errors) or SerializationException (schema not registered
// while auto-registration is off).
RegisteredSchema resolveWriterSchema(SchemaRegistryClient& client, const SchemaSerdeConfig& config,
                                     std::string_view topic, const Schema& schema,
                                     std::string_view record_name);

}  // namespace kstreams
