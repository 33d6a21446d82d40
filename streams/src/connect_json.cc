// Connect's schema JSON and payload conversion for kstreams/connect_json.h. The key order of
// every object written here is JsonConverter's (asJsonSchema, convertToJson in Kafka's
// connect/json), which keeps the bytes equal to Connect's.
#include "kstreams/connect_json.h"

#include <array>
#include <cstdlib>
#include <stdexcept>

namespace kstreams {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr std::array<std::pair<ConnectType, const char*>, 12> kTypeNames = {{
    {ConnectType::kInt8, "int8"},
    {ConnectType::kInt16, "int16"},
    {ConnectType::kInt32, "int32"},
    {ConnectType::kInt64, "int64"},
    {ConnectType::kFloat32, "float"},
    {ConnectType::kFloat64, "double"},
    {ConnectType::kBoolean, "boolean"},
    {ConnectType::kString, "string"},
    {ConnectType::kBytes, "bytes"},
    {ConnectType::kArray, "array"},
    {ConnectType::kMap, "map"},
    {ConnectType::kStruct, "struct"},
}};

std::string at(const std::string& path, const std::string& name) {
  return path.empty() ? name : path + "." + name;
}

}  // namespace

const char* connectTypeName(ConnectType type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "?";
}

namespace connect_internal {

void throwAt(const std::string& path, const std::string& message) {
  throw SerializationException("Connect JSON: " + (path.empty() ? std::string("value") : path) +
                               ": " + message);
}

std::string base64Encode(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 |
                       static_cast<uint8_t>(bytes[i + 1]) << 8 | static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1])
                                                                  << 8;
    out += kAlphabet[n >> 18];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string base64Decode(std::string_view text, const std::string& path) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) throwAt(path, "invalid base64 (length not a multiple of 4)");
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=' && i + 4 == text.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        throwAt(path, "invalid base64");
      }
    }
    const uint32_t n = static_cast<uint32_t>(v[0] << 18 | v[1] << 12 | v[2] << 6 | v[3]);
    out += static_cast<char>(n >> 16);
    if (pad < 2) out += static_cast<char>((n >> 8) & 0xFF);
    if (pad < 1) out += static_cast<char>(n & 0xFF);
  }
  return out;
}

ordered_json float32Json(float f) {
  if (!std::isfinite(f)) return ordered_json(static_cast<double>(f));  // dumps as null
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, f);
  *result.ptr = '\0';
  // The shortest digits that give back f, read as the double they spell: printed again as that
  // double they stay the same digits, as Java's Float.toString prints them.
  return ordered_json(std::strtod(buffer, nullptr));
}

int64_t readInteger(const json& in, ConnectType type, const std::string& path) {
  if (!in.is_number_integer()) throwAt(path, std::string("expected an ") + connectTypeName(type));
  int64_t min = std::numeric_limits<int64_t>::min();
  int64_t max = std::numeric_limits<int64_t>::max();
  switch (type) {
    case ConnectType::kInt8:
      min = INT8_MIN, max = INT8_MAX;
      break;
    case ConnectType::kInt16:
      min = INT16_MIN, max = INT16_MAX;
      break;
    case ConnectType::kInt32:
      min = INT32_MIN, max = INT32_MAX;
      break;
    default:
      break;
  }
  if (in.is_number_unsigned() && in.get<uint64_t>() > static_cast<uint64_t>(max)) {
    throwAt(path,
            std::to_string(in.get<uint64_t>()) + " is out of range for " + connectTypeName(type));
  }
  const auto v = in.get<int64_t>();
  if (v < min || v > max) {
    throwAt(path, std::to_string(v) + " is out of range for " + connectTypeName(type));
  }
  return v;
}

double readFloat(const json& in, const std::string& path) {
  if (!in.is_number()) throwAt(path, "expected a number");
  return in.get<double>();
}

std::string envelope(const std::string& schema_json, const std::string& payload_json) {
  std::string out;
  out.reserve(schema_json.size() + payload_json.size() + 24);
  out += R"({"schema":)";
  out += schema_json;
  out += R"(,"payload":)";
  out += payload_json;
  out += '}';
  return out;
}

json unwrap(std::string_view data, bool schemas_enable, std::string_view topic) {
  json document;
  try {
    document = json::parse(data.begin(), data.end());
  } catch (const json::exception& e) {
    throw SerializationException("Connect JSON (topic \"" + std::string(topic) +
                                 "\"): not JSON: " + e.what());
  }
  if (!schemas_enable) return document;
  // JsonConverter's own rule and message.
  if (!document.is_object() || document.size() != 2 || !document.contains("schema") ||
      !document.contains("payload")) {
    throw SerializationException(
        "Connect JSON (topic \"" + std::string(topic) +
        "\"): JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and "
        "may not contain additional fields. If you are trying to deserialize plain JSON data, "
        "set schemas.enable=false in your converter configuration.");
  }
  return std::move(document["payload"]);
}

}  // namespace connect_internal

using connect_internal::throwAt;

// ---- ConnectSchema -----------------------------------------------------------------------------

ConnectSchema ConnectSchema::array(const ConnectSchema& items) {
  ConnectSchema s(ConnectType::kArray);
  s.values_ = std::make_shared<const ConnectSchema>(items);
  return s;
}

ConnectSchema ConnectSchema::map(const ConnectSchema& keys, const ConnectSchema& values) {
  ConnectSchema s(ConnectType::kMap);
  s.keys_ = std::make_shared<const ConnectSchema>(keys);
  s.values_ = std::make_shared<const ConnectSchema>(values);
  return s;
}

ConnectSchema ConnectSchema::structure(std::string name) {
  ConnectSchema s(ConnectType::kStruct);
  s.name_ = std::move(name);
  return s;
}

ConnectSchema ConnectSchema::field(std::string name, const ConnectSchema& schema) const {
  if (type_ != ConnectType::kStruct) {
    throw std::invalid_argument("ConnectSchema::field on a " + std::string(connectTypeName(type_)));
  }
  for (const auto& f : fields_) {
    if (f.name == name) throw std::invalid_argument("duplicate Connect field \"" + name + "\"");
  }
  ConnectSchema s = *this;
  s.fields_.push_back(Field{std::move(name), schema});
  return s;
}

ConnectSchema ConnectSchema::asOptional() const {
  ConnectSchema s = *this;
  s.optional_ = true;
  return s;
}

ConnectSchema ConnectSchema::withName(std::string name) const {
  ConnectSchema s = *this;
  s.name_ = std::move(name);
  return s;
}

ConnectSchema ConnectSchema::withVersion(int32_t version) const {
  ConnectSchema s = *this;
  s.version_ = version;
  return s;
}

ConnectSchema ConnectSchema::withDoc(std::string doc) const {
  ConnectSchema s = *this;
  s.doc_ = std::move(doc);
  return s;
}

ConnectSchema ConnectSchema::withParameter(std::string key, std::string value) const {
  ConnectSchema s = *this;
  s.parameters_.emplace_back(std::move(key), std::move(value));
  return s;
}

ConnectSchema ConnectSchema::withDefault(json value) const {
  ConnectSchema s = *this;
  s.fromPayloadAt(value, "default");  // must be a valid payload of this schema
  s.default_ = std::move(value);
  return s;
}

bool ConnectSchema::operator==(const ConnectSchema& other) const {
  // Compared as unordered JSON: parameters are a map, their order is not part of the schema.
  return json(toJson()) == json(other.toJson());
}

ordered_json ConnectSchema::toJson() const {
  ordered_json j = ordered_json::object();
  j["type"] = connectTypeName(type_);
  switch (type_) {
    case ConnectType::kArray:
      j["items"] = values_->toJson();
      break;
    case ConnectType::kMap:
      j["keys"] = keys_->toJson();
      j["values"] = values_->toJson();
      break;
    case ConnectType::kStruct: {
      ordered_json fields = ordered_json::array();
      for (const auto& f : fields_) {
        ordered_json field = f.schema.toJson();
        field["field"] = f.name;
        fields.push_back(std::move(field));
      }
      j["fields"] = std::move(fields);
      break;
    }
    default:
      break;
  }
  j["optional"] = optional_;
  if (!name_.empty()) j["name"] = name_;
  if (version_) j["version"] = *version_;
  if (!doc_.empty()) j["doc"] = doc_;
  if (!parameters_.empty()) {
    ordered_json params = ordered_json::object();
    for (const auto& [k, v] : parameters_) params[k] = v;
    j["parameters"] = std::move(params);
  }
  if (default_) {
    ConnectSchema no_default = *this;
    no_default.default_.reset();
    j["default"] = no_default.toPayloadAt(*default_, "default");
  }
  return j;
}

ConnectSchema ConnectSchema::fromJson(const json& j) {
  if (!j.is_object()) throwAt("schema", "a Connect schema must be a JSON object");
  auto type_it = j.find("type");
  if (type_it == j.end() || !type_it->is_string())
    throwAt("schema", "Schema must contain 'type' field");
  const auto& type_name = type_it->get_ref<const std::string&>();
  std::optional<ConnectType> type;
  for (const auto& [t, name] : kTypeNames) {
    if (type_name == name) type = t;
  }
  if (!type) throwAt("schema", "Unknown schema type: " + type_name);
  ConnectSchema s(*type);
  switch (*type) {
    case ConnectType::kArray: {
      auto items = j.find("items");
      if (items == j.end() || items->is_null())
        throwAt("schema", "Array schema did not specify the element type");
      s.values_ = std::make_shared<const ConnectSchema>(fromJson(*items));
      break;
    }
    case ConnectType::kMap: {
      auto keys = j.find("keys");
      auto values = j.find("values");
      if (keys == j.end()) throwAt("schema", "Map schema did not specify the key type");
      if (values == j.end()) throwAt("schema", "Map schema did not specify the value type");
      s.keys_ = std::make_shared<const ConnectSchema>(fromJson(*keys));
      s.values_ = std::make_shared<const ConnectSchema>(fromJson(*values));
      break;
    }
    case ConnectType::kStruct: {
      auto fields = j.find("fields");
      if (fields == j.end() || !fields->is_array()) {
        throwAt("schema", "Struct schema's \"fields\" argument is not an array.");
      }
      for (const auto& f : *fields) {
        auto name = f.find("field");
        if (name == f.end() || !name->is_string()) {
          throwAt("schema", "Struct schema's field name not specified properly");
        }
        s.fields_.push_back(Field{name->get<std::string>(), fromJson(f)});
      }
      break;
    }
    default:
      break;
  }
  if (auto o = j.find("optional"); o != j.end() && o->is_boolean()) s.optional_ = o->get<bool>();
  if (auto n = j.find("name"); n != j.end() && n->is_string()) s.name_ = n->get<std::string>();
  if (auto v = j.find("version"); v != j.end() && v->is_number_integer())
    s.version_ = v->get<int32_t>();
  if (auto d = j.find("doc"); d != j.end() && d->is_string()) s.doc_ = d->get<std::string>();
  if (auto p = j.find("parameters"); p != j.end() && p->is_object()) {
    for (const auto& [k, v] : p->items()) {
      if (!v.is_string()) throwAt("schema", "Schema parameters must have string values.");
      s.parameters_.emplace_back(k, v.get<std::string>());
    }
  }
  if (auto d = j.find("default"); d != j.end()) s.default_ = s.fromPayloadAt(*d, "default");
  return s;
}

ordered_json ConnectSchema::toPayload(const json& value) const { return toPayloadAt(value, ""); }

json ConnectSchema::fromPayload(const json& payload) const { return fromPayloadAt(payload, ""); }

ordered_json ConnectSchema::toPayloadAt(const json& value, const std::string& path) const {
  if (value.is_null()) {
    if (default_) return toPayloadAt(*default_, path);
    if (optional_) return nullptr;
    throwAt(path, "null value for a required " + std::string(connectTypeName(type_)) +
                      " without default");
  }
  switch (type_) {
    case ConnectType::kInt8:
    case ConnectType::kInt16:
    case ConnectType::kInt32:
    case ConnectType::kInt64:
      return connect_internal::readInteger(value, type_, path);
    case ConnectType::kFloat32:
      return connect_internal::float32Json(
          static_cast<float>(connect_internal::readFloat(value, path)));
    case ConnectType::kFloat64:
      return connect_internal::readFloat(value, path);
    case ConnectType::kBoolean:
      if (!value.is_boolean()) throwAt(path, "expected a boolean");
      return value.get<bool>();
    case ConnectType::kString:
      if (!value.is_string()) throwAt(path, "expected a string");
      return value.get<std::string>();
    case ConnectType::kBytes: {
      if (!value.is_binary()) throwAt(path, "expected bytes (nlohmann::json::binary)");
      const auto& bytes = value.get_binary();
      return connect_internal::base64Encode(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }
    case ConnectType::kArray: {
      if (!value.is_array()) throwAt(path, "expected an array");
      ordered_json out = ordered_json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        out.push_back(values_->toPayloadAt(value[i], path + "[" + std::to_string(i) + "]"));
      }
      return out;
    }
    case ConnectType::kMap: {
      if (keys_->type() == ConnectType::kString) {
        if (!value.is_object()) throwAt(path, "expected a map with string keys (JSON object)");
        ordered_json out = ordered_json::object();
        for (const auto& [k, v] : value.items()) {
          out[k] = values_->toPayloadAt(v, path + "[\"" + k + "\"]");
        }
        return out;
      }
      // Other key types: an array of [key, value] pairs, as JsonConverter writes them.
      if (!value.is_array()) throwAt(path, "expected a map as an array of [key, value] pairs");
      ordered_json out = ordered_json::array();
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string entry = path + "[" + std::to_string(i) + "]";
        if (!value[i].is_array() || value[i].size() != 2)
          throwAt(entry, "expected a [key, value] pair");
        out.push_back(ordered_json::array(
            {keys_->toPayloadAt(value[i][0], entry), values_->toPayloadAt(value[i][1], entry)}));
      }
      return out;
    }
    case ConnectType::kStruct: {
      if (!value.is_object()) throwAt(path, "expected a struct (JSON object)");
      for (const auto& [k, v] : value.items()) {
        bool known = false;
        for (const auto& f : fields_) known = known || f.name == k;
        if (!known)
          throwAt(at(path, k), "not a field of " + (name_.empty() ? "the struct" : name_));
      }
      ordered_json out = ordered_json::object();
      static const json kNull;
      for (const auto& f : fields_) {
        auto it = value.find(f.name);
        out[f.name] = f.schema.toPayloadAt(it == value.end() ? kNull : *it, at(path, f.name));
      }
      return out;
    }
  }
  throwAt(path, "unsupported schema type");
}

json ConnectSchema::fromPayloadAt(const json& payload, const std::string& path) const {
  if (payload.is_null()) {
    if (default_) return *default_;
    if (optional_) return nullptr;
    throwAt(path, "null or missing value for a required " + std::string(connectTypeName(type_)));
  }
  switch (type_) {
    case ConnectType::kInt8:
    case ConnectType::kInt16:
    case ConnectType::kInt32:
    case ConnectType::kInt64:
      return connect_internal::readInteger(payload, type_, path);
    case ConnectType::kFloat32:
    case ConnectType::kFloat64:
      return connect_internal::readFloat(payload, path);
    case ConnectType::kBoolean:
      if (!payload.is_boolean()) throwAt(path, "expected a boolean");
      return payload;
    case ConnectType::kString:
      if (!payload.is_string()) throwAt(path, "expected a string");
      return payload;
    case ConnectType::kBytes: {
      if (!payload.is_string()) throwAt(path, "expected base64 bytes (a string)");
      const std::string raw =
          connect_internal::base64Decode(payload.get_ref<const std::string&>(), path);
      return json::binary(std::vector<uint8_t>(raw.begin(), raw.end()));
    }
    case ConnectType::kArray: {
      if (!payload.is_array()) throwAt(path, "expected an array");
      json out = json::array();
      for (size_t i = 0; i < payload.size(); ++i) {
        out.push_back(values_->fromPayloadAt(payload[i], path + "[" + std::to_string(i) + "]"));
      }
      return out;
    }
    case ConnectType::kMap: {
      if (keys_->type() == ConnectType::kString) {
        if (!payload.is_object()) throwAt(path, "expected a map with string keys (JSON object)");
        json out = json::object();
        for (const auto& [k, v] : payload.items()) {
          out[k] = values_->fromPayloadAt(v, path + "[\"" + k + "\"]");
        }
        return out;
      }
      if (!payload.is_array()) throwAt(path, "expected a map as an array of [key, value] pairs");
      json out = json::array();
      for (size_t i = 0; i < payload.size(); ++i) {
        const std::string entry = path + "[" + std::to_string(i) + "]";
        if (!payload[i].is_array() || payload[i].size() != 2) {
          throwAt(entry, "expected a [key, value] pair");
        }
        out.push_back(json::array({keys_->fromPayloadAt(payload[i][0], entry),
                                   values_->fromPayloadAt(payload[i][1], entry)}));
      }
      return out;
    }
    case ConnectType::kStruct: {
      if (!payload.is_object()) throwAt(path, "expected a struct (JSON object)");
      json out = json::object();
      static const json kNull;
      for (const auto& f : fields_) {
        auto it = payload.find(f.name);
        out[f.name] = f.schema.fromPayloadAt(it == payload.end() ? kNull : *it, at(path, f.name));
      }
      return out;
    }
  }
  throwAt(path, "unsupported schema type");
}

// ---- ConnectJsonSerde --------------------------------------------------------------------------

ConnectJsonSerde::ConnectJsonSerde(ConnectSchema schema, bool schemas_enable)
    : schema_(std::move(schema)),
      schemas_enable_(schemas_enable),
      schema_json_(schema_.toJson().dump()) {}

bool ConnectJsonSerde::serialize(std::string_view topic, const json& value,
                                 std::string& out) const {
  std::string payload;
  try {
    payload = schema_.toPayload(value).dump();
  } catch (const json::exception& e) {
    throw SerializationException(name() + ": cannot serialize (topic \"" + std::string(topic) +
                                 "\"): " + e.what());
  } catch (const SerializationException& e) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) + "\"): " + e.what());
  }
  out += schemas_enable_ ? connect_internal::envelope(schema_json_, payload) : payload;
  return true;
}

json ConnectJsonSerde::deserialize(std::string_view topic,
                                   std::optional<std::string_view> data) const {
  if (!data.has_value()) return json(nullptr);
  const json payload = connect_internal::unwrap(*data, schemas_enable_, topic);
  try {
    return schema_.fromPayload(payload);
  } catch (const SerializationException& e) {
    throw SerializationException(name() + " (topic \"" + std::string(topic) + "\"): " + e.what());
  }
}

}  // namespace kstreams
