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

  // Copies (on an lvalue) or moves (on an rvalue) everything but the replaced part.
  template <typename NK>
  Record<NK, V> withKey(NK key) const& {
    return Record<NK, V>(std::move(key), value_, timestamp_, headers_);
  }
  template <typename NK>
  Record<NK, V> withKey(NK key) && {
    return Record<NK, V>(std::move(key), std::move(value_), timestamp_, std::move(headers_));
  }
  template <typename NV>
  Record<K, NV> withValue(NV value) const& {
    return Record<K, NV>(key_, std::move(value), timestamp_, headers_);
  }
  template <typename NV>
  Record<K, NV> withValue(NV value) && {
    return Record<K, NV>(std::move(key_), std::move(value), timestamp_, std::move(headers_));
  }
  Record withTimestamp(int64_t timestamp) const& {
    return Record(key_, value_, timestamp, headers_);
  }
  Record withTimestamp(int64_t timestamp) && {
    timestamp_ = timestamp;
    return std::move(*this);
  }
  Record withHeaders(Headers headers) const& { return Record(key_, value_, timestamp_, headers); }
  Record withHeaders(Headers headers) && {
    headers_ = std::move(headers);
    return std::move(*this);
  }

  bool operator==(const Record&) const = default;

 private:
  K key_;
  V value_;
  int64_t timestamp_;
  Headers headers_;
};

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
