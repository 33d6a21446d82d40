#include "kstreams/state/rocksdb_resources.h"

#include <rocksdb/env.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rocksdb_resources_impl.h"

namespace kstreams::state {

absl::Status RocksDbMemoryConfig::validate() const {
  if (block_cache_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("RocksDB block cache size must be positive, got ", block_cache_bytes));
  }
  if (write_buffer_bytes <= 0 || write_buffer_bytes >= block_cache_bytes) {
    // The write buffers are charged to the cache: a budget as big as the cache would leave no
    // room for data, index and filter blocks.
    return absl::InvalidArgumentError(absl::StrCat(
        "RocksDB write buffer size must be positive and less than the block cache size (",
        block_cache_bytes, "), got ", write_buffer_bytes));
  }
  if (!(high_priority_pool_ratio >= 0.0 && high_priority_pool_ratio < 1.0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "RocksDB high priority pool ratio must be in [0, 1), got ", high_priority_pool_ratio));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<RocksDbResources>> RocksDbResources::create(
    RocksDbMemoryConfig config) {
  if (absl::Status s = config.validate(); !s.ok()) return s;

  // Compactions and flushes of every store run on the default Env's thread pools, which are
  // process-wide; the default of one low-priority thread would serialize all stores'
  // compactions. Grow it once to the core count (as Kafka Streams' setIncreaseParallelism).
  static std::once_flag env_once;
  std::call_once(env_once, [] {
    const int threads = std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
    rocksdb::Env::Default()->SetBackgroundThreads(threads, rocksdb::Env::LOW);
    rocksdb::Env::Default()->SetBackgroundThreads(1, rocksdb::Env::HIGH);
  });

  auto impl = std::make_unique<Impl>();
  rocksdb::LRUCacheOptions cache_options;
  cache_options.capacity = static_cast<size_t>(config.block_cache_bytes);
  cache_options.num_shard_bits = -1;  // RocksDB picks from the capacity
  // Not strict: a strict cache fails reads (and memtable reservations) once it is full.
  cache_options.strict_capacity_limit = false;
  cache_options.high_pri_pool_ratio = config.high_priority_pool_ratio;
  impl->block_cache = rocksdb::NewLRUCache(cache_options);
  // allow_stall = false: when the budget is reached, the writing store flushes its memtable
  // rather than blocking writers of every store.
  impl->write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(
      static_cast<size_t>(config.write_buffer_bytes), impl->block_cache, /*allow_stall=*/false);
  impl->config = std::move(config);
  return std::shared_ptr<RocksDbResources>(new RocksDbResources(std::move(impl)));
}

std::shared_ptr<RocksDbResources> RocksDbResources::processDefault() {
  // Never destroyed: stores with static lifetime may still reference it at exit.
  static const auto* const kDefault =
      new std::shared_ptr<RocksDbResources>(*create(RocksDbMemoryConfig{}));
  return *kDefault;
}

RocksDbResources::RocksDbResources(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RocksDbResources::~RocksDbResources() = default;

const RocksDbMemoryConfig& RocksDbResources::config() const { return impl_->config; }

int64_t RocksDbResources::blockCacheUsage() const {
  return static_cast<int64_t>(impl_->block_cache->GetUsage());
}

int64_t RocksDbResources::blockCachePinnedUsage() const {
  return static_cast<int64_t>(impl_->block_cache->GetPinnedUsage());
}

int64_t RocksDbResources::blockCacheCapacity() const {
  return static_cast<int64_t>(impl_->block_cache->GetCapacity());
}

int64_t RocksDbResources::writeBufferUsage() const {
  return static_cast<int64_t>(impl_->write_buffer_manager->memory_usage());
}

}  // namespace kstreams::state
