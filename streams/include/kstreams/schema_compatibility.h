// File: kstreams/schema_compatibility.h
//
// Schema evolution checked before it breaks: Avro's schema resolution rules as a checker, the
// schema registry's compatibility modes on top of it, and the check KafkaStreams runs at
// construction for every source and sink whose serde is a schema-registry serde. The functions
// work without Kafka, so a build or CI step can call them too:
//
//   // Can a consumer built with `reader` read records written with `writer`?
//   std::vector<kstreams::SchemaIncompatibility> problems =
//       kstreams::checkAvroReadable(reader_json, writer_json);
//   // May `candidate` follow these versions under BACKWARD_TRANSITIVE?
//   kstreams::CompatibilityReport report = kstreams::checkAvroCompatibility(
//       kstreams::CompatibilityLevel::kBackwardTransitive, candidate_json,
//       {{1, v1_json}, {2, v2_json}});
//   if (!report.compatible()) std::cerr << report.describe() << "\n";
//   // Against a subject of a live registry, under the subject's own rule:
//   report = kstreams::checkAgainstSubject(client, "orders-value", {candidate_json, "AVRO"});
//
// The rules (Avro specification, "Schema Resolution"), reader against writer:
//   - primitives match themselves; the writer's int reads as long, float or double, long as
//     float or double, float as double; string and bytes read as each other;
//   - records, enums and fixed match when their unqualified names are equal or the reader's
//     aliases name the writer's type; fixed sizes must be equal;
//   - a reader field is taken from the writer field of the same name, else of a name among the
//     reader field's aliases (a rename); a reader field the writer lacks needs a default; writer
//     fields the reader lacks are skipped;
//   - an enum symbol the writer has and the reader lacks is an error unless the reader's enum has
//     a default;
//   - array items and map values resolve recursively;
//   - every branch of a writer's union must be readable (by the reader's union, or by the reader
//     itself); a writer's non-union must match some branch of a reader's union.
//
// The registry's modes, for a new schema against the registered versions:
//   BACKWARD            the new schema reads data written with the latest version
//   FORWARD             the latest version reads data written with the new schema
//   FULL                both
//   *_TRANSITIVE        the same against every registered version, not only the latest
//   NONE                no check
//
// JSON Schema has no resolution rules of its own here: checkAgainstSubject asks the registry's
// compatibility endpoint for it (and for Avro too, after the local check), see below.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/schema_registry.h"

namespace kstreams {

enum class CompatibilityLevel {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};

// "BACKWARD", "FULL_TRANSITIVE", ... (case-insensitive); throws ConfigException naming
// "compatibility" for anything else.
CompatibilityLevel parseCompatibilityLevel(std::string_view text);
std::string_view toString(CompatibilityLevel level);

// One reason why a reader cannot read what a writer wrote.
struct SchemaIncompatibility {
  // Where: the reader's record name and the field path below it ("AccessLogEntry.status",
  // "Order.lines[].price", "Config.tags{}"), "" for the schema's root when it is not a record.
  std::string path;
  // Why, e.g. "field status (int) is missing in the writer's schema and has no default".
  std::string reason;
  std::string toString() const { return path.empty() ? reason : path + ": " + reason; }
};

// Avro resolution: every reason why data written with `writer` cannot be read with `reader`;
// empty when it can. Both are Avro schema JSON; throws SerializationException when one is not a
// valid Avro schema.
std::vector<SchemaIncompatibility> checkAvroReadable(const std::string& reader,
                                                     const std::string& writer);

// A registered version of a subject.
struct VersionedSchema {
  int32_t version = 0;
  std::string schema;
};

// The verdict on a candidate schema against registered versions.
struct CompatibilityReport {
  struct Problem {
    int32_t version = 0;  // the registered version involved (0: unknown / the registry's answer)
    // Which way failed: the candidate reading data of `version` ("new reads old", BACKWARD), or
    // `version` reading data of the candidate ("old reads new", FORWARD).
    bool candidate_is_reader = true;
    SchemaIncompatibility what;
  };
  CompatibilityLevel level = CompatibilityLevel::kBackward;
  std::vector<int32_t> versions_checked;
  std::vector<Problem> problems;

  bool compatible() const { return problems.empty(); }
  // One line per problem, e.g. "the new schema cannot read data written with version 1:
  // AccessLogEntry.status: field status (int) is missing in the writer's schema and has no
  // default".
  std::string describe() const;
};

// The registry's rule `level` for `candidate` against `previous` (oldest first; the last is the
// latest). Avro only.
CompatibilityReport checkAvroCompatibility(CompatibilityLevel level, const std::string& candidate,
                                           const std::vector<VersionedSchema>& previous);

// The compatibility rule of `subject` (GET /config/{subject}, else the registry's global
// GET /config; BACKWARD, the registries' default, when neither answers one).
CompatibilityLevel subjectCompatibility(SchemaRegistryClient& client, const std::string& subject);

// The registered versions of `subject`, oldest first (GET /subjects/{subject}/versions, then
// each version); empty when the subject does not exist.
std::vector<VersionedSchema> subjectVersions(SchemaRegistryClient& client,
                                             const std::string& subject);

// Whether `candidate` may be registered under `subject` as its rule stands: Avro is checked
// locally against the versions the rule names (problems name version, field and reason), then
// the registry is asked too (its refusal is reported with its messages, version 0); other schema
// types are left to the registry alone. A subject without versions accepts anything.
CompatibilityReport checkAgainstSubject(SchemaRegistryClient& client, const std::string& subject,
                                        const Schema& candidate);

// The checks KafkaStreams runs at construction (through SchemaCheckedSerde), usable alone:
//
// Whether a reader with the Avro schema `reader` can read what `subject` holds: its latest
// version, or every version when the subject's rule is transitive. Returns "" when it can, else
// one line per problem naming the subject, its rule, the version (and id) and the field at fault.
// A subject that does not exist yet holds nothing to read.
std::string checkAvroReaderAgainstSubject(SchemaRegistryClient& client, const std::string& subject,
                                          const std::string& reader);

// Whether a serializer configured with `config` can write `schema` under `subject`: the schema is
// registered there already, or (auto.register.schemas) the subject's rule accepts it
// (checkAgainstSubject). With use.latest.version the subject's latest version is written, so
// there is nothing to check. Returns "" when it can, else the reason (subject, rule, versions,
// fields).
std::string checkWriterAgainstSubject(SchemaRegistryClient& client, const SchemaSerdeConfig& config,
                                      const std::string& subject, const Schema& schema);

}  // namespace kstreams
