// File: kstreams/typed_window_store.h
//
// Typed window and session stores, as processors see them (Java's
// org.apache.kafka.streams.state.WindowStore<K, V>, TimestampedWindowStore<K, V> and
// SessionStore<K, AGG>): facades that serialize keys and values with the store's serdes and keep
// the bytes in the task's byte-level window/session store (kstreams/state/window_store.h:
// segmented RocksDB or in-memory, change-logged with Kafka Streams' binary keys).
//
//   // Declare the store and connect it to a processor:
//   topology.addStateStore(
//       kstreams::Stores::windowStoreBuilder(
//           kstreams::Stores::persistentWindowStore("clicks", std::chrono::hours(1),
//                                                   std::chrono::minutes(1), false),
//           Serdes::String(), Serdes::Int64()),
//       {"counter"});
//   // In the processor:
//   auto& clicks = context.getStateStore<kstreams::WindowStore<std::string, int64_t>>("clicks");
//   const int64_t start = r.timestamp() - r.timestamp() % 60'000;
//   clicks.put(r.key(), clicks.fetch(r.key(), start).value_or(0) + 1, start);
//   auto it = clicks.fetch(r.key(), start - 600'000, start);   // (window start, count)
//   while (it.hasNext()) { kstreams::KeyValue<int64_t, int64_t> kv = it.next(); }
//
//   auto& sessions = context.getStateStore<kstreams::SessionStore<std::string, int64_t>>("s");
//   auto found = sessions.findSessions(r.key(), r.timestamp() - gap, r.timestamp() + gap);
//   sessions.put(kstreams::Windowed<std::string>(r.key(), kstreams::SessionWindow(s, e)), n);
//
// Order and time bounds as kstreams/state/window_store.h: inclusive bounds; a single key's
// windows in start order (sessions: end, then start); key ranges segment by segment, by key
// bytes within one. Queries skip windows older than the store's stream time - retention.
//
// Timestamped window stores (TimestampedWindowStore<K, V> = WindowStore<K, ValueAndTimestamp<V>>,
// what Kafka Streams' windowed aggregations use) keep "8-byte timestamp + value" in the store and
// log the plain value with that timestamp as the changelog record's, as Kafka Streams does.
//
// Errors: a failing store throws ProcessorStateException; bytes that do not deserialize throw
// SerializationException.
//
// Ownership and threads: the task owns its stores; a processor borrows them between init() and
// close(), and uses them and their iterators on the task's stream thread only (interactive
// queries from other threads go through KafkaStreams::windowStore()/sessionStore()).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/serde.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state/window_key_schema.h"
#include "kstreams/state/window_store.h"
#include "kstreams/typed_key_value_store.h"
#include "kstreams/windowed.h"

namespace kstreams {

namespace internal {

// Reads window store keys (with sequence number) as Windowed<K> with end = start + size.
template <typename K>
class WindowStoreKeySerde final : public Serde<Windowed<K>> {
 public:
  WindowStoreKeySerde(SerdePtr<K> inner, int64_t window_size)
      : inner_(std::move(inner)), window_size_(window_size) {}
  bool serialize(std::string_view topic, const Windowed<K>& value,
                 std::string& out) const override {
    internal::appendWindowedKey(inner_->name(), inner_->serialize(topic, value.key(), out));
    state::key_schema_internal::appendInt64(out, value.window().start());
    state::key_schema_internal::appendInt32(out, 0);
    return true;
  }
  Windowed<K> deserialize(std::string_view topic,
                          std::optional<std::string_view> data) const override {
    if (!data || !state::WindowKeySchema::validWindowKey(*data)) {
      throw SerializationException("a window store key needs at least 12 bytes");
    }
    const int64_t start = state::WindowKeySchema::extractStoreTimestamp(*data);
    return Windowed<K>(
        inner_->deserialize(topic, state::WindowKeySchema::extractStoreKeyBytes(*data)),
        Window(start, windowEndForSize(start, window_size_)));
  }
  std::string name() const override { return "WindowStoreKey<" + inner_->name() + ">"; }

 private:
  SerdePtr<K> inner_;
  int64_t window_size_;
};

// Reads the window start out of a window store key (for WindowStoreIterator).
class WindowStoreTimestampSerde final : public Serde<int64_t> {
 public:
  bool serialize(std::string_view, const int64_t&, std::string&) const override {
    throw SerializationException("WindowStoreTimestampSerde only reads");
  }
  int64_t deserialize(std::string_view, std::optional<std::string_view> data) const override {
    if (!data || !state::WindowKeySchema::validWindowKey(*data)) {
      throw SerializationException("a window store key needs at least 12 bytes");
    }
    return state::WindowKeySchema::extractStoreTimestamp(*data);
  }
  std::string name() const override { return "WindowStoreTimestamp"; }
};

template <typename K>
std::string_view serializeStoreKey(const Serde<K>& serde, const std::string& topic,
                                   const std::string& store, const K& key, std::string& buf) {
  buf.clear();
  if (!serde.serialize(topic, key, buf)) {
    throw SerializationException("store " + store + ": a key must not serialize to null");
  }
  return buf;
}

}  // namespace internal

// Java's WindowStoreIterator<V>: (window start, value) pairs of one key.
template <typename V>
using WindowStoreIterator = KeyValueIterator<int64_t, V>;

// A typed window store. The task makes one per store and task; processors get it with
// context.getStateStore<WindowStore<K, V>>(name). Serdes as for KeyValueStore<K, V>.
template <typename K, typename V>
class WindowStore : public StateStore {
 public:
  using KeyType = K;
  using ValueType = V;

  // A typed view of `store` (a byte store that is also a state::WindowStore), which must
  // outlive it. `cache`: the store's record-cache layer, if it has one (the runtime passes it).
  WindowStore(state::KeyValueStore& store, state::WindowStore& window, SerdePtr<K> key_serde,
              SerdePtr<V> value_serde, std::string serde_topic,
              internal::CacheFlushHook* cache = nullptr)
      : cache_(cache),
        store_(store),
        window_(window),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(serde_topic)),
        windowed_key_serde_(std::make_shared<const internal::WindowStoreKeySerde<K>>(
            key_serde_, window.windowSize())),
        timestamp_serde_(std::make_shared<const internal::WindowStoreTimestampSerde>()) {}

  // StateStore
  const std::string& name() const override { return store_.name(); }
  bool persistent() const override { return store_.persistent(); }
  bool isOpen() const override { return store_.isOpen(); }

  // Puts `value` for the window of `key` starting at `window_start`; std::nullopt deletes it
  // (Java's put(key, null, start)).
  void put(const K& key, const std::optional<V>& value, int64_t window_start) {
    const std::string_view k = serializeKey(key);
    absl::Status s;
    if (value) {
      value_buf_.clear();
      if (!value_serde_->serialize(topic_, *value, value_buf_)) {
        throw SerializationException("store " + name() +
                                     ": a value must not serialize to null; put std::nullopt");
      }
      s = window_.putWindow(k, std::string_view(value_buf_), window_start);
    } else {
      s = window_.putWindow(k, std::nullopt, window_start);
    }
    if (!s.ok()) internal::throwStoreError(name(), "put", s);
  }
  // The value of the window of `key` that starts at `window_start`, or nullopt.
  std::optional<V> fetch(const K& key, int64_t window_start) const {
    auto v = window_.fetch(serializeKey(key), window_start);
    if (!v.ok()) internal::throwStoreError(name(), "fetch", v.status());
    if (!v->has_value()) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(**v));
  }
  // (start, value) of the windows of `key` with time_from <= start <= time_to.
  WindowStoreIterator<V> fetch(const K& key, int64_t time_from, int64_t time_to) const {
    return values(window_.fetch(serializeKey(key), time_from, time_to), "fetch");
  }
  WindowStoreIterator<V> backwardFetch(const K& key, int64_t time_from, int64_t time_to) const {
    return values(window_.backwardFetch(serializeKey(key), time_from, time_to), "backwardFetch");
  }
  // Windows of keys key_from..key_to (by serialized bytes) with start in [time_from, time_to].
  KeyValueIterator<Windowed<K>, V> fetch(const K& key_from, const K& key_to, int64_t time_from,
                                         int64_t time_to) const {
    std::string f(serializeKey(key_from));
    return windowed(
        window_.fetch(std::optional<std::string_view>(f),
                      std::optional<std::string_view>(serializeKey(key_to)), time_from, time_to),
        "fetch");
  }
  KeyValueIterator<Windowed<K>, V> backwardFetch(const K& key_from, const K& key_to,
                                                 int64_t time_from, int64_t time_to) const {
    std::string f(serializeKey(key_from));
    return windowed(window_.backwardFetch(std::optional<std::string_view>(f),
                                          std::optional<std::string_view>(serializeKey(key_to)),
                                          time_from, time_to),
                    "backwardFetch");
  }
  // Every window with start in [time_from, time_to].
  KeyValueIterator<Windowed<K>, V> fetchAll(int64_t time_from, int64_t time_to) const {
    return windowed(window_.fetchAll(time_from, time_to), "fetchAll");
  }
  KeyValueIterator<Windowed<K>, V> backwardFetchAll(int64_t time_from, int64_t time_to) const {
    return windowed(window_.backwardFetchAll(time_from, time_to), "backwardFetchAll");
  }
  // Every live window.
  KeyValueIterator<Windowed<K>, V> all() const {
    return windowed(window_.fetchAllWindows(), "all");
  }
  KeyValueIterator<Windowed<K>, V> backwardAll() const {
    return windowed(window_.backwardFetchAllWindows(), "backwardAll");
  }

  int64_t windowSize() const { return window_.windowSize(); }
  int64_t retentionPeriod() const { return window_.retentionPeriod(); }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  // The byte store this facade writes (the outermost layer of the task's stack).
  state::KeyValueStore& bytes() const { return store_; }

  // ---- For DSL processors (Kafka's TimestampedCacheFlushListener); not for application code.

  // A window update the record cache flushed: the window, what the store now holds for it and
  // what it held before (only when send_old_values), with the record context of the write.
  struct FlushedChange {
    Windowed<K> key;
    std::optional<V> value;
    std::optional<V> old_value;
    int64_t timestamp;
    Headers headers;
  };
  // Routes the updates the store's record cache flushes (on commit or eviction) to `listener`,
  // one per window. Returns false, doing nothing, when the store has no cache.
  bool setCacheFlushListener(std::function<void(FlushedChange&&)> listener, bool send_old_values) {
    if (cache_ == nullptr) return false;
    cache_->setFlushListener(
        [this, listener = std::move(listener)](
            std::string_view key, std::optional<std::string_view> value,
            std::optional<std::string_view> old_value, const state::CacheRecordContext& ctx) {
          FlushedChange change{windowed_key_serde_->deserialize(topic_, key), std::nullopt,
                               std::nullopt, ctx.timestamp, internal::decodeHeaders(ctx.headers)};
          if (value) change.value = value_serde_->deserialize(topic_, value);
          if (old_value) change.old_value = value_serde_->deserialize(topic_, old_value);
          listener(std::move(change));
        },
        send_old_values);
    return true;
  }

 private:
  std::string_view serializeKey(const K& key) const {
    return internal::serializeStoreKey(*key_serde_, topic_, name(), key, key_buf_);
  }
  WindowStoreIterator<V> values(absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it,
                                const char* operation) const {
    if (!it.ok()) internal::throwStoreError(name(), operation, it.status());
    return WindowStoreIterator<V>(*std::move(it), timestamp_serde_, value_serde_, topic_, name());
  }
  KeyValueIterator<Windowed<K>, V> windowed(
      absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it, const char* operation) const {
    if (!it.ok()) internal::throwStoreError(name(), operation, it.status());
    return KeyValueIterator<Windowed<K>, V>(*std::move(it), windowed_key_serde_, value_serde_,
                                            topic_, name());
  }

  internal::CacheFlushHook* cache_;
  state::KeyValueStore& store_;
  state::WindowStore& window_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::string topic_;
  SerdePtr<Windowed<K>> windowed_key_serde_;
  SerdePtr<int64_t> timestamp_serde_;
  mutable std::string key_buf_;
  mutable std::string value_buf_;
};

// The store of Kafka Streams' windowed aggregations (Java's TimestampedWindowStore<K, V>).
template <typename K, typename V>
using TimestampedWindowStore = WindowStore<K, ValueAndTimestamp<V>>;

// A typed session store (Java's SessionStore<K, AGG>); processors get it with
// context.getStateStore<SessionStore<K, AGG>>(name).
template <typename K, typename AGG>
class SessionStore : public StateStore {
 public:
  using KeyType = K;
  using ValueType = AGG;

  // `cache`: the store's record-cache layer, if it has one (the runtime passes it).
  SessionStore(state::KeyValueStore& store, state::SessionStore& session, SerdePtr<K> key_serde,
               SerdePtr<AGG> value_serde, std::string serde_topic,
               internal::CacheFlushHook* cache = nullptr)
      : cache_(cache),
        store_(store),
        session_(session),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(serde_topic)),
        windowed_key_serde_(std::make_shared<const SessionWindowedSerde<K>>(key_serde_)) {}

  // StateStore
  const std::string& name() const override { return store_.name(); }
  bool persistent() const override { return store_.persistent(); }
  bool isOpen() const override { return store_.isOpen(); }

  // Sessions of `key` that end at or after earliest_session_end and start at or before
  // latest_session_start: the ones a record at time t with gap g merges with are
  // findSessions(key, t - g, t + g).
  KeyValueIterator<Windowed<K>, AGG> findSessions(const K& key, int64_t earliest_session_end,
                                                  int64_t latest_session_start) const {
    return sessions(
        session_.findSessions(serializeKey(key), earliest_session_end, latest_session_start),
        "findSessions");
  }
  KeyValueIterator<Windowed<K>, AGG> backwardFindSessions(const K& key,
                                                          int64_t earliest_session_end,
                                                          int64_t latest_session_start) const {
    return sessions(session_.backwardFindSessions(serializeKey(key), earliest_session_end,
                                                  latest_session_start),
                    "backwardFindSessions");
  }
  KeyValueIterator<Windowed<K>, AGG> findSessions(const K& key_from, const K& key_to,
                                                  int64_t earliest_session_end,
                                                  int64_t latest_session_start) const {
    std::string f(serializeKey(key_from));
    return sessions(session_.findSessions(std::optional<std::string_view>(f),
                                          std::optional<std::string_view>(serializeKey(key_to)),
                                          earliest_session_end, latest_session_start),
                    "findSessions");
  }
  KeyValueIterator<Windowed<K>, AGG> backwardFindSessions(const K& key_from, const K& key_to,
                                                          int64_t earliest_session_end,
                                                          int64_t latest_session_start) const {
    std::string f(serializeKey(key_from));
    return sessions(
        session_.backwardFindSessions(std::optional<std::string_view>(f),
                                      std::optional<std::string_view>(serializeKey(key_to)),
                                      earliest_session_end, latest_session_start),
        "backwardFindSessions");
  }
  // The sessions of every key that end at or after earliest_session_end and start at or before
  // latest_session_start.
  KeyValueIterator<Windowed<K>, AGG> findAllSessions(int64_t earliest_session_end,
                                                     int64_t latest_session_start) const {
    return sessions(session_.findSessions(std::nullopt, std::nullopt, earliest_session_end,
                                          latest_session_start),
                    "findSessions");
  }
  // The aggregate of exactly the session [start, end] of `key`, or nullopt.
  std::optional<AGG> fetchSession(const K& key, int64_t start, int64_t end) const {
    auto v = session_.fetchSession(serializeKey(key), start, end);
    if (!v.ok()) internal::throwStoreError(name(), "fetchSession", v.status());
    if (!v->has_value()) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(**v));
  }
  // Every session of `key` / of keys key_from..key_to (Java's fetch).
  KeyValueIterator<Windowed<K>, AGG> fetch(const K& key) const {
    return findSessions(key, 0, std::numeric_limits<int64_t>::max());
  }
  KeyValueIterator<Windowed<K>, AGG> backwardFetch(const K& key) const {
    return backwardFindSessions(key, 0, std::numeric_limits<int64_t>::max());
  }
  KeyValueIterator<Windowed<K>, AGG> fetch(const K& key_from, const K& key_to) const {
    return findSessions(key_from, key_to, 0, std::numeric_limits<int64_t>::max());
  }
  KeyValueIterator<Windowed<K>, AGG> backwardFetch(const K& key_from, const K& key_to) const {
    return backwardFindSessions(key_from, key_to, 0, std::numeric_limits<int64_t>::max());
  }
  // Deletes the session (a tombstone in the changelog).
  void remove(const Windowed<K>& session) {
    absl::Status s = session_.removeSession(serializeKey(session.key()), session.window().start(),
                                            session.window().end());
    if (!s.ok()) internal::throwStoreError(name(), "remove", s);
  }
  // Puts the aggregate of the session.
  void put(const Windowed<K>& session, const AGG& aggregate) {
    const std::string_view k = serializeKey(session.key());
    value_buf_.clear();
    if (!value_serde_->serialize(topic_, aggregate, value_buf_)) {
      throw SerializationException("store " + name() +
                                   ": an aggregate must not serialize to null; use remove()");
    }
    absl::Status s = session_.putSession(k, session.window().start(), session.window().end(),
                                         std::string_view(value_buf_));
    if (!s.ok()) internal::throwStoreError(name(), "put", s);
  }

  int64_t retentionPeriod() const { return session_.retentionPeriod(); }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<AGG>& valueSerde() const { return value_serde_; }
  state::KeyValueStore& bytes() const { return store_; }

  // ---- For DSL processors (Kafka's SessionCacheFlushListener); not for application code.

  // A session update the record cache flushed (see WindowStore::FlushedChange).
  struct FlushedChange {
    Windowed<K> key;
    std::optional<AGG> value;
    std::optional<AGG> old_value;
    int64_t timestamp;
    Headers headers;
  };
  // Routes the updates the store's record cache flushes to `listener`, one per session; a
  // session merged away and never flushed is not reported. False when the store has no cache.
  bool setCacheFlushListener(std::function<void(FlushedChange&&)> listener, bool send_old_values) {
    if (cache_ == nullptr) return false;
    cache_->setFlushListener(
        [this, listener = std::move(listener)](
            std::string_view key, std::optional<std::string_view> value,
            std::optional<std::string_view> old_value, const state::CacheRecordContext& ctx) {
          FlushedChange change{windowed_key_serde_->deserialize(topic_, key), std::nullopt,
                               std::nullopt, ctx.timestamp, internal::decodeHeaders(ctx.headers)};
          if (value) change.value = value_serde_->deserialize(topic_, value);
          if (old_value) change.old_value = value_serde_->deserialize(topic_, old_value);
          listener(std::move(change));
        },
        send_old_values);
    return true;
  }

 private:
  std::string_view serializeKey(const K& key) const {
    return internal::serializeStoreKey(*key_serde_, topic_, name(), key, key_buf_);
  }
  KeyValueIterator<Windowed<K>, AGG> sessions(
      absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it, const char* operation) const {
    if (!it.ok()) internal::throwStoreError(name(), operation, it.status());
    return KeyValueIterator<Windowed<K>, AGG>(*std::move(it), windowed_key_serde_, value_serde_,
                                              topic_, name());
  }

  internal::CacheFlushHook* cache_;
  state::KeyValueStore& store_;
  state::SessionStore& session_;
  SerdePtr<K> key_serde_;
  SerdePtr<AGG> value_serde_;
  std::string topic_;
  SerdePtr<Windowed<K>> windowed_key_serde_;
  mutable std::string key_buf_;
  mutable std::string value_buf_;
};

}  // namespace kstreams
