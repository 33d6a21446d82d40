// Private to kstreams.
//
// The record-cache layers of window and session store stacks (Kafka's CachingWindowStore and
// CachingSessionStore), built by StreamTask outermost — Caching(ChangeLogging(segmented store))
// — for window/session stores whose builder enables caching when statestore.cache.max.bytes > 0
// (the windowed DSL aggregations do unless Materialized disables caching). Stores that retain
// duplicates (stream-stream joins) are never cached, as in Java.
//
// Writes (putWindow, putSession, removeSession) go to the thread's ThreadCache as dirty entries
// keyed by the binary store key (window: key + start + sequence number 0; session: key + end +
// start), so consecutive writes of one window or session collapse into one. When the cache
// flushes the store's namespace (commit, or an eviction that needs room), each entry is written
// to the layer below (which logs it to the changelog) and handed to the flush listener with the
// value the store held before — unless the entry is a delete of something the store never held,
// which is neither written nor forwarded (Java's optimisation, which is what makes a session
// merged away within one commit vanish without a tombstone).
//
// Reads see the unflushed writes first: a point read (fetch(key, start), fetchSession) returns
// an unflushed value (an unflushed delete hides the store's one); range reads (fetch,
// backwardFetch, fetchAll, findSessions, …) take the store's results and overlay the matching
// unflushed writes, in the store's order (segment by segment, by store-key bytes within one;
// backward reversed). The overlay materializes the results: caches are small and windowed scans
// short.
//
// On the owning thread, reads overlay the namespace's ThreadCache entries, clean ones included,
// as Java's do: a window or session flushed and still cached is found even after the store
// below has expired it (Java's merged iterators; the differential suite's out-of-order session
// scenarios depend on it).
//
// Interactive queries must see cached values too, as Java's do, but the ThreadCache is not
// thread-safe. So the layer also keeps its own mutex-guarded map of the writes the cache holds
// unflushed (an entry leaves it once written below), and a read from any other thread overlays
// that map on the layer below, whose reads are thread-safe. "Owning thread" is the one that last
// opened or wrote the store. A query therefore sees every unflushed write, but not a flushed
// window that only the cache still holds after the store expired it. The cost is each dirty
// entry held twice.
//
// The KeyValueStore view (store keys; the runtime's restore and checkpoint path) reads and
// writes the layer below; restored keys drop their cache entries.
//
// Threads: writes, flush, close: the stream thread that owns the task. The ReadOnlyWindowStore /
// ReadOnlySessionStore methods: any thread (interactive queries read this layer).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "kstreams/state/window_store.h"
#include "kstreams/state/wrapped_key_value_store.h"
#include "runtime/caching_key_value_store.h"

namespace kstreams::internal {

// The parts the window and session layers share: cache writes, flush bookkeeping, lifecycle.
class CachingSegmentedStoreBase : public state::WrappedKeyValueStore, public CachingLayer {
 public:
  // `cache` and `context` are borrowed and must outlive the store. `name_space` is the store's
  // ThreadCache namespace ("<task>-<store>").
  CachingSegmentedStoreBase(std::unique_ptr<state::KeyValueStore> inner, state::ThreadCache* cache,
                            std::string name_space, CacheContextProvider* context);
  ~CachingSegmentedStoreBase() override;

  // CacheFlushHook / CachingLayer
  void setFlushListener(Listener listener, bool send_old_values) override;
  bool flushCache() override;

  // StateStore
  absl::Status init(const state::StateStoreContext& context) override;
  // flushCache(), then the layers below; reports the first failed store write of a flush.
  absl::Status flush() override;
  // Drops the cache namespace (unflushed entries are lost, as CachingKeyValueStore), closes below.
  absl::Status close() override;

  absl::Status restoreBatch(const state::KeyValueChanges& records,
                            int64_t changelog_offset) override;
  absl::Status putAllWithCheckpoint(const state::KeyValueChanges& changes, int64_t offset) override;

 protected:
  // Which cached store keys a range read wants, and the timestamp that picks a key's segment.
  struct Overlay {
    std::function<bool(std::string_view store_key)> matches;
    std::function<int64_t(std::string_view store_key)> segment_time;
  };
  absl::Status cacheWrite(std::string_view store_key, std::optional<std::string_view> value);
  // The cached (owning thread) or unflushed (other threads) value of `store_key`: nullopt on a
  // miss, a nullopt value for a delete.
  std::optional<std::optional<std::string>> unflushed(std::string_view store_key) const;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> merged(
      absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> below, const Overlay& overlay,
      bool reverse) const;
  // Writes one flushed entry (store key, value or delete) to the layer below, which logs it.
  virtual absl::Status writeBelow(const state::DirtyEntry& entry) = 0;
  // What the layer below holds for a store key (the old value of a flushed entry).
  virtual absl::StatusOr<std::optional<std::string>> readBelow(
      std::string_view store_key) const = 0;

 private:
  void flushEntries(std::vector<state::DirtyEntry>& entries);

  state::ThreadCache* cache_;
  const std::string ns_;
  CacheContextProvider* context_;
  // The segmented store's, so that merged results come in its order.
  const int64_t segment_interval_;
  Listener listener_;
  bool send_old_values_ = false;
  bool dirty_ = false;
  bool open_ = false;
  absl::Status flush_error_;
  // The writes the cache holds unflushed (see the file comment), with a write number so that a
  // flush drops only the write it wrote below.
  struct Unflushed {
    std::optional<std::string> value;
    uint64_t write = 0;
  };
  // The thread that last opened or wrote the store: it reads the ThreadCache itself.
  std::atomic<std::thread::id> owner_;
  bool onOwningThread() const;
  // std::mutex, not absl::Mutex: ThreadSanitizer cannot see into Debian's uninstrumented Abseil.
  mutable std::mutex mu_;
  std::map<std::string, Unflushed, std::less<>> unflushed_;
  uint64_t writes_ = 0;
  void dropUnflushed(std::string_view store_key, std::optional<uint64_t> write = std::nullopt);
};

// Kafka's CachingWindowStore over a (change-logging) window store without duplicates.
class CachingWindowStore final : public CachingSegmentedStoreBase, public state::WindowStore {
 public:
  // `inner` must also be a state::WindowStore that does not retain duplicates.
  CachingWindowStore(std::unique_ptr<state::KeyValueStore> inner, state::ThreadCache* cache,
                     std::string name_space, CacheContextProvider* context);

  absl::StatusOr<std::optional<std::string>> fetch(std::string_view key,
                                                   int64_t window_start) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> fetch(std::string_view key,
                                                                 int64_t time_from,
                                                                 int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFetch(
      std::string_view key, int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> fetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFetch(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> fetchAll(int64_t time_from,
                                                                    int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFetchAll(
      int64_t time_from, int64_t time_to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> fetchAllWindows() const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFetchAllWindows() const override;
  int64_t windowSize() const override { return window_.windowSize(); }
  int64_t retentionPeriod() const override { return window_.retentionPeriod(); }
  bool retainDuplicates() const override { return false; }

  // Caches the write; the store key has sequence number 0.
  absl::Status putWindow(std::string_view key, std::optional<std::string_view> value,
                         int64_t window_start, std::string* store_key_out = nullptr) override;

 private:
  absl::Status writeBelow(const state::DirtyEntry& entry) override;
  absl::StatusOr<std::optional<std::string>> readBelow(std::string_view store_key) const override;
  Overlay overlay(std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
                  int64_t time_from, int64_t time_to) const;

  state::WindowStore& window_;
};

// Kafka's CachingSessionStore over a (change-logging) session store.
class CachingSessionStore final : public CachingSegmentedStoreBase, public state::SessionStore {
 public:
  // `inner` must also be a state::SessionStore.
  CachingSessionStore(std::unique_ptr<state::KeyValueStore> inner, state::ThreadCache* cache,
                      std::string name_space, CacheContextProvider* context);

  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> findSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFindSessions(
      std::string_view key, int64_t earliest_session_end,
      int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> findSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> backwardFindSessions(
      std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
      int64_t earliest_session_end, int64_t latest_session_start) const override;
  absl::StatusOr<std::optional<std::string>> fetchSession(std::string_view key, int64_t start,
                                                          int64_t end) const override;
  int64_t retentionPeriod() const override { return session_.retentionPeriod(); }

  absl::Status putSession(std::string_view key, int64_t start, int64_t end,
                          std::optional<std::string_view> aggregate) override;
  absl::Status removeSession(std::string_view key, int64_t start, int64_t end) override;

 private:
  absl::Status writeBelow(const state::DirtyEntry& entry) override;
  absl::StatusOr<std::optional<std::string>> readBelow(std::string_view store_key) const override;
  Overlay overlay(std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
                  int64_t earliest_session_end, int64_t latest_session_start) const;

  state::SessionStore& session_;
};

}  // namespace kstreams::internal
