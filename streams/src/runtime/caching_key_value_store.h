// Private to kstreams.
//
// The record-cache layer of a store stack (Kafka's CachingKeyValueStore), built by StreamTask
// outermost — Caching(ChangeLogging(RocksDB | in-memory)) — for stores whose builder enables
// caching when statestore.cache.max.bytes > 0. Writes go to the thread's ThreadCache as dirty
// entries, one per key; when the cache flushes the store's namespace (on commit, or when an
// eviction needs room), each entry is written to the layers below (so the changelog gets one
// record per key and flush) and handed, with the value the store held before, to the flush
// listener, through which a DSL processor forwards it downstream (CacheFlushHook).
//
// Reads see the cache first: get() returns a cached value (a cached delete hides the store's
// value) and caches what it read from below; range queries merge the cache's entries into the
// store's iterator, the cache winning on equal keys.
//
// close() drops the namespace, dirty entries unflushed: a clean close flushes first
// (StreamTask::prepareCommit), as Kafka's task manager commits before it closes a task. Dropped
// entries belong to input whose offsets were not committed, so they are recomputed after a
// restart.
//
// Threads: the stream thread that owns the task only; the ThreadCache is not thread-safe.
// Interactive queries must read the layer below (inner()), which holds the data as of the last
// flush.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kstreams/state/thread_cache.h"
#include "kstreams/state/wrapped_key_value_store.h"
#include "kstreams/typed_key_value_store.h"

namespace kstreams::internal {

// What the caching layer needs from its task: the record context of a write (kept with the
// cached entry) and a way to run a flushed entry's write and forwarding inside that entry's
// context again (Kafka's ProcessorContext#setRecordContext).
class CacheContextProvider {
 public:
  virtual ~CacheContextProvider() = default;
  virtual state::CacheRecordContext currentCacheContext() const = 0;
  virtual void withCacheContext(const state::CacheRecordContext& context,
                                const std::function<void()>& fn) = 0;
};

// What the task needs of any caching layer (key-value, window, session): the flush hook for the
// typed facade, and a flush of its dirty entries on commit.
class CachingLayer : public CacheFlushHook {
 public:
  // Hands the dirty entries to the layers below and to the listener (commit path). True if
  // there were any.
  virtual bool flushCache() = 0;
};

class CachingKeyValueStore final : public state::WrappedKeyValueStore, public CachingLayer {
 public:
  // `cache` and `context` are borrowed and must outlive the store. `name_space` is the store's
  // ThreadCache namespace ("<task>-<store>").
  CachingKeyValueStore(std::unique_ptr<state::KeyValueStore> inner, state::ThreadCache* cache,
                       std::string name_space, CacheContextProvider* context);
  ~CachingKeyValueStore() override;

  // CacheFlushHook
  void setFlushListener(Listener listener, bool send_old_values) override;

  bool flushCache() override;
  bool hasDirtyEntries() const { return dirty_; }

  // StateStore
  absl::Status init(const state::StateStoreContext& context) override;
  // flushCache(), then flush the layers below.
  absl::Status flush() override;
  // Drops the cache namespace (unflushed entries are lost, see the file comment), closes below.
  absl::Status close() override;

  // ReadOnlyKeyValueStore (owning thread only)
  absl::StatusOr<std::optional<std::string>> get(std::string_view key) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> range(
      std::string_view from, std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> reverseRange(
      std::string_view from, std::string_view to) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> all() const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> reverseAll() const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> prefixScan(
      std::string_view prefix) const override;

  // KeyValueStore
  absl::Status put(std::string_view key, std::string_view value) override;
  absl::StatusOr<std::optional<std::string>> putIfAbsent(std::string_view key,
                                                         std::string_view value) override;
  absl::Status putAll(const state::KeyValueChanges& changes) override;
  absl::StatusOr<std::optional<std::string>> remove(std::string_view key) override;
  // Restored records bypass the cache; cached entries of their keys are dropped.
  absl::Status restoreBatch(const state::KeyValueChanges& records,
                            int64_t changelog_offset) override;
  absl::Status putAllWithCheckpoint(const state::KeyValueChanges& changes, int64_t offset) override;

 private:
  void cacheWrite(std::string_view key, std::optional<std::string> value);
  void flushEntries(std::vector<state::DirtyEntry>& entries);
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> merged(
      absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> below,
      std::vector<std::pair<std::string, state::CacheEntry>> cached, bool reverse) const;

  state::ThreadCache* cache_;
  const std::string ns_;
  CacheContextProvider* context_;
  Listener listener_;
  bool send_old_values_ = false;
  bool dirty_ = false;
  bool open_ = false;
  // The first error of a flush (a store write below failed); reported by flush().
  absl::Status flush_error_;
};

}  // namespace kstreams::internal
