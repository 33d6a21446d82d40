// File: kstreams/state/key_value_store.h
//
// Key-value stores over bytes (Java's KeyValueStore<Bytes, byte[]> and ReadOnlyKeyValueStore).
// Typed stores (KeyValueStore<K, V> with serdes) are facades in streams/ over these.
//
//   kstreams::state::KeyValueStore& store = ...;   // RocksDB or in-memory
//   absl::Status s = store.put("user-1", "3");
//   absl::StatusOr<std::optional<std::string>> v = store.get("user-1");   // "3"
//   auto it = store.range("user-0", "user-9");     // both bounds inclusive
//
// Ordering: keys compare bytewise as unsigned bytes (memcmp, shorter prefix first), RocksDB's
// default comparator; "\x7f" < "\x80" < "\xff". The in-memory store uses the same order, so the
// two are interchangeable.
//
// Ranges, as in Kafka Streams: range(from, to) and reverseRange(from, to) include both bounds;
// from > to gives an empty iterator (not an error). prefixScan(p) returns the keys starting
// with p in ascending order.
//
// Errors: absl::Status everywhere a call can fail. A closed or not yet initialized store gives
// FailedPrecondition; RocksDB I/O errors come through as Internal/DataLoss/Unavailable.
//
// Threads:
//   * ReadOnlyKeyValueStore methods (get, range, reverseRange, all, reverseAll, prefixScan,
//     approximateNumEntries) are safe to call from any number of threads concurrently with the
//     owning thread's writes and with close(); that is what interactive queries use. A get sees
//     every write that completed before it started; an iterator sees a snapshot taken when it
//     was created.
//   * Writes (put, putIfAbsent, putAll, remove), restore and checkpoint calls, flush, init and
//     close: the owning stream thread only, one call at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/state/key_value_iterator.h"
#include "kstreams/state/state_store.h"

namespace kstreams::state {

// A key and its new value; std::nullopt deletes the key (a tombstone in the changelog).
using KeyValueChange = std::pair<std::string, std::optional<std::string>>;
// Changes applied in order, as one atomic write where the store supports it.
using KeyValueChanges = std::vector<KeyValueChange>;

// The read side of a key-value store: what interactive queries see. Every method is safe for
// concurrent readers while the owning thread writes (see the file comment).
class ReadOnlyKeyValueStore {
 public:
  virtual ~ReadOnlyKeyValueStore() = default;

  // The value of `key`, or std::nullopt if absent.
  virtual absl::StatusOr<std::optional<std::string>> get(std::string_view key) const = 0;
  // Entries with from <= key <= to, ascending. Empty if from > to.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> range(std::string_view from,
                                                                  std::string_view to) const = 0;
  // Entries with from <= key <= to, descending. Empty if from > to.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseRange(
      std::string_view from, std::string_view to) const = 0;
  // Every entry, ascending / descending.
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> all() const = 0;
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> reverseAll() const = 0;
  // Entries whose key starts with `prefix`, ascending. An empty prefix means all().
  virtual absl::StatusOr<std::unique_ptr<KeyValueIterator>> prefixScan(
      std::string_view prefix) const = 0;
  // An estimate of the number of entries (exact for the in-memory store; RocksDB's
  // "rocksdb.estimate-num-keys", which over-counts overwrites and deletes not yet compacted).
  virtual absl::StatusOr<int64_t> approximateNumEntries() const = 0;
};

// A key-value store the owning task writes. Also the unit the runtime restores and checkpoints.
class KeyValueStore : public StateStore, public ReadOnlyKeyValueStore {
 public:
  // Sets `key` to `value`. (Java's put(key, null) is remove(key) here.)
  virtual absl::Status put(std::string_view key, std::string_view value) = 0;
  // Sets `key` to `value` only if absent. Returns the existing value if there was one (and then
  // changes nothing), std::nullopt if the value was written.
  virtual absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                                 std::string_view value) = 0;
  // Applies the changes in order (nullopt values delete), atomically in RocksDB: one WriteBatch.
  virtual absl::Status putAll(const KeyValueChanges& changes) = 0;
  // Deletes `key` and returns its previous value (std::nullopt if it was absent). This is Java's
  // delete(key), renamed because `delete` is a C++ keyword.
  virtual absl::StatusOr<std::optional<std::string>> remove(std::string_view key) = 0;

  // --- Restore and checkpoints (the runtime; owning thread) ---------------------------------
  //
  // A store remembers the changelog offset it reflects: the offset of the last changelog record
  // whose effect it holds. After a restart the runtime restores from checkpointedOffset() + 1
  // (or from the beginning when it is nullopt). Persistent stores write the offset in the same
  // atomic write as the data, so the two cannot disagree after a crash; in-memory stores keep it
  // in memory only (they always restore from scratch after a restart, as in Kafka Streams).
  //
  // The checkpoint must never lead the data: write it only for changes the store already holds
  // (or holds in the same batch). A checkpoint that lags is harmless: replaying changelog
  // records re-applies idempotent puts and deletes.

  // Applies changelog records read during restoration together with the offset of the last of
  // them, atomically. Change-logging wrappers do not log these.
  virtual absl::Status restoreBatch(const KeyValueChanges& records, int64_t changelog_offset) = 0;
  // The checkpointed changelog offset, or nullopt if none was ever written (new or wiped store).
  virtual std::optional<int64_t> checkpointedOffset() const = 0;
  // Records `offset` as checkpointed (commit path, after the producer acknowledged the
  // changelog records up to `offset`).
  virtual absl::Status writeCheckpoint(int64_t offset) = 0;
  // putAll(changes) and writeCheckpoint(offset) as one atomic write, for a writer that knows the
  // offset the data corresponds to (a cache flush on a standby, restoration). Wrappers log the
  // changes like putAll.
  virtual absl::Status putAllWithCheckpoint(const KeyValueChanges& changes, int64_t offset) = 0;
};

}  // namespace kstreams::state
