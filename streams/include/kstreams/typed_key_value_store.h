// File: kstreams/typed_key_value_store.h
//
// Typed key-value state stores, as processors see them (Java's
// org.apache.kafka.streams.state.KeyValueStore<K, V>): a facade that serializes keys and values
// with the store's serdes and keeps the bytes in the task's byte-level store stack
// (kstreams/state/: RocksDB or in-memory, change-logging, record cache).
//
//   // Declare the store and connect it to a processor (or let the DSL do both):
//   topology.addStateStore(
//       kstreams::Stores::keyValueStoreBuilder(kstreams::Stores::persistentKeyValueStore("counts"),
//                                              Serdes::String(), Serdes::Int64()),
//       {"counter"});
//
//   // In the processor:
//   void init(kstreams::ProcessorContext<std::string, int64_t>& context) override {
//     ContextualProcessor::init(context);
//     counts_ = &context.getStateStore<kstreams::KeyValueStore<std::string, int64_t>>("counts");
//   }
//   void process(kstreams::Record<std::string, std::string> r) override {
//     const int64_t n = counts_->get(r.key()).value_or(0) + 1;
//     counts_->put(r.key(), n);
//     context().forward(std::move(r).withValue(n));
//   }
//
// Order: keys are ordered by their serialized bytes (unsigned, as RocksDB orders them), so
// range() follows the serde's byte order: lexicographic for Serdes::String(), numeric for
// non-negative integers of Serdes::Int32()/Int64() (big-endian), as in Kafka Streams.
//
// The DSL's stores (aggregations, materialized KTables) are TimestampedKeyValueStore<K, V> =
// KeyValueStore<K, ValueAndTimestamp<V>>: each value carries the timestamp of the update that
// produced it, stored as Kafka Streams stores it (8 bytes big-endian timestamp, then the value),
// and logged as Kafka Streams logs it (the plain value, with that timestamp as the changelog
// record's timestamp).
//
// Errors: a failing store (I/O error, closed store) throws ProcessorStateException; a value that
// does not deserialize throws SerializationException. Inside a processor both fail the task.
//
// Ownership and threads: the task owns its stores; a processor borrows them between init() and
// close(). A store and its iterators are used by the task's stream thread only (interactive
// queries from other threads go through KafkaStreams, not through these objects).
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state/thread_cache.h"

namespace kstreams {

// A value and the timestamp of the update that produced it (Java's ValueAndTimestamp).
template <typename V>
struct ValueAndTimestamp {
  V value;
  int64_t timestamp = 0;
  bool operator==(const ValueAndTimestamp&) const = default;
};

namespace internal {

// Throws ProcessorStateException for a failed store operation.
[[noreturn]] void throwStoreError(const std::string& store, const char* operation,
                                  const absl::Status& status);

// Headers as the record cache keeps them (state::CacheRecordContext::headers is opaque bytes).
std::string encodeHeaders(const Headers& headers);
Headers decodeHeaders(std::string_view bytes);

// 8 bytes big-endian, the timestamp prefix of a ValueAndTimestamp in a store.
inline void appendTimestamp(std::string& out, int64_t timestamp) {
  const auto u = static_cast<uint64_t>(timestamp);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}
inline int64_t readTimestamp(std::string_view bytes) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(bytes[i]);
  return static_cast<int64_t>(u);
}

// The flush side of a caching store layer (implemented in the runtime): what the record cache
// writes when it flushes an entry is also handed to a listener, with the value the store held
// before (Kafka's CachedStateStore#setFlushListener). Byte-level; the typed store below turns
// it into typed changes.
class CacheFlushHook {
 public:
  // key, new value (nullopt: deleted), old value (nullopt unless asked for, or absent), and the
  // record context of the write that produced the entry.
  using Listener = std::function<void(std::string_view key, std::optional<std::string_view> value,
                                      std::optional<std::string_view> old_value,
                                      const state::CacheRecordContext& context)>;
  virtual ~CacheFlushHook() = default;
  virtual void setFlushListener(Listener listener, bool send_old_values) = 0;
};

}  // namespace internal

// Serializes ValueAndTimestamp<V> as Kafka Streams' ValueAndTimestampSerializer does: the
// timestamp as 8 bytes big-endian, then the inner serde's bytes.
template <typename V>
class ValueAndTimestampSerde final : public Serde<ValueAndTimestamp<V>> {
 public:
  // `inner` must not be null.
  explicit ValueAndTimestampSerde(SerdePtr<V> inner) : inner_(std::move(inner)) {}

  bool serialize(std::string_view topic, const ValueAndTimestamp<V>& value,
                 std::string& out) const override {
    internal::appendTimestamp(out, value.timestamp);
    if (!inner_->serialize(topic, value.value, out)) {
      throw SerializationException("serde " + inner_->name() +
                                   " wrote a null value, which a timestamped store cannot hold");
    }
    return true;
  }
  ValueAndTimestamp<V> deserialize(std::string_view topic,
                                   std::optional<std::string_view> data) const override {
    if (!data || data->size() < 8) {
      throw SerializationException("a timestamped value needs at least 8 bytes (topic " +
                                   std::string(topic) + ")");
    }
    return ValueAndTimestamp<V>{inner_->deserialize(topic, data->substr(8)),
                                internal::readTimestamp(*data)};
  }
  std::string name() const override { return "ValueAndTimestamp<" + inner_->name() + ">"; }
  const SerdePtr<V>& inner() const { return inner_; }

 private:
  SerdePtr<V> inner_;
};

// Iterates over typed entries (Java's KeyValueIterator<K, V>); closes (releases the store's
// snapshot) when destroyed. Move-only; use on the task's thread while the store is open.
//
//   auto it = store.range("a", "m");
//   while (it.hasNext()) {
//     kstreams::KeyValue<std::string, int64_t> kv = it.next();
//   }
template <typename K, typename V>
class KeyValueIterator {
 public:
  KeyValueIterator(std::unique_ptr<state::KeyValueIterator> inner, SerdePtr<K> key_serde,
                   SerdePtr<V> value_serde, std::string topic, std::string store)
      : inner_(std::move(inner)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(topic)),
        store_(std::move(store)) {}
  KeyValueIterator(KeyValueIterator&&) noexcept = default;
  KeyValueIterator& operator=(KeyValueIterator&&) noexcept = default;

  // True while there is an entry. Throws ProcessorStateException when the iteration ended
  // because of an error (the store was closed, an I/O error).
  bool hasNext() {
    if (inner_->hasNext()) return true;
    if (absl::Status s = inner_->status(); !s.ok()) internal::throwStoreError(store_, "iterate", s);
    return false;
  }
  // The next entry. Precondition: hasNext().
  KeyValue<K, V> next() {
    state::KeyValue kv = inner_->next();
    return KeyValue<K, V>{key_serde_->deserialize(topic_, std::string_view(kv.key)),
                          value_serde_->deserialize(topic_, std::string_view(kv.value))};
  }
  // The key next() returns, without advancing. Precondition: hasNext().
  K peekNextKey() { return key_serde_->deserialize(topic_, inner_->peekNextKey()); }

 private:
  std::unique_ptr<state::KeyValueIterator> inner_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::string topic_;
  std::string store_;
};

// A typed key-value store. The task makes one per store and task from the store's builder; see
// the file comment for how processors get it. Keys and values are serialized with the serdes of
// the builder (or the configured defaults), using the store's changelog topic name
// ("<application.id>-<store>-changelog") as the serdes' topic, as Kafka Streams does.
template <typename K, typename V>
class KeyValueStore : public StateStore {
 public:
  using KeyType = K;
  using ValueType = V;

  // A typed view of `store`, which must outlive it. Made by the task (or by a test, over any
  // byte store). `cache` is the caching layer of the stack, if there is one.
  KeyValueStore(state::KeyValueStore& store, SerdePtr<K> key_serde, SerdePtr<V> value_serde,
                std::string serde_topic, internal::CacheFlushHook* cache = nullptr)
      : store_(store),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(serde_topic)),
        cache_(cache) {}

  // StateStore
  const std::string& name() const override { return store_.name(); }
  bool persistent() const override { return store_.persistent(); }
  bool isOpen() const override { return store_.isOpen(); }

  // The value of `key`, or nullopt.
  std::optional<V> get(const K& key) const {
    auto value = store_.get(serializeKey(key));
    if (!value.ok()) internal::throwStoreError(name(), "get", value.status());
    if (!value->has_value()) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(**value));
  }
  // Sets `key` to `value`.
  void put(const K& key, const V& value) {
    const std::string_view k = serializeKey(key);
    if (absl::Status s = store_.put(k, serializeValue(value)); !s.ok()) {
      internal::throwStoreError(name(), "put", s);
    }
  }
  // Sets `key` to `value` if absent; returns the existing value (then nothing changed) or
  // nullopt (then `value` was written).
  std::optional<V> putIfAbsent(const K& key, const V& value) {
    const std::string_view k = serializeKey(key);
    auto previous = store_.putIfAbsent(k, serializeValue(value));
    if (!previous.ok()) internal::throwStoreError(name(), "putIfAbsent", previous.status());
    if (!previous->has_value()) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(**previous));
  }
  // Puts every entry, in order (atomically in RocksDB).
  void putAll(const std::vector<KeyValue<K, V>>& entries) {
    state::KeyValueChanges changes;
    changes.reserve(entries.size());
    for (const auto& kv : entries) {
      changes.emplace_back(std::string(serializeKey(kv.key)),
                           std::string(serializeValue(kv.value)));
    }
    if (absl::Status s = store_.putAll(changes); !s.ok()) {
      internal::throwStoreError(name(), "putAll", s);
    }
  }
  // Deletes `key` and returns its previous value (Java's delete(), a C++ keyword). With
  // logging, a tombstone goes to the changelog even if the key was absent, as in Kafka Streams.
  std::optional<V> remove(const K& key) {
    auto previous = store_.remove(serializeKey(key));
    if (!previous.ok()) internal::throwStoreError(name(), "delete", previous.status());
    if (!previous->has_value()) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(**previous));
  }

  // Entries with from <= key <= to (by serialized bytes), ascending / descending. Empty when
  // from > to.
  KeyValueIterator<K, V> range(const K& from, const K& to) const {
    std::string f(serializeKey(from));
    return iterator(store_.range(f, serializeKey(to)), "range");
  }
  KeyValueIterator<K, V> reverseRange(const K& from, const K& to) const {
    std::string f(serializeKey(from));
    return iterator(store_.reverseRange(f, serializeKey(to)), "reverseRange");
  }
  // Every entry, ascending / descending.
  KeyValueIterator<K, V> all() const { return iterator(store_.all(), "all"); }
  KeyValueIterator<K, V> reverseAll() const { return iterator(store_.reverseAll(), "reverseAll"); }
  // An estimate of the number of entries (exact for in-memory stores).
  int64_t approximateNumEntries() const {
    auto n = store_.approximateNumEntries();
    if (!n.ok()) internal::throwStoreError(name(), "approximateNumEntries", n.status());
    return *n;
  }

  // ---- For DSL processors (Kafka's TimestampedTupleForwarder); not for application code. ----

  // An update the record cache flushed: what the store now holds for `key` and what it held
  // before (only when send_old_values), with the record context of the write.
  struct FlushedChange {
    K key;
    std::optional<V> value;
    std::optional<V> old_value;
    int64_t timestamp;
    Headers headers;
  };
  // Routes the updates the store's record cache flushes (on commit or eviction) to `listener`,
  // deduplicated per key. Returns false, doing nothing, when the store has no cache.
  bool setCacheFlushListener(std::function<void(FlushedChange&&)> listener, bool send_old_values) {
    if (cache_ == nullptr) return false;
    cache_->setFlushListener(
        [this, listener = std::move(listener)](
            std::string_view key, std::optional<std::string_view> value,
            std::optional<std::string_view> old_value, const state::CacheRecordContext& ctx) {
          FlushedChange change{key_serde_->deserialize(topic_, key), std::nullopt, std::nullopt,
                               ctx.timestamp, internal::decodeHeaders(ctx.headers)};
          if (value) change.value = value_serde_->deserialize(topic_, value);
          if (old_value) change.old_value = value_serde_->deserialize(topic_, old_value);
          listener(std::move(change));
        },
        send_old_values);
    return true;
  }

  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  // The byte store this facade writes (the outermost layer of the task's stack).
  state::KeyValueStore& bytes() const { return store_; }

 private:
  // Buffers are reused across calls: no allocation once they have grown. The views returned
  // are valid until the next call.
  std::string_view serializeKey(const K& key) const {
    key_buf_.clear();
    if (!key_serde_->serialize(topic_, key, key_buf_)) {
      throw SerializationException("store " + name() + ": a key must not serialize to null");
    }
    return key_buf_;
  }
  std::string_view serializeValue(const V& value) const {
    value_buf_.clear();
    if (!value_serde_->serialize(topic_, value, value_buf_)) {
      throw SerializationException("store " + name() +
                                   ": a value must not serialize to null; use remove()");
    }
    return value_buf_;
  }
  KeyValueIterator<K, V> iterator(absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it,
                                  const char* operation) const {
    if (!it.ok()) internal::throwStoreError(name(), operation, it.status());
    return KeyValueIterator<K, V>(*std::move(it), key_serde_, value_serde_, topic_, name());
  }

  state::KeyValueStore& store_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::string topic_;
  internal::CacheFlushHook* cache_;
  mutable std::string key_buf_;
  mutable std::string value_buf_;
};

// The store of the DSL's aggregations and materialized KTables (Java's
// TimestampedKeyValueStore<K, V>).
template <typename K, typename V>
using TimestampedKeyValueStore = KeyValueStore<K, ValueAndTimestamp<V>>;

}  // namespace kstreams
