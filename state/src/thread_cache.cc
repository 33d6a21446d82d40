// ThreadCache: per namespace, a std::map (ordered, for range queries) whose nodes are also
// linked into an LRU list and, while dirty, into a list in last-write order. The lists hold
// pointers to the map's keys, which stay put as long as their node lives. A hash index over the
// same nodes answers the point lookups (every get and put, two per aggregation update): the
// ordered map's descent was the largest single cost of the count benchmark (perf, 2026-12-07:
// memcmp and _Rb_tree ~18% of the process), and the map is now searched only to insert.
#include "kstreams/state/thread_cache.h"

#include <absl/container/flat_hash_map.h>

#include <algorithm>
#include <utility>

namespace kstreams::state {

struct ThreadCache::NamedCache {
  using KeyList = std::list<const std::string*>;
  struct Node {
    CacheEntry entry;
    int64_t size = 0;
    KeyList::iterator lru;
    std::optional<KeyList::iterator> dirty;  // set while entry.dirty
  };
  using Map = std::map<std::string, Node, std::less<>>;

  Map entries;
  // Key (viewing the map node's own key) → its node; always the same set of keys as entries.
  absl::flat_hash_map<std::string_view, Map::iterator> index;
  KeyList lru;    // front: least recently used
  KeyList dirty;  // front: written longest ago
  int64_t size_bytes = 0;
  DirtyEntryFlushListener listener;

  // Unlinks and erases one node; returns its size.
  int64_t erase(Map::iterator it) {
    Node& node = it->second;
    lru.erase(node.lru);
    if (node.dirty) dirty.erase(*node.dirty);
    const int64_t size = node.size;
    size_bytes -= size;
    index.erase(std::string_view(it->first));
    entries.erase(it);
    return size;
  }

  Map::iterator find(std::string_view key) {
    auto hit = index.find(key);
    return hit == index.end() ? entries.end() : hit->second;
  }

  Map::iterator insert(std::string_view key) {
    auto it = entries.emplace(std::string(key), Node{}).first;
    index.emplace(std::string_view(it->first), it);
    return it;
  }
};

namespace {

int64_t entrySize(std::string_view key, const CacheEntry& e) {
  return static_cast<int64_t>(key.size() + (e.value ? e.value->size() : 0) +
                              e.context.topic.size() + e.context.headers.size()) +
         ThreadCache::kEntryOverhead;
}

}  // namespace

ThreadCache::ThreadCache(int64_t max_bytes)
    : max_bytes_(max_bytes), ns_index_(std::make_unique<NamespaceIndex>()) {}

ThreadCache::~ThreadCache() = default;

std::string ThreadCache::nameSpace(std::string_view task_id, std::string_view store_name) {
  std::string ns;
  ns.reserve(task_id.size() + 1 + store_name.size());
  ns.append(task_id).append("-").append(store_name);
  return ns;
}

// Namespaces are found through a hash index too: their names ("<task>-<store>") share long
// prefixes, and every get and put looks one up.
struct ThreadCache::NamespaceIndex {
  absl::flat_hash_map<std::string_view, NamedCache*> by_name;
};

ThreadCache::NamedCache* ThreadCache::find(std::string_view ns) {
  auto it = ns_index_->by_name.find(ns);
  return it == ns_index_->by_name.end() ? nullptr : it->second;
}

const ThreadCache::NamedCache* ThreadCache::find(std::string_view ns) const {
  auto it = ns_index_->by_name.find(ns);
  return it == ns_index_->by_name.end() ? nullptr : it->second;
}

ThreadCache::NamedCache& ThreadCache::getOrCreate(std::string_view ns) {
  if (NamedCache* cache = find(ns)) return *cache;
  auto it = caches_.emplace(std::string(ns), std::make_unique<NamedCache>()).first;
  ns_index_->by_name.emplace(std::string_view(it->first), it->second.get());
  return *it->second;
}

void ThreadCache::addDirtyEntryFlushListener(std::string_view ns,
                                             DirtyEntryFlushListener listener) {
  getOrCreate(ns).listener = std::move(listener);
}

void ThreadCache::put(std::string_view ns, std::string_view key, std::optional<std::string> value,
                      bool dirty, CacheRecordContext context) {
  ++stats_.puts;
  NamedCache& cache = getOrCreate(ns);
  auto it = cache.find(key);
  if (it == cache.entries.end()) {
    it = cache.insert(key);
    it->second.lru = cache.lru.insert(cache.lru.end(), &it->first);
  } else {
    NamedCache::Node& node = it->second;
    if (!dirty && node.entry.dirty) {
      // A clean value (read from the store) is older than the dirty one waiting to be written
      // there: keep the dirty one. (Java throws IllegalStateException here.)
      cache.lru.splice(cache.lru.end(), cache.lru, node.lru);
      return;
    }
    size_bytes_ -= node.size;
    cache.size_bytes -= node.size;
    cache.lru.splice(cache.lru.end(), cache.lru, node.lru);
  }
  NamedCache::Node& node = it->second;
  node.entry = CacheEntry{std::move(value), dirty, std::move(context)};
  if (dirty && node.dirty) {
    // Re-written: it moves to the back of the last-write order (relinked, not reallocated).
    cache.dirty.splice(cache.dirty.end(), cache.dirty, *node.dirty);
  } else if (dirty) {
    node.dirty = cache.dirty.insert(cache.dirty.end(), &it->first);
  } else if (node.dirty) {
    cache.dirty.erase(*node.dirty);
    node.dirty.reset();
  }
  node.size = entrySize(it->first, node.entry);
  size_bytes_ += node.size;
  cache.size_bytes += node.size;
  maybeEvict(cache);
}

const CacheEntry* ThreadCache::get(std::string_view ns, std::string_view key) {
  ++stats_.gets;
  NamedCache* cache = find(ns);
  if (cache == nullptr) return nullptr;
  auto it = cache->find(key);
  if (it == cache->entries.end()) return nullptr;
  ++stats_.hits;
  cache->lru.splice(cache->lru.end(), cache->lru, it->second.lru);
  return &it->second.entry;
}

std::optional<CacheEntry> ThreadCache::remove(std::string_view ns, std::string_view key) {
  NamedCache* cache = find(ns);
  if (cache == nullptr) return std::nullopt;
  auto it = cache->find(key);
  if (it == cache->entries.end()) return std::nullopt;
  std::optional<CacheEntry> removed(std::move(it->second.entry));
  size_bytes_ -= cache->erase(it);
  return removed;
}

void ThreadCache::flush(std::string_view ns) {
  if (NamedCache* cache = find(ns)) flushCache(*cache);
}

void ThreadCache::flushCache(NamedCache& cache) {
  if (cache.dirty.empty()) return;
  std::vector<DirtyEntry> entries;
  entries.reserve(cache.dirty.size());
  std::vector<std::string> tombstones;
  for (const std::string* key : cache.dirty) {
    NamedCache::Node& node = cache.find(*key)->second;
    entries.push_back(DirtyEntry{*key, node.entry.value, node.entry.context});
    node.entry.dirty = false;
    node.dirty.reset();
    if (!node.entry.value) tombstones.push_back(*key);
  }
  // Cleared before the listener runs: it may write this namespace again (re-entrantly).
  cache.dirty.clear();
  ++stats_.flushes;
  if (cache.listener) cache.listener(entries);
  // A flushed tombstone has done its job (the store no longer has the key); drop it unless the
  // listener wrote the key again.
  for (const std::string& key : tombstones) {
    auto it = cache.find(key);
    if (it != cache.entries.end() && !it->second.entry.dirty && !it->second.entry.value) {
      size_bytes_ -= cache.erase(it);
    }
  }
}

bool ThreadCache::evictOne(NamedCache& cache) {
  if (cache.lru.empty()) return false;
  if (cache.find(*cache.lru.front())->second.entry.dirty) {
    flushCache(cache);
    // The listener may have emptied the namespace or written the eldest key again.
    if (cache.lru.empty()) return true;
    if (cache.find(*cache.lru.front())->second.entry.dirty) return false;
  }
  size_bytes_ -= cache.erase(cache.find(*cache.lru.front()));
  ++stats_.evictions;
  return true;
}

void ThreadCache::maybeEvict(NamedCache& cache) {
  while (size_bytes_ > max_bytes_ && !cache.entries.empty()) {
    if (!evictOne(cache)) break;
  }
}

void ThreadCache::close(std::string_view ns) {
  auto it = caches_.find(ns);
  if (it == caches_.end()) return;
  size_bytes_ -= it->second->size_bytes;
  ns_index_->by_name.erase(std::string_view(it->first));
  caches_.erase(it);
}

std::vector<std::pair<std::string, CacheEntry>> ThreadCache::range(std::string_view ns,
                                                                   std::string_view from,
                                                                   std::string_view to,
                                                                   bool reverse) const {
  std::vector<std::pair<std::string, CacheEntry>> out;
  const NamedCache* cache = find(ns);
  if (cache == nullptr || from > to) return out;
  for (auto it = cache->entries.lower_bound(from), end = cache->entries.upper_bound(to); it != end;
       ++it) {
    out.emplace_back(it->first, it->second.entry);
  }
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

std::vector<std::pair<std::string, CacheEntry>> ThreadCache::all(std::string_view ns,
                                                                 bool reverse) const {
  std::vector<std::pair<std::string, CacheEntry>> out;
  const NamedCache* cache = find(ns);
  if (cache == nullptr) return out;
  out.reserve(cache->entries.size());
  for (const auto& [key, node] : cache->entries) out.emplace_back(key, node.entry);
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

void ThreadCache::resize(int64_t max_bytes) {
  max_bytes_ = max_bytes;
  // Round-robin over the namespaces, one entry each, as Java's ThreadCache.resize.
  bool progress = true;
  while (size_bytes_ > max_bytes_ && progress) {
    progress = false;
    for (auto& [name, cache] : caches_) {
      if (size_bytes_ <= max_bytes_) break;
      if (evictOne(*cache)) progress = true;
    }
  }
}

int64_t ThreadCache::size() const {
  int64_t n = 0;
  for (const auto& [name, cache] : caches_) n += static_cast<int64_t>(cache->entries.size());
  return n;
}

}  // namespace kstreams::state
