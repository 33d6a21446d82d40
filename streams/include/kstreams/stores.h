// File: kstreams/stores.h
//
// Declaring state stores for the Processor API (Java's org.apache.kafka.streams.state.Stores and
// StoreBuilder): a store *supplier* says what kind of byte store to make (RocksDB or in-memory);
// a StoreBuilder adds the serdes and the layers (changelog, record cache) and is what
// Topology::addStateStore takes.
//
//   auto counts = kstreams::Stores::keyValueStoreBuilder(
//                     kstreams::Stores::persistentKeyValueStore("counts"),   // or inMemory…
//                     Serdes::String(), Serdes::Int64())
//                     .withCachingEnabled();                                 // optional
//   topology.addProcessor("counter", [] { return std::make_unique<Counter>(); }, {"source"})
//       .addStateStore(counts, {"counter"});
//   // The processor: context.getStateStore<kstreams::KeyValueStore<std::string,
//   int64_t>>("counts")
//
// Defaults, as in Kafka Streams: logging enabled (the changelog topic
// "<application.id>-<store>-changelog" is created compacted, with the configs given to
// withLoggingEnabled), caching disabled. A null serde means the configured default
// (default.key.serde / default.value.serde), checked when a task starts.
//
// Where stores live: a RocksDB store of task <subtopology>_<partition> is in
// "<state.dir>/<application.id>/<task>/rocksdb/<store>" (Kafka Streams' layout); in-memory
// stores are rebuilt from their changelog after a restart.
//
// Threads: builders are values, immutable once given to a Topology; each task makes its own
// store from them, possibly on several threads at once.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

#include "kstreams/internal/node.h"
#include "kstreams/internal/store_def.h"
#include "kstreams/serde.h"
#include "kstreams/state/store_builders.h"
#include "kstreams/typed_key_value_store.h"
#include "kstreams/typed_window_store.h"

namespace kstreams {

template <typename S>
class StoreBuilder;

// Builds stores of type KeyValueStore<K, V> (Java's StoreBuilder<KeyValueStore<K, V>>). The
// with*() calls chain; on a temporary they return a new value.
template <typename K, typename V>
class StoreBuilder<KeyValueStore<K, V>> {
 public:
  using StoreType = KeyValueStore<K, V>;

  // Throws TopologyException for a null supplier.
  StoreBuilder(std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier,
               SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : bytes_(checked(std::move(supplier))), key_serde_(std::move(key_serde)) {
    value_serde_ = [serde = std::move(value_serde)](const std::shared_ptr<const SerdeBase>& def,
                                                    const std::string& store) {
      return internal::resolveSerde<Serde<V>>(serde, def, "store " + store, "value");
    };
  }

  // Changes are logged to the compacted topic "<application.id>-<name>-changelog", created with
  // `topic_config` in addition to cleanup.policy=compact.
  StoreBuilder& withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) & {
    bytes_.withLoggingEnabled(std::move(topic_config));
    return *this;
  }
  StoreBuilder withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) && {
    return std::move(withLoggingEnabled(std::move(topic_config)));
  }
  StoreBuilder& withLoggingDisabled() & {
    bytes_.withLoggingDisabled();
    return *this;
  }
  StoreBuilder withLoggingDisabled() && { return std::move(withLoggingDisabled()); }
  // Puts the thread's record cache (statestore.cache.max.bytes) in front of the store: writes
  // reach the store and its changelog deduplicated, on commit or eviction.
  StoreBuilder& withCachingEnabled() & {
    bytes_.withCachingEnabled();
    return *this;
  }
  StoreBuilder withCachingEnabled() && { return std::move(withCachingEnabled()); }
  StoreBuilder& withCachingDisabled() & {
    bytes_.withCachingDisabled();
    return *this;
  }
  StoreBuilder withCachingDisabled() && { return std::move(withCachingDisabled()); }

  const std::string& name() const { return bytes_.name(); }
  bool loggingEnabled() const { return bytes_.loggingEnabled(); }
  bool cachingEnabled() const { return bytes_.cachingEnabled(); }
  const std::map<std::string, std::string>& logConfig() const { return bytes_.logConfig(); }

  // ---- For Topology and the DSL. ----
  internal::StoreDef toStoreDef() const {
    return internal::StoreDef{bytes_, timestamped_,
                              [key_serde = key_serde_, value_serde = value_serde_](
                                  state::KeyValueStore& store, const internal::TaskContext& task,
                                  internal::CacheFlushHook* cache) -> std::unique_ptr<StateStore> {
                                const std::string& name = store.name();
                                return std::make_unique<KeyValueStore<K, V>>(
                                    store,
                                    internal::resolveSerde<Serde<K>>(
                                        key_serde, task.defaultKeySerde(), "store " + name, "key"),
                                    value_serde(task.defaultValueSerde(), name),
                                    task.resolveTopic(name + "-changelog", /*internal=*/true),
                                    cache);
                              }};
  }

  // Used by Stores::timestampedKeyValueStoreBuilder: values are ValueAndTimestamp<X> over a
  // serde of X (or the default value serde).
  template <typename X>
  static StoreBuilder timestamped(std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier,
                                  SerdePtr<K> key_serde, SerdePtr<X> value_serde) {
    StoreBuilder b(std::move(supplier), std::move(key_serde), nullptr);
    b.timestamped_ = true;
    b.value_serde_ = [serde = std::move(value_serde)](const std::shared_ptr<const SerdeBase>& def,
                                                      const std::string& store) -> SerdePtr<V> {
      return std::make_shared<const ValueAndTimestampSerde<X>>(
          internal::resolveSerde<Serde<X>>(serde, def, "store " + store, "value"));
    };
    return b;
  }

 private:
  static std::shared_ptr<const state::KeyValueBytesStoreSupplier> checked(
      std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier) {
    if (!supplier) throw TopologyException("a store builder needs a store supplier");
    return supplier;
  }

  state::KeyValueStoreBuilder bytes_;
  SerdePtr<K> key_serde_;
  std::function<SerdePtr<V>(const std::shared_ptr<const SerdeBase>&, const std::string&)>
      value_serde_;
  bool timestamped_ = false;
};

namespace internal {

// What StoreBuilder<WindowStore<K, V>> and StoreBuilder<SessionStore<K, V>> share: the byte
// builder and the logging and caching flags. With caching enabled (off by default, as in Java's
// Stores builders) the task puts a record cache in front of the store
// (streams/src/runtime/caching_window_store.h); with it off every write reaches the store and
// its changelog at once.
template <typename Self>
class SegmentedStoreBuilderBase {
 public:
  Self& withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) & {
    bytes_.withLoggingEnabled(std::move(topic_config));
    return self();
  }
  Self withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) && {
    return std::move(withLoggingEnabled(std::move(topic_config)));
  }
  Self& withLoggingDisabled() & {
    bytes_.withLoggingDisabled();
    return self();
  }
  Self withLoggingDisabled() && { return std::move(withLoggingDisabled()); }
  // A record cache in front of the store (statestore.cache.max.bytes > 0): writes collapse per
  // window/session until the commit. Not applied to stores that retain duplicates.
  Self& withCachingEnabled() & {
    bytes_.withCachingEnabled();
    return self();
  }
  Self withCachingEnabled() && { return std::move(withCachingEnabled()); }
  Self& withCachingDisabled() & {
    bytes_.withCachingDisabled();
    return self();
  }
  Self withCachingDisabled() && { return std::move(withCachingDisabled()); }

  const std::string& name() const { return bytes_.name(); }
  bool loggingEnabled() const { return bytes_.loggingEnabled(); }
  bool cachingEnabled() const { return bytes_.cachingEnabled(); }
  const std::map<std::string, std::string>& logConfig() const { return bytes_.logConfig(); }

 protected:
  explicit SegmentedStoreBuilderBase(std::shared_ptr<const state::KeyValueBytesStoreSupplier> s)
      : bytes_(checked(std::move(s))) {}
  static std::shared_ptr<const state::KeyValueBytesStoreSupplier> checked(
      std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier) {
    if (!supplier) throw TopologyException("a store builder needs a store supplier");
    return supplier;
  }
  Self& self() { return static_cast<Self&>(*this); }

  state::KeyValueStoreBuilder bytes_;
};

}  // namespace internal

// Builds stores of type WindowStore<K, V> (Java's StoreBuilder<WindowStore<K, V>>), and, through
// Stores::timestampedWindowStoreBuilder, TimestampedWindowStore<K, V>.
template <typename K, typename V>
class StoreBuilder<WindowStore<K, V>>
    : public internal::SegmentedStoreBuilderBase<StoreBuilder<WindowStore<K, V>>> {
  using Base = internal::SegmentedStoreBuilderBase<StoreBuilder<WindowStore<K, V>>>;

 public:
  using StoreType = WindowStore<K, V>;

  // Throws TopologyException for a null supplier.
  StoreBuilder(std::shared_ptr<const state::WindowBytesStoreSupplier> supplier,
               SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : Base(std::move(supplier)), key_serde_(std::move(key_serde)) {
    value_serde_ = [serde = std::move(value_serde)](const std::shared_ptr<const SerdeBase>& def,
                                                    const std::string& store) {
      return internal::resolveSerde<Serde<V>>(serde, def, "store " + store, "value");
    };
  }

  // ---- For Topology. ----
  internal::StoreDef toStoreDef() const {
    return internal::StoreDef{
        this->bytes_, timestamped_,
        [key_serde = key_serde_, value_serde = value_serde_](
            state::KeyValueStore& store, const internal::TaskContext& task,
            internal::CacheFlushHook* cache) -> std::unique_ptr<StateStore> {
          const std::string& name = store.name();
          auto* window = dynamic_cast<state::WindowStore*>(&store);
          if (window == nullptr) {
            throw ProcessorStateException("state store " + name + " is not a window store");
          }
          return std::make_unique<WindowStore<K, V>>(
              store, *window,
              internal::resolveSerde<Serde<K>>(key_serde, task.defaultKeySerde(), "store " + name,
                                               "key"),
              value_serde(task.defaultValueSerde(), name),
              task.resolveTopic(name + "-changelog", /*internal=*/true), cache);
        }};
  }

  // Used by Stores::timestampedWindowStoreBuilder: values are ValueAndTimestamp<X>.
  template <typename X>
  static StoreBuilder timestamped(std::shared_ptr<const state::WindowBytesStoreSupplier> supplier,
                                  SerdePtr<K> key_serde, SerdePtr<X> value_serde) {
    StoreBuilder b(std::move(supplier), std::move(key_serde), nullptr);
    b.timestamped_ = true;
    b.value_serde_ = [serde = std::move(value_serde)](const std::shared_ptr<const SerdeBase>& def,
                                                      const std::string& store) -> SerdePtr<V> {
      return std::make_shared<const ValueAndTimestampSerde<X>>(
          internal::resolveSerde<Serde<X>>(serde, def, "store " + store, "value"));
    };
    return b;
  }

 private:
  SerdePtr<K> key_serde_;
  std::function<SerdePtr<V>(const std::shared_ptr<const SerdeBase>&, const std::string&)>
      value_serde_;
  bool timestamped_ = false;
};

// Builds stores of type SessionStore<K, AGG> (Java's StoreBuilder<SessionStore<K, AGG>>).
template <typename K, typename AGG>
class StoreBuilder<SessionStore<K, AGG>>
    : public internal::SegmentedStoreBuilderBase<StoreBuilder<SessionStore<K, AGG>>> {
  using Base = internal::SegmentedStoreBuilderBase<StoreBuilder<SessionStore<K, AGG>>>;

 public:
  using StoreType = SessionStore<K, AGG>;

  // Throws TopologyException for a null supplier.
  StoreBuilder(std::shared_ptr<const state::SessionBytesStoreSupplier> supplier,
               SerdePtr<K> key_serde, SerdePtr<AGG> value_serde)
      : Base(std::move(supplier)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  // ---- For Topology. ----
  internal::StoreDef toStoreDef() const {
    return internal::StoreDef{
        this->bytes_, false,
        [key_serde = key_serde_, value_serde = value_serde_](
            state::KeyValueStore& store, const internal::TaskContext& task,
            internal::CacheFlushHook* cache) -> std::unique_ptr<StateStore> {
          const std::string& name = store.name();
          auto* session = dynamic_cast<state::SessionStore*>(&store);
          if (session == nullptr) {
            throw ProcessorStateException("state store " + name + " is not a session store");
          }
          return std::make_unique<SessionStore<K, AGG>>(
              store, *session,
              internal::resolveSerde<Serde<K>>(key_serde, task.defaultKeySerde(), "store " + name,
                                               "key"),
              internal::resolveSerde<Serde<AGG>>(value_serde, task.defaultValueSerde(),
                                                 "store " + name, "value"),
              task.resolveTopic(name + "-changelog", /*internal=*/true), cache);
        }};
  }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<AGG> value_serde_;
};

// Store suppliers and builders (Java's Stores).
class Stores {
 public:
  // A RocksDB store (state.dir/application.id/<task>/rocksdb/<name>). The name must be a usable
  // directory name and a legal topic-name part.
  static std::shared_ptr<const state::KeyValueBytesStoreSupplier> persistentKeyValueStore(
      std::string name) {
    return state::Stores::persistentKeyValueStore(std::move(name));
  }
  // Java's persistentTimestampedKeyValueStore: the same RocksDB store here (the timestamp is
  // part of the value bytes).
  static std::shared_ptr<const state::KeyValueBytesStoreSupplier>
  persistentTimestampedKeyValueStore(std::string name) {
    return state::Stores::persistentKeyValueStore(std::move(name));
  }
  // A store in memory (rebuilt from the changelog after a restart).
  static std::shared_ptr<const state::KeyValueBytesStoreSupplier> inMemoryKeyValueStore(
      std::string name) {
    return state::Stores::inMemoryKeyValueStore(std::move(name));
  }

  // A builder of KeyValueStore<K, V>. K and V are deduced from the serdes; with null serdes
  // (config defaults) spell them: keyValueStoreBuilder<K, V>(supplier, nullptr, nullptr).
  template <typename K, typename V>
  static StoreBuilder<KeyValueStore<K, V>> keyValueStoreBuilder(
      std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier, SerdePtr<K> key_serde,
      SerdePtr<V> value_serde) {
    return StoreBuilder<KeyValueStore<K, V>>(std::move(supplier), std::move(key_serde),
                                             std::move(value_serde));
  }
  // A builder of TimestampedKeyValueStore<K, V> (values with the timestamp of their update), the
  // kind of store the DSL makes.
  template <typename K, typename V>
  static StoreBuilder<TimestampedKeyValueStore<K, V>> timestampedKeyValueStoreBuilder(
      std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier, SerdePtr<K> key_serde,
      SerdePtr<V> value_serde) {
    return StoreBuilder<TimestampedKeyValueStore<K, V>>::timestamped(
        std::move(supplier), std::move(key_serde), std::move(value_serde));
  }

  // ---- Window and session stores (kstreams/typed_window_store.h) ----
  //
  // Segmented by time (segment interval max(retention / 2, 60 s), as Java); RocksDB segments in
  // "<state.dir>/<application.id>/<task>/<name>/<name>.<segment start>" (Java's layout). Throw
  // std::invalid_argument (Java's IllegalArgumentException) for a negative retention or window
  // size, or a window size larger than the retention. `retain_duplicates`: keep every put, each
  // with its own sequence number (what stream-stream joins need).
  static std::shared_ptr<const state::WindowBytesStoreSupplier> persistentWindowStore(
      std::string name, std::chrono::milliseconds retention_period,
      std::chrono::milliseconds window_size, bool retain_duplicates) {
    return orThrow(state::Stores::persistentWindowStore(std::move(name), retention_period.count(),
                                                        window_size.count(), retain_duplicates));
  }
  // Java's persistentTimestampedWindowStore: the same RocksDB store here (the timestamp is part
  // of the value bytes).
  static std::shared_ptr<const state::WindowBytesStoreSupplier> persistentTimestampedWindowStore(
      std::string name, std::chrono::milliseconds retention_period,
      std::chrono::milliseconds window_size, bool retain_duplicates) {
    return persistentWindowStore(std::move(name), retention_period, window_size, retain_duplicates);
  }
  static std::shared_ptr<const state::WindowBytesStoreSupplier> inMemoryWindowStore(
      std::string name, std::chrono::milliseconds retention_period,
      std::chrono::milliseconds window_size, bool retain_duplicates) {
    return orThrow(state::Stores::inMemoryWindowStore(std::move(name), retention_period.count(),
                                                      window_size.count(), retain_duplicates));
  }
  static std::shared_ptr<const state::SessionBytesStoreSupplier> persistentSessionStore(
      std::string name, std::chrono::milliseconds retention_period) {
    return orThrow(
        state::Stores::persistentSessionStore(std::move(name), retention_period.count()));
  }
  static std::shared_ptr<const state::SessionBytesStoreSupplier> inMemorySessionStore(
      std::string name, std::chrono::milliseconds retention_period) {
    return orThrow(state::Stores::inMemorySessionStore(std::move(name), retention_period.count()));
  }

  // A builder of WindowStore<K, V> (null serdes: the config defaults; then spell K and V).
  template <typename K, typename V>
  static StoreBuilder<WindowStore<K, V>> windowStoreBuilder(
      std::shared_ptr<const state::WindowBytesStoreSupplier> supplier, SerdePtr<K> key_serde,
      SerdePtr<V> value_serde) {
    return StoreBuilder<WindowStore<K, V>>(std::move(supplier), std::move(key_serde),
                                           std::move(value_serde));
  }
  // A builder of TimestampedWindowStore<K, V> (values with the timestamp of their update).
  template <typename K, typename V>
  static StoreBuilder<TimestampedWindowStore<K, V>> timestampedWindowStoreBuilder(
      std::shared_ptr<const state::WindowBytesStoreSupplier> supplier, SerdePtr<K> key_serde,
      SerdePtr<V> value_serde) {
    return StoreBuilder<TimestampedWindowStore<K, V>>::timestamped(
        std::move(supplier), std::move(key_serde), std::move(value_serde));
  }
  // A builder of SessionStore<K, AGG>.
  template <typename K, typename AGG>
  static StoreBuilder<SessionStore<K, AGG>> sessionStoreBuilder(
      std::shared_ptr<const state::SessionBytesStoreSupplier> supplier, SerdePtr<K> key_serde,
      SerdePtr<AGG> value_serde) {
    return StoreBuilder<SessionStore<K, AGG>>(std::move(supplier), std::move(key_serde),
                                              std::move(value_serde));
  }

 private:
  template <typename T>
  static T orThrow(absl::StatusOr<T> v) {
    if (!v.ok()) throw std::invalid_argument(std::string(v.status().message()));
    return *std::move(v);
  }
};

}  // namespace kstreams