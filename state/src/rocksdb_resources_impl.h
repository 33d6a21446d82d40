// The inside of RocksDbResources (private; shared by rocksdb_resources.cc, rocksdb_options.cc
// and the store).
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/write_buffer_manager.h>

#include <memory>

#include "kstreams/state/rocksdb_resources.h"

namespace kstreams::state {

struct RocksDbResources::Impl {
  RocksDbMemoryConfig config;
  std::shared_ptr<rocksdb::Cache> block_cache;
  // Charged to block_cache: its memtable memory is reserved in the cache as dummy entries.
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffer_manager;
};

}  // namespace kstreams::state
