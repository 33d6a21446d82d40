// File: kstreams/window_query.h
//
// Interactive queries of window and session stores (Java's KafkaStreams#store with
// QueryableStoreTypes.windowStore() / timestampedWindowStore() / sessionStore()): read-only,
// typed views across the local tasks of a running KafkaStreams client, from any thread.
//
//   auto counts = streams.windowStore<std::string, int64_t>("per-minute");
//   if (!counts.ok()) ...                          // Unavailable: not (yet) here, retry later
//   auto it = counts->fetchAll(0, INT64_MAX);      // (Windowed<std::string>, count)
//   while (it->hasNext()) {
//     kstreams::KeyValue<kstreams::Windowed<std::string>, int64_t> kv = it->next();
//   }
//   if (!it->status().ok()) ...                    // ended early (a task moved): query again
//
//   auto sessions = streams.sessionStore<std::string, int64_t>("sessions");
//   auto found = sessions->fetch("10.0.0.1");      // every session of that key
//
// Types: windowStore<K, V> fits a WindowStore<K, V> and, returning plain values, a
// TimestampedWindowStore<K, V> (Java's windowStore() on a timestamped store); ask for
// windowStore<K, ValueAndTimestamp<V>> to get the timestamps. Null serdes mean the store's own
// (other K or V than the store's give InvalidArgument); windowed keys get their end from the
// store's window size.
//
// What a query sees, errors and threads: as kstreams/query.h says for key-value stores. The
// tasks' results are chained in partition order (not merged), as Java's composite stores do; a
// fetch(key, time) returns the first task's value found.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/query.h"
#include "kstreams/serde.h"
#include "kstreams/state/window_store.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/windowed.h"

namespace kstreams {

namespace internal {

// The serdes and window size of a local window or session store (facade type S<K, V> or
// S<K, ValueAndTimestamp<V>>), for a query that gave none.
template <template <typename, typename> class S, typename K, typename V>
absl::Status resolveQuerySerdes(const QueryableStoreProvider& provider, const std::string& name,
                                SerdePtr<K>& key_serde, SerdePtr<V>& value_serde,
                                int64_t* window_size) {
  SerdePtr<K> k;
  SerdePtr<V> v;
  absl::Status s = provider.withStore(name, [&](const StateStore& store) {
    if (auto* plain = dynamic_cast<const S<K, V>*>(&store)) {
      k = plain->keySerde();
      v = plain->valueSerde();
      if constexpr (requires { plain->windowSize(); }) {
        if (window_size != nullptr) *window_size = plain->windowSize();
      }
    } else if constexpr (!IsValueAndTimestamp<V>::value) {
      if (auto* ts = dynamic_cast<const S<K, ValueAndTimestamp<V>>*>(&store)) {
        k = ts->keySerde();
        if (auto* vts = dynamic_cast<const ValueAndTimestampSerde<V>*>(ts->valueSerde().get())) {
          v = vts->inner();
        }
        if constexpr (requires { ts->windowSize(); }) {
          if (window_size != nullptr) *window_size = ts->windowSize();
        }
      }
    }
  });
  if (!s.ok()) return s;
  if (!k || !v) {
    return absl::InvalidArgumentError("state store " + name +
                                      " is not of the kind, or holds other key or value types "
                                      "than the ones asked for");
  }
  if (!key_serde) key_serde = std::move(k);
  if (!value_serde) value_serde = std::move(v);
  return absl::OkStatus();
}

}  // namespace internal

// A read-only, typed view of one window store across the local tasks (Java's
// ReadOnlyWindowStore<K, V>). Made by KafkaStreams::windowStore(). A cheap value; any thread.
template <typename K, typename V>
class ReadOnlyWindowStore {
 public:
  static absl::StatusOr<ReadOnlyWindowStore> create(
      std::shared_ptr<const internal::QueryableStoreProvider> provider, std::string name,
      SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    absl::StatusOr<bool> timestamped = provider->isTimestamped(name);
    if (!timestamped.ok()) return timestamped.status();
    const bool strip = *timestamped && !internal::IsValueAndTimestamp<V>::value;
    int64_t window_size = -1;
    if (absl::Status s = internal::resolveQuerySerdes<WindowStore>(*provider, name, key_serde,
                                                                   value_serde, &window_size);
        !s.ok()) {
      return s;
    }
    if (window_size < 0) {
      return absl::InvalidArgumentError("state store " + name + " is not a window store");
    }
    std::string topic = provider->serdeTopic(name);
    return ReadOnlyWindowStore(std::move(provider), std::move(name), std::move(topic),
                               std::move(key_serde), std::move(value_serde), strip, window_size);
  }

  const std::string& name() const { return name_; }

  // The value of the window of `key` starting at `window_start`, or nullopt.
  absl::StatusOr<std::optional<V>> fetch(const K& key, int64_t window_start) const {
    std::string k;
    if (absl::Status s = serializeKey(key, k); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> bytes = provider_->firstValue(
        name_,
        [&](const state::ReadOnlyKeyValueStore& r) -> absl::StatusOr<std::optional<std::string>> {
          const auto* w = dynamic_cast<const state::ReadOnlyWindowStore*>(&r);
          if (w == nullptr) return notWindow();
          return w->fetch(k, window_start);
        },
        strip_);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<V>();
    try {
      return std::optional<V>(value_serde_->deserialize(topic_, std::string_view(**bytes)));
    } catch (const std::exception& e) {
      return absl::InternalError("state store " + name_ + ": " + e.what());
    }
  }
  // (window start, value) of the windows of `key` with start in [time_from, time_to].
  absl::StatusOr<ReadOnlyKeyValueIterator<int64_t, V>> fetch(const K& key, int64_t time_from,
                                                             int64_t time_to) const {
    return byKey(key, time_from, time_to, true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<int64_t, V>> backwardFetch(const K& key,
                                                                     int64_t time_from,
                                                                     int64_t time_to) const {
    return byKey(key, time_from, time_to, false);
  }
  // Windows of keys key_from..key_to (serialized bytes) with start in [time_from, time_to].
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> fetch(const K& key_from, const K& key_to,
                                                                 int64_t time_from,
                                                                 int64_t time_to) const {
    return byRange(&key_from, &key_to, time_from, time_to, true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> backwardFetch(const K& key_from,
                                                                         const K& key_to,
                                                                         int64_t time_from,
                                                                         int64_t time_to) const {
    return byRange(&key_from, &key_to, time_from, time_to, false);
  }
  // Every window with start in [time_from, time_to].
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> fetchAll(int64_t time_from,
                                                                    int64_t time_to) const {
    return byRange(nullptr, nullptr, time_from, time_to, true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> backwardFetchAll(int64_t time_from,
                                                                            int64_t time_to) const {
    return byRange(nullptr, nullptr, time_from, time_to, false);
  }
  // Every live window.
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> all() const {
    return byRange(nullptr, nullptr, 0, std::numeric_limits<int64_t>::max(), true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> backwardAll() const {
    return byRange(nullptr, nullptr, 0, std::numeric_limits<int64_t>::max(), false);
  }

 private:
  ReadOnlyWindowStore(std::shared_ptr<const internal::QueryableStoreProvider> provider,
                      std::string name, std::string topic, SerdePtr<K> key_serde,
                      SerdePtr<V> value_serde, bool strip, int64_t window_size)
      : provider_(std::move(provider)),
        name_(std::move(name)),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        windowed_serde_(
            std::make_shared<const internal::WindowStoreKeySerde<K>>(key_serde_, window_size)),
        strip_(strip) {}

  static absl::Status notWindow() {
    return absl::InvalidArgumentError("the store is not a window store");
  }
  absl::Status serializeKey(const K& key, std::string& out) const {
    try {
      if (!key_serde_->serialize(topic_, key, out)) {
        return absl::InvalidArgumentError("a key must not serialize to null");
      }
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError("state store " + name_ + ": " + e.what());
    }
    return absl::OkStatus();
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<int64_t, V>> byKey(const K& key, int64_t time_from,
                                                             int64_t time_to, bool forward) const {
    std::string k;
    if (absl::Status s = serializeKey(key, k); !s.ok()) return s;
    auto it = provider_->concatQuery(
        name_,
        [&](const state::ReadOnlyKeyValueStore& r)
            -> absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> {
          const auto* w = dynamic_cast<const state::ReadOnlyWindowStore*>(&r);
          if (w == nullptr) return notWindow();
          return forward ? w->fetch(k, time_from, time_to)
                         : w->backwardFetch(k, time_from, time_to);
        },
        strip_);
    if (!it.ok()) return it.status();
    return ReadOnlyKeyValueIterator<int64_t, V>(
        *std::move(it), std::make_shared<const internal::WindowStoreTimestampSerde>(), value_serde_,
        topic_);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, V>> byRange(
      const K* key_from, const K* key_to, int64_t time_from, int64_t time_to, bool forward) const {
    std::string f, t;
    if (key_from != nullptr) {
      if (absl::Status s = serializeKey(*key_from, f); !s.ok()) return s;
    }
    if (key_to != nullptr) {
      if (absl::Status s = serializeKey(*key_to, t); !s.ok()) return s;
    }
    std::optional<std::string_view> from, to;
    if (key_from != nullptr) from = f;
    if (key_to != nullptr) to = t;
    auto it = provider_->concatQuery(
        name_,
        [&](const state::ReadOnlyKeyValueStore& r)
            -> absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> {
          const auto* w = dynamic_cast<const state::ReadOnlyWindowStore*>(&r);
          if (w == nullptr) return notWindow();
          return forward ? w->fetch(from, to, time_from, time_to)
                         : w->backwardFetch(from, to, time_from, time_to);
        },
        strip_);
    if (!it.ok()) return it.status();
    return ReadOnlyKeyValueIterator<Windowed<K>, V>(*std::move(it), windowed_serde_, value_serde_,
                                                    topic_);
  }

  std::shared_ptr<const internal::QueryableStoreProvider> provider_;
  std::string name_;
  std::string topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  SerdePtr<Windowed<K>> windowed_serde_;
  bool strip_ = false;
};

// A read-only, typed view of one session store across the local tasks (Java's
// ReadOnlySessionStore<K, AGG>). Made by KafkaStreams::sessionStore(). A cheap value; any
// thread.
template <typename K, typename AGG>
class ReadOnlySessionStore {
 public:
  static absl::StatusOr<ReadOnlySessionStore> create(
      std::shared_ptr<const internal::QueryableStoreProvider> provider, std::string name,
      SerdePtr<K> key_serde, SerdePtr<AGG> value_serde) {
    if (absl::Status s = internal::resolveQuerySerdes<SessionStore>(*provider, name, key_serde,
                                                                    value_serde, nullptr);
        !s.ok()) {
      return s;
    }
    std::string topic = provider->serdeTopic(name);
    return ReadOnlySessionStore(std::move(provider), std::move(name), std::move(topic),
                                std::move(key_serde), std::move(value_serde));
  }

  const std::string& name() const { return name_; }

  // Sessions of `key` ending at or after earliest_session_end and starting at or before
  // latest_session_start.
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> findSessions(
      const K& key, int64_t earliest_session_end, int64_t latest_session_start) const {
    return find(&key, &key, true, earliest_session_end, latest_session_start, true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> backwardFindSessions(
      const K& key, int64_t earliest_session_end, int64_t latest_session_start) const {
    return find(&key, &key, true, earliest_session_end, latest_session_start, false);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> findSessions(
      const K& key_from, const K& key_to, int64_t earliest_session_end,
      int64_t latest_session_start) const {
    return find(&key_from, &key_to, false, earliest_session_end, latest_session_start, true);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> backwardFindSessions(
      const K& key_from, const K& key_to, int64_t earliest_session_end,
      int64_t latest_session_start) const {
    return find(&key_from, &key_to, false, earliest_session_end, latest_session_start, false);
  }
  // Every session of `key` / of keys key_from..key_to.
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> fetch(const K& key) const {
    return findSessions(key, 0, std::numeric_limits<int64_t>::max());
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> backwardFetch(const K& key) const {
    return backwardFindSessions(key, 0, std::numeric_limits<int64_t>::max());
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> fetch(const K& key_from,
                                                                   const K& key_to) const {
    return findSessions(key_from, key_to, 0, std::numeric_limits<int64_t>::max());
  }
  // Every session of every key.
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> all() const {
    return find(nullptr, nullptr, false, 0, std::numeric_limits<int64_t>::max(), true);
  }
  // The aggregate of exactly the session [start, end] of `key`, or nullopt.
  absl::StatusOr<std::optional<AGG>> fetchSession(const K& key, int64_t start, int64_t end) const {
    std::string k;
    if (absl::Status s = serializeKey(key, k); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> bytes = provider_->firstValue(
        name_,
        [&](const state::ReadOnlyKeyValueStore& r) -> absl::StatusOr<std::optional<std::string>> {
          const auto* ss = dynamic_cast<const state::ReadOnlySessionStore*>(&r);
          if (ss == nullptr) return notSession();
          return ss->fetchSession(k, start, end);
        },
        false);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<AGG>();
    try {
      return std::optional<AGG>(value_serde_->deserialize(topic_, std::string_view(**bytes)));
    } catch (const std::exception& e) {
      return absl::InternalError("state store " + name_ + ": " + e.what());
    }
  }

 private:
  ReadOnlySessionStore(std::shared_ptr<const internal::QueryableStoreProvider> provider,
                       std::string name, std::string topic, SerdePtr<K> key_serde,
                       SerdePtr<AGG> value_serde)
      : provider_(std::move(provider)),
        name_(std::move(name)),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        windowed_serde_(std::make_shared<const SessionWindowedSerde<K>>(key_serde_)) {}

  static absl::Status notSession() {
    return absl::InvalidArgumentError("the store is not a session store");
  }
  absl::Status serializeKey(const K& key, std::string& out) const {
    try {
      if (!key_serde_->serialize(topic_, key, out)) {
        return absl::InvalidArgumentError("a key must not serialize to null");
      }
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError("state store " + name_ + ": " + e.what());
    }
    return absl::OkStatus();
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<Windowed<K>, AGG>> find(const K* key_from,
                                                                  const K* key_to, bool single_key,
                                                                  int64_t earliest_end,
                                                                  int64_t latest_start,
                                                                  bool forward) const {
    std::string f, t;
    if (key_from != nullptr) {
      if (absl::Status s = serializeKey(*key_from, f); !s.ok()) return s;
    }
    if (key_to != nullptr) {
      if (absl::Status s = serializeKey(*key_to, t); !s.ok()) return s;
    }
    std::optional<std::string_view> from, to;
    if (key_from != nullptr) from = f;
    if (key_to != nullptr) to = t;
    auto it = provider_->concatQuery(
        name_,
        [&](const state::ReadOnlyKeyValueStore& r)
            -> absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> {
          const auto* ss = dynamic_cast<const state::ReadOnlySessionStore*>(&r);
          if (ss == nullptr) return notSession();
          if (single_key) {
            return forward ? ss->findSessions(f, earliest_end, latest_start)
                           : ss->backwardFindSessions(f, earliest_end, latest_start);
          }
          return forward ? ss->findSessions(from, to, earliest_end, latest_start)
                         : ss->backwardFindSessions(from, to, earliest_end, latest_start);
        },
        false);
    if (!it.ok()) return it.status();
    return ReadOnlyKeyValueIterator<Windowed<K>, AGG>(*std::move(it), windowed_serde_, value_serde_,
                                                      topic_);
  }

  std::shared_ptr<const internal::QueryableStoreProvider> provider_;
  std::string name_;
  std::string topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<AGG> value_serde_;
  SerdePtr<Windowed<K>> windowed_serde_;
};

}  // namespace kstreams
