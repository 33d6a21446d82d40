// Avro on Avro C for kstreams/avro_serde.h: RAII over its schemas, value classes, values,
// readers and writers; the one place where Avro C's errors (avro_strerror) become
// SerializationException. Avro C decodes and encodes; schema resolution is done here, on the
// decoded writer value, because Avro C's resolved readers/writers do not fill reader fields
// from their defaults (resolved-writer.c: "Reader field %s doesn't appear in writer") and its
// schema API does not keep defaults at all: they are read from the schema's JSON.
#include <avro.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kstreams/avro_serde.h"
#include "kstreams/schema_compatibility.h"
#include "kstreams/wire_format.h"

namespace kstreams {

using nlohmann::json;

namespace avro_internal {
namespace {

struct SchemaDeleter {
  void operator()(avro_obj_t* schema) const { avro_schema_decref(schema); }
};
struct IfaceDeleter {
  void operator()(avro_value_iface_t* iface) const { avro_value_iface_decref(iface); }
};
struct WriterDeleter {
  void operator()(avro_writer_t writer) const { avro_writer_free(writer); }
};
struct ReaderDeleter {
  void operator()(avro_reader_t reader) const { avro_reader_free(reader); }
};
using WriterHandle = std::unique_ptr<std::remove_pointer_t<avro_writer_t>, WriterDeleter>;
using ReaderHandle = std::unique_ptr<std::remove_pointer_t<avro_reader_t>, ReaderDeleter>;

[[noreturn]] void fail(const std::string& message) {
  throw SerializationException("Avro: " + message);
}

[[noreturn]] void failAt(const std::string& path, const std::string& message) {
  fail((path.empty() ? std::string("value") : path) + ": " + message);
}

std::string avroError() {
  const char* e = avro_strerror();
  return e != nullptr && *e != '\0' ? e : "unknown Avro C error";
}

// A generic value of one schema, released on scope exit.
class Value {
 public:
  explicit Value(avro_value_iface_t* iface) {
    if (avro_generic_value_new(iface, &value_) != 0) fail("cannot create a value: " + avroError());
  }
  ~Value() { avro_value_decref(&value_); }
  Value(const Value&) = delete;
  Value& operator=(const Value&) = delete;
  avro_value_t* get() { return &value_; }

 private:
  avro_value_t value_;
};

avro_schema_t deref(avro_schema_t schema) {
  while (schema != nullptr && avro_typeof(schema) == AVRO_LINK)
    schema = avro_schema_link_target(schema);
  return schema;
}

std::string fullNameOf(avro_schema_t schema) {
  const char* name = avro_schema_name(schema);
  if (name == nullptr) return "";
  const char* space = avro_schema_namespace(schema);
  return space != nullptr && *space != '\0' ? std::string(space) + "." + name : std::string(name);
}

std::string shortName(const std::string& full) {
  auto dot = full.rfind('.');
  return dot == std::string::npos ? full : full.substr(dot + 1);
}

const char* typeName(avro_schema_t schema) {
  const char* n = avro_schema_type_name(deref(schema));
  return n != nullptr ? n : "?";
}

}  // namespace

// The parsed schema with what Avro C does not keep: record field defaults and enum defaults,
// by full and by short name.
class ParsedSchema {
 public:
  explicit ParsedSchema(std::string text) : json_(std::move(text)) {
    avro_schema_t raw = nullptr;
    {
      // Debian's libavro keeps avro_strerror() in one global buffer (no thread-local storage):
      // parsing, where errors are expected, runs under a lock so that its message is its own.
      // Encoding and decoding check their input first (Encoder, BinaryValidator), so Avro C
      // does not fail, and write that buffer, there.
      static std::mutex parse_mutex;
      std::lock_guard<std::mutex> lock(parse_mutex);
      if (avro_schema_from_json_length(json_.data(), json_.size(), &raw) != 0 || raw == nullptr) {
        fail("invalid schema: " + avroError());
      }
    }
    schema_.reset(raw);
    iface_.reset(avro_generic_class_from_schema(raw));
    if (!iface_) fail("cannot build a value class: " + avroError());
    full_name_ = fullNameOf(deref(raw));
    try {
      collectDefaults(json::parse(json_), "");
    } catch (const json::exception& e) {
      fail(std::string("invalid schema JSON: ") + e.what());
    }
  }

  const std::string& text() const { return json_; }
  const std::string& fullName() const { return full_name_; }
  avro_schema_t schema() const { return schema_.get(); }
  avro_value_iface_t* iface() const { return iface_.get(); }

  const json* fieldDefault(avro_schema_t record, const char* field) const {
    auto it = field_defaults_.find(fullNameOf(record));
    if (it == field_defaults_.end()) it = field_defaults_.find(shortName(fullNameOf(record)));
    if (it == field_defaults_.end()) return nullptr;
    auto f = it->second.find(field);
    return f == it->second.end() ? nullptr : &f->second;
  }
  // The aliases of `record`'s field `field` (the writer's names it may be read from).
  const std::vector<std::string>* fieldAliases(avro_schema_t record, const char* field) const {
    auto it = field_aliases_.find(fullNameOf(record));
    if (it == field_aliases_.end()) it = field_aliases_.find(shortName(fullNameOf(record)));
    if (it == field_aliases_.end()) return nullptr;
    auto f = it->second.find(field);
    return f == it->second.end() ? nullptr : &f->second;
  }
  // Whether the named type `named` of this schema lists `writer_name` among its aliases.
  bool hasAlias(avro_schema_t named, const std::string& writer_name) const {
    auto it = type_aliases_.find(fullNameOf(named));
    if (it == type_aliases_.end()) return false;
    for (const auto& a : it->second) {
      if (a == writer_name || shortName(a) == shortName(writer_name)) return true;
    }
    return false;
  }
  const std::string* enumDefault(avro_schema_t enumeration) const {
    auto it = enum_defaults_.find(fullNameOf(enumeration));
    if (it == enum_defaults_.end()) it = enum_defaults_.find(shortName(fullNameOf(enumeration)));
    return it == enum_defaults_.end() ? nullptr : &it->second;
  }

 private:
  void collectDefaults(const json& node, const std::string& space) {
    if (node.is_array()) {
      for (const auto& branch : node) collectDefaults(branch, space);
      return;
    }
    if (!node.is_object()) return;
    const auto type = node.find("type");
    if (type == node.end()) return;
    if (!type->is_string()) {
      collectDefaults(*type, space);
      return;
    }
    const std::string& t = type->get_ref<const std::string&>();
    if (t == "record" || t == "error" || t == "enum") {
      std::string name = node.value("name", "");
      std::string ns = node.contains("namespace") && node["namespace"].is_string()
                           ? node["namespace"].get<std::string>()
                           : space;
      std::string full = name.find('.') != std::string::npos || ns.empty() ? name : ns + "." + name;
      const std::string inner =
          full.find('.') == std::string::npos ? "" : full.substr(0, full.rfind('.'));
      for (const auto& a : node.value("aliases", json::array())) {
        if (a.is_string()) type_aliases_[full].push_back(a.get<std::string>());
      }
      if (t == "enum") {
        if (auto d = node.find("default"); d != node.end() && d->is_string()) {
          enum_defaults_[full] = d->get<std::string>();
          enum_defaults_.emplace(shortName(full), d->get<std::string>());
        }
        return;
      }
      auto& by_full = field_defaults_[full];
      for (const auto& field : node.value("fields", json::array())) {
        if (!field.is_object() || !field.contains("name")) continue;
        if (auto d = field.find("default"); d != field.end()) {
          by_full[field["name"].get<std::string>()] = *d;
        }
        for (const auto& a : field.value("aliases", json::array())) {
          if (a.is_string())
            field_aliases_[full][field["name"].get<std::string>()].push_back(a.get<std::string>());
        }
        if (auto ft = field.find("type"); ft != field.end()) collectDefaults(*ft, inner);
      }
      field_defaults_.emplace(shortName(full), by_full);
    } else if (t == "array") {
      if (auto items = node.find("items"); items != node.end()) collectDefaults(*items, space);
    } else if (t == "map") {
      if (auto values = node.find("values"); values != node.end()) collectDefaults(*values, space);
    }
  }

  std::string json_;
  std::unique_ptr<avro_obj_t, SchemaDeleter> schema_;
  std::unique_ptr<avro_value_iface_t, IfaceDeleter> iface_;
  std::string full_name_;
  std::unordered_map<std::string, std::unordered_map<std::string, json>> field_defaults_;
  std::unordered_map<std::string, std::string> enum_defaults_;
  std::unordered_map<std::string, std::unordered_map<std::string, std::vector<std::string>>>
      field_aliases_;
  std::unordered_map<std::string, std::vector<std::string>> type_aliases_;
};

namespace {

std::string child(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

// ---- validating bytes before Avro C reads them
// ---------------------------------------------------

// Walks `bytes` as Avro binary of `schema` without decoding, checking every length, count, enum
// index and union branch against the schema and the bytes left. Avro C allocates what a length
// says before it finds the data missing (a poison record with a huge length would ask for that
// much memory) and leaks a partly read value on a truncated record: it only ever sees bytes that
// passed this check.
class BinaryValidator {
 public:
  explicit BinaryValidator(std::string_view bytes) : bytes_(bytes) {}

  void check(avro_schema_t schema, int depth = 0) {
    if (depth > kMaxDepth) fail("nested deeper than " + std::to_string(kMaxDepth) + " levels");
    schema = deref(schema);
    switch (avro_typeof(schema)) {
      case AVRO_NULL:
        return;
      case AVRO_BOOLEAN:
        take(1, "boolean");
        return;
      case AVRO_INT32:
      case AVRO_INT64:
        varint();
        return;
      case AVRO_FLOAT:
        take(4, "float");
        return;
      case AVRO_DOUBLE:
        take(8, "double");
        return;
      case AVRO_STRING:
      case AVRO_BYTES:
        take(length(), avro_typeof(schema) == AVRO_STRING ? "string" : "bytes");
        return;
      case AVRO_FIXED:
        take(static_cast<uint64_t>(avro_schema_fixed_size(schema)), "fixed");
        return;
      case AVRO_ENUM: {
        const int64_t index = varint();
        if (index < 0 || index >= avro_schema_enum_number_of_symbols(schema)) {
          fail("enum index " + std::to_string(index) + " out of range for " + fullNameOf(schema));
        }
        return;
      }
      case AVRO_UNION: {
        const int64_t branch = varint();
        if (branch < 0 || static_cast<uint64_t>(branch) >= avro_schema_union_size(schema)) {
          fail("union branch " + std::to_string(branch) + " out of range");
        }
        check(avro_schema_union_branch(schema, static_cast<int>(branch)), depth + 1);
        return;
      }
      case AVRO_RECORD:
        for (size_t i = 0; i < avro_schema_record_size(schema); ++i) {
          check(avro_schema_record_field_get_by_index(schema, static_cast<int>(i)), depth + 1);
        }
        return;
      case AVRO_ARRAY:
      case AVRO_MAP: {
        const bool is_map = avro_typeof(schema) == AVRO_MAP;
        avro_schema_t items =
            is_map ? avro_schema_map_values(schema) : avro_schema_array_items(schema);
        for (;;) {
          int64_t count = varint();
          if (count == 0) return;
          if (count < 0) {
            if (count == INT64_MIN) fail("invalid block count");
            count = -count;
            length();  // the block's size in bytes, which readers may use to skip it
          }
          // Every item takes at least one byte unless its type is null: a count larger than the
          // bytes left cannot be real.
          if (static_cast<uint64_t>(count) > remaining() + 1 &&
              avro_typeof(deref(items)) != AVRO_NULL) {
            fail("block count " + std::to_string(count) + " exceeds the " +
                 std::to_string(remaining()) + " bytes left");
          }
          for (int64_t i = 0; i < count; ++i) {
            if (is_map) take(length(), "map key");
            check(items, depth + 1);
          }
        }
      }
      default:
        fail(std::string("unsupported Avro type ") + typeName(schema));
    }
  }

 private:
  static constexpr int kMaxDepth = 200;

  uint64_t remaining() const { return bytes_.size() - pos_; }

  int64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      if (pos_ >= bytes_.size()) fail("truncated record (a number runs past the end)");
      const auto b = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
    }
    fail("a variable-length number is longer than 10 bytes");
  }

  uint64_t length() {
    const int64_t n = varint();
    if (n < 0) fail("negative length " + std::to_string(n));
    return static_cast<uint64_t>(n);
  }

  void take(uint64_t n, const char* what) {
    if (n > remaining()) {
      fail(std::string("truncated record: a ") + what + " of " + std::to_string(n) + " bytes, " +
           std::to_string(remaining()) + " left");
    }
    pos_ += n;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

// ---- JSON -> Avro value (encoding)
// -----------------------------------------------------------------

// Whether `j` can be written as `schema` (union branch choice). `strict`: only the natural
// type (an integer as int/long, not double; a string as string, not enum).
bool fits(const json& j, avro_schema_t schema, bool strict) {
  schema = deref(schema);
  switch (avro_typeof(schema)) {
    case AVRO_NULL:
      return j.is_null();
    case AVRO_BOOLEAN:
      return j.is_boolean();
    case AVRO_INT32:
      return j.is_number_integer() && j.get<int64_t>() >= INT32_MIN &&
             j.get<int64_t>() <= INT32_MAX;
    case AVRO_INT64:
      return j.is_number_integer();
    case AVRO_FLOAT:
    case AVRO_DOUBLE:
      return strict ? j.is_number_float() : j.is_number();
    case AVRO_STRING:
      return j.is_string();
    case AVRO_ENUM:
      return !strict && j.is_string() &&
             avro_schema_enum_get_by_name(schema, j.get_ref<const std::string&>().c_str()) >= 0;
    case AVRO_BYTES:
      return j.is_binary();
    case AVRO_FIXED:
      return j.is_binary() &&
             static_cast<int64_t>(j.get_binary().size()) == avro_schema_fixed_size(schema);
    case AVRO_ARRAY:
      return j.is_array();
    case AVRO_MAP:
      return j.is_object() && !strict;
    case AVRO_RECORD:
      return j.is_object();
    default:
      return false;
  }
}

class Encoder {
 public:
  explicit Encoder(const ParsedSchema& schema) : schema_(schema) {}

  void write(const json& j, avro_value_t* v, const std::string& path) const {
    avro_schema_t s = deref(avro_value_get_schema(v));
    int rc = 0;
    switch (avro_value_get_type(v)) {
      case AVRO_NULL:
        if (!j.is_null()) failAt(path, "expected null");
        rc = avro_value_set_null(v);
        break;
      case AVRO_BOOLEAN:
        if (!j.is_boolean()) failAt(path, "expected a boolean");
        rc = avro_value_set_boolean(v, j.get<bool>() ? 1 : 0);
        break;
      case AVRO_INT32:
        if (!fits(j, s, false)) failAt(path, "expected an int (32-bit integer), got " + j.dump());
        rc = avro_value_set_int(v, static_cast<int32_t>(j.get<int64_t>()));
        break;
      case AVRO_INT64:
        if (!j.is_number_integer()) failAt(path, "expected a long (integer), got " + j.dump());
        rc = avro_value_set_long(v, j.get<int64_t>());
        break;
      case AVRO_FLOAT:
        if (!j.is_number()) failAt(path, "expected a float (number)");
        rc = avro_value_set_float(v, j.get<float>());
        break;
      case AVRO_DOUBLE:
        if (!j.is_number()) failAt(path, "expected a double (number)");
        rc = avro_value_set_double(v, j.get<double>());
        break;
      case AVRO_STRING: {
        if (!j.is_string()) failAt(path, "expected a string");
        const auto& str = j.get_ref<const std::string&>();
        rc = avro_value_set_string_len(v, str.c_str(), str.size() + 1);
        break;
      }
      case AVRO_BYTES: {
        if (!j.is_binary()) failAt(path, "expected bytes (nlohmann::json::binary)");
        auto& bytes = const_cast<json::binary_t&>(j.get_binary());
        rc = avro_value_set_bytes(v, bytes.data(), bytes.size());
        break;
      }
      case AVRO_FIXED: {
        if (!fits(j, s, false)) {
          failAt(path, "expected " + std::to_string(avro_schema_fixed_size(s)) + " fixed bytes");
        }
        auto& bytes = const_cast<json::binary_t&>(j.get_binary());
        rc = avro_value_set_fixed(v, bytes.data(), bytes.size());
        break;
      }
      case AVRO_ENUM: {
        if (!j.is_string()) failAt(path, "expected an enum symbol (string)");
        const int index = avro_schema_enum_get_by_name(s, j.get_ref<const std::string&>().c_str());
        if (index < 0)
          failAt(path, "\"" + j.get<std::string>() + "\" is not a symbol of " + fullNameOf(s));
        rc = avro_value_set_enum(v, index);
        break;
      }
      case AVRO_ARRAY: {
        if (!j.is_array()) failAt(path, "expected an array");
        for (size_t i = 0; i < j.size(); ++i) {
          avro_value_t element;
          if (avro_value_append(v, &element, nullptr) != 0) fail(avroError());
          write(j[i], &element, path + "[" + std::to_string(i) + "]");
        }
        break;
      }
      case AVRO_MAP: {
        if (!j.is_object()) failAt(path, "expected a map (object)");
        for (const auto& [key, item] : j.items()) {
          avro_value_t element;
          if (avro_value_add(v, key.c_str(), &element, nullptr, nullptr) != 0) fail(avroError());
          write(item, &element, path + "[\"" + key + "\"]");
        }
        break;
      }
      case AVRO_RECORD:
        writeRecord(j, v, s, path);
        break;
      case AVRO_UNION:
        writeUnion(j, v, s, path);
        break;
      default:
        failAt(path, std::string("unsupported Avro type ") + typeName(s));
    }
    if (rc != 0) failAt(path, avroError());
  }

 private:
  void writeRecord(const json& j, avro_value_t* v, avro_schema_t s, const std::string& path) const {
    if (!j.is_object()) failAt(path, "expected a record (object) " + fullNameOf(s));
    for (const auto& [key, item] : j.items()) {
      if (avro_schema_record_field_get_index(s, key.c_str()) < 0) {
        failAt(child(path, key), "not a field of " + fullNameOf(s));
      }
    }
    static const json kNull;
    size_t count = 0;
    avro_value_get_size(v, &count);
    for (size_t i = 0; i < count; ++i) {
      avro_value_t field;
      const char* name = nullptr;
      if (avro_value_get_by_index(v, i, &field, &name) != 0) fail(avroError());
      auto it = j.find(name);
      const json* item = it != j.end() ? &*it : nullptr;
      if (item == nullptr) {
        // A missing member takes the field's default, else it is a null.
        const json* d = schema_.fieldDefault(s, name);
        if (d != nullptr) {
          writeDefault(*d, &field, child(path, name));
          continue;
        }
        item = &kNull;
      }
      write(*item, &field, child(path, name));
    }
  }

  void writeUnion(const json& j, avro_value_t* v, avro_schema_t s, const std::string& path) const {
    const size_t n = avro_schema_union_size(s);
    for (bool strict : {true, false}) {
      for (size_t i = 0; i < n; ++i) {
        if (!fits(j, avro_schema_union_branch(s, static_cast<int>(i)), strict)) continue;
        avro_value_t branch;
        if (avro_value_set_branch(v, static_cast<int>(i), &branch) != 0) fail(avroError());
        write(j, &branch, path);
        return;
      }
    }
    std::string branches;
    for (size_t i = 0; i < n; ++i) {
      branches +=
          (i ? ", " : "") + std::string(typeName(avro_schema_union_branch(s, static_cast<int>(i))));
    }
    failAt(path, j.dump().substr(0, 80) + " fits no branch of the union [" + branches + "]");
  }

  // Avro's JSON encoding of a default: unions take their first branch, bytes and fixed are
  // strings of code points 0-255.
  void writeDefault(const json& d, avro_value_t* v, const std::string& path) const {
    write(defaultDatum(d, avro_value_get_schema(v), path), v, path);
  }

 public:
  json defaultDatum(const json& d, avro_schema_t s, const std::string& path) const {
    s = deref(s);
    switch (avro_typeof(s)) {
      case AVRO_UNION:
        return defaultDatum(d, avro_schema_union_branch(s, 0), path);
      case AVRO_BYTES:
      case AVRO_FIXED: {
        if (!d.is_string()) failAt(path, "a bytes default must be a string");
        std::vector<uint8_t> bytes;
        const auto& text = d.get_ref<const std::string&>();
        for (size_t i = 0; i < text.size();) {
          const auto c = static_cast<unsigned char>(text[i]);
          if (c < 0x80) {
            bytes.push_back(c);
            ++i;
          } else if ((c & 0xE0) == 0xC0 && i + 1 < text.size() && c <= 0xC3) {
            bytes.push_back(static_cast<uint8_t>(((c & 0x1F) << 6) | (text[i + 1] & 0x3F)));
            i += 2;
          } else {
            failAt(path, "a bytes default holds a code point above 255");
          }
        }
        return json::binary(std::move(bytes));
      }
      case AVRO_RECORD: {
        if (!d.is_object()) failAt(path, "a record default must be an object");
        json out = json::object();
        for (size_t i = 0; i < avro_schema_record_size(s); ++i) {
          const char* name = avro_schema_record_field_name(s, static_cast<int>(i));
          avro_schema_t ft = avro_schema_record_field_get_by_index(s, static_cast<int>(i));
          if (auto it = d.find(name); it != d.end()) {
            out[name] = defaultDatum(*it, ft, child(path, name));
          } else if (const json* fd = schema_.fieldDefault(s, name)) {
            out[name] = defaultDatum(*fd, ft, child(path, name));
          }
        }
        return out;
      }
      case AVRO_ARRAY: {
        if (!d.is_array()) failAt(path, "an array default must be an array");
        json out = json::array();
        for (const auto& e : d) out.push_back(defaultDatum(e, avro_schema_array_items(s), path));
        return out;
      }
      case AVRO_MAP: {
        if (!d.is_object()) failAt(path, "a map default must be an object");
        json out = json::object();
        for (const auto& [k, e] : d.items())
          out[k] = defaultDatum(e, avro_schema_map_values(s), path);
        return out;
      }
      default:
        return d;
    }
  }

 private:
  const ParsedSchema& schema_;
};

// ---- Avro value -> JSON (decoding, with resolution)
// --------------------------------------------------

// Same unqualified name, or the writer's name among the reader type's aliases.
bool namesMatch(avro_schema_t writer, avro_schema_t reader, const ParsedSchema* reader_schema) {
  return shortName(fullNameOf(writer)) == shortName(fullNameOf(reader)) ||
         (reader_schema != nullptr && reader_schema->hasAlias(reader, fullNameOf(writer)));
}

// Whether data of writer type `w` can be read as reader type `r` (Avro's resolution rules).
bool resolvable(avro_schema_t w, avro_schema_t r, const ParsedSchema* rs) {
  w = deref(w);
  r = deref(r);
  const avro_type_t wt = avro_typeof(w);
  const avro_type_t rt = avro_typeof(r);
  if (wt == AVRO_UNION) return true;  // decided per value, on the branch written
  if (rt == AVRO_UNION) {
    for (size_t i = 0; i < avro_schema_union_size(r); ++i) {
      if (resolvable(w, avro_schema_union_branch(r, static_cast<int>(i)), rs)) return true;
    }
    return false;
  }
  switch (rt) {
    case AVRO_INT64:
      return wt == AVRO_INT64 || wt == AVRO_INT32;
    case AVRO_FLOAT:
      return wt == AVRO_FLOAT || wt == AVRO_INT32 || wt == AVRO_INT64;
    case AVRO_DOUBLE:
      return wt == AVRO_DOUBLE || wt == AVRO_FLOAT || wt == AVRO_INT32 || wt == AVRO_INT64;
    case AVRO_STRING:
    case AVRO_BYTES:
      return wt == AVRO_STRING || wt == AVRO_BYTES;
    case AVRO_RECORD:
    case AVRO_ENUM:
      return wt == rt && namesMatch(w, r, rs);
    case AVRO_FIXED:
      return wt == rt && namesMatch(w, r, rs) &&
             avro_schema_fixed_size(w) == avro_schema_fixed_size(r);
    default:
      return wt == rt;
  }
}

class Decoder {
 public:
  // `reader`: the schema to resolve to, or nullptr to give records as written.
  explicit Decoder(const ParsedSchema* reader) : reader_(reader) {}

  json read(avro_value_t* v, avro_schema_t r, const std::string& path) const {
    r = deref(r);
    const avro_type_t wt = avro_value_get_type(v);
    avro_schema_t w = deref(avro_value_get_schema(v));
    if (wt == AVRO_UNION) {
      avro_value_t branch;
      if (avro_value_get_current_branch(v, &branch) != 0) fail(avroError());
      return read(&branch, r, path);
    }
    if (r != nullptr && avro_typeof(r) == AVRO_UNION) {
      for (size_t i = 0; i < avro_schema_union_size(r); ++i) {
        avro_schema_t b = avro_schema_union_branch(r, static_cast<int>(i));
        if (resolvable(w, b, reader_)) return read(v, b, path);
      }
      failAt(path, std::string("the writer's ") + typeName(w) +
                       " matches no branch of the reader's union");
    }
    if (r != nullptr && !resolvable(w, r, reader_)) {
      failAt(path, std::string("the writer's ") + typeName(w) + " " + fullNameOf(w) +
                       " cannot be read as the reader's " + typeName(r) + " " + fullNameOf(r));
    }
    const avro_type_t rt = r != nullptr ? avro_typeof(r) : wt;
    switch (wt) {
      case AVRO_NULL:
        return nullptr;
      case AVRO_BOOLEAN: {
        int b = 0;
        avro_value_get_boolean(v, &b);
        return b != 0;
      }
      case AVRO_INT32: {
        int32_t i = 0;
        avro_value_get_int(v, &i);
        return number(static_cast<int64_t>(i), rt);
      }
      case AVRO_INT64: {
        int64_t i = 0;
        avro_value_get_long(v, &i);
        return number(i, rt);
      }
      case AVRO_FLOAT: {
        float f = 0;
        avro_value_get_float(v, &f);
        return static_cast<double>(f);
      }
      case AVRO_DOUBLE: {
        double d = 0;
        avro_value_get_double(v, &d);
        return d;
      }
      case AVRO_STRING: {
        const char* s = nullptr;
        size_t size = 0;
        avro_value_get_string(v, &s, &size);
        std::string text(s, size > 0 ? size - 1 : 0);  // size counts the NUL
        if (rt == AVRO_BYTES) return json::binary(std::vector<uint8_t>(text.begin(), text.end()));
        return text;
      }
      case AVRO_BYTES:
      case AVRO_FIXED: {
        const void* data = nullptr;
        size_t size = 0;
        if (wt == AVRO_BYTES) {
          avro_value_get_bytes(v, &data, &size);
        } else {
          avro_value_get_fixed(v, &data, &size);
        }
        const auto* p = static_cast<const uint8_t*>(data);
        if (rt == AVRO_STRING) return std::string(reinterpret_cast<const char*>(p), size);
        return json::binary(std::vector<uint8_t>(p, p + size));
      }
      case AVRO_ENUM: {
        int index = 0;
        avro_value_get_enum(v, &index);
        const char* symbol = avro_schema_enum_get(w, index);
        if (symbol == nullptr) failAt(path, "enum index out of range");
        if (r != nullptr && avro_schema_enum_get_by_name(r, symbol) < 0) {
          if (const std::string* d = reader_->enumDefault(r)) return *d;
          failAt(path, std::string("symbol ") + symbol + " of the writer's enum " + fullNameOf(w) +
                           " is not in the reader's and it has no default");
        }
        return symbol;
      }
      case AVRO_ARRAY: {
        json out = json::array();
        size_t n = 0;
        avro_value_get_size(v, &n);
        for (size_t i = 0; i < n; ++i) {
          avro_value_t element;
          avro_value_get_by_index(v, i, &element, nullptr);
          out.push_back(read(&element, r != nullptr ? avro_schema_array_items(r) : nullptr,
                             path + "[" + std::to_string(i) + "]"));
        }
        return out;
      }
      case AVRO_MAP: {
        json out = json::object();
        size_t n = 0;
        avro_value_get_size(v, &n);
        for (size_t i = 0; i < n; ++i) {
          avro_value_t element;
          const char* key = nullptr;
          avro_value_get_by_index(v, i, &element, &key);
          out[key] = read(&element, r != nullptr ? avro_schema_map_values(r) : nullptr,
                          path + "[\"" + key + "\"]");
        }
        return out;
      }
      case AVRO_RECORD:
        return r != nullptr ? readRecord(v, w, r, path) : readRecordAsWritten(v, path);
      default:
        failAt(path, std::string("unsupported Avro type ") + typeName(w));
    }
  }

 private:
  static json number(int64_t i, avro_type_t reader_type) {
    if (reader_type == AVRO_FLOAT) return static_cast<double>(static_cast<float>(i));
    if (reader_type == AVRO_DOUBLE) return static_cast<double>(i);
    return i;
  }

  json readRecordAsWritten(avro_value_t* v, const std::string& path) const {
    json out = json::object();
    size_t n = 0;
    avro_value_get_size(v, &n);
    for (size_t i = 0; i < n; ++i) {
      avro_value_t field;
      const char* name = nullptr;
      avro_value_get_by_index(v, i, &field, &name);
      out[name] = read(&field, nullptr, child(path, name));
    }
    return out;
  }

  json readRecord(avro_value_t* v, avro_schema_t w, avro_schema_t r,
                  const std::string& path) const {
    json out = json::object();
    const size_t n = avro_schema_record_size(r);
    for (size_t i = 0; i < n; ++i) {
      const char* name = avro_schema_record_field_name(r, static_cast<int>(i));
      avro_schema_t field_schema = avro_schema_record_field_get_by_index(r, static_cast<int>(i));
      // The writer's field of the same name, else one the reader field's aliases name (a rename).
      const char* written_as = avro_schema_record_field_get_index(w, name) >= 0 ? name : nullptr;
      if (written_as == nullptr) {
        if (const auto* aliases = reader_->fieldAliases(r, name)) {
          for (const auto& alias : *aliases) {
            if (avro_schema_record_field_get_index(w, alias.c_str()) >= 0) {
              written_as = alias.c_str();
              break;
            }
          }
        }
      }
      if (written_as != nullptr) {
        avro_value_t field;
        avro_value_get_by_name(v, written_as, &field, nullptr);
        out[name] = read(&field, field_schema, child(path, name));
      } else if (const json* d = reader_->fieldDefault(r, name)) {
        out[name] = Encoder(*reader_).defaultDatum(*d, field_schema, child(path, name));
      } else {
        failAt(child(path, name), "field " + std::string(name) + " of " + fullNameOf(r) +
                                      " is missing in the writer's schema and has no default");
      }
    }
    return out;
  }

  const ParsedSchema* reader_;
};

}  // namespace
}  // namespace avro_internal

// ---- AvroSchema --------------------------------------------------------------------------------

using avro_internal::ParsedSchema;

AvroSchema::AvroSchema(const std::string& json)
    : parsed_(std::make_shared<const ParsedSchema>(json)) {}

const std::string& AvroSchema::json() const { return parsed_->text(); }
const std::string& AvroSchema::fullName() const { return parsed_->fullName(); }

std::string AvroSchema::encode(const nlohmann::json& value) const {
  avro_internal::Value v(parsed_->iface());
  avro_internal::Encoder(*parsed_).write(value, v.get(), "");
  size_t size = 0;
  if (avro_value_sizeof(v.get(), &size) != 0) avro_internal::fail(avro_internal::avroError());
  std::string out(size, '\0');
  avro_internal::WriterHandle writer(avro_writer_memory(out.data(), static_cast<int64_t>(size)));
  if (!writer || avro_value_write(writer.get(), v.get()) != 0) {
    avro_internal::fail("cannot encode: " + avro_internal::avroError());
  }
  return out;
}

namespace {
nlohmann::json decodeWith(std::string_view bytes, const ParsedSchema& writer,
                          const ParsedSchema* reader) {
  avro_internal::BinaryValidator(bytes).check(writer.schema());
  avro_internal::Value v(writer.iface());
  avro_internal::ReaderHandle in(
      avro_reader_memory(bytes.data(), static_cast<int64_t>(bytes.size())));
  if (!in || avro_value_read(in.get(), v.get()) != 0) {
    avro_internal::fail(
        "cannot decode " + std::to_string(bytes.size()) + " bytes with " +
        (writer.fullName().empty() ? std::string("the writer's schema") : writer.fullName()) +
        ": " + avro_internal::avroError());
  }
  return avro_internal::Decoder(reader).read(v.get(),
                                             reader != nullptr ? reader->schema() : nullptr, "");
}
}  // namespace

nlohmann::json AvroSchema::decode(std::string_view bytes, const AvroSchema& writer) const {
  return decodeWith(bytes, *writer.parsed_, parsed_.get());
}

nlohmann::json AvroSchema::decode(std::string_view bytes) const {
  return decodeWith(bytes, *parsed_, nullptr);
}

// ---- AvroGenericSerde
// ------------------------------------------------------------------------------

AvroGenericSerde::AvroGenericSerde(SchemaRegistryClientPtr registry,
                                   std::optional<AvroSchema> schema, SchemaSerdeConfig config)
    : registry_(std::move(registry)), schema_(std::move(schema)), config_(config) {
  if (!registry_) throw std::invalid_argument("AvroGenericSerde needs a SchemaRegistryClient");
}

std::string AvroGenericSerde::name() const {
  return schema_ ? "AvroSerde<" + schema_->fullName() + ">" : "AvroSerde<as written>";
}

const AvroGenericSerde::Writer& AvroGenericSerde::writerFor(std::string_view topic) const {
  {
    std::shared_lock lock(mutex_);
    if (auto it = writers_.find(topic); it != writers_.end()) return it->second;
  }
  if (!schema_)
    throw SerializationException(name() + " only reads: it has no schema to write with");
  RegisteredSchema registered = resolveWriterSchema(
      *registry_, config_, topic, Schema{schema_->json(), "AVRO"}, schema_->fullName());
  // With use.latest.version the registry's latest schema is the one written.
  Writer writer{registered.id,
                config_.use_latest_version ? AvroSchema(registered.schema.schema) : *schema_};
  std::unique_lock lock(mutex_);
  return writers_.emplace(std::string(topic), std::move(writer)).first->second;
}

std::string AvroGenericSerde::checkSchema(std::string_view topic, Use use) const {
  if (!schema_) return "";  // reads whatever was written; cannot write
  const std::string subject =
      subjectName(config_.subject_name_strategy, topic, config_.is_key, schema_->fullName());
  if (use == Use::kRead) return checkAvroReaderAgainstSubject(*registry_, subject, schema_->json());
  return checkWriterAgainstSubject(*registry_, config_, subject, Schema{schema_->json(), "AVRO"});
}

RegisteredSchema AvroGenericSerde::writerSchemaFor(std::string_view topic) const {
  const Writer& writer = writerFor(topic);
  RegisteredSchema r;
  r.subject =
      subjectName(config_.subject_name_strategy, topic, config_.is_key, writer.schema.fullName());
  r.id = writer.id;
  r.schema = Schema{writer.schema.json(), "AVRO"};
  return r;
}

AvroSchema AvroGenericSerde::schemaById(int32_t id) const {
  {
    std::shared_lock lock(mutex_);
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  }
  Schema schema = registry_->getSchemaById(id);
  if (schema.type != "AVRO") {
    throw SerializationException(name() + ": schema id " + std::to_string(id) + " is " +
                                 schema.type + ", not Avro");
  }
  AvroSchema parsed(schema.schema);
  std::unique_lock lock(mutex_);
  return by_id_.emplace(id, std::move(parsed)).first->second;
}

bool AvroGenericSerde::serialize(std::string_view topic, const nlohmann::json& value,
                                 std::string& out) const {
  const Writer& writer = writerFor(topic);
  std::string payload;
  try {
    payload = writer.schema.encode(value);
  } catch (const SerializationException& e) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) + "\"): " + e.what());
  }
  wire::appendHeader(writer.id, out);
  out += payload;
  return true;
}

nlohmann::json AvroGenericSerde::deserialize(std::string_view topic,
                                             std::optional<std::string_view> data) const {
  if (!data.has_value()) return nlohmann::json(nullptr);
  const wire::Framed framed = wire::parse(*data);
  const AvroSchema writer = schemaById(framed.schema_id);
  try {
    return schema_ ? schema_->decode(framed.payload, writer) : writer.decode(framed.payload);
  } catch (const SerializationException& e) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) + "\", schema id " +
                                 std::to_string(framed.schema_id) + "): " + e.what());
  }
}

}  // namespace kstreams
