// The default options of every RocksDB store; rocksdb_options.h lists them and says why.
#include "kstreams/state/rocksdb_options.h"

#include <rocksdb/convenience.h>
#include <rocksdb/filter_policy.h>

#include <algorithm>

#include "rocksdb_resources_impl.h"

namespace kstreams::state {
namespace {

rocksdb::CompressionType bestCompression() {
  const std::vector<rocksdb::CompressionType> supported = rocksdb::GetSupportedCompressions();
  auto has = [&](rocksdb::CompressionType t) {
    return std::find(supported.begin(), supported.end(), t) != supported.end();
  };
  if (has(rocksdb::kLZ4Compression)) return rocksdb::kLZ4Compression;
  if (has(rocksdb::kSnappyCompression)) return rocksdb::kSnappyCompression;
  return rocksdb::kNoCompression;
}

}  // namespace

RocksDbOptions::RocksDbOptions(const RocksDbResources& resources)
    : block_cache_(resources.impl().block_cache),
      write_buffer_manager_(resources.impl().write_buffer_manager) {
  rocksdb::Options& o = options_;
  o.create_if_missing = true;
  o.create_missing_column_families = true;
  // 16 MiB memtables flushed faster than 64 MiB ones in the probes (KAFKA-NOTES.md).
  o.write_buffer_size = 16 << 20;
  o.max_write_buffer_number = 3;
  o.write_buffer_manager = write_buffer_manager_;
  // The metadata column family is written once per commit and rarely fills a memtable; without
  // a cap its memtable would pin every WAL file since its last flush.
  o.max_total_wal_size = 64 << 20;
  // WAL kept, writes batched: records collect in the WAL writer's buffer and reach the file in
  // 1 MiB chunks, on flush() (commit, which also syncs) and at close, instead of one write()
  // system call per put (about 1.2 us each on these VMs).
  o.manual_wal_flush = true;
  o.max_background_jobs = 2;
  o.level_compaction_dynamic_level_bytes = true;
  o.compression = bestCompression();
  o.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  o.keep_log_file_num = 2;
  o.max_log_file_size = 1 << 20;

  rocksdb::BlockBasedTableOptions& t = table_options_;
  t.block_cache = block_cache_;
  t.block_size = 4 << 10;
  // Index and filter blocks live in (and are bounded by) the shared cache, at high priority so
  // that a scan's data blocks do not evict them; L0's are pinned as they are read most.
  t.cache_index_and_filter_blocks = true;
  t.cache_index_and_filter_blocks_with_high_priority = true;
  t.pin_l0_filter_and_index_blocks_in_cache = true;
  t.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  t.optimize_filters_for_memory = true;

  write_options_.sync = false;
  write_options_.disableWAL = false;
}

std::shared_ptr<rocksdb::Cache> sharedBlockCache(const RocksDbResources& resources) {
  return resources.impl().block_cache;
}

}  // namespace kstreams::state
