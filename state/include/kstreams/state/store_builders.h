// File: kstreams/state/store_builders.h
//
// Factories for byte-level stores (Java's Stores, KeyValueBytesStoreSupplier, StoreBuilder).
// The typed facades in streams/ (Materialized, Stores with serdes) build on these.
//
//   auto builder = kstreams::state::Stores::keyValueStoreBuilder(
//                      kstreams::state::Stores::persistentKeyValueStore("counts"))
//                      .withLoggingEnabled({{"min.insync.replicas", "2"}})
//                      .withCachingEnabled();
//   // The runtime, once per task:
//   std::unique_ptr<kstreams::state::KeyValueStore> store = builder.build();
//   store->init(context);
//
// A supplier makes a new store per task (the topology holds suppliers and builders, never
// stores). A builder remembers the logging and caching flags, which the runtime reads: it
// creates the changelog topic with logConfig() when loggingEnabled(), and gives the store a
// ChangeLogger. build() stacks the layers that exist: change-logging over the inner store.
// Caching is only recorded for now; when the CachingKeyValueStore lands, build() puts it on top
// of change-logging, as Kafka Streams does (see state/README.md).
//
// Defaults as in Kafka Streams' StoreBuilder: logging enabled with no topic configs, caching
// disabled (the DSL's Materialized turns it on).
//
// Threads: suppliers and builders are immutable once the topology is built, and get() and
// build() may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kstreams/state/key_value_store.h"

namespace kstreams::state {

// Makes new, un-initialized byte stores of one kind and name.
class KeyValueBytesStoreSupplier {
 public:
  virtual ~KeyValueBytesStoreSupplier() = default;
  virtual const std::string& name() const = 0;
  // A new store; the caller owns it and calls init().
  virtual std::unique_ptr<KeyValueStore> get() const = 0;
  // "rocksdb" or "in-memory" (for metrics, as in Kafka).
  virtual std::string metricsScope() const = 0;
  // Puts the change-logging layer that fits this kind of store around `store` (one of get()'s):
  // ChangeLoggingKeyValueStore by default; window and session suppliers use theirs
  // (change_logging_window_store.h).
  virtual std::unique_ptr<KeyValueStore> withChangeLogging(
      std::unique_ptr<KeyValueStore> store) const;
  // A store of the same kind kept in memory, unlogged (the runtime's build-only checks).
  virtual std::unique_ptr<KeyValueStore> inMemoryStandIn() const;
};

// Makes window stores (Java's WindowBytesStoreSupplier). get() returns a KeyValueStore that is
// also a WindowStore (window_store.h); the keys of its KeyValueStore view are binary window
// store keys.
class WindowBytesStoreSupplier : public KeyValueBytesStoreSupplier {
 public:
  virtual int64_t retentionPeriod() const = 0;
  virtual int64_t windowSize() const = 0;
  virtual bool retainDuplicates() const = 0;
  // max(retention / 2, 60 s), as Java.
  virtual int64_t segmentIntervalMs() const = 0;
};

// Makes session stores (Java's SessionBytesStoreSupplier). get() returns a KeyValueStore that
// is also a SessionStore (window_store.h).
class SessionBytesStoreSupplier : public KeyValueBytesStoreSupplier {
 public:
  virtual int64_t retentionPeriod() const = 0;
  virtual int64_t segmentIntervalMs() const = 0;
};

// Remembers a supplier and the layers to put around its stores. A value type: copies are
// independent. The with*() calls chain; on a temporary they return a new value, so
// `auto b = Stores::keyValueStoreBuilder(s).withCachingEnabled();` never dangles.
class KeyValueStoreBuilder {
 public:
  explicit KeyValueStoreBuilder(std::shared_ptr<const KeyValueBytesStoreSupplier> supplier);

  // Topic configs for the changelog topic (cleanup.policy=compact is implied).
  KeyValueStoreBuilder& withLoggingEnabled(std::map<std::string, std::string> topic_config) &;
  KeyValueStoreBuilder withLoggingEnabled(std::map<std::string, std::string> topic_config) &&;
  KeyValueStoreBuilder& withLoggingDisabled() &;
  KeyValueStoreBuilder withLoggingDisabled() &&;
  KeyValueStoreBuilder& withCachingEnabled() &;
  KeyValueStoreBuilder withCachingEnabled() &&;
  KeyValueStoreBuilder& withCachingDisabled() &;
  KeyValueStoreBuilder withCachingDisabled() &&;

  const std::string& name() const { return supplier_->name(); }
  bool loggingEnabled() const { return logging_enabled_; }
  const std::map<std::string, std::string>& logConfig() const { return log_config_; }
  bool cachingEnabled() const { return caching_enabled_; }
  const KeyValueBytesStoreSupplier& supplier() const { return *supplier_; }

  // A new store with its layers: the supplier's change-logging layer (withChangeLogging) over
  // its store when logging is enabled (it takes the ChangeLogger from the StateStoreContext at
  // init()). Window and session suppliers work here too (Java's windowStoreBuilder /
  // sessionStoreBuilder).
  std::unique_ptr<KeyValueStore> build() const;

 private:
  std::shared_ptr<const KeyValueBytesStoreSupplier> supplier_;
  bool logging_enabled_ = true;
  std::map<std::string, std::string> log_config_;
  bool caching_enabled_ = false;
};

class Stores {
 public:
  // RocksDbKeyValueStore. The name must be a usable directory name: non-empty, no '/', not "."
  // or ".." (checked at init()).
  static std::shared_ptr<const KeyValueBytesStoreSupplier> persistentKeyValueStore(
      std::string name);
  // InMemoryKeyValueStore.
  static std::shared_ptr<const KeyValueBytesStoreSupplier> inMemoryKeyValueStore(std::string name);
  static KeyValueStoreBuilder keyValueStoreBuilder(
      std::shared_ptr<const KeyValueBytesStoreSupplier> supplier);

  // Window stores segmented by time (segmented_bytes_store.h): RocksDB segments / in memory.
  // Times in milliseconds. InvalidArgument (Java's IllegalArgumentException) for a negative
  // retention or window size, or a window size larger than the retention. `retain_duplicates`:
  // every put is kept, with its own sequence number (stream-stream join stores).
  static absl::StatusOr<std::shared_ptr<const WindowBytesStoreSupplier>> persistentWindowStore(
      std::string name, int64_t retention_ms, int64_t window_size_ms, bool retain_duplicates);
  static absl::StatusOr<std::shared_ptr<const WindowBytesStoreSupplier>> inMemoryWindowStore(
      std::string name, int64_t retention_ms, int64_t window_size_ms, bool retain_duplicates);
  // Session stores; InvalidArgument for a negative retention.
  static absl::StatusOr<std::shared_ptr<const SessionBytesStoreSupplier>> persistentSessionStore(
      std::string name, int64_t retention_ms);
  static absl::StatusOr<std::shared_ptr<const SessionBytesStoreSupplier>> inMemorySessionStore(
      std::string name, int64_t retention_ms);
};

}  // namespace kstreams::state
