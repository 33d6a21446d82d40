// File: kstreams/state/rocksdb_options.h
//
// THE ONE public header of kstreams that includes RocksDB headers. It exists for the per-store
// options hook (RocksDbMemoryConfig::config_setter) and for code that wants the shared cache;
// include it only there, so that the rest of a program does not depend on RocksDB's headers.
//
//   #include "kstreams/state/rocksdb_options.h"
//   memory.config_setter = [](const std::string& store, kstreams::state::RocksDbOptions& o) {
//     o.options().compression = rocksdb::kZSTD;
//     o.tableOptions().block_size = 16 << 10;
//   };
//
// Defaults the hook starts from (see KAFKA-NOTES.md for the figures behind them):
//   * 16 MiB memtable (write_buffer_size), 3 of them at most, level compaction with dynamic
//     level sizes, 2 background jobs;
//   * the shared block cache, with index and filter blocks cached at high priority and the L0
//     ones pinned; a 10-bit bloom filter (optimized for memory); 4 KiB blocks;
//   * LZ4 compression when this RocksDB build has it, else Snappy, else none;
//   * the shared WriteBufferManager; the WAL kept but batched: manual_wal_flush, so WAL records
//     are buffered and written in 1 MiB chunks, on flush() (the commit, which also syncs) and
//     on close(), not one write() per put; not synced per write. max_total_wal_size 64 MiB so
//     that the small metadata column family does not hold old WAL files forever.
//   * info log: warnings and above, 2 files of 1 MiB at most in the store directory.
// Replacing block_cache or write_buffer_manager takes the store out of the shared memory
// budget; the hook may do it, but then bounds that store's memory itself.
//
// Threads: an options object belongs to the store being opened; the hook runs on the opening
// thread.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <memory>
#include <string>

#include "kstreams/state/rocksdb_resources.h"

namespace kstreams::state {

class RocksDbOptions {
 public:
  // The defaults above, using `resources`' cache and write buffer manager.
  explicit RocksDbOptions(const RocksDbResources& resources);

  // DB options and the options of the data column family.
  rocksdb::Options& options() { return options_; }
  const rocksdb::Options& options() const { return options_; }
  // Turned into options().table_factory after the hook returns (unless the hook set its own
  // table_factory, which then wins).
  rocksdb::BlockBasedTableOptions& tableOptions() { return table_options_; }
  const rocksdb::BlockBasedTableOptions& tableOptions() const { return table_options_; }
  // Used by every write of the store. Default: sync = false, WAL on.
  rocksdb::WriteOptions& writeOptions() { return write_options_; }
  const rocksdb::WriteOptions& writeOptions() const { return write_options_; }

  // The shared objects of the resources the store is opened with.
  const std::shared_ptr<rocksdb::Cache>& sharedBlockCache() const { return block_cache_; }
  const std::shared_ptr<rocksdb::WriteBufferManager>& sharedWriteBufferManager() const {
    return write_buffer_manager_;
  }

 private:
  rocksdb::Options options_;
  rocksdb::BlockBasedTableOptions table_options_;
  rocksdb::WriteOptions write_options_;
  std::shared_ptr<rocksdb::Cache> block_cache_;
  std::shared_ptr<rocksdb::WriteBufferManager> write_buffer_manager_;
};

// The shared block cache of `resources` (for metrics and tests).
std::shared_ptr<rocksdb::Cache> sharedBlockCache(const RocksDbResources& resources);

}  // namespace kstreams::state
