// File: kstreams/connect_json.h
//
// Serdes that write and read what Kafka Connect's JsonConverter does, so Connect sink connectors
// configured with `value.converter=org.apache.kafka.connect.json.JsonConverter` consume kstreams'
// output without a schema registry (and kstreams reads what Connect source connectors write):
//
//   {"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},
//              {"type":"int64","optional":false,"field":"cents"}],"optional":false,
//              "name":"com.acme.Order"},
//    "payload":{"id":"a-1","cents":1250}}
//
// (one line on the wire), or with schemas.enable=false the payload alone. Keys of both objects
// come in Connect's order (type, items|keys+values|fields, optional, name, version, doc,
// parameters, default; each field's schema then "field"), so the bytes equal JsonConverter's for
// the same schema and value, except for doubles that Java prints in exponent form (1.0E20 here
// is 1e+20; both parse to the same number).
//
// Two ways to use it:
//
// 1. A user struct, described once as a list of fields (no JSON written by hand):
//
//      struct Order { std::string id; int64_t cents; std::optional<std::string> note; };
//      // Found by argument-dependent lookup: declare it in Order's namespace.
//      inline const kstreams::ConnectStruct<Order>& connectStruct(const Order*) {
//        static const auto s = kstreams::ConnectStruct<Order>("com.acme.Order")
//                                  .field("id", &Order::id)
//                                  .field("cents", &Order::cents)
//                                  .field("note", &Order::note);   // optional string
//        return s;
//      }
//      SerdePtr<Order> serde = Serdes::ConnectJson<Order>();        // schemas.enable=true
//
//    Field types map as Connect's: int8_t/int16_t/int32_t/int64_t -> int8..int64, float ->
//    FLOAT32 ("float" in the schema JSON), double -> FLOAT64 ("double"), bool -> boolean,
//    std::string -> string, ConnectBytes -> bytes (base64 in JSON), std::vector<T> -> array,
//    std::map<std::string, T> -> map (a JSON object), std::optional<T> -> the optional form of T's
//    schema, and any struct with its own connectStruct() hook -> a nested struct.
//
// 2. nlohmann::json values with a declared Connect schema:
//
//      auto schema = ConnectSchema::structure("com.acme.Order")
//                        .field("id", ConnectSchema::string())
//                        .field("cents", ConnectSchema::int64());
//      auto serde = std::make_shared<ConnectJsonSerde>(schema);
//
// Reading checks the payload against the serde's own schema (the envelope's "schema" must be
// there and be an object or null, as JsonConverter requires, but is not compared): a missing
// required field, a number out of range or a value of the wrong JSON type throws
// SerializationException naming the field path, as does writing a value that does not fit the
// schema. Fields the reader does not know are ignored, so a reader built with an older schema
// reads newer records.
//
// Every serde here is immutable after construction and safe to use from any number of threads.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/serde.h"
#include "kstreams/serdes.h"
#include "nlohmann/json.hpp"

namespace kstreams {

// ---- schemas ----------------------------------------------------------------------------------

// Connect's schema types (org.apache.kafka.connect.data.Schema.Type), as named in the JSON.
enum class ConnectType {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct
};

// "int8", "float64", "struct", ...
const char* connectTypeName(ConnectType type);

// An immutable Connect schema (a value type; copies share their children). Built with the static
// factories and the const "with" methods, which return a modified copy:
//   ConnectSchema::structure("a.B").field("x", ConnectSchema::int32().asOptional())
class ConnectSchema {
 public:
  struct Field;

  static ConnectSchema int8() { return ConnectSchema(ConnectType::kInt8); }
  static ConnectSchema int16() { return ConnectSchema(ConnectType::kInt16); }
  static ConnectSchema int32() { return ConnectSchema(ConnectType::kInt32); }
  static ConnectSchema int64() { return ConnectSchema(ConnectType::kInt64); }
  static ConnectSchema float32() { return ConnectSchema(ConnectType::kFloat32); }
  static ConnectSchema float64() { return ConnectSchema(ConnectType::kFloat64); }
  static ConnectSchema boolean() { return ConnectSchema(ConnectType::kBoolean); }
  static ConnectSchema string() { return ConnectSchema(ConnectType::kString); }
  static ConnectSchema bytes() { return ConnectSchema(ConnectType::kBytes); }
  static ConnectSchema array(const ConnectSchema& items);
  static ConnectSchema map(const ConnectSchema& keys, const ConnectSchema& values);
  // A struct without fields yet; `name` may be empty (Connect allows unnamed structs).
  static ConnectSchema structure(std::string name = "");

  // Appends a field to a struct (throws std::invalid_argument on other types or a duplicate).
  ConnectSchema field(std::string name, const ConnectSchema& schema) const;
  ConnectSchema asOptional() const;
  ConnectSchema withName(std::string name) const;
  ConnectSchema withVersion(int32_t version) const;
  ConnectSchema withDoc(std::string doc) const;
  ConnectSchema withParameter(std::string key, std::string value) const;
  // The value written for a null (must be a payload JSON value of this schema).
  ConnectSchema withDefault(nlohmann::json value) const;

  ConnectType type() const { return type_; }
  bool optional() const { return optional_; }
  const std::string& name() const { return name_; }
  const std::vector<Field>& fields() const { return fields_; }
  const ConnectSchema& items() const { return *values_; }   // array
  const ConnectSchema& keys() const { return *keys_; }      // map
  const ConnectSchema& values() const { return *values_; }  // map

  // Connect's JSON for this schema, keys in JsonConverter's order.
  nlohmann::ordered_json toJson() const;
  // Parses Connect's schema JSON (what JsonConverter writes); throws SerializationException.
  static ConnectSchema fromJson(const nlohmann::json& json);

  // A payload for `value` (a JSON value of this schema's shape; bytes as nlohmann binary),
  // fields in schema order, absent or null fields filled with the default or null when
  // optional. Throws SerializationException naming the path of a value that does not fit.
  nlohmann::ordered_json toPayload(const nlohmann::json& value) const;
  // The inverse: a JSON value of a payload (bytes decoded from base64 to nlohmann binary).
  nlohmann::json fromPayload(const nlohmann::json& payload) const;

  // Same JSON, parameters compared as a map.
  bool operator==(const ConnectSchema& other) const;

 private:
  explicit ConnectSchema(ConnectType type) : type_(type) {}
  nlohmann::ordered_json toPayloadAt(const nlohmann::json& value, const std::string& path) const;
  nlohmann::json fromPayloadAt(const nlohmann::json& payload, const std::string& path) const;

  ConnectType type_;
  bool optional_ = false;
  std::string name_;
  std::optional<int32_t> version_;
  std::string doc_;
  std::vector<std::pair<std::string, std::string>> parameters_;
  std::optional<nlohmann::json> default_;
  std::vector<Field> fields_;
  std::shared_ptr<const ConnectSchema> keys_;
  std::shared_ptr<const ConnectSchema> values_;
};

struct ConnectSchema::Field {
  std::string name;
  ConnectSchema schema;
};

namespace connect_internal {
// Base64 (RFC 4648, with padding), as Jackson writes Connect's bytes.
std::string base64Encode(std::string_view bytes);
// Throws SerializationException for text that is not base64.
std::string base64Decode(std::string_view text, const std::string& path);
// A JSON number with the digits Java's Float.toString gives `f` (shortest round trip).
nlohmann::ordered_json float32Json(float f);
[[noreturn]] void throwAt(const std::string& path, const std::string& message);
// Reads an integer payload of `type` into int64 with range checks.
int64_t readInteger(const nlohmann::json& json, ConnectType type, const std::string& path);
double readFloat(const nlohmann::json& json, const std::string& path);
std::string envelope(const std::string& schema_json, const std::string& payload_json);
// Parses `data` and returns the payload: the "payload" of an envelope with exactly "schema" and
// "payload" when `schemas_enable`, else the whole document. Throws SerializationException.
nlohmann::json unwrap(std::string_view data, bool schemas_enable, std::string_view topic);
}  // namespace connect_internal

// Bytes in a struct field (Connect "bytes", base64 in JSON). A distinct type so that a
// std::string field stays a Connect string.
struct ConnectBytes {
  std::string data;
  bool operator==(const ConnectBytes&) const = default;
};

// ---- typed structs ----------------------------------------------------------------------------

template <typename T>
class ConnectStruct;

// The mapping of a C++ field type to Connect. Specialized below; a struct type with a
// connectStruct(const T*) hook (found by ADL) maps to a nested struct.
template <typename M, typename = void>
struct ConnectField;

template <typename M>
concept HasConnectStruct = requires(const M* p) {
  { connectStruct(p) } -> std::convertible_to<const ConnectStruct<M>&>;
};

// A user struct T (default-constructible: reading starts from T{}) described as Connect struct
// fields. Build it once (typically in a function-local static returned by a connectStruct
// hook); then immutable and thread-safe.
template <typename T>
class ConnectStruct {
 public:
  explicit ConnectStruct(std::string name) : schema_(ConnectSchema::structure(std::move(name))) {}

  // Adds member `member` as field `name`, its Connect type deduced from the member's type.
  template <typename M>
  ConnectStruct& field(std::string name, M T::*member) {
    schema_ = schema_.field(name, ConnectField<M>::schema());
    fields_.push_back(Field{std::move(name),
                            [member](const T& value, nlohmann::ordered_json& out) {
                              ConnectField<M>::write(value.*member, out);
                            },
                            [member](const nlohmann::json& in, T& value, const std::string& path) {
                              value.*member = ConnectField<M>::read(in, path);
                            },
                            ConnectField<M>::isOptional});
    return *this;
  }

  const ConnectSchema& schema() const { return schema_; }

  void write(const T& value, nlohmann::ordered_json& out) const {
    out = nlohmann::ordered_json::object();
    for (const auto& f : fields_) f.write(value, out[f.name]);
  }

  T read(const nlohmann::json& payload, const std::string& path) const {
    if (!payload.is_object()) connect_internal::throwAt(path, "expected a struct (JSON object)");
    T value{};
    static const nlohmann::json kNull;
    for (const auto& f : fields_) {
      auto it = payload.find(f.name);
      const std::string field_path = path.empty() ? f.name : path + "." + f.name;
      if (it == payload.end() || it->is_null()) {
        if (!f.optional) connect_internal::throwAt(field_path, "required field is missing or null");
        f.read(kNull, value, field_path);
      } else {
        f.read(*it, value, field_path);
      }
    }
    return value;
  }

 private:
  struct Field {
    std::string name;
    std::function<void(const T&, nlohmann::ordered_json&)> write;
    std::function<void(const nlohmann::json&, T&, const std::string&)> read;
    bool optional;
  };
  ConnectSchema schema_;
  std::vector<Field> fields_;
};

template <typename M>
struct ConnectField<M, std::enable_if_t<std::is_integral_v<M> && !std::is_same_v<M, bool>>> {
  static_assert(std::is_same_v<M, int8_t> || std::is_same_v<M, int16_t> ||
                    std::is_same_v<M, int32_t> || std::is_same_v<M, int64_t>,
                "Connect integers are int8_t, int16_t, int32_t and int64_t");
  static constexpr ConnectType kType = sizeof(M) == 1   ? ConnectType::kInt8
                                       : sizeof(M) == 2 ? ConnectType::kInt16
                                       : sizeof(M) == 4 ? ConnectType::kInt32
                                                        : ConnectType::kInt64;
  static constexpr bool isOptional = false;
  static ConnectSchema schema() {
    if constexpr (kType == ConnectType::kInt8) return ConnectSchema::int8();
    if constexpr (kType == ConnectType::kInt16) return ConnectSchema::int16();
    if constexpr (kType == ConnectType::kInt32) return ConnectSchema::int32();
    if constexpr (kType == ConnectType::kInt64) return ConnectSchema::int64();
  }
  static void write(M v, nlohmann::ordered_json& out) { out = static_cast<int64_t>(v); }
  static M read(const nlohmann::json& in, const std::string& path) {
    return static_cast<M>(connect_internal::readInteger(in, kType, path));
  }
};

template <>
struct ConnectField<bool> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::boolean(); }
  static void write(bool v, nlohmann::ordered_json& out) { out = v; }
  static bool read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_boolean()) connect_internal::throwAt(path, "expected a boolean");
    return in.get<bool>();
  }
};

template <>
struct ConnectField<float> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::float32(); }
  static void write(float v, nlohmann::ordered_json& out) {
    out = connect_internal::float32Json(v);
  }
  static float read(const nlohmann::json& in, const std::string& path) {
    return static_cast<float>(connect_internal::readFloat(in, path));
  }
};

template <>
struct ConnectField<double> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::float64(); }
  static void write(double v, nlohmann::ordered_json& out) { out = v; }
  static double read(const nlohmann::json& in, const std::string& path) {
    return connect_internal::readFloat(in, path);
  }
};

template <>
struct ConnectField<std::string> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::string(); }
  static void write(const std::string& v, nlohmann::ordered_json& out) { out = v; }
  static std::string read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_string()) connect_internal::throwAt(path, "expected a string");
    return in.get<std::string>();
  }
};

template <>
struct ConnectField<ConnectBytes> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::bytes(); }
  static void write(const ConnectBytes& v, nlohmann::ordered_json& out) {
    out = connect_internal::base64Encode(v.data);
  }
  static ConnectBytes read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_string()) connect_internal::throwAt(path, "expected base64 bytes (a string)");
    return ConnectBytes{connect_internal::base64Decode(in.get_ref<const std::string&>(), path)};
  }
};

template <typename M>
struct ConnectField<std::optional<M>> {
  static constexpr bool isOptional = true;
  static ConnectSchema schema() { return ConnectField<M>::schema().asOptional(); }
  static void write(const std::optional<M>& v, nlohmann::ordered_json& out) {
    if (v.has_value()) {
      ConnectField<M>::write(*v, out);
    } else {
      out = nullptr;
    }
  }
  static std::optional<M> read(const nlohmann::json& in, const std::string& path) {
    if (in.is_null()) return std::nullopt;
    return ConnectField<M>::read(in, path);
  }
};

template <typename M>
struct ConnectField<std::vector<M>> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() { return ConnectSchema::array(ConnectField<M>::schema()); }
  static void write(const std::vector<M>& v, nlohmann::ordered_json& out) {
    out = nlohmann::ordered_json::array();
    for (const auto& e : v) ConnectField<M>::write(e, out.emplace_back());
  }
  static std::vector<M> read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_array()) connect_internal::throwAt(path, "expected an array");
    std::vector<M> out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
      const std::string element_path = path + "[" + std::to_string(i) + "]";
      if (in[i].is_null() && !ConnectField<M>::isOptional) {
        connect_internal::throwAt(element_path, "null element in an array of required values");
      }
      out.push_back(ConnectField<M>::read(in[i], element_path));
    }
    return out;
  }
};

template <typename M>
struct ConnectField<std::map<std::string, M>> {
  static constexpr bool isOptional = false;
  static ConnectSchema schema() {
    return ConnectSchema::map(ConnectSchema::string(), ConnectField<M>::schema());
  }
  static void write(const std::map<std::string, M>& v, nlohmann::ordered_json& out) {
    out = nlohmann::ordered_json::object();
    for (const auto& [k, e] : v) ConnectField<M>::write(e, out[k]);
  }
  static std::map<std::string, M> read(const nlohmann::json& in, const std::string& path) {
    if (!in.is_object()) connect_internal::throwAt(path, "expected a map (JSON object)");
    std::map<std::string, M> out;
    for (const auto& [k, e] : in.items()) {
      const std::string entry_path = path + "[\"" + k + "\"]";
      if (e.is_null() && !ConnectField<M>::isOptional) {
        connect_internal::throwAt(entry_path, "null value in a map of required values");
      }
      out.emplace(k, ConnectField<M>::read(e, entry_path));
    }
    return out;
  }
};

template <typename M>
struct ConnectField<M, std::enable_if_t<HasConnectStruct<M>>> {
  static constexpr bool isOptional = false;
  static const ConnectStruct<M>& mapping() { return connectStruct(static_cast<const M*>(nullptr)); }
  static ConnectSchema schema() { return mapping().schema(); }
  static void write(const M& v, nlohmann::ordered_json& out) { mapping().write(v, out); }
  static M read(const nlohmann::json& in, const std::string& path) {
    return mapping().read(in, path);
  }
};

// ---- serdes -----------------------------------------------------------------------------------

// nlohmann::json values with a declared Connect schema (see the file comment).
class ConnectJsonSerde final : public Serde<nlohmann::json> {
 public:
  // `schemas_enable`: JsonConverter's "schemas.enable" (default true): the envelope, or the
  // payload alone.
  explicit ConnectJsonSerde(ConnectSchema schema, bool schemas_enable = true);

  bool serialize(std::string_view topic, const nlohmann::json& value,
                 std::string& out) const override;
  nlohmann::json deserialize(std::string_view topic,
                             std::optional<std::string_view> data) const override;
  std::string name() const override { return "ConnectJsonSerde"; }
  const ConnectSchema& schema() const { return schema_; }

 private:
  ConnectSchema schema_;
  bool schemas_enable_;
  std::string schema_json_;  // the envelope's "schema", dumped once
};

// A user struct T with a ConnectStruct<T> mapping (see the file comment).
template <typename T>
class ConnectStructSerde final : public Serde<T> {
 public:
  ConnectStructSerde(ConnectStruct<T> mapping, bool schemas_enable)
      : mapping_(std::move(mapping)),
        schemas_enable_(schemas_enable),
        schema_json_(mapping_.schema().toJson().dump()) {}

  bool serialize(std::string_view topic, const T& value, std::string& out) const override {
    nlohmann::ordered_json payload;
    mapping_.write(value, payload);
    std::string text;
    try {
      text = payload.dump();
    } catch (const nlohmann::json::exception& e) {
      throw SerializationException(name() + ": cannot serialize (topic \"" + std::string(topic) +
                                   "\"): " + e.what());
    }
    out += schemas_enable_ ? connect_internal::envelope(schema_json_, text) : text;
    return true;
  }

  T deserialize(std::string_view topic, std::optional<std::string_view> data) const override {
    if (!data.has_value()) serdes_internal::ThrowNull(name(), "a Connect JSON struct", topic);
    const nlohmann::json payload = connect_internal::unwrap(*data, schemas_enable_, topic);
    try {
      return mapping_.read(payload, "");
    } catch (const SerializationException& e) {
      throw SerializationException(name() + " (topic \"" + std::string(topic) + "\"): " + e.what());
    }
  }

  std::string name() const override {
    return "ConnectJsonSerde<" + serdes_internal::TypeName(typeid(T)) + ">";
  }

 private:
  ConnectStruct<T> mapping_;
  bool schemas_enable_;
  std::string schema_json_;
};

namespace Serdes {

// The Connect JSON serde for a struct with a connectStruct() hook; `schemas_enable` as
// JsonConverter's "schemas.enable".
template <typename T>
requires HasConnectStruct<T> SerdePtr<T> ConnectJson(bool schemas_enable = true) {
  return std::make_shared<const ConnectStructSerde<T>>(
      connectStruct(static_cast<const T*>(nullptr)), schemas_enable);
}

// For nlohmann::json values with a declared schema.
inline SerdePtr<nlohmann::json> ConnectJson(ConnectSchema schema, bool schemas_enable = true) {
  return std::make_shared<const ConnectJsonSerde>(std::move(schema), schemas_enable);
}

}  // namespace Serdes
}  // namespace kstreams
