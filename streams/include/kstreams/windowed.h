// File: kstreams/windowed.h
//
// Windows and windowed keys (Java's kstream.Window, TimeWindow, SessionWindow, Windowed<K>) and
// the windowed serdes, byte-compatible with Kafka's (TimeWindowedSerializer/-Deserializer,
// SessionWindowedSerializer/-Deserializer, WindowedSerdes):
//
//   auto serde = kstreams::WindowedSerdes::timeWindowedSerdeFrom<std::string>(
//       Serdes::String(), /*window_size_ms=*/60'000);
//   // Windowed<std::string>{"user-1", TimeWindow(60'000, 120'000)} <-> "user-1" + 8-byte BE 60000
//   auto sessions = kstreams::WindowedSerdes::sessionWindowedSerdeFrom<std::string>(
//       Serdes::String());
//   // Windowed<std::string>{"u", SessionWindow(5, 9)} <-> "u" + 8-byte BE 9 (end) + 8-byte BE 5
//
// Bytes, as Kafka's:
//   TimeWindowedSerde     [key bytes][8 B big-endian window start]. The end is not written;
//                         deserializing adds the window size given to the serde (Java's
//                         TimeWindowedDeserializer(inner, windowSize)), saturating at INT64_MAX.
//   SessionWindowedSerde  [key bytes][8 B big-endian end][8 B big-endian start].
// A key whose inner serde writes a Kafka null cannot be windowed (SerializationException), and a
// null or too short input does not deserialize (SerializationException).
//
// Equality: two windows are equal when their start and end are (Java also compares the window
// class; kstreams does not keep it).
//
// Threads: values and serdes are immutable; use from any thread.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "kstreams/serde.h"
#include "kstreams/state/window_key_schema.h"

namespace kstreams {

// A time interval [start, end] in milliseconds (Java's Window). Throws std::invalid_argument for
// a negative start or an end before the start.
class Window {
 public:
  Window() = default;
  Window(int64_t start_ms, int64_t end_ms) : start_(start_ms), end_(end_ms) {
    if (start_ms < 0) throw std::invalid_argument("Window startMs time cannot be negative.");
    if (end_ms < start_ms) {
      throw std::invalid_argument("Window endMs time cannot be smaller than window startMs.");
    }
  }
  int64_t start() const { return start_; }
  int64_t end() const { return end_; }
  // Whether the two windows share a point in time: half-open [start, end) for time windows
  // (Java's TimeWindow.overlap), closed for sessions (SessionWindow.overlap).
  bool overlapsTimeWindow(const Window& other) const {
    return start_ < other.end_ && other.start_ < end_;
  }
  bool overlapsSession(const Window& other) const {
    return start_ <= other.end_ && other.start_ <= end_;
  }
  std::string toString() const {
    return "Window{startMs=" + std::to_string(start_) + ", endMs=" + std::to_string(end_) + "}";
  }
  bool operator==(const Window&) const = default;

 private:
  int64_t start_ = 0;
  int64_t end_ = 0;
};

// A fixed-size window [start, end) of a time-windowed aggregation (Java's TimeWindow). Throws
// std::invalid_argument when end <= start.
class TimeWindow : public Window {
 public:
  TimeWindow(int64_t start_ms, int64_t end_ms) : Window(checked(start_ms, end_ms), end_ms) {}

 private:
  static int64_t checked(int64_t start_ms, int64_t end_ms) {
    if (start_ms == end_ms) {
      throw std::invalid_argument("Window endMs must be greater than window startMs.");
    }
    return start_ms;
  }
};

// A session [first record, last record], both inclusive (Java's SessionWindow); start may equal
// end.
class SessionWindow : public Window {
 public:
  SessionWindow(int64_t start_ms, int64_t end_ms) : Window(start_ms, end_ms) {}
};

// A key and the window it belongs to (Java's Windowed<K>): the key type of windowed KTables and
// of window and session store queries.
template <typename K>
class Windowed {
 public:
  Windowed() = default;
  Windowed(K key, Window window) : key_(std::move(key)), window_(window) {}

  const K& key() const { return key_; }
  const Window& window() const { return window_; }
  // "[key@start/end]", as Java's toString (K must be printable with operator<<).
  std::string toString() const {
    std::ostringstream out;
    out << "[" << key_ << "@" << window_.start() << "/" << window_.end() << "]";
    return out.str();
  }
  bool operator==(const Windowed&) const = default;

 private:
  K key_{};
  Window window_;
};

namespace internal {

inline void appendWindowedKey(const std::string& serde_name, bool written) {
  if (!written) {
    throw SerializationException("serde " + serde_name +
                                 " wrote a null key, which cannot be windowed");
  }
}

inline int64_t windowEndForSize(int64_t start, int64_t size) {
  int64_t end = 0;
  if (__builtin_add_overflow(start, size, &end)) return std::numeric_limits<int64_t>::max();
  return end;
}

}  // namespace internal

// Windowed<K> of a time window as [key][8-byte start] (Java's TimeWindowedSerde).
template <typename K>
class TimeWindowedSerde final : public Serde<Windowed<K>> {
 public:
  // `inner` must not be null; `window_size_ms` gives the end of deserialized windows.
  TimeWindowedSerde(SerdePtr<K> inner, int64_t window_size_ms)
      : inner_(std::move(inner)), window_size_(window_size_ms) {
    if (!inner_) throw std::invalid_argument("TimeWindowedSerde needs an inner serde");
  }

  bool serialize(std::string_view topic, const Windowed<K>& value,
                 std::string& out) const override {
    internal::appendWindowedKey(inner_->name(), inner_->serialize(topic, value.key(), out));
    state::key_schema_internal::appendInt64(out, value.window().start());
    return true;
  }
  Windowed<K> deserialize(std::string_view topic,
                          std::optional<std::string_view> data) const override {
    if (!data || data->size() < state::WindowKeySchema::kTimestampSize) {
      throw SerializationException("a time-windowed key needs at least 8 bytes (topic " +
                                   std::string(topic) + ")");
    }
    const size_t key_size = data->size() - state::WindowKeySchema::kTimestampSize;
    const int64_t start = state::key_schema_internal::readInt64(*data, key_size);
    return Windowed<K>(inner_->deserialize(topic, data->substr(0, key_size)),
                       Window(start, internal::windowEndForSize(start, window_size_)));
  }
  std::string name() const override { return "TimeWindowedSerde<" + inner_->name() + ">"; }
  const SerdePtr<K>& inner() const { return inner_; }
  int64_t windowSize() const { return window_size_; }

 private:
  SerdePtr<K> inner_;
  int64_t window_size_;
};

// Windowed<K> of a session as [key][8-byte end][8-byte start] (Java's SessionWindowedSerde).
template <typename K>
class SessionWindowedSerde final : public Serde<Windowed<K>> {
 public:
  // `inner` must not be null.
  explicit SessionWindowedSerde(SerdePtr<K> inner) : inner_(std::move(inner)) {
    if (!inner_) throw std::invalid_argument("SessionWindowedSerde needs an inner serde");
  }

  bool serialize(std::string_view topic, const Windowed<K>& value,
                 std::string& out) const override {
    internal::appendWindowedKey(inner_->name(), inner_->serialize(topic, value.key(), out));
    state::key_schema_internal::appendInt64(out, value.window().end());
    state::key_schema_internal::appendInt64(out, value.window().start());
    return true;
  }
  Windowed<K> deserialize(std::string_view topic,
                          std::optional<std::string_view> data) const override {
    if (!data || !state::SessionKeySchema::validSessionKey(*data)) {
      throw SerializationException("a session-windowed key needs at least 16 bytes (topic " +
                                   std::string(topic) + ")");
    }
    return Windowed<K>(inner_->deserialize(topic, state::SessionKeySchema::extractKeyBytes(*data)),
                       SessionWindow(state::SessionKeySchema::extractStartTimestamp(*data),
                                     state::SessionKeySchema::extractEndTimestamp(*data)));
  }
  std::string name() const override { return "SessionWindowedSerde<" + inner_->name() + ">"; }
  const SerdePtr<K>& inner() const { return inner_; }

 private:
  SerdePtr<K> inner_;
};

// Java's WindowedSerdes.
struct WindowedSerdes {
  template <typename K>
  static SerdePtr<Windowed<K>> timeWindowedSerdeFrom(SerdePtr<K> inner, int64_t window_size_ms) {
    return std::make_shared<const TimeWindowedSerde<K>>(std::move(inner), window_size_ms);
  }
  template <typename K>
  static SerdePtr<Windowed<K>> sessionWindowedSerdeFrom(SerdePtr<K> inner) {
    return std::make_shared<const SessionWindowedSerde<K>>(std::move(inner));
  }
};

}  // namespace kstreams
