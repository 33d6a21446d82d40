// File: kstreams/state/segmented_bytes_store.h
//
// Window and session stores segmented by time (Java's RocksDBSegmentedBytesStore with
// KeyValueSegments, RocksDBWindowStore, RocksDBSessionStore), persistent or in memory.
//
//   auto ws = kstreams::state::SegmentedWindowStore::create(
//       "clicks", /*retention=*/3'600'000, /*window_size=*/60'000, /*retain_duplicates=*/false,
//       /*persistent=*/true);
//   ws->init(ctx);                        // ctx.store_dir: where the segments go
//   ws->putWindow("user-1", "3", 60'000);
//
// Segments: a record goes to segment id = timestamp / segment_interval (timestamp: the window
// start; for sessions the session end), segment_interval = max(retention / 2, 60 s) as Kafka
// Streams computes it (Stores.persistentWindowStore). A persistent segment is its own RocksDB
// store (RocksDbKeyValueStore) in "<store_dir>/<name>.<segment id * segment_interval>", Java's
// naming; an in-memory one an InMemoryKeyValueStore. When stream time (the largest timestamp
// put or restored) moves, segments whose id < segmentId(stream time - retention) are dropped
// whole (closed, directory deleted), and a put into such a segment is dropped and counted
// (droppedExpiredRecords(), Java's dropped-records sensor). The in-memory variant also drops a
// put whose timestamp <= stream time - retention, as Java's InMemoryWindowStore does. Queries
// never return records with timestamp < stream time - retention + 1. Stream time is kept in
// memory only (as in Java): after a restart it starts again at -1 and grows with new puts or a
// restore.
//
// Checkpoint (KeyValueStore's restore/checkpoint contract): persistent stores keep the
// changelog offset in "<store_dir>/kstreams.checkpoint", written (to a temporary file, synced,
// renamed) only after every segment's WAL was synced, so it never leads the data; in-memory
// stores keep it in memory. An unreadable checkpoint file, or a segment that does not open as
// RocksDB, gives DataLoss at init (the runtime wipes the directory and restores).
//
// As a KeyValueStore (the runtime's view; keys are binary store keys): put/remove/get go to the
// segment of the key's timestamp with the rules above; range/all/prefixScan walk the live
// segments in order (each segment's part ordered by key bytes); restoreBatch first raises
// stream time to the batch's largest timestamp (as Java's restore does), then writes each
// segment's records as one batch.
//
// Threads: the read methods (ReadOnlyKeyValueStore, ReadOnlyWindowStore, ReadOnlySessionStore)
// are safe from any thread while the owning thread writes: the segment list is guarded by a
// reader/writer lock, and an iterator holds each segment's own snapshot, taken when the
// iterator is made (a segment dropped later ends that part of it with FailedPrecondition, as a
// closed store does). Everything else: the owning thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/window_store.h"

namespace kstreams::state {

// Which binary layout the keys have, and so which timestamp picks the segment.
enum class SegmentedKeySchema {
  kWindow,   // WindowKeySchema: the window start
  kSession,  // SessionKeySchema: the session end
};

// Java's default segment interval: max(retention / 2, 60 s).
inline int64_t defaultSegmentInterval(int64_t retention_ms) {
  return retention_ms / 2 > 60'000 ? retention_ms / 2 : 60'000;
}

class SegmentedBytesStore : public KeyValueStore {
 public:
  struct Options {
    std::string name;
    int64_t retention_ms = 0;
    int64_t segment_interval_ms = 60'000;
    bool persistent = true;
    SegmentedKeySchema schema = SegmentedKeySchema::kWindow;
  };
  explicit SegmentedBytesStore(Options options);
  ~SegmentedBytesStore() override;
  SegmentedBytesStore(const SegmentedBytesStore&) = delete;
  SegmentedBytesStore& operator=(const SegmentedBytesStore&) = delete;

  // StateStore
  const std::string& name() const override { return options_.name; }
  absl::Status init(const StateStoreContext& context) override;
  absl::Status flush() override;
  absl::Status close() override;
  bool persistent() const override { return options_.persistent; }
  bool isOpen() const override { return open_.load(); }

  // ReadOnlyKeyValueStore (binary store keys)
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

  // KeyValueStore (binary store keys)
  absl::Status put(std::string_view key, std::string_view value) override;
  absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                         std::string_view value) override;
  absl::Status putAll(const KeyValueChanges& changes) override;
  absl::StatusOr<std::optional<std::string>> remove(std::string_view key) override;
  absl::Status restoreBatch(const KeyValueChanges& records, int64_t changelog_offset) override;
  std::optional<int64_t> checkpointedOffset() const override;
  absl::Status writeCheckpoint(int64_t offset) override;
  absl::Status putAllWithCheckpoint(const KeyValueChanges& changes, int64_t offset) override;

  // The largest timestamp seen (-1 before any). Any thread.
  int64_t observedStreamTime() const { return observed_stream_time_.load(); }
  int64_t segmentInterval() const { return options_.segment_interval_ms; }
  int64_t segmentRetention() const { return options_.retention_ms; }
  // Puts dropped because their window had expired. Any thread.
  int64_t droppedExpiredRecords() const { return dropped_expired_.load(); }
  // The ids of the open segments, ascending (for tests and metrics). Any thread.
  std::vector<int64_t> segmentIds() const;
  // Where the segments are ("" for in-memory stores or before init).
  const std::filesystem::path& directory() const { return dir_; }

 protected:
  // The segment timestamp of a binary key, or nullopt for a key too short for the schema.
  std::optional<int64_t> segmentTimestamp(std::string_view key) const;
  // Iterates over the live segments whose id is in [segmentId(seg_from), segmentId(seg_to)]
  // (forward or backward), each from `lower` to `upper` (inclusive; nullopt: open), returning
  // only the entries `keep` accepts. `keep` runs on the iterating thread.
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> segmentedScan(
      int64_t seg_from, int64_t seg_to, std::optional<std::string> lower,
      std::optional<std::string> upper, std::function<bool(std::string_view)> keep,
      bool forward) const;
  // Java's getActualFrom: max(from, stream time - retention + 1).
  int64_t actualFrom(int64_t from) const;

 private:
  using SegmentPtr = std::shared_ptr<KeyValueStore>;

  int64_t segmentId(int64_t timestamp) const { return timestamp / options_.segment_interval_ms; }
  std::string segmentName(int64_t segment_id) const;
  absl::Status checkOpen() const;
  // The segment for `segment_id`, made if it is live at `stream_time`; null if expired.
  absl::StatusOr<SegmentPtr> getOrCreateSegmentIfLive(int64_t segment_id, int64_t stream_time);
  absl::StatusOr<SegmentPtr> openSegment(int64_t segment_id);
  // Drops the segments that expired at `stream_time`.
  absl::Status cleanupExpiredSegments(int64_t stream_time);
  SegmentPtr segmentFor(int64_t timestamp) const;
  void observe(int64_t timestamp);
  bool expiredForPut(int64_t timestamp, int64_t segment_id) const;
  absl::Status writeCheckpointFile(int64_t offset);

  const Options options_;
  StateStoreContext context_;
  std::filesystem::path dir_;
  std::atomic<bool> open_{false};
  std::atomic<int64_t> observed_stream_time_{-1};
  std::atomic<int64_t> dropped_expired_{0};
  std::optional<int64_t> checkpoint_;
  mutable std::shared_mutex mu_;
  std::map<int64_t, SegmentPtr> segments_ ABSL_GUARDED_BY(mu_);
};

// A window store (Java's RocksDBWindowStore / InMemoryWindowStore over bytes).
class SegmentedWindowStore final : public SegmentedBytesStore, public WindowStore {
 public:
  // InvalidArgument unless 0 <= window_size <= retention (Java's Stores.persistentWindowStore
  // rule); segment interval: defaultSegmentInterval(retention).
  static absl::StatusOr<std::unique_ptr<SegmentedWindowStore>> create(std::string name,
                                                                      int64_t retention_ms,
                                                                      int64_t window_size_ms,
                                                                      bool retain_duplicates,
                                                                      bool persistent);
  SegmentedWindowStore(Options options, int64_t window_size_ms, bool retain_duplicates);

  // ReadOnlyWindowStore
  absl::StatusOr<std::optional<std::string>> fetch(std::string_view key,
                                                   int64_t window_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(std::string_view key, int64_t time_from,
                                                          int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(std::string_view key,
                                                                  int64_t time_from,
                                                                  int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetch(std::optional<std::string_view> key_from,
                                                          std::optional<std::string_view> key_to,
                                                          int64_t time_from,
                                                          int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAll(int64_t time_from,
                                                             int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAll(
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchAllWindows() const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFetchAllWindows() const override;
  int64_t windowSize() const override { return window_size_; }
  int64_t retentionPeriod() const override { return segmentRetention(); }
  bool retainDuplicates() const override { return retain_duplicates_; }

  // WindowStore
  absl::Status putWindow(std::string_view key, std::optional<std::string_view> value,
                         int64_t window_start, std::string* store_key_out = nullptr) override;

 private:
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchKey(std::string_view key,
                                                             int64_t time_from, int64_t time_to,
                                                             bool forward) const;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> fetchRange(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to, bool forward) const;

  const int64_t window_size_;
  const bool retain_duplicates_;
  std::atomic<int32_t> seqnum_{0};
};

// A session store (Java's RocksDBSessionStore / InMemorySessionStore over bytes).
class SegmentedSessionStore final : public SegmentedBytesStore, public SessionStore {
 public:
  // InvalidArgument for a negative retention.
  static absl::StatusOr<std::unique_ptr<SegmentedSessionStore>> create(std::string name,
                                                                       int64_t retention_ms,
                                                                       bool persistent);
  explicit SegmentedSessionStore(Options options);

  // ReadOnlySessionStore
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> findSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> backwardFindSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::optional<std::string>> fetchSession(std::string_view key, int64_t start,
                                                          int64_t end) const override;
  int64_t retentionPeriod() const override { return segmentRetention(); }

  // SessionStore
  absl::Status putSession(std::string_view key, int64_t start, int64_t end,
                          std::optional<std::string_view> aggregate) override;
  absl::Status removeSession(std::string_view key, int64_t start, int64_t end) override;

 private:
  absl::StatusOr<std::unique_ptr<KeyValueIterator>> find(std::optional<std::string_view> key_from,
                                                         std::optional<std::string_view> key_to,
                                                         bool single_key, int64_t earliest_end,
                                                         int64_t latest_start, bool forward) const;
};

}  // namespace kstreams::state
