// File: kstreams/state/thread_cache.h
//
// The record cache of one stream thread (Java's ThreadCache/NamedCache,
// statestore.cache.max.bytes): a byte-bounded LRU cache in front of the stores of all the
// thread's tasks, split into namespaces (one per task and store). Writes land in the cache as
// *dirty* entries; consecutive updates of a key collapse into one, and the dirty entries reach
// the store (and downstream processors) only when the namespace is flushed: on commit, or when
// eviction needs room.
//
//   kstreams::state::ThreadCache cache(10 << 20);
//   std::string ns = kstreams::state::ThreadCache::nameSpace("0_1", "counts");
//   cache.addDirtyEntryFlushListener(ns, [&](const std::vector<DirtyEntry>& entries) {
//     for (const auto& e : entries) { store.put(...) or store.remove(...); forward(e); }
//   });
//   cache.put(ns, "k", "v", /*dirty=*/true, ctx);  // may flush+evict through the listener
//   const CacheEntry* e = cache.get(ns, "k");       // nullptr: miss; e->value nullopt: deleted
//   cache.flush(ns);                                // commit: listener gets every dirty entry
//
// Rules, as in Kafka Streams:
//   * Size: each entry counts key + value + record context bytes + kEntryOverhead. After a put
//     pushes the total over the bound, entries of *that* namespace are evicted, least recently
//     used first, until the total fits or the namespace is empty (so a put never makes another
//     store forward records).
//   * Evicting a dirty entry first flushes *all* dirty entries of its namespace, so downstream
//     sees the namespace's updates in the order they were last written.
//   * flush(ns) hands the dirty entries to the listener in last-write order, marks them clean,
//     and then drops the flushed tombstones (value nullopt) from the cache.
//   * The listener may call back into the cache (a downstream processor writes another store);
//     the entries it receives are copies. It must not close() the namespace being flushed.
//
// Threads: a ThreadCache belongs to one stream thread and is not thread-safe; interactive
// queries do not read it (they see what the store holds: the data of the last flush).
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kstreams::state {

// Where a cached write came from, so that records forwarded at flush time carry the timestamp
// and provenance of the write that produced them (Java's ProcessorRecordContext). Opaque bytes
// to the cache.
struct CacheRecordContext {
  int64_t timestamp = -1;
  int64_t offset = -1;
  int32_t partition = -1;
  std::string topic;
  // Serialized record headers, as the runtime chooses to encode them.
  std::string headers;
};

struct CacheEntry {
  // nullopt: the key was deleted (a cached tombstone, which hides the store's value).
  std::optional<std::string> value;
  bool dirty = false;
  CacheRecordContext context;
};

// A dirty entry handed to a flush listener (a copy: the listener may keep or move it).
struct DirtyEntry {
  std::string key;
  std::optional<std::string> value;
  CacheRecordContext context;
};

// The entries are the listener's: it may move from them.
using DirtyEntryFlushListener = std::function<void(std::vector<DirtyEntry>& entries)>;

class ThreadCache {
 public:
  // Bytes counted per entry on top of its key, value and context bytes (map and list nodes,
  // string headers).
  static constexpr int64_t kEntryOverhead = 128;

  // `max_bytes` 0 disables caching in effect: every dirty put is flushed at once.
  explicit ThreadCache(int64_t max_bytes);
  ~ThreadCache();
  ThreadCache(const ThreadCache&) = delete;
  ThreadCache& operator=(const ThreadCache&) = delete;

  // Kafka's namespace name for a task's store: "<task>-<store>".
  static std::string nameSpace(std::string_view task_id, std::string_view store_name);

  // Sets (replaces) the listener that receives the namespace's dirty entries.
  void addDirtyEntryFlushListener(std::string_view ns, DirtyEntryFlushListener listener);

  // Caches `value` (nullopt: a delete) for `key`, as the most recently used entry; `dirty`
  // entries are flushed before they leave the cache. May flush and evict (see above).
  void put(std::string_view ns, std::string_view key, std::optional<std::string> value, bool dirty,
           CacheRecordContext context = {});
  // The cached entry, made most recently used; nullptr on a miss. The pointer is valid until the
  // next non-const call.
  const CacheEntry* get(std::string_view ns, std::string_view key);
  // Drops the entry without flushing it (Java's ThreadCache.delete); returns it if present.
  std::optional<CacheEntry> remove(std::string_view ns, std::string_view key);

  // Hands every dirty entry of `ns` to its listener (commit path).
  void flush(std::string_view ns);
  // Drops the namespace and all its entries, dirty ones unflushed (task closed or revoked).
  void close(std::string_view ns);

  // Copies of the entries of `ns` with from <= key <= to (tombstones included), ascending, or
  // descending when `reverse`; for a caching store to merge with its store's iterator.
  std::vector<std::pair<std::string, CacheEntry>> range(std::string_view ns, std::string_view from,
                                                        std::string_view to,
                                                        bool reverse = false) const;
  std::vector<std::pair<std::string, CacheEntry>> all(std::string_view ns,
                                                      bool reverse = false) const;

  // Changes the bound; evicts at once (from every namespace) if the cache is now too big.
  void resize(int64_t max_bytes);

  int64_t maxBytes() const { return max_bytes_; }
  int64_t sizeBytes() const { return size_bytes_; }
  // Number of entries in all namespaces.
  int64_t size() const;

  struct Stats {
    int64_t puts = 0;
    int64_t gets = 0;
    int64_t hits = 0;
    int64_t evictions = 0;
    int64_t flushes = 0;  // listener calls
  };
  const Stats& stats() const { return stats_; }

 private:
  struct NamedCache;
  struct NamespaceIndex;

  NamedCache* find(std::string_view ns);
  const NamedCache* find(std::string_view ns) const;
  NamedCache& getOrCreate(std::string_view ns);
  void maybeEvict(NamedCache& cache);
  // Evicts the least recently used entry of `cache`, flushing the namespace first if that entry
  // is dirty. False if nothing could be evicted.
  bool evictOne(NamedCache& cache);
  void flushCache(NamedCache& cache);

  int64_t max_bytes_;
  int64_t size_bytes_ = 0;
  Stats stats_;
  // unique_ptr: a NamedCache must stay put while a listener, called from inside one of its
  // methods, creates other namespaces.
  std::map<std::string, std::unique_ptr<NamedCache>, std::less<>> caches_;
  // Name → cache, for lookups (caches_ keeps the order resize() walks in).
  std::unique_ptr<NamespaceIndex> ns_index_;
};

}  // namespace kstreams::state
