#include "kstreams/state/store_builders.h"

#include <utility>

#include "kstreams/state/change_logging_key_value_store.h"
#include "kstreams/state/change_logging_window_store.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"
#include "kstreams/state/segmented_bytes_store.h"

namespace kstreams::state {
namespace {

class RocksDbSupplier final : public KeyValueBytesStoreSupplier {
 public:
  explicit RocksDbSupplier(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  std::unique_ptr<KeyValueStore> get() const override {
    return std::make_unique<RocksDbKeyValueStore>(name_);
  }
  std::string metricsScope() const override { return "rocksdb"; }

 private:
  const std::string name_;
};

class InMemorySupplier final : public KeyValueBytesStoreSupplier {
 public:
  explicit InMemorySupplier(std::string name) : name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  std::unique_ptr<KeyValueStore> get() const override {
    return std::make_unique<InMemoryKeyValueStore>(name_);
  }
  std::string metricsScope() const override { return "in-memory"; }

 private:
  const std::string name_;
};

class WindowSupplier final : public WindowBytesStoreSupplier {
 public:
  WindowSupplier(std::string name, int64_t retention, int64_t size, bool dups, bool persistent)
      : name_(std::move(name)),
        retention_(retention),
        size_(size),
        dups_(dups),
        persistent_(persistent) {}
  const std::string& name() const override { return name_; }
  std::unique_ptr<KeyValueStore> get() const override { return make(persistent_); }
  std::string metricsScope() const override {
    return persistent_ ? "rocksdb-window" : "in-memory-window";
  }
  std::unique_ptr<KeyValueStore> withChangeLogging(
      std::unique_ptr<KeyValueStore> store) const override {
    return std::make_unique<ChangeLoggingWindowStore>(std::move(store));
  }
  std::unique_ptr<KeyValueStore> inMemoryStandIn() const override { return make(false); }
  int64_t retentionPeriod() const override { return retention_; }
  int64_t windowSize() const override { return size_; }
  bool retainDuplicates() const override { return dups_; }
  int64_t segmentIntervalMs() const override { return defaultSegmentInterval(retention_); }

 private:
  std::unique_ptr<KeyValueStore> make(bool persistent) const {
    SegmentedBytesStore::Options options;
    options.name = name_;
    options.retention_ms = retention_;
    options.segment_interval_ms = segmentIntervalMs();
    options.persistent = persistent;
    return std::make_unique<SegmentedWindowStore>(std::move(options), size_, dups_);
  }
  const std::string name_;
  const int64_t retention_;
  const int64_t size_;
  const bool dups_;
  const bool persistent_;
};

class SessionSupplier final : public SessionBytesStoreSupplier {
 public:
  SessionSupplier(std::string name, int64_t retention, bool persistent)
      : name_(std::move(name)), retention_(retention), persistent_(persistent) {}
  const std::string& name() const override { return name_; }
  std::unique_ptr<KeyValueStore> get() const override { return make(persistent_); }
  std::string metricsScope() const override {
    return persistent_ ? "rocksdb-session" : "in-memory-session";
  }
  std::unique_ptr<KeyValueStore> withChangeLogging(
      std::unique_ptr<KeyValueStore> store) const override {
    return std::make_unique<ChangeLoggingSessionStore>(std::move(store));
  }
  std::unique_ptr<KeyValueStore> inMemoryStandIn() const override { return make(false); }
  int64_t retentionPeriod() const override { return retention_; }
  int64_t segmentIntervalMs() const override { return defaultSegmentInterval(retention_); }

 private:
  std::unique_ptr<KeyValueStore> make(bool persistent) const {
    SegmentedBytesStore::Options options;
    options.name = name_;
    options.retention_ms = retention_;
    options.segment_interval_ms = segmentIntervalMs();
    options.persistent = persistent;
    return std::make_unique<SegmentedSessionStore>(std::move(options));
  }
  const std::string name_;
  const int64_t retention_;
  const bool persistent_;
};

absl::Status checkWindowArgs(const std::string& name, int64_t retention, int64_t size) {
  if (retention < 0) {
    return absl::InvalidArgumentError("retentionPeriod cannot be negative (store " + name + ")");
  }
  if (size < 0) {
    return absl::InvalidArgumentError("windowSize cannot be negative (store " + name + ")");
  }
  if (size > retention) {
    return absl::InvalidArgumentError("The retention period of the window store " + name +
                                      " must be no smaller than its window size. Got size=[" +
                                      std::to_string(size) + "], retention=[" +
                                      std::to_string(retention) + "]");
  }
  return absl::OkStatus();
}

}  // namespace

std::unique_ptr<KeyValueStore> KeyValueBytesStoreSupplier::withChangeLogging(
    std::unique_ptr<KeyValueStore> store) const {
  return std::make_unique<ChangeLoggingKeyValueStore>(std::move(store));
}

std::unique_ptr<KeyValueStore> KeyValueBytesStoreSupplier::inMemoryStandIn() const {
  return std::make_unique<InMemoryKeyValueStore>(name());
}

KeyValueStoreBuilder::KeyValueStoreBuilder(
    std::shared_ptr<const KeyValueBytesStoreSupplier> supplier)
    : supplier_(std::move(supplier)) {}

KeyValueStoreBuilder& KeyValueStoreBuilder::withLoggingEnabled(
    std::map<std::string, std::string> topic_config) & {
  logging_enabled_ = true;
  log_config_ = std::move(topic_config);
  return *this;
}
KeyValueStoreBuilder KeyValueStoreBuilder::withLoggingEnabled(
    std::map<std::string, std::string> topic_config) && {
  return std::move(withLoggingEnabled(std::move(topic_config)));
}
KeyValueStoreBuilder& KeyValueStoreBuilder::withLoggingDisabled() & {
  logging_enabled_ = false;
  log_config_.clear();
  return *this;
}
KeyValueStoreBuilder KeyValueStoreBuilder::withLoggingDisabled() && {
  return std::move(withLoggingDisabled());
}
KeyValueStoreBuilder& KeyValueStoreBuilder::withCachingEnabled() & {
  caching_enabled_ = true;
  return *this;
}
KeyValueStoreBuilder KeyValueStoreBuilder::withCachingEnabled() && {
  return std::move(withCachingEnabled());
}
KeyValueStoreBuilder& KeyValueStoreBuilder::withCachingDisabled() & {
  caching_enabled_ = false;
  return *this;
}
KeyValueStoreBuilder KeyValueStoreBuilder::withCachingDisabled() && {
  return std::move(withCachingDisabled());
}

std::unique_ptr<KeyValueStore> KeyValueStoreBuilder::build() const {
  std::unique_ptr<KeyValueStore> store = supplier_->get();
  if (logging_enabled_) store = supplier_->withChangeLogging(std::move(store));
  // Caching (CachingKeyValueStore over ThreadCache) goes here, outermost, once it exists.
  return store;
}

std::shared_ptr<const KeyValueBytesStoreSupplier> Stores::persistentKeyValueStore(
    std::string name) {
  return std::make_shared<RocksDbSupplier>(std::move(name));
}

std::shared_ptr<const KeyValueBytesStoreSupplier> Stores::inMemoryKeyValueStore(std::string name) {
  return std::make_shared<InMemorySupplier>(std::move(name));
}

KeyValueStoreBuilder Stores::keyValueStoreBuilder(
    std::shared_ptr<const KeyValueBytesStoreSupplier> supplier) {
  return KeyValueStoreBuilder(std::move(supplier));
}

absl::StatusOr<std::shared_ptr<const WindowBytesStoreSupplier>> Stores::persistentWindowStore(
    std::string name, int64_t retention_ms, int64_t window_size_ms, bool retain_duplicates) {
  if (absl::Status s = checkWindowArgs(name, retention_ms, window_size_ms); !s.ok()) return s;
  return std::shared_ptr<const WindowBytesStoreSupplier>(std::make_shared<WindowSupplier>(
      std::move(name), retention_ms, window_size_ms, retain_duplicates, true));
}

absl::StatusOr<std::shared_ptr<const WindowBytesStoreSupplier>> Stores::inMemoryWindowStore(
    std::string name, int64_t retention_ms, int64_t window_size_ms, bool retain_duplicates) {
  if (absl::Status s = checkWindowArgs(name, retention_ms, window_size_ms); !s.ok()) return s;
  return std::shared_ptr<const WindowBytesStoreSupplier>(std::make_shared<WindowSupplier>(
      std::move(name), retention_ms, window_size_ms, retain_duplicates, false));
}

absl::StatusOr<std::shared_ptr<const SessionBytesStoreSupplier>> Stores::persistentSessionStore(
    std::string name, int64_t retention_ms) {
  if (retention_ms < 0) {
    return absl::InvalidArgumentError("retentionPeriod cannot be negative (store " + name + ")");
  }
  return std::shared_ptr<const SessionBytesStoreSupplier>(
      std::make_shared<SessionSupplier>(std::move(name), retention_ms, true));
}

absl::StatusOr<std::shared_ptr<const SessionBytesStoreSupplier>> Stores::inMemorySessionStore(
    std::string name, int64_t retention_ms) {
  if (retention_ms < 0) {
    return absl::InvalidArgumentError("retentionPeriod cannot be negative (store " + name + ")");
  }
  return std::shared_ptr<const SessionBytesStoreSupplier>(
      std::make_shared<SessionSupplier>(std::move(name), retention_ms, false));
}

}  // namespace kstreams::state
