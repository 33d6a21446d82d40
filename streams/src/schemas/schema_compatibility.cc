// Avro schema resolution as a checker (kstreams/schema_compatibility.h). Works on the schema's
// JSON rather than on Avro C's parsed schema: Avro C keeps neither aliases nor defaults. Each
// schema is first validated by Avro C (AvroSchema), then read into a small tree here with named
// types resolved, so that the walk below is over plain structs.
#include "kstreams/schema_compatibility.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "kstreams/avro_serde.h"
#include "kstreams/errors.h"
#include "nlohmann/json.hpp"

namespace kstreams {

using nlohmann::json;

namespace {

struct Node;

struct Field {
  std::string name;
  std::vector<std::string> aliases;
  const Node* type = nullptr;
  bool has_default = false;
};

struct Node {
  std::string type;  // a primitive's name, or record, enum, fixed, array, map, union
  std::string full_name;
  std::vector<std::string> aliases;  // full names
  std::vector<Field> fields;
  std::vector<std::string> symbols;
  bool has_enum_default = false;
  int64_t size = 0;
  const Node* items = nullptr;  // array items, map values
  std::vector<const Node*> branches;
};

const std::set<std::string>& primitives() {
  static const std::set<std::string> kPrimitives = {"null",  "boolean", "int",    "long",
                                                    "float", "double",  "string", "bytes"};
  return kPrimitives;
}

std::string shortName(const std::string& full) {
  auto dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

std::string qualify(const std::string& name, const std::string& space) {
  return name.find('.') != std::string::npos || space.empty() ? name : space + "." + name;
}

// The tree of one schema; nodes live as long as the tree.
class Tree {
 public:
  explicit Tree(const std::string& text) {
    AvroSchema validated(text);  // throws SerializationException for an invalid schema
    root_ = parse(json::parse(text), "");
  }
  const Node* root() const { return root_; }

 private:
  const Node* parse(const json& j, const std::string& space) {
    if (j.is_string()) {
      const std::string& name = j.get_ref<const std::string&>();
      if (primitives().count(name) != 0) return primitive(name);
      auto it = named_.find(qualify(name, space));
      if (it == named_.end()) it = named_.find(name);
      if (it == named_.end()) throw SerializationException("Avro: unknown type " + name);
      return it->second;
    }
    if (j.is_array()) {
      Node& n = nodes_.emplace_back();
      n.type = "union";
      for (const auto& b : j) n.branches.push_back(parse(b, space));
      return &n;
    }
    const json& type = j.at("type");
    if (!type.is_string()) return parse(type, space);
    const std::string t = type.get<std::string>();
    if (primitives().count(t) != 0) return primitive(t);  // logical types read as their base
    if (t == "array" || t == "map") {
      Node& n = nodes_.emplace_back();
      n.type = t;
      n.items = parse(j.at(t == "array" ? "items" : "values"), space);
      return &n;
    }
    if (t != "record" && t != "error" && t != "enum" && t != "fixed") return parse(type, space);
    Node& n = nodes_.emplace_back();
    n.type = t == "error" ? "record" : t;
    const std::string ns = j.contains("namespace") && j["namespace"].is_string()
                               ? j["namespace"].get<std::string>()
                               : space;
    n.full_name = qualify(j.at("name").get<std::string>(), ns);
    const std::string inner = n.full_name.find('.') == std::string::npos
                                  ? ""
                                  : n.full_name.substr(0, n.full_name.rfind('.'));
    for (const auto& a : j.value("aliases", json::array())) {
      if (a.is_string()) n.aliases.push_back(qualify(a.get<std::string>(), inner));
    }
    named_[n.full_name] = &n;
    if (n.type == "enum") {
      for (const auto& s : j.value("symbols", json::array()))
        n.symbols.push_back(s.get<std::string>());
      n.has_enum_default = j.contains("default");
    } else if (n.type == "fixed") {
      n.size = j.value("size", int64_t{0});
    } else {
      for (const auto& f : j.value("fields", json::array())) {
        Field field;
        field.name = f.at("name").get<std::string>();
        for (const auto& a : f.value("aliases", json::array())) {
          if (a.is_string()) field.aliases.push_back(a.get<std::string>());
        }
        field.has_default = f.contains("default");
        field.type = parse(f.at("type"), inner);
        n.fields.push_back(std::move(field));
      }
    }
    return &n;
  }

  const Node* primitive(const std::string& name) {
    auto it = primitives_.find(name);
    if (it != primitives_.end()) return it->second;
    Node& n = nodes_.emplace_back();
    n.type = name;
    return primitives_[name] = &n;
  }

  std::deque<Node> nodes_;
  std::map<std::string, const Node*> named_;
  std::map<std::string, const Node*> primitives_;
  const Node* root_ = nullptr;
};

std::string describeType(const Node* n) {
  if (!n->full_name.empty()) return n->type + " " + n->full_name;
  if (n->type == "array") return "array of " + describeType(n->items);
  if (n->type == "map") return "map of " + describeType(n->items);
  if (n->type == "union") {
    std::string s = "union [";
    for (size_t i = 0; i < n->branches.size(); ++i) {
      s += (i ? ", " : "") + (n->branches[i]->full_name.empty() ? describeType(n->branches[i])
                                                                : n->branches[i]->full_name);
    }
    return s + "]";
  }
  return n->type;
}

// Whether the reader's named type accepts the writer's name: same unqualified name, or the
// writer's full name among the reader's aliases.
bool namesMatch(const Node* w, const Node* r) {
  if (shortName(w->full_name) == shortName(r->full_name)) return true;
  return std::any_of(r->aliases.begin(), r->aliases.end(), [&](const std::string& a) {
    return a == w->full_name || shortName(a) == shortName(w->full_name);
  });
}

// Whether the writer's type `w` can be promoted or matched to the reader's non-union `r`, at the
// top level only (Avro's "schemas match"); records, enums and fixed by name.
bool matches(const Node* w, const Node* r) {
  const std::string& wt = w->type;
  const std::string& rt = r->type;
  if (rt == "long") return wt == "long" || wt == "int";
  if (rt == "float") return wt == "float" || wt == "int" || wt == "long";
  if (rt == "double") return wt == "double" || wt == "float" || wt == "int" || wt == "long";
  if (rt == "string" || rt == "bytes") return wt == "string" || wt == "bytes";
  if (rt == "record" || rt == "enum" || rt == "fixed") return wt == rt && namesMatch(w, r);
  return wt == rt;
}

class Checker {
 public:
  std::vector<SchemaIncompatibility> problems;

  void check(const Node* w, const Node* r, const std::string& path) {
    if (w->type == "union") {
      for (const Node* branch : w->branches) {
        const size_t before = problems.size();
        check(branch, r, path);
        if (problems.size() > before && r->type != "union") {
          // Name the branch: "the writer's union branch string ..." reads better than the bare
          // type mismatch.
          problems.back().reason = "the writer's union branch " + describeType(branch) +
                                   " cannot be read: " + problems.back().reason;
        }
      }
      return;
    }
    if (r->type == "union") {
      // The first branch that matches the writer's type is the one read (Avro's rule); if none
      // matches at the top level, the record can never be read.
      for (const Node* branch : r->branches) {
        if (matches(w, branch)) {
          check(w, branch, path);
          return;
        }
      }
      add(path, "the writer's " + describeType(w) + " matches no branch of the reader's " +
                    describeType(r));
      return;
    }
    if (!matches(w, r)) {
      if (w->type == r->type && !w->full_name.empty()) {
        add(path, "the writer's " + describeType(w) + " and the reader's " + describeType(r) +
                      " have different names (and no alias of the reader's names the writer's)");
      } else {
        add(path, "the writer's " + describeType(w) + " cannot be read as the reader's " +
                      describeType(r));
      }
      return;
    }
    if (r->type == "fixed" && w->size != r->size) {
      add(path, "the writer's " + describeType(w) + " has " + std::to_string(w->size) +
                    " bytes, the reader's " + std::to_string(r->size));
    } else if (r->type == "enum") {
      checkEnum(w, r, path);
    } else if (r->type == "array") {
      check(w->items, r->items, path + "[]");
    } else if (r->type == "map") {
      check(w->items, r->items, path + "{}");
    } else if (r->type == "record") {
      checkRecord(w, r, path);
    }
  }

 private:
  void add(const std::string& path, std::string reason) {
    problems.push_back({path, std::move(reason)});
  }

  void checkEnum(const Node* w, const Node* r, const std::string& path) {
    std::vector<std::string> missing;
    for (const auto& s : w->symbols) {
      if (std::find(r->symbols.begin(), r->symbols.end(), s) == r->symbols.end())
        missing.push_back(s);
    }
    if (missing.empty() || r->has_enum_default) return;
    std::string list;
    for (const auto& s : missing) list += (list.empty() ? "" : ", ") + s;
    add(path, "the writer's enum " + w->full_name + " has symbol" +
                  (missing.size() > 1 ? "s " : " ") + list +
                  " that the reader's lacks, and the reader's enum has no default");
  }

  void checkRecord(const Node* w, const Node* r, const std::string& path) {
    // Recursive schemas: a pair of records already being compared is fine where it recurs.
    if (!in_progress_.insert({w, r}).second) return;
    const std::string base = path.empty() ? shortName(r->full_name) : path;
    for (const Field& rf : r->fields) {
      const Field* wf = nullptr;
      for (const Field& f : w->fields) {
        if (f.name == rf.name) wf = &f;
      }
      // A rename: the reader field's aliases name the writer's field.
      for (size_t i = 0; wf == nullptr && i < rf.aliases.size(); ++i) {
        for (const Field& f : w->fields) {
          if (f.name == rf.aliases[i]) wf = &f;
        }
      }
      const std::string field_path = base + "." + rf.name;
      if (wf != nullptr) {
        check(wf->type, rf.type, field_path);
      } else if (!rf.has_default) {
        add(field_path, "field " + rf.name + " (" + describeType(rf.type) +
                            ") is missing in the writer's schema and has no default" +
                            (rf.aliases.empty() ? "" : " (no writer field matches its aliases)"));
      }
    }
    in_progress_.erase({w, r});
  }

  std::set<std::pair<const Node*, const Node*>> in_progress_;
};

std::string upper(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

CompatibilityLevel parseCompatibilityLevel(std::string_view text) {
  const std::string s = upper(text);
  static const std::pair<const char*, CompatibilityLevel> kLevels[] = {
      {"NONE", CompatibilityLevel::kNone},
      {"BACKWARD", CompatibilityLevel::kBackward},
      {"BACKWARD_TRANSITIVE", CompatibilityLevel::kBackwardTransitive},
      {"FORWARD", CompatibilityLevel::kForward},
      {"FORWARD_TRANSITIVE", CompatibilityLevel::kForwardTransitive},
      {"FULL", CompatibilityLevel::kFull},
      {"FULL_TRANSITIVE", CompatibilityLevel::kFullTransitive},
  };
  for (const auto& [name, level] : kLevels) {
    if (s == name) return level;
  }
  throw ConfigException("compatibility", "\"" + std::string(text) +
                                             "\" is not NONE, BACKWARD, FORWARD, FULL or one of "
                                             "their _TRANSITIVE forms");
}

std::string_view toString(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kNone:
      return "NONE";
    case CompatibilityLevel::kBackward:
      return "BACKWARD";
    case CompatibilityLevel::kBackwardTransitive:
      return "BACKWARD_TRANSITIVE";
    case CompatibilityLevel::kForward:
      return "FORWARD";
    case CompatibilityLevel::kForwardTransitive:
      return "FORWARD_TRANSITIVE";
    case CompatibilityLevel::kFull:
      return "FULL";
    case CompatibilityLevel::kFullTransitive:
      return "FULL_TRANSITIVE";
  }
  return "?";
}

std::vector<SchemaIncompatibility> checkAvroReadable(const std::string& reader,
                                                     const std::string& writer) {
  Tree r(reader);
  Tree w(writer);
  Checker checker;
  checker.check(w.root(), r.root(), "");
  return std::move(checker.problems);
}

std::string CompatibilityReport::describe() const {
  std::string out;
  for (const Problem& p : problems) {
    if (!out.empty()) out += "\n";
    if (p.version == 0) {
      out += "the registry refuses it: " + p.what.toString();
    } else if (p.candidate_is_reader) {
      out += "the new schema cannot read data written with version " + std::to_string(p.version) +
             ": " + p.what.toString();
    } else {
      out += "version " + std::to_string(p.version) +
             " cannot read data written with the new schema: " + p.what.toString();
    }
  }
  return out;
}

CompatibilityReport checkAvroCompatibility(CompatibilityLevel level, const std::string& candidate,
                                           const std::vector<VersionedSchema>& previous) {
  CompatibilityReport report;
  report.level = level;
  if (level == CompatibilityLevel::kNone || previous.empty()) return report;
  const bool transitive = level == CompatibilityLevel::kBackwardTransitive ||
                          level == CompatibilityLevel::kForwardTransitive ||
                          level == CompatibilityLevel::kFullTransitive;
  const bool backward =
      level != CompatibilityLevel::kForward && level != CompatibilityLevel::kForwardTransitive;
  const bool forward =
      level != CompatibilityLevel::kBackward && level != CompatibilityLevel::kBackwardTransitive;
  const size_t first = transitive ? 0 : previous.size() - 1;
  for (size_t i = first; i < previous.size(); ++i) {
    const VersionedSchema& old = previous[i];
    report.versions_checked.push_back(old.version);
    if (backward) {
      for (auto& p : checkAvroReadable(candidate, old.schema))
        report.problems.push_back({old.version, true, std::move(p)});
    }
    if (forward) {
      for (auto& p : checkAvroReadable(old.schema, candidate))
        report.problems.push_back({old.version, false, std::move(p)});
    }
  }
  return report;
}

CompatibilityLevel subjectCompatibility(SchemaRegistryClient& client, const std::string& subject) {
  if (auto level = client.getCompatibility(subject)) return parseCompatibilityLevel(*level);
  if (auto level = client.getCompatibility("")) return parseCompatibilityLevel(*level);
  return CompatibilityLevel::kBackward;
}

std::vector<VersionedSchema> subjectVersions(SchemaRegistryClient& client,
                                             const std::string& subject) {
  std::vector<VersionedSchema> out;
  for (int32_t v : client.getVersions(subject)) {
    out.push_back({v, client.getSchema(subject, v).schema.schema});
  }
  return out;
}

CompatibilityReport checkAgainstSubject(SchemaRegistryClient& client, const std::string& subject,
                                        const Schema& candidate) {
  CompatibilityReport report;
  report.level = subjectCompatibility(client, subject);
  if (report.level == CompatibilityLevel::kNone) return report;
  if (candidate.type == "AVRO") {
    std::vector<VersionedSchema> versions = subjectVersions(client, subject);
    if (versions.empty()) return report;
    report = checkAvroCompatibility(report.level, candidate.schema, versions);
    if (!report.compatible()) return report;
  }
  CompatibilityResult registry = client.testCompatibility(subject, candidate);
  if (!registry.compatible) {
    SchemaIncompatibility what{"", "incompatible"};
    if (!registry.messages.empty()) {
      what.reason.clear();
      for (const auto& m : registry.messages) what.reason += (what.reason.empty() ? "" : "; ") + m;
    }
    report.problems.push_back({0, true, std::move(what)});
  }
  return report;
}

std::string checkAvroReaderAgainstSubject(SchemaRegistryClient& client, const std::string& subject,
                                          const std::string& reader) {
  const std::vector<int32_t> versions = client.getVersions(subject);
  if (versions.empty()) return "";
  const CompatibilityLevel level = subjectCompatibility(client, subject);
  const bool transitive = level == CompatibilityLevel::kBackwardTransitive ||
                          level == CompatibilityLevel::kForwardTransitive ||
                          level == CompatibilityLevel::kFullTransitive;
  std::string out;
  for (size_t i = transitive ? 0 : versions.size() - 1; i < versions.size(); ++i) {
    const RegisteredSchema registered = client.getSchema(subject, versions[i]);
    if (registered.schema.type != "AVRO") {
      out += (out.empty() ? "" : "\n    ") + std::string("subject \"") + subject + "\" version " +
             std::to_string(versions[i]) + " is " + registered.schema.type + ", not Avro";
      continue;
    }
    for (const auto& p : checkAvroReadable(reader, registered.schema.schema)) {
      out += (out.empty() ? "" : "\n    ") + std::string("subject \"") + subject + "\" (" +
             std::string(toString(level)) + ") version " + std::to_string(versions[i]) + " (id " +
             std::to_string(registered.id) +
             ") cannot be read with the topology's schema: " + p.toString();
    }
  }
  return out;
}

std::string checkWriterAgainstSubject(SchemaRegistryClient& client, const SchemaSerdeConfig& config,
                                      const std::string& subject, const Schema& schema) {
  if (config.use_latest_version) return "";
  if (client.lookupSchema(subject, schema)) return "";
  if (!config.auto_register_schemas) {
    return "its schema is not registered under subject \"" + subject +
           "\" and auto.register.schemas is false";
  }
  const CompatibilityReport report = checkAgainstSubject(client, subject, schema);
  if (report.compatible()) return "";
  std::string out = "subject \"" + subject + "\" (" + std::string(toString(report.level)) +
                    ") would refuse to register the topology's schema:";
  std::string lines = report.describe();
  size_t start = 0;
  while (start <= lines.size()) {
    size_t end = lines.find('\n', start);
    if (end == std::string::npos) end = lines.size();
    out += "\n    " + lines.substr(start, end - start);
    start = end + 1;
  }
  return out;
}

}  // namespace kstreams
