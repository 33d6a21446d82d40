// File: kstreams/internal/change.h — NOT part of the public API; may change at any time.
//
// What KTable processors forward to each other (Java's kstream.internals.Change): the new value
// of a key and, when the downstream needs it, the old one; std::nullopt is Java's null (a
// deleted key, or an old value not sent). Between sub-topologies (the repartition topic of
// KTable::groupBy) a Change is serialized as Kafka Streams' ChangedSerializer writes it, so the
// topic is readable by either implementation:
//
//   {old value}{0x00}                                   only an old value
//   {new value}{0x01}                                   only a new value
//   {varint length of new}{new value}{old value}{0x02}  both
//
// (The deserializer also reads flags 3–5, which carry Java's is-latest byte for versioned
// tables.)
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kstreams/internal/node.h"
#include "kstreams/serde.h"

namespace kstreams::internal {

template <typename V>
struct Change {
  std::optional<V> newValue;
  std::optional<V> oldValue;
  bool operator==(const Change&) const = default;
};

// Kafka's ByteUtils varint (zig-zag) for the length prefix of flag 2.
inline void appendVarint(std::string& out, int32_t value) {
  uint32_t v = (static_cast<uint32_t>(value) << 1) ^ static_cast<uint32_t>(value >> 31);
  while ((v & ~0x7Fu) != 0) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
// Reads a varint from the front of `in` (advancing it); nullopt when malformed.
inline std::optional<int32_t> readVarint(std::string_view& in) {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28 && !in.empty(); shift += 7) {
    const auto b = static_cast<unsigned char>(in.front());
    in.remove_prefix(1);
    v |= static_cast<uint32_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) return static_cast<int32_t>((v >> 1) ^ -(v & 1));
  }
  return std::nullopt;
}

template <typename V>
class ChangeSerde final : public Serde<Change<V>> {
 public:
  // `inner` must not be null.
  explicit ChangeSerde(SerdePtr<V> inner) : inner_(std::move(inner)) {}

  bool serialize(std::string_view topic, const Change<V>& change, std::string& out) const override {
    if (change.newValue && change.oldValue) {
      std::string new_bytes;
      writeInner(topic, *change.newValue, new_bytes);
      appendVarint(out, static_cast<int32_t>(new_bytes.size()));
      out += new_bytes;
      writeInner(topic, *change.oldValue, out);
      out.push_back('\2');
    } else if (change.newValue) {
      writeInner(topic, *change.newValue, out);
      out.push_back('\1');
    } else if (change.oldValue) {
      writeInner(topic, *change.oldValue, out);
      out.push_back('\0');
    } else {
      throw SerializationException("Both old and new values are null in ChangeSerializer");
    }
    return true;
  }

  Change<V> deserialize(std::string_view topic,
                        std::optional<std::string_view> data) const override {
    if (!data || data->empty()) throw SerializationException("a Change needs at least one byte");
    std::string_view in = data->substr(0, data->size() - 1);
    const auto flag = static_cast<unsigned char>(data->back());
    Change<V> change;
    if (flag >= 3 && flag <= 5) {  // with Java's is-latest byte (versioned tables): ignored
      if (in.empty()) throw SerializationException("truncated Change");
      in.remove_suffix(1);
    }
    switch (flag) {
      case 0:
      case 3:
        change.oldValue = inner_->deserialize(topic, in);
        break;
      case 1:
      case 4:
        change.newValue = inner_->deserialize(topic, in);
        break;
      case 2:
      case 5: {
        const std::optional<int32_t> n = readVarint(in);
        if (!n || *n < 0 || static_cast<size_t>(*n) > in.size()) {
          throw SerializationException("malformed Change length");
        }
        change.newValue = inner_->deserialize(topic, in.substr(0, static_cast<size_t>(*n)));
        change.oldValue = inner_->deserialize(topic, in.substr(static_cast<size_t>(*n)));
        break;
      }
      default:
        throw SerializationException("unknown Change encoding flag " + std::to_string(flag));
    }
    return change;
  }

  std::string name() const override { return "Change<" + inner_->name() + ">"; }

 private:
  void writeInner(std::string_view topic, const V& value, std::string& out) const {
    if (!inner_->serialize(topic, value, out)) {
      throw SerializationException("serde " + inner_->name() + " wrote a null table value");
    }
  }

  SerdePtr<V> inner_;
};

// A configured default Serde<U> serves as the inner serde of a Change<U>.
template <typename U>
struct DefaultSerdeAdapter<Change<U>> {
  static std::shared_ptr<const Serde<Change<U>>> adapt(
      const std::shared_ptr<const SerdeBase>& fallback) {
    auto inner = std::dynamic_pointer_cast<const Serde<U>>(fallback);
    if (!inner) return nullptr;
    return std::make_shared<const ChangeSerde<U>>(std::move(inner));
  }
};

// The Change serde over `inner`, or null (resolved from the default at run time) without one.
template <typename V>
SerdePtr<Change<V>> changeSerde(const SerdePtr<V>& inner) {
  if (!inner) return nullptr;
  return std::make_shared<const ChangeSerde<V>>(inner);
}

}  // namespace kstreams::internal
