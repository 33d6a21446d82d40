#include "runtime/caching_key_value_store.h"

#include <utility>

#include "kstreams/state/change_logging_key_value_store.h"

namespace kstreams::internal {
namespace {

// The cache's entries (a snapshot, tombstones included) merged into the store's iterator, in
// the same direction; the cache wins on equal keys and its tombstones hide the store's entry
// (Kafka's MergedSortedCacheKeyValueBytesStoreIterator).
class MergedIterator final : public state::KeyValueIterator {
 public:
  MergedIterator(std::unique_ptr<state::KeyValueIterator> store,
                 std::vector<std::pair<std::string, state::CacheEntry>> cache, bool reverse)
      : store_(std::move(store)), cache_(std::move(cache)), reverse_(reverse) {}

  bool hasNext() override {
    while (true) {
      const bool cache_has = next_cache_ < cache_.size();
      const bool store_has = store_->hasNext();
      if (!cache_has && !store_has) return false;
      if (!cache_has) {
        from_cache_ = false;
        return true;
      }
      const auto& [key, entry] = cache_[next_cache_];
      if (store_has) {
        int c = std::string_view(key).compare(store_->peekNextKey());
        if (reverse_) c = -c;
        if (c > 0) {
          from_cache_ = false;
          return true;
        }
        if (c == 0) store_->next();  // shadowed by the cache
      }
      if (!entry.value) {
        ++next_cache_;  // a cached delete
        continue;
      }
      from_cache_ = true;
      return true;
    }
  }

  state::KeyValue next() override {
    if (!hasNext()) return {};
    if (!from_cache_) return store_->next();
    auto& [key, entry] = cache_[next_cache_++];
    return state::KeyValue{std::move(key), std::move(*entry.value)};
  }

  std::string_view peekNextKey() override {
    if (!hasNext()) return {};
    return from_cache_ ? std::string_view(cache_[next_cache_].first) : store_->peekNextKey();
  }

  absl::Status status() const override { return store_->status(); }

 private:
  std::unique_ptr<state::KeyValueIterator> store_;
  std::vector<std::pair<std::string, state::CacheEntry>> cache_;
  size_t next_cache_ = 0;
  bool reverse_;
  bool from_cache_ = false;
};

}  // namespace

CachingKeyValueStore::CachingKeyValueStore(std::unique_ptr<state::KeyValueStore> inner,
                                           state::ThreadCache* cache, std::string name_space,
                                           CacheContextProvider* context)
    : WrappedKeyValueStore(std::move(inner)),
      cache_(cache),
      ns_(std::move(name_space)),
      context_(context) {}

CachingKeyValueStore::~CachingKeyValueStore() {
  if (open_) cache_->close(ns_);
}

void CachingKeyValueStore::setFlushListener(Listener listener, bool send_old_values) {
  listener_ = std::move(listener);
  send_old_values_ = send_old_values;
}

absl::Status CachingKeyValueStore::init(const state::StateStoreContext& context) {
  if (absl::Status s = WrappedKeyValueStore::init(context); !s.ok()) return s;
  cache_->addDirtyEntryFlushListener(
      ns_, [this](std::vector<state::DirtyEntry>& entries) { flushEntries(entries); });
  open_ = true;
  return absl::OkStatus();
}

void CachingKeyValueStore::cacheWrite(std::string_view key, std::optional<std::string> value) {
  dirty_ = true;
  cache_->put(ns_, key, std::move(value), /*dirty=*/true, context_->currentCacheContext());
}

// Kafka's CachingKeyValueStore#putAndMaybeForward for each entry in last-write order, with the
// store writes of the whole flush in one batch (one RocksDB write instead of one per key). The
// old values are read first: a flush holds each key once, so no write of it can come between.
// Then, per entry and in its own record context, the change is logged and forwarded. Readers
// see no difference: the flushed keys stay in the cache until the flush is over, and
// interactive queries, which read below, see the flush at once rather than key by key. The
// store below is ChangeLogging(bytes store) when logged (StreamTask builds it so), else the
// bytes store itself.
void CachingKeyValueStore::flushEntries(std::vector<state::DirtyEntry>& entries) {
  auto setError = [&](absl::Status s) {
    if (flush_error_.ok()) flush_error_ = std::move(s);
  };
  state::KeyValueChanges changes;
  changes.reserve(entries.size());
  std::vector<std::pair<const state::DirtyEntry*, std::optional<std::string>>> written;
  written.reserve(entries.size());
  for (state::DirtyEntry& entry : entries) {
    std::optional<std::string> old_value;
    if (listener_ && (!entry.value || send_old_values_)) {
      auto old = inner().get(entry.key);
      if (!old.ok()) {
        setError(old.status());
        continue;
      }
      old_value = *std::move(old);
      // Neither in the store nor in the cache: nothing to write or to forward.
      if (!entry.value && !old_value) continue;
    }
    changes.emplace_back(entry.key, std::move(entry.value));
    written.emplace_back(&entry, std::move(old_value));
  }
  if (changes.empty()) return;
  auto* logging = dynamic_cast<state::ChangeLoggingKeyValueStore*>(&inner());
  if (absl::Status s = logging ? logging->putAllUnlogged(changes) : inner().putAll(changes);
      !s.ok()) {
    setError(s);
    return;
  }
  auto view = [](const std::optional<std::string>& v) {
    return v ? std::optional<std::string_view>(*v) : std::nullopt;
  };
  auto log = [&](size_t i) {
    if (logging == nullptr) return true;
    const state::DirtyEntry& entry = *written[i].first;
    if (absl::Status s = logging->logChange(entry.key, view(changes[i].second)); !s.ok()) {
      setError(s);
      return false;
    }
    return true;
  };
  size_t i = 0;
  try {
    for (; i < written.size(); ++i) {
      const state::DirtyEntry& entry = *written[i].first;
      context_->withCacheContext(entry.context, [&] {
        if (!log(i) || !listener_) return;
        listener_(entry.key, view(changes[i].second),
                  send_old_values_ ? view(written[i].second) : std::nullopt, entry.context);
      });
    }
  } catch (...) {
    // Downstream processing failed (the task will fail). The rest of the batch is in the store
    // already: log it too, so that the changelog holds what the store holds.
    for (++i; i < written.size(); ++i) {
      context_->withCacheContext(written[i].first->context, [&] { log(i); });
    }
    throw;
  }
}

bool CachingKeyValueStore::flushCache() {
  if (!dirty_) return false;
  dirty_ = false;
  cache_->flush(ns_);
  return true;
}

absl::Status CachingKeyValueStore::flush() {
  flushCache();
  if (!flush_error_.ok()) return std::exchange(flush_error_, absl::OkStatus());
  return WrappedKeyValueStore::flush();
}

absl::Status CachingKeyValueStore::close() {
  if (open_) {
    cache_->close(ns_);
    open_ = false;
  }
  return WrappedKeyValueStore::close();
}

absl::StatusOr<std::optional<std::string>> CachingKeyValueStore::get(std::string_view key) const {
  if (const state::CacheEntry* entry = cache_->get(ns_, key)) return entry->value;
  auto value = inner().get(key);
  if (value.ok() && value->has_value()) {
    cache_->put(ns_, key, **value, /*dirty=*/false);
  }
  return value;
}

absl::Status CachingKeyValueStore::put(std::string_view key, std::string_view value) {
  if (!isOpen()) return absl::FailedPreconditionError("store " + name() + " is not open");
  cacheWrite(key, std::string(value));
  return flush_error_;
}

absl::StatusOr<std::optional<std::string>> CachingKeyValueStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  auto existing = get(key);
  if (!existing.ok() || existing->has_value()) return existing;
  if (absl::Status s = put(key, value); !s.ok()) return s;
  return std::optional<std::string>();
}

absl::Status CachingKeyValueStore::putAll(const state::KeyValueChanges& changes) {
  if (!isOpen()) return absl::FailedPreconditionError("store " + name() + " is not open");
  for (const auto& [key, value] : changes) cacheWrite(key, value);
  return flush_error_;
}

absl::StatusOr<std::optional<std::string>> CachingKeyValueStore::remove(std::string_view key) {
  auto previous = get(key);
  if (!previous.ok()) return previous;
  cacheWrite(key, std::nullopt);
  if (!flush_error_.ok()) return flush_error_;
  return previous;
}

absl::Status CachingKeyValueStore::restoreBatch(const state::KeyValueChanges& records,
                                                int64_t changelog_offset) {
  for (const auto& [key, value] : records) cache_->remove(ns_, key);
  return WrappedKeyValueStore::restoreBatch(records, changelog_offset);
}

absl::Status CachingKeyValueStore::putAllWithCheckpoint(const state::KeyValueChanges& changes,
                                                        int64_t offset) {
  flushCache();
  for (const auto& [key, value] : changes) cache_->remove(ns_, key);
  return WrappedKeyValueStore::putAllWithCheckpoint(changes, offset);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::merged(
    absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> below,
    std::vector<std::pair<std::string, state::CacheEntry>> cached, bool reverse) const {
  if (!below.ok()) return below.status();
  return std::unique_ptr<state::KeyValueIterator>(
      std::make_unique<MergedIterator>(*std::move(below), std::move(cached), reverse));
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::range(
    std::string_view from, std::string_view to) const {
  return merged(inner().range(from, to), cache_->range(ns_, from, to), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::reverseRange(
    std::string_view from, std::string_view to) const {
  return merged(inner().reverseRange(from, to), cache_->range(ns_, from, to, true), true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::all() const {
  return merged(inner().all(), cache_->all(ns_), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::reverseAll() const {
  return merged(inner().reverseAll(), cache_->all(ns_, true), true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingKeyValueStore::prefixScan(
    std::string_view prefix) const {
  if (prefix.empty()) return all();
  // The cache entries with the prefix: [prefix, prefix + "\xff\xff…") would miss longer keys, so
  // filter the namespace's entries instead (the cache is small).
  std::vector<std::pair<std::string, state::CacheEntry>> cached;
  for (auto& e : cache_->all(ns_)) {
    if (std::string_view(e.first).substr(0, prefix.size()) == prefix)
      cached.push_back(std::move(e));
  }
  return merged(inner().prefixScan(prefix), std::move(cached), false);
}

}  // namespace kstreams::internal
