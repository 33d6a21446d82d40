// File: kstreams/json_serde.h
//
// JSON serdes through nlohmann::json, in a header of their own so that applications without JSON
// do not compile nlohmann's headers. Works for nlohmann::json itself and for any type with
// nlohmann's to_json/from_json (found by ADL, or NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE):
//
//   struct Order { std::string id; int64_t cents; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, cents)
//
//   SerdePtr<Order> orders = Serdes::Json<Order>();      // {"cents":1250,"id":"a-1"}
//   SerdePtr<nlohmann::json> any = Serdes::Json<nlohmann::json>();
//
// Serialization writes compact `dump()` text (no spaces) in UTF-8. Object keys come out sorted
// (nlohmann::json keeps objects in a std::map), and numbers are formatted by nlohmann, so a Java
// producer's bytes for the same value may differ: any JSON reader accepts both, but do not rely
// on equal bytes (for example for JSON keys shared with Java producers).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "kstreams/serde.h"
#include "kstreams/serdes.h"
#include "nlohmann/json.hpp"

namespace kstreams {

// Safe for concurrent use. Errors: serializing throws SerializationException carrying nlohmann's
// message when a string is not valid UTF-8 or to_json throws a nlohmann::json::exception;
// deserializing throws it for malformed JSON and a JSON value that from_json rejects. Other
// exceptions from user to_json/from_json propagate unchanged. A Kafka null never reaches this
// serde from a source: the record gets T{} marked null (kstreams/record.h), written back as a
// Kafka null; called directly, deserialize(nullopt) returns a JSON null for nlohmann::json and
// throws for other types.
template <typename T>
class JsonSerde final : public Serde<T> {
 public:
  bool serialize(std::string_view topic, const T& value, std::string& out) const override {
    try {
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        Append(value.dump(), out);
      } else {
        Append(nlohmann::json(value).dump(), out);
      }
    } catch (const nlohmann::json::exception& e) {
      Fail("cannot serialize", e, topic);
    }
    return true;
  }

  T deserialize(std::string_view topic, std::optional<std::string_view> data) const override {
    if (!data.has_value()) {
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        return nlohmann::json(nullptr);
      } else {
        serdes_internal::ThrowNull(name(), "a JSON value", topic);
      }
    }
    try {
      if constexpr (std::is_same_v<T, nlohmann::json>) {
        return nlohmann::json::parse(data->begin(), data->end());
      } else {
        return nlohmann::json::parse(data->begin(), data->end()).template get<T>();
      }
    } catch (const nlohmann::json::exception& e) {
      Fail("cannot deserialize", e, topic);
    }
  }

  std::string name() const override {
    if constexpr (std::is_same_v<T, nlohmann::json>) {
      return "JsonSerde<nlohmann::json>";
    } else {
      return "JsonSerde<" + serdes_internal::TypeName(typeid(T)) + ">";
    }
  }

 private:
  // Moves rather than copies when the caller's buffer is empty, the common case.
  static void Append(std::string&& text, std::string& out) {
    if (out.empty()) {
      out = std::move(text);
    } else {
      out += text;
    }
  }

  [[noreturn]] void Fail(const char* what, const nlohmann::json::exception& e,
                         std::string_view topic) const {
    std::string message = name();
    message += ": ";
    message += what;
    message += " (topic \"";
    message += topic;
    message += "\"): ";
    message += e.what();
    throw SerializationException(message);
  }
};

namespace Serdes {

// The JSON serde for T (see JsonSerde); the same shared instance on every call.
template <typename T>
SerdePtr<T> Json() {
  static const SerdePtr<T> serde = std::make_shared<const JsonSerde<T>>();
  return serde;
}

}  // namespace Serdes
}  // namespace kstreams
