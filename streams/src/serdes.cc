#include "kstreams/serdes.h"

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#endif

namespace kstreams {
namespace serdes_internal {

std::string TypeName(const std::type_info& type) {
#if __has_include(<cxxabi.h>)
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> demangled(
      abi::__cxa_demangle(type.name(), nullptr, nullptr, &status), &std::free);
  if (status == 0 && demangled != nullptr) return demangled.get();
#endif
  return type.name();
}

void ThrowNull(std::string_view serde_name, std::string_view expected, std::string_view topic) {
  std::string message(serde_name);
  message += ": null where ";
  message += expected;
  message += " was expected (topic \"";
  message += topic;
  message += "\"); use Serdes::Optional to read and write Kafka nulls";
  throw SerializationException(message);
}

}  // namespace serdes_internal

namespace {

using serdes_internal::ThrowNull;

// The message starts as Java's so that searches for it find Kafka's documentation too.
[[noreturn]] void ThrowSize(std::string_view deserializer, std::size_t expected, std::size_t actual,
                            std::string_view topic) {
  std::string message = "Size of data received by ";
  message += deserializer;
  message += " is not ";
  message += std::to_string(expected);
  message += " (got ";
  message += std::to_string(actual);
  message += " bytes, topic \"";
  message += topic;
  message += "\")";
  throw SerializationException(message);
}

// memcpy + byte swap compiles to one load or store and a bswap (GCC and Clang do not collapse the
// equivalent shift loop at -O2).
template <typename U>
U ToBigEndian(U value) {
  static_assert(std::is_unsigned_v<U> && (sizeof(U) == 2 || sizeof(U) == 4 || sizeof(U) == 8));
  if constexpr (std::endian::native == std::endian::big) {
    return value;
  } else if constexpr (sizeof(U) == 2) {
    return __builtin_bswap16(value);
  } else if constexpr (sizeof(U) == 4) {
    return __builtin_bswap32(value);
  } else {
    return __builtin_bswap64(value);
  }
}

template <typename U>
void AppendBigEndian(U value, std::string& out) {
  char buf[sizeof(U)];
  value = ToBigEndian(value);
  std::memcpy(buf, &value, sizeof(U));
  out.append(buf, sizeof(U));
}

template <typename U>
U LoadBigEndian(const char* p) {
  U value;
  std::memcpy(&value, p, sizeof(U));
  return ToBigEndian(value);
}

// Bytes() and String() differ only in name: neither transforms nor validates.
class BytesSerde final : public Serde<std::string> {
 public:
  explicit BytesSerde(const char* name) : name_(name) {}

  bool serialize(std::string_view, const std::string& value, std::string& out) const override {
    out += value;
    return true;
  }
  std::string deserialize(std::string_view, std::optional<std::string_view> data) const override {
    return data.has_value() ? std::string(*data) : std::string();
  }
  std::string name() const override { return name_; }

 private:
  const char* name_;
};

// `Bits` is the unsigned integer of the same width as T that goes on the wire.
template <typename T, typename Bits>
class FixedWidthSerde final : public Serde<T> {
  static_assert(sizeof(T) == sizeof(Bits));

 public:
  // `expected` completes "null where ... was expected" ("an int32").
  FixedWidthSerde(const char* name, const char* deserializer, const char* expected)
      : name_(name), deserializer_(deserializer), expected_(expected) {}

  bool serialize(std::string_view, const T& value, std::string& out) const override {
    AppendBigEndian<Bits>(ToBits(value), out);
    return true;
  }
  T deserialize(std::string_view topic, std::optional<std::string_view> data) const override {
    if (!data.has_value()) ThrowNull(name_, expected_, topic);
    if (data->size() != sizeof(T)) ThrowSize(deserializer_, sizeof(T), data->size(), topic);
    return std::bit_cast<T>(LoadBigEndian<Bits>(data->data()));
  }
  std::string name() const override { return std::string(name_); }

 private:
  static Bits ToBits(T value) {
    if constexpr (std::is_same_v<T, double>) {
      // Java's DoubleSerializer uses doubleToLongBits, which collapses every NaN to this one.
      if (std::isnan(value)) return Bits{0x7ff8000000000000};
    }
    return std::bit_cast<Bits>(value);
  }

  std::string_view name_;
  std::string_view deserializer_;
  std::string_view expected_;
};

template <typename T, typename Bits>
SerdePtr<T> MakeFixedWidth(const char* name, const char* deserializer, const char* expected) {
  return std::make_shared<const FixedWidthSerde<T, Bits>>(name, deserializer, expected);
}

}  // namespace

namespace Serdes {

SerdePtr<std::string> Bytes() {
  static const SerdePtr<std::string> serde = std::make_shared<const BytesSerde>("ByteArraySerde");
  return serde;
}

SerdePtr<std::string> String() {
  static const SerdePtr<std::string> serde = std::make_shared<const BytesSerde>("StringSerde");
  return serde;
}

SerdePtr<int16_t> Int16() {
  static const SerdePtr<int16_t> serde =
      MakeFixedWidth<int16_t, uint16_t>("ShortSerde", "ShortDeserializer", "an int16");
  return serde;
}

SerdePtr<int32_t> Int32() {
  static const SerdePtr<int32_t> serde =
      MakeFixedWidth<int32_t, uint32_t>("IntegerSerde", "IntegerDeserializer", "an int32");
  return serde;
}

SerdePtr<int64_t> Int64() {
  static const SerdePtr<int64_t> serde =
      MakeFixedWidth<int64_t, uint64_t>("LongSerde", "LongDeserializer", "an int64");
  return serde;
}

// Java's Float/DoubleDeserializer say only "Deserializer" in this message; naming the class helps.
SerdePtr<float> Float() {
  static const SerdePtr<float> serde =
      MakeFixedWidth<float, uint32_t>("FloatSerde", "FloatDeserializer", "a float");
  return serde;
}

SerdePtr<double> Double() {
  static const SerdePtr<double> serde =
      MakeFixedWidth<double, uint64_t>("DoubleSerde", "DoubleDeserializer", "a double");
  return serde;
}

absl::StatusOr<std::shared_ptr<const SerdeBase>> fromName(std::string_view name) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto first = name.find_first_not_of(kSpace);
  name = first == std::string_view::npos
             ? std::string_view()
             : name.substr(first, name.find_last_not_of(kSpace) - first + 1);

  // The part after '$' in Java's class name, then the short names.
  struct Entry {
    std::string_view java;
    std::string_view short_names[2];  // an empty one is unused
    std::shared_ptr<const SerdeBase> (*make)();
  };
  static const Entry kEntries[] = {
      {"StringSerde", {"String"}, [] { return std::shared_ptr<const SerdeBase>(String()); }},
      {"ByteArraySerde", {"ByteArray"}, [] { return std::shared_ptr<const SerdeBase>(Bytes()); }},
      {"BytesSerde", {"Bytes"}, [] { return std::shared_ptr<const SerdeBase>(Bytes()); }},
      {"ShortSerde", {"Short", "Int16"}, [] { return std::shared_ptr<const SerdeBase>(Int16()); }},
      {"IntegerSerde",
       {"Integer", "Int32"},
       [] { return std::shared_ptr<const SerdeBase>(Int32()); }},
      {"LongSerde", {"Long", "Int64"}, [] { return std::shared_ptr<const SerdeBase>(Int64()); }},
      {"FloatSerde", {"Float"}, [] { return std::shared_ptr<const SerdeBase>(Float()); }},
      {"DoubleSerde", {"Double"}, [] { return std::shared_ptr<const SerdeBase>(Double()); }},
  };
  constexpr std::string_view kJavaPrefix = "org.apache.kafka.common.serialization.Serdes$";

  const bool java = name.substr(0, kJavaPrefix.size()) == kJavaPrefix;
  const std::string_view key = java ? name.substr(kJavaPrefix.size()) : name;
  for (const Entry& entry : kEntries) {
    if (java) {
      if (key == entry.java) return entry.make();
    } else {
      for (std::string_view short_name : entry.short_names) {
        if (!short_name.empty() && key == short_name) return entry.make();
      }
    }
  }

  std::string message = "unknown serde \"";
  message += name;
  message += "\"; known names:";
  const char* separator = " ";
  for (const Entry& entry : kEntries) {
    for (std::string_view short_name : entry.short_names) {
      if (short_name.empty()) continue;
      message += separator;
      message += short_name;
      separator = ", ";
    }
  }
  message += "; and org.apache.kafka.common.serialization.Serdes$ followed by one of:";
  separator = " ";
  for (const Entry& entry : kEntries) {
    message += separator;
    message += entry.java;
    separator = ", ";
  }
  return absl::NotFoundError(message);
}

}  // namespace Serdes
}  // namespace kstreams
