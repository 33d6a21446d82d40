#include "kstreams/state/store_builders.h"

#include <utility>

#include "kstreams/state/change_logging_key_value_store.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_key_value_store.h"

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

}  // namespace

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
  if (logging_enabled_) store = std::make_unique<ChangeLoggingKeyValueStore>(std::move(store));
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

}  // namespace kstreams::state
