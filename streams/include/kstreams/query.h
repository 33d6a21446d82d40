// File: kstreams/query.h
//
// Interactive queries: reading the state stores of a running KafkaStreams client from any
// thread (Java's KafkaStreams#store with QueryableStoreTypes.keyValueStore(), and
// KafkaStreams#queryMetadataForKey).
//
//   // A read-only view of the store "counts" across every task of this instance:
//   absl::StatusOr<kstreams::ReadOnlyKeyValueStore<std::string, int64_t>> counts =
//       streams.store<std::string, int64_t>("counts");
//   if (!counts.ok()) ...                     // Unavailable: not (yet) here, retry later
//   absl::StatusOr<std::optional<int64_t>> n = counts->get("kafka");
//   auto it = counts->all();                  // merged across tasks, ordered by key bytes
//   while (it->hasNext()) { kstreams::KeyValue<std::string, int64_t> kv = it->next(); }
//   if (!it->status().ok()) ...               // ended early (a task moved): query again
//
//   // Which instance holds a key (with application.server set on every instance):
//   absl::StatusOr<kstreams::KeyQueryMetadata> where =
//       streams.queryMetadataForKey<std::string>("counts", "kafka");
//   // where->active_host: {"10.0.0.7", 8080}; where->partition: 3
//
// Types: `store<K, V>(name)` fits a store of KeyValueStore<K, V> and, returning the plain
// values, a timestamped one (TimestampedKeyValueStore<K, V>, the kind the DSL's count, reduce,
// aggregate and KTables make), as Java's keyValueStore() does; ask for
// `store<K, ValueAndTimestamp<V>>(name)` to get the timestamps too (Java's
// timestampedKeyValueStore()). With no serdes given, the store's own serdes are used (those of
// its builder or Materialized, or the configured defaults); other K or V than the store's give
// InvalidArgument. Explicit serdes are used as given.
//
// What a query sees: the stores of the tasks this instance runs now, once restored; each read
// goes to the byte store under the record cache, so it sees the state as of the last cache
// flush (every commit, or eviction), not updates still in the cache. A get() tries the task
// of the key's partition (murmur2 of the serialized key, as the default partitioner) first,
// then the others. Ranges and all() merge the tasks' stores in key-byte order, each task's part
// a snapshot taken when the iterator is made.
//
// Errors: absl::Status. Unavailable when no local task holds the store (before the first
// assignment, during a rebalance, or when the store lives on other instances: ask
// queryMetadataForKey); NotFound for a name the topology does not have. A task that moves away
// while an iterator is open ends that iterator early: hasNext() turns false and its status()
// is Unavailable; query again.
//
// Threads: the views are cheap values; copy them freely, use them from any thread, also after the
// client closed (every call then returns Unavailable). They never block processing for longer
// than one store read: the stream threads only wait for reads in progress when they hand over a
// task.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/serde.h"
#include "kstreams/state/key_value_iterator.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/typed_key_value_store.h"

namespace kstreams {

// A KafkaStreams instance's address for interactive queries: its application.server
// ("host:port"). Java's HostInfo.
struct HostInfo {
  std::string host;
  int port = 0;

  bool operator==(const HostInfo&) const = default;
  std::string toString() const { return host + ":" + std::to_string(port); }
};

// Where a key of a store lives (Java's KeyQueryMetadata).
struct KeyQueryMetadata {
  // The instance running the task of the key's partition.
  HostInfo active_host;
  // Instances with standby replicas of that task (none: standby replicas are not implemented).
  std::vector<HostInfo> standby_hosts;
  // The partition of the key: murmur2(serialized key) mod the number of partitions of the
  // store's changelog / input topics, as Java's default partitioner computes it.
  int32_t partition = -1;
};

namespace internal {

// What the runtime offers the typed views below: byte-level reads across the local tasks of
// one store. Implemented by KafkaStreams (src/runtime/queryable_stores.cc); every method is
// safe from any thread.
class QueryableStoreProvider {
 public:
  virtual ~QueryableStoreProvider() = default;

  // Calls `fn` with the typed store (KeyValueStore<K, V>) of one local task holding `store`,
  // which stays alive during the call (read its serdes; do not use it otherwise). NotFound for
  // a store the topology does not have, Unavailable when no local task holds it now.
  virtual absl::Status withStore(const std::string& store,
                                 const std::function<void(const StateStore&)>& fn) const = 0;
  // Whether the store's values carry Kafka Streams' 8-byte timestamp prefix.
  virtual absl::StatusOr<bool> isTimestamped(const std::string& store) const = 0;
  // The topic name serdes are given for this store ("<application.id>-<store>-changelog").
  virtual std::string serdeTopic(const std::string& store) const = 0;
  // The value of `key` (with the timestamp prefix cut off when `strip_timestamp`).
  virtual absl::StatusOr<std::optional<std::string>> get(const std::string& store,
                                                         std::string_view key,
                                                         bool strip_timestamp) const = 0;
  // Entries in [from, to] (a missing bound: open), merged across tasks in key-byte order,
  // descending when `reverse`.
  virtual absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> range(
      const std::string& store, std::optional<std::string_view> from,
      std::optional<std::string_view> to, bool reverse, bool strip_timestamp) const = 0;
  // Sum over the local tasks.
  virtual absl::StatusOr<int64_t> approximateNumEntries(const std::string& store) const = 0;

  // For window and session stores (kstreams/window_query.h): the byte reads a query makes on
  // one task's innermost store. `reader` is that store; it is also a state::ReadOnlyWindowStore
  // or state::ReadOnlySessionStore when the store is one.
  using IteratorQuery = std::function<absl::StatusOr<std::unique_ptr<state::KeyValueIterator>>(
      const state::ReadOnlyKeyValueStore& reader)>;
  using ValueQuery = std::function<absl::StatusOr<std::optional<std::string>>(
      const state::ReadOnlyKeyValueStore& reader)>;
  // Runs `query` on every local task holding `store` (in partition order) and chains the
  // iterators (Java's CompositeReadOnlyWindowStore / SessionStore); values lose their 8-byte
  // timestamp prefix when `strip_timestamp`. Errors as range().
  virtual absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> concatQuery(
      const std::string& store, const IteratorQuery& query, bool strip_timestamp) const {
    (void)store, (void)query, (void)strip_timestamp;
    return absl::UnimplementedError("window and session store queries");
  }
  // Runs `query` on the local tasks holding `store` until one finds a value.
  virtual absl::StatusOr<std::optional<std::string>> firstValue(const std::string& store,
                                                                const ValueQuery& query,
                                                                bool strip_timestamp) const {
    (void)store, (void)query, (void)strip_timestamp;
    return absl::UnimplementedError("window and session store queries");
  }
};

template <typename V>
struct IsValueAndTimestamp : std::false_type {};
template <typename V>
struct IsValueAndTimestamp<ValueAndTimestamp<V>> : std::true_type {
  using Inner = V;
};

}  // namespace internal

// Iterates over the entries a query found, in key-byte order (or its reverse), deserializing
// as it goes. Move-only; one thread at a time. Unlike the processors' KeyValueIterator it does
// not throw when the iteration ends early: hasNext() turns false and status() says why —
// Unavailable when a task moved away (its store closed) meanwhile: query again. A value that
// does not deserialize throws SerializationException from next() (wrong serdes: a bug).
//
//   auto it = store.all();
//   if (!it.ok()) ...
//   while (it->hasNext()) { kstreams::KeyValue<std::string, int64_t> kv = it->next(); ... }
//   if (!it->status().ok()) ...   // incomplete: retry
template <typename K, typename V>
class ReadOnlyKeyValueIterator {
 public:
  ReadOnlyKeyValueIterator(std::unique_ptr<state::KeyValueIterator> inner, SerdePtr<K> key_serde,
                           SerdePtr<V> value_serde, std::string topic)
      : inner_(std::move(inner)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(topic)) {}
  ReadOnlyKeyValueIterator(ReadOnlyKeyValueIterator&&) noexcept = default;
  ReadOnlyKeyValueIterator& operator=(ReadOnlyKeyValueIterator&&) noexcept = default;

  // True while there is an entry; false at the end or when the iteration stopped (status()).
  bool hasNext() { return inner_->hasNext(); }
  // The next entry. Precondition: hasNext().
  KeyValue<K, V> next() {
    state::KeyValue kv = inner_->next();
    return KeyValue<K, V>{key_serde_->deserialize(topic_, std::string_view(kv.key)),
                          value_serde_->deserialize(topic_, std::string_view(kv.value))};
  }
  // The key next() returns, without advancing. Precondition: hasNext().
  K peekNextKey() { return key_serde_->deserialize(topic_, inner_->peekNextKey()); }
  // OK, or why the iteration ended early.
  absl::Status status() const { return inner_->status(); }

 private:
  std::unique_ptr<state::KeyValueIterator> inner_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::string topic_;
};

// A read-only, typed view of one store across the local tasks of a KafkaStreams instance
// (Java's ReadOnlyKeyValueStore<K, V> from KafkaStreams#store). Made by KafkaStreams::store().
template <typename K, typename V>
class ReadOnlyKeyValueStore {
 public:
  // For KafkaStreams::store(); see there.
  static absl::StatusOr<ReadOnlyKeyValueStore> create(
      std::shared_ptr<const internal::QueryableStoreProvider> provider, std::string name,
      SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    absl::StatusOr<bool> timestamped = provider->isTimestamped(name);
    if (!timestamped.ok()) return timestamped.status();
    const bool strip = *timestamped && !internal::IsValueAndTimestamp<V>::value;
    if (!key_serde || !value_serde) {
      // The store's own serdes, from one of its tasks.
      SerdePtr<K> k;
      SerdePtr<V> v;
      absl::Status s = provider->withStore(name, [&](const StateStore& store) {
        if (auto* plain = dynamic_cast<const KeyValueStore<K, V>*>(&store)) {
          k = plain->keySerde();
          v = plain->valueSerde();
        } else if constexpr (!internal::IsValueAndTimestamp<V>::value) {
          if (auto* ts = dynamic_cast<const KeyValueStore<K, ValueAndTimestamp<V>>*>(&store)) {
            k = ts->keySerde();
            if (auto* vts =
                    dynamic_cast<const ValueAndTimestampSerde<V>*>(ts->valueSerde().get())) {
              v = vts->inner();
            }
          }
        }
      });
      if (!s.ok()) return s;
      if (!k || !v) {
        return absl::InvalidArgumentError("state store " + name +
                                          " holds other key or value types than the ones asked "
                                          "for (or give the serdes explicitly)");
      }
      if (!key_serde) key_serde = std::move(k);
      if (!value_serde) value_serde = std::move(v);
    }
    std::string topic = provider->serdeTopic(name);
    return ReadOnlyKeyValueStore(std::move(provider), std::move(name), std::move(topic),
                                 std::move(key_serde), std::move(value_serde), strip);
  }

  const std::string& name() const { return name_; }

  // The value of `key`, or nullopt. Errors: Unavailable (see the file comment), Internal when
  // a value does not deserialize.
  absl::StatusOr<std::optional<V>> get(const K& key) const {
    std::string k;
    if (absl::Status s = serializeKey(key, k); !s.ok()) return s;
    absl::StatusOr<std::optional<std::string>> bytes = provider_->get(name_, k, strip_);
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) return std::optional<V>();
    try {
      return std::optional<V>(value_serde_->deserialize(topic_, std::string_view(**bytes)));
    } catch (const std::exception& e) {
      return absl::InternalError("state store " + name_ + ": " + e.what());
    }
  }
  // Entries with from <= key <= to by serialized key bytes (lexicographic for strings,
  // numeric for non-negative Int32/Int64 keys), ascending / descending.
  absl::StatusOr<ReadOnlyKeyValueIterator<K, V>> range(const K& from, const K& to) const {
    return rangeOf(&from, &to, false);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<K, V>> reverseRange(const K& from, const K& to) const {
    return rangeOf(&from, &to, true);
  }
  // Every entry, ascending / descending by key bytes.
  absl::StatusOr<ReadOnlyKeyValueIterator<K, V>> all() const {
    return rangeOf(nullptr, nullptr, false);
  }
  absl::StatusOr<ReadOnlyKeyValueIterator<K, V>> reverseAll() const {
    return rangeOf(nullptr, nullptr, true);
  }
  // Sum of the local tasks' estimates.
  absl::StatusOr<int64_t> approximateNumEntries() const {
    return provider_->approximateNumEntries(name_);
  }

 private:
  ReadOnlyKeyValueStore(std::shared_ptr<const internal::QueryableStoreProvider> provider,
                        std::string name, std::string topic, SerdePtr<K> key_serde,
                        SerdePtr<V> value_serde, bool strip)
      : provider_(std::move(provider)),
        name_(std::move(name)),
        topic_(std::move(topic)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        strip_(strip) {}

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
  absl::StatusOr<ReadOnlyKeyValueIterator<K, V>> rangeOf(const K* from, const K* to,
                                                         bool reverse) const {
    std::string f, t;
    if (from != nullptr) {
      if (absl::Status s = serializeKey(*from, f); !s.ok()) return s;
    }
    if (to != nullptr) {
      if (absl::Status s = serializeKey(*to, t); !s.ok()) return s;
    }
    auto it =
        provider_->range(name_, from ? std::optional<std::string_view>(f) : std::nullopt,
                         to ? std::optional<std::string_view>(t) : std::nullopt, reverse, strip_);
    if (!it.ok()) return it.status();
    return ReadOnlyKeyValueIterator<K, V>(*std::move(it), key_serde_, value_serde_, topic_);
  }

  std::shared_ptr<const internal::QueryableStoreProvider> provider_;
  std::string name_;
  std::string topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  bool strip_ = false;
};

}  // namespace kstreams
