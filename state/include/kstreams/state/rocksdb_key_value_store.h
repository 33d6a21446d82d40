// File: kstreams/state/rocksdb_key_value_store.h
//
// A persistent key-value store: one RocksDB instance per store per task, in the directory the
// runtime gives it (state.dir/application.id/<task>/<store>), using the shared memory budget of
// a RocksDbResources (rocksdb_resources.h).
//
//   auto store = kstreams::state::RocksDbKeyValueStore::open("counts", dir, resources);
//   if (store.status().code() == absl::StatusCode::kDataLoss) {
//     kstreams::state::RocksDbKeyValueStore::wipe(dir);        // corrupt: rebuild from the
//     store = kstreams::state::RocksDbKeyValueStore::open(...);  // changelog
//   }
//   if ((*store)->wasCreated() || !(*store)->checkpointedOffset()) ...  // restore from scratch
//
// Layout: data in RocksDB's default column family; the checkpoint (see KeyValueStore) in a
// column family "kstreams.meta" under a reserved key, so it never shows up in queries and can
// be written in the same WriteBatch as data. The WAL is on but buffered (manual_wal_flush):
// flush() (the commit) and close() write and sync it, and it is written in 1 MiB chunks in
// between. A crash loses at most the writes since the last commit or chunk, which the changelog
// replays; because data and checkpoint share one WAL, whatever survives is a prefix of the
// writes, so the checkpoint never leads the data.
//
// Opening: a missing or empty directory makes a new store (wasCreated() is then true). A
// directory with files but no RocksDB CURRENT file, a corrupt MANIFEST or SST, or an unreadable
// checkpoint gives DataLoss: the caller wipes the directory (wipe()) and restores the store from
// its changelog. A directory locked by another open store gives Unavailable.
//
// Threads: as key_value_store.h says. Reads (get, the iterators, approximateNumEntries,
// property()) are safe from any thread, also concurrently with close(): close() waits for
// reads in progress and ends open iterators (their status() becomes FailedPrecondition) before
// it closes RocksDB. Writes, restore and checkpoint calls, flush, init and close: owning
// thread only.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kstreams/state/key_value_store.h"
#include "kstreams/state/rocksdb_resources.h"

namespace kstreams::state {

class RocksDbKeyValueStore final : public KeyValueStore {
 public:
  // A closed store; init() opens it at context.store_dir.
  explicit RocksDbKeyValueStore(std::string name);
  // Closes the store if open (errors ignored: call close() to see them).
  ~RocksDbKeyValueStore() override;
  RocksDbKeyValueStore(const RocksDbKeyValueStore&) = delete;
  RocksDbKeyValueStore& operator=(const RocksDbKeyValueStore&) = delete;

  // Makes and opens a store at `dir` (created if missing). Null `resources`:
  // RocksDbResources::processDefault(). Errors as described in the file comment.
  static absl::StatusOr<std::unique_ptr<RocksDbKeyValueStore>> open(
      std::string name, const std::filesystem::path& dir,
      std::shared_ptr<RocksDbResources> resources = nullptr);

  // Deletes a store directory and everything in it, so that the store can be rebuilt. The store
  // must not be open. OK if `dir` does not exist; InvalidArgument for an empty path or a root.
  static absl::Status wipe(const std::filesystem::path& dir);

  // True if the last open made a new, empty store (the directory was missing or empty).
  bool wasCreated() const;
  // The directory the store was opened in (empty before init).
  const std::filesystem::path& directory() const;
  // An integer property of the data column family, e.g. "rocksdb.estimate-num-keys",
  // "rocksdb.cur-size-all-mem-tables", "rocksdb.block-cache-usage" (the shared cache's usage);
  // nullopt if unknown or the store is closed. Any thread (for metrics).
  std::optional<uint64_t> property(std::string_view name) const;

  // Flushes the memtables and compacts all data into the last level, waiting until done: after
  // a bulk restoration, or to make reads predictable. Owning thread; slow (reads and rewrites
  // everything).
  absl::Status compact();

  // StateStore
  const std::string& name() const override;
  // Opens at context.store_dir with context.rocksdb_resources (or the process default).
  absl::Status init(const StateStoreContext& context) override;
  // Syncs the WAL to disk.
  absl::Status flush() override;
  absl::Status close() override;
  bool persistent() const override { return true; }
  bool isOpen() const override;

  // ReadOnlyKeyValueStore
  absl::StatusOr<std::optional<std::string>> get(std::string_view key) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> range(std::string_view from,
                                                          std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseRange(
      std::string_view from, std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> all() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseAll() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> prefixScan(
      std::string_view prefix) const override;
  absl::StatusOr<int64_t> approximateNumEntries() const override;

  // KeyValueStore
  absl::Status put(std::string_view key, std::string_view value) override;
  absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                         std::string_view value) override;
  absl::Status putAll(const KeyValueChanges& changes) override;
  absl::StatusOr<std::optional<std::string>> remove(std::string_view key) override;
  absl::Status restoreBatch(const KeyValueChanges& records, int64_t changelog_offset) override;
  std::optional<int64_t> checkpointedOffset() const override;
  absl::Status writeCheckpoint(int64_t offset) override;
  absl::Status putAllWithCheckpoint(const KeyValueChanges& changes, int64_t offset) override;

 private:
  struct Impl;  // src/rocksdb_key_value_store.cc
  std::unique_ptr<Impl> impl_;
};

}  // namespace kstreams::state
