// File: kstreams/record.h
//
// The unit of data that flows through a topology: a typed key and value, a timestamp (ms since
// the epoch, Kafka's record timestamp) and headers. Records are values: processors receive them
// by value and forward them by value, so a processor that only changes the value can move the
// key and the headers along without copying them:
//
//   void process(Record<std::string, std::string> r) override {
//     context().forward(std::move(r).withValue(parse(r.value())));
//   }
//
// Record is not thread-safe; it belongs to the stream thread that is processing it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kstreams {

// The output type of a processor that forwards nothing (Java's Void), e.g. foreach.
struct Void {
  bool operator==(const Void&) const = default;
};

// One Kafka record header. Kafka allows a header with a null value; `value` is then nullopt.
struct Header {
  std::string key;
  std::optional<std::string> value;
  bool operator==(const Header&) const = default;
};

// Kafka record headers: an ordered list in which a key may repeat (as in Kafka). Empty headers
// cost no allocation, which is the common case on the per-record path.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<Header> headers) : headers_(headers) {}

  // Appends a header (an existing one with the same key is kept, as Kafka's Headers.add does).
  Headers& add(std::string key, std::optional<std::string> value) {
    headers_.push_back(Header{std::move(key), std::move(value)});
    return *this;
  }
  // Removes every header with this key.
  Headers& remove(std::string_view key) {
    std::erase_if(headers_, [&](const Header& h) { return h.key == key; });
    return *this;
  }
  // The last header with this key, or nullptr (Kafka's lastHeader).
  const Header* lastHeader(std::string_view key) const {
    for (auto it = headers_.rbegin(); it != headers_.rend(); ++it) {
      if (it->key == key) return &*it;
    }
    return nullptr;
  }
  bool empty() const { return headers_.empty(); }
  size_t size() const { return headers_.size(); }
  auto begin() const { return headers_.begin(); }
  auto end() const { return headers_.end(); }
  bool operator==(const Headers&) const = default;

 private:
  std::vector<Header> headers_;
};

template <typename K, typename V>
class Record;

namespace internal {
// Reads and sets a record's null marks; for kstreams' own nodes, which must carry them across
// records they build field by field (and for sources and sinks, which translate them).
struct RecordNulls;

template <typename T>
inline constexpr bool kIsStdOptional = false;
template <typename T>
inline constexpr bool kIsStdOptional<std::optional<T>> = true;

// Whether `value` is an empty std::optional (false for every other type).
template <typename T>
constexpr bool isNullopt(const T& value) {
  if constexpr (kIsStdOptional<T>) {
    return !value.has_value();
  } else {
    (void)value;
    return false;
  }
}
}  // namespace internal

// Kafka nulls. Kafka's key and value are byte arrays that may be null, and "null" is not "empty":
// a null value is a tombstone, a null key is partitioned at random and dropped by aggregations
// and joins. A record carries that distinction whatever its types:
//  - K or V = std::optional<T> (Serdes::Optional): a Kafka null is std::nullopt.
//  - Any other type (std::string from Serdes::String()/Bytes(), numbers, user types): a Kafka null
//    is a default-constructed value (K{}, V{}: "" for a string, 0 for a number) marked null.
//    keyIsNull()/valueIsNull() tell it from a real "" or 0.
// Sources mark the nulls they read (unless the serde reads nulls itself:
// Serde::deserializesNull), operators that pass a record on keep the marks (filter,
// peek, merge, split, repartition, to; mapValues and processValues keep the key's), and sinks
// write a Kafka null for a marked key or value, whatever the serde would write for K{} or V{}.
// A key or value that a function computes (selectKey, map, mapValues, withKey, withValue, …) is
// not null, unless it is an empty std::optional. Editing a null value in place through the
// mutable value() does not unmark it: build the record anew with withValue().
template <typename K, typename V>
class Record {
 public:
  Record(K key, V value, int64_t timestamp, Headers headers = {})
      : key_(std::move(key)),
        value_(std::move(value)),
        timestamp_(timestamp),
        headers_(std::move(headers)) {}

  const K& key() const { return key_; }
  const V& value() const { return value_; }
  int64_t timestamp() const { return timestamp_; }
  const Headers& headers() const { return headers_; }
  // Mutable access for processors that edit in place before forwarding.
  K& key() { return key_; }
  V& value() { return value_; }
  Headers& headers() { return headers_; }

  // Whether the key (value) is a Kafka null: marked null, or an empty std::optional.
  bool keyIsNull() const { return (nulls_ & kNullKey) != 0 || internal::isNullopt(key_); }
  bool valueIsNull() const { return (nulls_ & kNullValue) != 0 || internal::isNullopt(value_); }

  // The same record with a Kafka null key (value): K{} (V{}), marked null. Java's
  // record.withKey(null) / withValue(null); a null value is a tombstone.
  Record withNullKey() const& { return Record(*this).withNullKey(); }
  Record withNullKey() && {
    key_ = K{};
    nulls_ |= kNullKey;
    return std::move(*this);
  }
  Record withNullValue() const& { return Record(*this).withNullValue(); }
  Record withNullValue() && {
    value_ = V{};
    nulls_ |= kNullValue;
    return std::move(*this);
  }

  // Copies (on an lvalue) or moves (on an rvalue) everything but the replaced part; the new key
  // (value) is not null unless it is an empty std::optional, the other part keeps its mark.
  template <typename NK>
  Record<NK, V> withKey(NK key) const& {
    return Record<NK, V>(std::move(key), value_, timestamp_, headers_, nulls_ & kNullValue);
  }
  template <typename NK>
  Record<NK, V> withKey(NK key) && {
    return Record<NK, V>(std::move(key), std::move(value_), timestamp_, std::move(headers_),
                         nulls_ & kNullValue);
  }
  template <typename NV>
  Record<K, NV> withValue(NV value) const& {
    return Record<K, NV>(key_, std::move(value), timestamp_, headers_, nulls_ & kNullKey);
  }
  template <typename NV>
  Record<K, NV> withValue(NV value) && {
    return Record<K, NV>(std::move(key_), std::move(value), timestamp_, std::move(headers_),
                         nulls_ & kNullKey);
  }
  Record withTimestamp(int64_t timestamp) const& {
    return Record(key_, value_, timestamp, headers_, nulls_);
  }
  Record withTimestamp(int64_t timestamp) && {
    timestamp_ = timestamp;
    return std::move(*this);
  }
  Record withHeaders(Headers headers) const& {
    return Record(key_, value_, timestamp_, headers, nulls_);
  }
  Record withHeaders(Headers headers) && {
    headers_ = std::move(headers);
    return std::move(*this);
  }

  bool operator==(const Record&) const = default;

 private:
  template <typename, typename>
  friend class Record;
  friend struct internal::RecordNulls;

  static constexpr uint8_t kNullKey = 1;
  static constexpr uint8_t kNullValue = 2;

  Record(K key, V value, int64_t timestamp, Headers headers, uint8_t nulls)
      : key_(std::move(key)),
        value_(std::move(value)),
        timestamp_(timestamp),
        headers_(std::move(headers)),
        nulls_(nulls) {}

  K key_;
  V value_;
  int64_t timestamp_;
  Headers headers_;
  // kNullKey | kNullValue: one byte (one more word at most, with alignment), no allocation.
  uint8_t nulls_ = 0;
};

namespace internal {
struct RecordNulls {
  // The marks alone: true only for a key (value) marked null, not for an empty std::optional
  // (whose serde decides what to write).
  template <typename K, typename V>
  static bool keyMarked(const Record<K, V>& r) {
    return (r.nulls_ & Record<K, V>::kNullKey) != 0;
  }
  template <typename K, typename V>
  static bool valueMarked(const Record<K, V>& r) {
    return (r.nulls_ & Record<K, V>::kNullValue) != 0;
  }
  template <typename K, typename V>
  static void markKey(Record<K, V>& r, bool null) {
    if (null) r.nulls_ |= Record<K, V>::kNullKey;
  }
  template <typename K, typename V>
  static void markValue(Record<K, V>& r, bool null) {
    if (null) r.nulls_ |= Record<K, V>::kNullValue;
  }
  // Carries the key's mark of `from` to `to` (a record built from from's key).
  template <typename K, typename V1, typename V2>
  static void copyKeyMark(const Record<K, V1>& from, Record<K, V2>& to) {
    markKey(to, keyMarked(from));
  }
};
}  // namespace internal

// Where the record being processed came from (Java's RecordMetadata). Absent for records that a
// punctuator creates.
struct RecordMetadata {
  std::string topic;
  int32_t partition;
  int64_t offset;
};

// A key and a value, as DSL functions such as map() and flatMap() return them. Class template
// argument deduction makes `KeyValue{k, v}` the C++ spelling of Java's `KeyValue.pair(k, v)`.
template <typename K, typename V>
struct KeyValue {
  K key;
  V value;
  bool operator==(const KeyValue&) const = default;
};

}  // namespace kstreams
