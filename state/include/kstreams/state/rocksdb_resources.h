// File: kstreams/state/rocksdb_resources.h
//
// Bounded RocksDB memory for all the stores of a KafkaStreams instance (or of the process):
// ONE LRU block cache and ONE WriteBufferManager charged to that cache, shared by every RocksDB
// store opened with this object. Kafka Streams users get this only by writing a
// BoundedMemoryRocksDBConfig setter; here it is the default.
//
//   kstreams::state::RocksDbMemoryConfig memory;
//   memory.block_cache_bytes = 256 << 20;      // state.rocksdb.block.cache.bytes
//   memory.write_buffer_bytes = 64 << 20;      // state.rocksdb.write.buffer.bytes
//   memory.config_setter = [](const std::string& store, kstreams::state::RocksDbOptions& o) {
//     if (store == "big-table") o.options().write_buffer_size = 32 << 20;
//   };
//   auto resources = kstreams::state::RocksDbResources::create(std::move(memory));
//   // put *resources into every StateStoreContext (rocksdb_resources)
//
// The budget: memtables of all stores together stay under write_buffer_bytes (when they reach
// it, the store being written flushes its memtable), and that memory is *charged to the block
// cache*, as are index and filter blocks; so block_cache_bytes bounds data blocks + index and
// filter blocks + memtables of all stores. Outside it: blocks pinned by open iterators, a few
// hundred KiB per open store (table readers, arena overhead), and the cache may briefly exceed
// its capacity (strict_capacity_limit is off, or reads would fail).
//
// Ownership and threads: shared (std::shared_ptr) by the stores opened with it, which keep it
// alive; every method is safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace kstreams::state {

class RocksDbOptions;  // kstreams/state/rocksdb_options.h (includes RocksDB headers)

// Called once per store when it opens, after the defaults are set and before RocksDB sees the
// options (Java's rocksdb.config.setter, RocksDBConfigSetter.setConfig). Runs on the opening
// thread; may be called concurrently for different stores, so keep it free of shared state.
using RocksDbConfigSetter = std::function<void(const std::string& store_name, RocksDbOptions&)>;

// The two numbers that size the shared memory, and the per-store hook. Plain data.
struct RocksDbMemoryConfig {
  // Capacity of the shared LRU block cache, which also carries the memtables (below).
  // Default: 64 MiB (suggested config key: state.rocksdb.block.cache.bytes).
  int64_t block_cache_bytes = int64_t{64} << 20;
  // Memtable memory of all stores together, charged to the block cache; must be less than
  // block_cache_bytes. Default: 32 MiB (suggested config key: state.rocksdb.write.buffer.bytes).
  int64_t write_buffer_bytes = int64_t{32} << 20;
  // Share of the cache reserved for index and filter blocks, so that data blocks cannot evict
  // them. Default: 0.1.
  double high_priority_pool_ratio = 0.1;
  // Optional per-store options hook. Default: none.
  RocksDbConfigSetter config_setter;

  // InvalidArgument unless 0 < write_buffer_bytes < block_cache_bytes and the ratio is in
  // [0, 1).
  absl::Status validate() const;
};

class RocksDbResources {
 public:
  // Validates `config` and makes the cache and the write buffer manager.
  static absl::StatusOr<std::shared_ptr<RocksDbResources>> create(RocksDbMemoryConfig config);
  // One process-wide instance with the default config, made on first use; for stores whose
  // context carries no resources.
  static std::shared_ptr<RocksDbResources> processDefault();

  ~RocksDbResources();
  RocksDbResources(const RocksDbResources&) = delete;
  RocksDbResources& operator=(const RocksDbResources&) = delete;

  const RocksDbMemoryConfig& config() const;
  // Bytes in the shared cache now: data, index and filter blocks plus the memtable charge.
  int64_t blockCacheUsage() const;
  // Bytes of the cache held by readers (pinned) now.
  int64_t blockCachePinnedUsage() const;
  int64_t blockCacheCapacity() const;
  // Memtable bytes of all stores now, as the write buffer manager counts them.
  int64_t writeBufferUsage() const;

  // For rocksdb_options.h and the stores; opaque here.
  struct Impl;
  const Impl& impl() const { return *impl_; }

 private:
  explicit RocksDbResources(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kstreams::state
