// File: kstreams/state/in_memory_key_value_store.h
//
// A key-value store in a std::map (Java's InMemoryKeyValueStore): bytewise key order, the same
// as RocksDB's default comparator, so it can stand in for a RocksDB store anywhere (tests,
// small tables). Not persistent: after a restart it is rebuilt from its changelog.
//
//   kstreams::state::InMemoryKeyValueStore store("counts");
//   store.init({});            // no directory needed
//   store.put("a", "1");
//
// Iterators copy: range(), all() and the other queries copy the matching entries under a
// reader lock into the iterator, which is then a true snapshot, independent of later writes
// and of close(). This costs O(entries in the range) memory and time up front, which is the
// right trade-off for the small stores this class is for; use RocksDB for big ones.
//
// Threads: reads take a shared (reader) lock and writes an exclusive one (std::shared_mutex), so
// the ReadOnlyKeyValueStore methods are safe from any thread while the owning thread writes.
// Writes, restore, checkpoint, init and close: owning thread only.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "kstreams/state/key_value_store.h"

namespace kstreams::state {

class InMemoryKeyValueStore final : public KeyValueStore {
 public:
  explicit InMemoryKeyValueStore(std::string name);
  ~InMemoryKeyValueStore() override;

  // StateStore
  const std::string& name() const override { return name_; }
  // Opens the (empty) store; the context is ignored. Re-initializing a closed store starts
  // empty, as a new task instance would.
  absl::Status init(const StateStoreContext& context) override;
  absl::Status flush() override;
  absl::Status close() override;
  bool persistent() const override { return false; }
  bool isOpen() const override { return open_.load(std::memory_order_acquire); }

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
  // std::less<> makes lookups by string_view work without a copy. std::string's operator<
  // compares through char_traits<char>, which orders as unsigned char: bytewise, like RocksDB.
  using Map = std::map<std::string, std::string, std::less<>>;

  // Copies the entries of [first, last) (map iterators) into a snapshot iterator.
  std::unique_ptr<KeyValueIterator> snapshot(Map::const_iterator first, Map::const_iterator last,
                                             bool reverse) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void applyLocked(const KeyValueChanges& changes) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string name_;
  std::atomic<bool> open_{false};
  mutable std::shared_mutex mu_;
  Map map_ ABSL_GUARDED_BY(mu_);
  std::optional<int64_t> checkpoint_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kstreams::state
