// File: kstreams/avro_struct.h
//
// Avro for user structs without hand-written schemas or byte code: describe a struct once as a
// list of fields, and kstreams derives its Avro schema and converts values through the generic
// serde of kstreams/avro_serde.h (registry, Confluent framing, schema resolution included).
//
//   struct AccessLogEntry { std::string ip; int32_t status; std::optional<std::string> agent; };
//   // Found by argument-dependent lookup: declare it in the struct's namespace.
//   inline const kstreams::AvroRecord<AccessLogEntry>& avroRecord(const AccessLogEntry*) {
//     static const auto r = kstreams::AvroRecord<AccessLogEntry>("com.acme.AccessLogEntry")
//                               .field("ip", &AccessLogEntry::ip)
//                               .field("status", &AccessLogEntry::status, 200)  // with a default
//                               .field("agent", &AccessLogEntry::agent);        //
//                               ["null","string"]
//     return r;
//   }
//   SerdePtr<AccessLogEntry> serde = Serdes::Avro<AccessLogEntry>(registry);
//
// Field types: bool -> boolean, int8_t/int16_t/int32_t -> int, int64_t -> long, float, double,
// std::string -> string, std::vector<uint8_t> -> bytes, std::vector<T> -> array,
// std::map<std::string, T> -> map, std::optional<T> -> ["null", T] with default null, and any
// struct with its own avroRecord() hook -> a nested record (written in full where it first
// appears, by name after that). A default given to field() is the field's Avro default, so readers
// with this schema read records written before the field existed.
//
// Reading resolves the writer's schema to the derived one, so a struct that gained a field with a
// default reads old records and old code reads new records. An AvroRecord is built once and then
// immutable; the serdes are safe to share between threads.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/avro_serde.h"
#include "kstreams/serdes.h"

namespace kstreams {

template <typename T>
class AvroRecord;

template <typename M, typename = void>
struct AvroField;

template <typename M>
concept HasAvroRecord = requires(const M* p) {
  { avroRecord(p) } -> std::convertible_to<const AvroRecord<M>&>;
};

namespace avro_struct_internal {
[[noreturn]] inline void fail(const std::string& path, const std::string& message) {
  throw SerializationException("Avro struct: " + (path.empty() ? std::string("value") : path) +
                               ": " + message);
}
}  // namespace avro_struct_internal

// A user struct T (default-constructible: reading starts from T{}) described as Avro record
// fields; see the file comment. Build it once, then immutable and thread-safe.
template <typename T>
class AvroRecord {
 public:
  // `full_name`: the record's name, with its namespace ("com.acme.Order").
  explicit AvroRecord(std::string full_name) : full_name_(std::move(full_name)) {}

  // Adds member `member` as field `name`; its Avro type follows from the member's type.
  template <typename M>
  AvroRecord& field(std::string name, M T::*member) {
    return add<M>(std::move(name), member, AvroField<M>::defaultJson());
  }

  // The same with an Avro default (the value readers use for records written without the field).
  template <typename M, typename D>
  AvroRecord& field(std::string name, M T::*member, const D& default_value) {
    nlohmann::json d;
    AvroField<M>::write(M(default_value), d);
    if (d.is_binary()) {
      throw std::invalid_argument("AvroRecord: defaults for bytes fields are not supported");
    }
    return add<M>(std::move(name), member, std::move(d));
  }

  const std::string& fullName() const { return full_name_; }

  // The record's Avro schema as JSON; named types in `seen` are referenced by name.
  nlohmann::json schema(std::set<std::string>& seen) const {
    if (!seen.insert(full_name_).second) return full_name_;
    nlohmann::json fields = nlohmann::json::array();
    for (const auto& f : fields_) {
      nlohmann::json field = {{"name", f.name}, {"type", f.schema(seen)}};
      if (f.default_value) field["default"] = *f.default_value;
      fields.push_back(std::move(field));
    }
    nlohmann::json record = {{"type", "record"}, {"fields", std::move(fields)}};
    const auto dot = full_name_.rfind('.');
    if (dot == std::string::npos) {
      record["name"] = full_name_;
    } else {
      record["name"] = full_name_.substr(dot + 1);
      record["namespace"] = full_name_.substr(0, dot);
    }
    return record;
  }
  std::string schemaJson() const {
    std::set<std::string> seen;
    return schema(seen).dump();
  }

  void write(const T& value, nlohmann::json& out) const {
    out = nlohmann::json::object();
    for (const auto& f : fields_) f.write(value, out[f.name]);
  }
  T read(const nlohmann::json& in, const std::string& path) const {
    if (!in.is_object()) avro_struct_internal::fail(path, "expected a record");
    T value{};
    static const nlohmann::json kNull;
    for (const auto& f : fields_) {
      auto it = in.find(f.name);
      f.read(it == in.end() ? kNull : *it, value, path.empty() ? f.name : path + "." + f.name);
    }
    return value;
  }

 private:
  template <typename M>
  AvroRecord& add(std::string name, M T::*member, std::optional<nlohmann::json> default_value) {
    for (const auto& f : fields_) {
      if (f.name == name) throw std::invalid_argument("AvroRecord: duplicate field " + name);
    }
    fields_.push_back(Field{
        std::move(name), [](std::set<std::string>& seen) { return AvroField<M>::schema(seen); },
        std::move(default_value),
        [member](const T& value, nlohmann::json& out) { AvroField<M>::write(value.*member, out); },
        [member](const nlohmann::json& in, T& value, const std::string& path) {
          value.*member = AvroField<M>::read(in, path);
        }});
    return *this;
  }

  struct Field {
    std::string name;
    std::function<nlohmann::json(std::set<std::string>&)> schema;
    std::optional<nlohmann::json> default_value;
    std::function<void(const T&, nlohmann::json&)> write;
    std::function<void(const nlohmann::json&, T&, const std::string&)> read;
  };
  std::string full_name_;
  std::vector<Field> fields_;
};

// ---- field types ------------------------------------------------------------------------------

template <typename M>
struct AvroField<M, std::enable_if_t<std::is_integral_v<M> && !std::is_same_v<M, bool>>> {
  static_assert(std::is_signed_v<M> && sizeof(M) <= 8, "Avro integers are signed (int, long)");
  static nlohmann::json schema(std::set<std::string>&) { return sizeof(M) <= 4 ? "int" : "long"; }
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(M v, nlohmann::json& out) { out = static_cast<int64_t>(v); }
  static M read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_number_integer()) avro_struct_internal::fail(path, "expected an integer");
    const auto v = in.get<int64_t>();
    if (v < std::numeric_limits<M>::min() || v > std::numeric_limits<M>::max()) {
      avro_struct_internal::fail(path, std::to_string(v) + " is out of range");
    }
    return static_cast<M>(v);
  }
};

template <typename M>
struct AvroPrimitiveField {
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(const M& v, nlohmann::json& out) { out = v; }
};

template <>
struct AvroField<bool> : AvroPrimitiveField<bool> {
  static nlohmann::json schema(std::set<std::string>&) { return "boolean"; }
  static bool read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_boolean()) avro_struct_internal::fail(path, "expected a boolean");
    return in.get<bool>();
  }
};

template <>
struct AvroField<float> : AvroPrimitiveField<float> {
  static nlohmann::json schema(std::set<std::string>&) { return "float"; }
  static float read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_number()) avro_struct_internal::fail(path, "expected a number");
    return in.get<float>();
  }
};

template <>
struct AvroField<double> : AvroPrimitiveField<double> {
  static nlohmann::json schema(std::set<std::string>&) { return "double"; }
  static double read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_number()) avro_struct_internal::fail(path, "expected a number");
    return in.get<double>();
  }
};

template <>
struct AvroField<std::string> : AvroPrimitiveField<std::string> {
  static nlohmann::json schema(std::set<std::string>&) { return "string"; }
  static std::string read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_string()) avro_struct_internal::fail(path, "expected a string");
    return in.get<std::string>();
  }
};

template <>
struct AvroField<std::vector<uint8_t>> {
  static nlohmann::json schema(std::set<std::string>&) { return "bytes"; }
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(const std::vector<uint8_t>& v, nlohmann::json& out) {
    out = nlohmann::json::binary(v);
  }
  static std::vector<uint8_t> read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_binary()) avro_struct_internal::fail(path, "expected bytes");
    return in.get_binary();
  }
};

template <typename M>
struct AvroField<std::optional<M>> {
  static nlohmann::json schema(std::set<std::string>& seen) {
    return nlohmann::json::array({"null", AvroField<M>::schema(seen)});
  }
  static std::optional<nlohmann::json> defaultJson() { return nlohmann::json(nullptr); }
  static void write(const std::optional<M>& v, nlohmann::json& out) {
    if (v.has_value()) {
      AvroField<M>::write(*v, out);
    } else {
      out = nullptr;
    }
  }
  static std::optional<M> read(const nlohmann::json& in, const std::string& path) {
    if (in.is_null()) return std::nullopt;
    return AvroField<M>::read(in, path);
  }
};

template <typename M>
struct AvroField<std::vector<M>, std::enable_if_t<!std::is_same_v<M, uint8_t>>> {
  static nlohmann::json schema(std::set<std::string>& seen) {
    return {{"type", "array"}, {"items", AvroField<M>::schema(seen)}};
  }
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(const std::vector<M>& v, nlohmann::json& out) {
    out = nlohmann::json::array();
    for (const auto& e : v) AvroField<M>::write(e, out.emplace_back());
  }
  static std::vector<M> read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_array()) avro_struct_internal::fail(path, "expected an array");
    std::vector<M> out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      out.push_back(AvroField<M>::read(in[i], path + "[" + std::to_string(i) + "]"));
    }
    return out;
  }
};

template <typename M>
struct AvroField<std::map<std::string, M>> {
  static nlohmann::json schema(std::set<std::string>& seen) {
    return {{"type", "map"}, {"values", AvroField<M>::schema(seen)}};
  }
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(const std::map<std::string, M>& v, nlohmann::json& out) {
    out = nlohmann::json::object();
    for (const auto& [k, e] : v) AvroField<M>::write(e, out[k]);
  }
  static std::map<std::string, M> read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_object()) avro_struct_internal::fail(path, "expected a map");
    std::map<std::string, M> out;
    for (const auto& [k, e] : in.items())
      out.emplace(k, AvroField<M>::read(e, path + "[\"" + k + "\"]"));
    return out;
  }
};

template <typename M>
struct AvroField<M, std::enable_if_t<HasAvroRecord<M>>> {
  static const AvroRecord<M>& record() { return avroRecord(static_cast<const M*>(nullptr)); }
  static nlohmann::json schema(std::set<std::string>& seen) { return record().schema(seen); }
  static std::optional<nlohmann::json> defaultJson() { return std::nullopt; }
  static void write(const M& v, nlohmann::json& out) { record().write(v, out); }
  static M read(const nlohmann::json& in, const std::string& path) {
    return record().read(in, path);
  }
};

// ---- the serde --------------------------------------------------------------------------------

// T through AvroGenericSerde with the schema AvroRecord<T> derives.
template <typename T>
class AvroStructSerde final : public Serde<T>, public SchemaCheckedSerde {
 public:
  AvroStructSerde(SchemaRegistryClientPtr registry, const AvroRecord<T>& record,
                  SchemaSerdeConfig config)
      : record_(record), generic_(std::move(registry), AvroSchema(record.schemaJson()), config) {}

  bool serialize(std::string_view topic, const T& value, std::string& out) const override {
    nlohmann::json datum;
    record_.write(value, datum);
    return generic_.serialize(topic, datum, out);
  }
  T deserialize(std::string_view topic, std::optional<std::string_view> data) const override {
    if (!data.has_value()) serdes_internal::ThrowNull(name(), "an Avro record", topic);
    return record_.read(generic_.deserialize(topic, data), "");
  }
  std::string name() const override { return "AvroSerde<" + record_.fullName() + ">"; }
  std::string checkSchema(std::string_view topic, Use use) const override {
    return generic_.checkSchema(topic, use);
  }

  const AvroGenericSerde& generic() const { return generic_; }

 private:
  AvroRecord<T> record_;
  AvroGenericSerde generic_;
};

namespace Serdes {

// Avro for a struct with an avroRecord() hook (see the file comment).
template <typename T>
requires HasAvroRecord<T> SerdePtr<T> Avro(SchemaRegistryClientPtr registry,
                                           SchemaSerdeConfig config = {}) {
  return std::make_shared<const AvroStructSerde<T>>(
      std::move(registry), avroRecord(static_cast<const T*>(nullptr)), config);
}

}  // namespace Serdes
}  // namespace kstreams
