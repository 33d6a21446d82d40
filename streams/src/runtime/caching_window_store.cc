#include "runtime/caching_window_store.h"

#include <algorithm>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "kstreams/state/segmented_bytes_store.h"
#include "kstreams/state/window_key_schema.h"

namespace kstreams::internal {
namespace {

using state::SessionKeySchema;
using state::WindowKeySchema;

// The segmented store at the bottom of a stack (for its segment interval); 60 s, the smallest
// interval Java picks, if there is none.
int64_t segmentIntervalOf(const state::KeyValueStore& store) {
  const state::KeyValueStore* s = &store;
  while (true) {
    if (const auto* seg = dynamic_cast<const state::SegmentedBytesStore*>(s)) {
      return seg->segmentInterval();
    }
    const auto* wrapped = dynamic_cast<const state::WrappedKeyValueStore*>(s);
    if (wrapped == nullptr) return 60'000;
    s = &wrapped->inner();
  }
}

// A materialized result, handed out in order.
class VectorIterator final : public state::KeyValueIterator {
 public:
  explicit VectorIterator(std::vector<state::KeyValue> entries) : entries_(std::move(entries)) {}
  bool hasNext() override { return next_ < entries_.size(); }
  state::KeyValue next() override {
    if (!hasNext()) return {};
    return std::move(entries_[next_++]);
  }
  std::string_view peekNextKey() override {
    if (!hasNext()) return {};
    return entries_[next_].key;
  }
  absl::Status status() const override { return absl::OkStatus(); }

 private:
  std::vector<state::KeyValue> entries_;
  size_t next_ = 0;
};

bool inKeyRange(std::string_view key, std::optional<std::string_view> from,
                std::optional<std::string_view> to) {
  return (!from || key >= *from) && (!to || key <= *to);
}

std::optional<std::string> copy(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

}  // namespace

// ---- CachingSegmentedStoreBase ----

CachingSegmentedStoreBase::CachingSegmentedStoreBase(std::unique_ptr<state::KeyValueStore> inner,
                                                     state::ThreadCache* cache,
                                                     std::string name_space,
                                                     CacheContextProvider* context)
    : WrappedKeyValueStore(std::move(inner)),
      cache_(cache),
      ns_(std::move(name_space)),
      context_(context),
      segment_interval_(std::max<int64_t>(1, segmentIntervalOf(this->inner()))) {}

CachingSegmentedStoreBase::~CachingSegmentedStoreBase() {
  if (open_) cache_->close(ns_);
}

void CachingSegmentedStoreBase::setFlushListener(Listener listener, bool send_old_values) {
  listener_ = std::move(listener);
  send_old_values_ = send_old_values;
}

absl::Status CachingSegmentedStoreBase::init(const state::StateStoreContext& context) {
  if (absl::Status s = WrappedKeyValueStore::init(context); !s.ok()) return s;
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  cache_->addDirtyEntryFlushListener(
      ns_, [this](std::vector<state::DirtyEntry>& entries) { flushEntries(entries); });
  open_ = true;
  return absl::OkStatus();
}

absl::Status CachingSegmentedStoreBase::cacheWrite(std::string_view store_key,
                                                   std::optional<std::string_view> value) {
  if (!isOpen()) return absl::FailedPreconditionError("store " + name() + " is not open");
  owner_.store(std::this_thread::get_id(), std::memory_order_relaxed);
  dirty_ = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Unflushed& u = unflushed_[std::string(store_key)];
    u.value = copy(value);
    u.write = ++writes_;
  }
  // May flush (eviction), which drops what it wrote from unflushed_.
  cache_->put(ns_, store_key, copy(value), /*dirty=*/true, context_->currentCacheContext());
  return flush_error_;
}

bool CachingSegmentedStoreBase::onOwningThread() const {
  return owner_.load(std::memory_order_relaxed) == std::this_thread::get_id();
}

std::optional<std::optional<std::string>> CachingSegmentedStoreBase::unflushed(
    std::string_view store_key) const {
  if (onOwningThread()) {
    const state::CacheEntry* e = cache_->get(ns_, store_key);
    if (e == nullptr) return std::nullopt;
    return e->value;
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = unflushed_.find(store_key);
  if (it == unflushed_.end()) return std::nullopt;
  return it->second.value;
}

void CachingSegmentedStoreBase::dropUnflushed(std::string_view store_key,
                                              std::optional<uint64_t> write) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = unflushed_.find(store_key);
  if (it != unflushed_.end() && (!write || it->second.write <= *write)) unflushed_.erase(it);
}

// Kafka's CachingWindowStore/CachingSessionStore#putAndMaybeForward, entry by entry in
// last-write order, each in the record context of its write (the layer below logs it there).
void CachingSegmentedStoreBase::flushEntries(std::vector<state::DirtyEntry>& entries) {
  auto setError = [&](absl::Status s) {
    if (flush_error_.ok()) flush_error_ = std::move(s);
  };
  // The entries are the cache's latest writes: what unflushed_ holds now (or older).
  uint64_t flushed_up_to;
  {
    std::lock_guard<std::mutex> lock(mu_);
    flushed_up_to = writes_;
  }
  for (state::DirtyEntry& entry : entries) {
    std::optional<std::string> old_value;
    if (listener_ && (!entry.value || send_old_values_)) {
      auto old = readBelow(entry.key);
      if (!old.ok()) {
        setError(old.status());
        continue;
      }
      old_value = *std::move(old);
      // Neither in the store nor in the cache: nothing to write or to forward.
      if (!entry.value && !old_value) {
        dropUnflushed(entry.key, flushed_up_to);
        continue;
      }
    }
    context_->withCacheContext(entry.context, [&] {
      if (absl::Status s = writeBelow(entry); !s.ok()) {
        setError(s);
        return;
      }
      dropUnflushed(entry.key, flushed_up_to);
      if (!listener_) return;
      auto view = [](const std::optional<std::string>& v) {
        return v ? std::optional<std::string_view>(*v) : std::nullopt;
      };
      listener_(entry.key, view(entry.value), send_old_values_ ? view(old_value) : std::nullopt,
                entry.context);
    });
  }
}

bool CachingSegmentedStoreBase::flushCache() {
  if (!dirty_) return false;
  dirty_ = false;
  cache_->flush(ns_);
  return true;
}

absl::Status CachingSegmentedStoreBase::flush() {
  flushCache();
  if (!flush_error_.ok()) return std::exchange(flush_error_, absl::OkStatus());
  return WrappedKeyValueStore::flush();
}

absl::Status CachingSegmentedStoreBase::close() {
  if (open_) {
    cache_->close(ns_);
    open_ = false;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    unflushed_.clear();
  }
  return WrappedKeyValueStore::close();
}

absl::Status CachingSegmentedStoreBase::restoreBatch(const state::KeyValueChanges& records,
                                                     int64_t changelog_offset) {
  for (const auto& [key, value] : records) {
    cache_->remove(ns_, key);
    dropUnflushed(key);
  }
  return WrappedKeyValueStore::restoreBatch(records, changelog_offset);
}

absl::Status CachingSegmentedStoreBase::putAllWithCheckpoint(const state::KeyValueChanges& changes,
                                                             int64_t offset) {
  flushCache();
  for (const auto& [key, value] : changes) {
    cache_->remove(ns_, key);
    dropUnflushed(key);
  }
  return WrappedKeyValueStore::putAllWithCheckpoint(changes, offset);
}

// The store's results with the matching cache entries laid over them (the cache wins; a cached
// delete removes the store's entry), ordered as the segmented store orders: segment, then
// store-key bytes.
absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingSegmentedStoreBase::merged(
    absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> below, const Overlay& overlay,
    bool reverse) const {
  if (!below.ok()) return below.status();
  std::map<std::pair<int64_t, std::string>, std::string> result;
  auto order = [&](const std::string& key) {
    return std::make_pair(overlay.segment_time(key) / segment_interval_, key);
  };
  state::KeyValueIterator& it = **below;
  while (it.hasNext()) {
    state::KeyValue kv = it.next();
    result[order(kv.key)] = std::move(kv.value);
  }
  if (absl::Status s = it.status(); !s.ok()) return s;
  auto lay = [&](const std::string& key, const std::optional<std::string>& value) {
    if (!overlay.matches(key)) return;
    if (value) {
      result[order(key)] = *value;
    } else {
      result.erase(order(key));
    }
  };
  if (onOwningThread()) {
    for (const auto& [key, entry] : cache_->all(ns_)) lay(key, entry.value);
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, entry] : unflushed_) lay(key, entry.value);
  }
  std::vector<state::KeyValue> out;
  out.reserve(result.size());
  for (auto& [k, v] : result) out.push_back(state::KeyValue{k.second, std::move(v)});
  if (reverse) std::reverse(out.begin(), out.end());
  return std::unique_ptr<state::KeyValueIterator>(std::make_unique<VectorIterator>(std::move(out)));
}

// ---- CachingWindowStore ----

CachingWindowStore::CachingWindowStore(std::unique_ptr<state::KeyValueStore> inner,
                                       state::ThreadCache* cache, std::string name_space,
                                       CacheContextProvider* context)
    : CachingSegmentedStoreBase(std::move(inner), cache, std::move(name_space), context),
      window_(dynamic_cast<state::WindowStore&>(this->inner())) {}

CachingSegmentedStoreBase::Overlay CachingWindowStore::overlay(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  std::optional<std::string> from = copy(key_from), to = copy(key_to);
  return Overlay{
      [from, to, time_from, time_to](std::string_view store_key) {
        if (!WindowKeySchema::validWindowKey(store_key)) return false;
        const int64_t start = WindowKeySchema::extractStoreTimestamp(store_key);
        return start >= time_from && start <= time_to &&
               inKeyRange(WindowKeySchema::extractStoreKeyBytes(store_key), from, to);
      },
      [](std::string_view store_key) { return WindowKeySchema::extractStoreTimestamp(store_key); }};
}

absl::StatusOr<std::optional<std::string>> CachingWindowStore::fetch(std::string_view key,
                                                                     int64_t window_start) const {
  if (auto u = unflushed(WindowKeySchema::toStoreKeyBinary(key, window_start, 0))) return *u;
  return window_.fetch(key, window_start);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::fetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return merged(window_.fetch(key, time_from, time_to), overlay(key, key, time_from, time_to),
                false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::backwardFetch(
    std::string_view key, int64_t time_from, int64_t time_to) const {
  return merged(window_.fetch(key, time_from, time_to), overlay(key, key, time_from, time_to),
                true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::fetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return merged(window_.fetch(key_from, key_to, time_from, time_to),
                overlay(key_from, key_to, time_from, time_to), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::backwardFetch(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t time_from, int64_t time_to) const {
  return merged(window_.fetch(key_from, key_to, time_from, time_to),
                overlay(key_from, key_to, time_from, time_to), true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::fetchAll(
    int64_t time_from, int64_t time_to) const {
  return merged(window_.fetchAll(time_from, time_to),
                overlay(std::nullopt, std::nullopt, time_from, time_to), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::backwardFetchAll(
    int64_t time_from, int64_t time_to) const {
  return merged(window_.fetchAll(time_from, time_to),
                overlay(std::nullopt, std::nullopt, time_from, time_to), true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingWindowStore::fetchAllWindows()
    const {
  return merged(window_.fetchAllWindows(),
                overlay(std::nullopt, std::nullopt, INT64_MIN, INT64_MAX), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>>
CachingWindowStore::backwardFetchAllWindows() const {
  return merged(window_.fetchAllWindows(),
                overlay(std::nullopt, std::nullopt, INT64_MIN, INT64_MAX), true);
}

absl::Status CachingWindowStore::putWindow(std::string_view key,
                                           std::optional<std::string_view> value,
                                           int64_t window_start, std::string* store_key_out) {
  std::string store_key = WindowKeySchema::toStoreKeyBinary(key, window_start, 0);
  absl::Status s = cacheWrite(store_key, value);
  if (store_key_out != nullptr) *store_key_out = std::move(store_key);
  return s;
}

absl::Status CachingWindowStore::writeBelow(const state::DirtyEntry& entry) {
  std::optional<std::string_view> value;
  if (entry.value) value = *entry.value;
  return window_.putWindow(WindowKeySchema::extractStoreKeyBytes(entry.key), value,
                           WindowKeySchema::extractStoreTimestamp(entry.key));
}

absl::StatusOr<std::optional<std::string>> CachingWindowStore::readBelow(
    std::string_view store_key) const {
  return window_.fetch(WindowKeySchema::extractStoreKeyBytes(store_key),
                       WindowKeySchema::extractStoreTimestamp(store_key));
}

// ---- CachingSessionStore ----

CachingSessionStore::CachingSessionStore(std::unique_ptr<state::KeyValueStore> inner,
                                         state::ThreadCache* cache, std::string name_space,
                                         CacheContextProvider* context)
    : CachingSegmentedStoreBase(std::move(inner), cache, std::move(name_space), context),
      session_(dynamic_cast<state::SessionStore&>(this->inner())) {}

CachingSegmentedStoreBase::Overlay CachingSessionStore::overlay(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  std::optional<std::string> from = copy(key_from), to = copy(key_to);
  return Overlay{
      [from, to, earliest_session_end, latest_session_start](std::string_view store_key) {
        if (!SessionKeySchema::validSessionKey(store_key)) return false;
        return SessionKeySchema::extractEndTimestamp(store_key) >= earliest_session_end &&
               SessionKeySchema::extractStartTimestamp(store_key) <= latest_session_start &&
               inKeyRange(SessionKeySchema::extractKeyBytes(store_key), from, to);
      },
      [](std::string_view store_key) { return SessionKeySchema::extractEndTimestamp(store_key); }};
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingSessionStore::findSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return merged(session_.findSessions(key, earliest_session_end, latest_session_start),
                overlay(key, key, earliest_session_end, latest_session_start), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingSessionStore::backwardFindSessions(
    std::string_view key, int64_t earliest_session_end, int64_t latest_session_start) const {
  return merged(session_.findSessions(key, earliest_session_end, latest_session_start),
                overlay(key, key, earliest_session_end, latest_session_start), true);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingSessionStore::findSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return merged(session_.findSessions(key_from, key_to, earliest_session_end, latest_session_start),
                overlay(key_from, key_to, earliest_session_end, latest_session_start), false);
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> CachingSessionStore::backwardFindSessions(
    std::optional<std::string_view> key_from, std::optional<std::string_view> key_to,
    int64_t earliest_session_end, int64_t latest_session_start) const {
  return merged(session_.findSessions(key_from, key_to, earliest_session_end, latest_session_start),
                overlay(key_from, key_to, earliest_session_end, latest_session_start), true);
}

absl::StatusOr<std::optional<std::string>> CachingSessionStore::fetchSession(std::string_view key,
                                                                             int64_t start,
                                                                             int64_t end) const {
  if (auto u = unflushed(SessionKeySchema::toBinary(key, start, end))) return *u;
  return session_.fetchSession(key, start, end);
}

absl::Status CachingSessionStore::putSession(std::string_view key, int64_t start, int64_t end,
                                             std::optional<std::string_view> aggregate) {
  return cacheWrite(SessionKeySchema::toBinary(key, start, end), aggregate);
}

absl::Status CachingSessionStore::removeSession(std::string_view key, int64_t start, int64_t end) {
  return cacheWrite(SessionKeySchema::toBinary(key, start, end), std::nullopt);
}

absl::Status CachingSessionStore::writeBelow(const state::DirtyEntry& entry) {
  const std::string_view key = SessionKeySchema::extractKeyBytes(entry.key);
  const int64_t start = SessionKeySchema::extractStartTimestamp(entry.key);
  const int64_t end = SessionKeySchema::extractEndTimestamp(entry.key);
  if (!entry.value) return session_.removeSession(key, start, end);
  return session_.putSession(key, start, end, std::string_view(*entry.value));
}

absl::StatusOr<std::optional<std::string>> CachingSessionStore::readBelow(
    std::string_view store_key) const {
  return session_.fetchSession(SessionKeySchema::extractKeyBytes(store_key),
                               SessionKeySchema::extractStartTimestamp(store_key),
                               SessionKeySchema::extractEndTimestamp(store_key));
}

}  // namespace kstreams::internal
