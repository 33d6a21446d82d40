// InMemoryKeyValueStore: a std::map under a std::shared_mutex (readers shared, the owning thread's
// writes exclusive); iterators copy their range under the reader lock.
#include "kstreams/state/in_memory_key_value_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "key_ranges.h"
#include "snapshot_iterator.h"

namespace kstreams::state {
namespace {

absl::Status notOpen(const std::string& name) {
  return absl::FailedPreconditionError(absl::StrCat("state store ", name, " is not open"));
}

}  // namespace

InMemoryKeyValueStore::InMemoryKeyValueStore(std::string name) : name_(std::move(name)) {}

InMemoryKeyValueStore::~InMemoryKeyValueStore() = default;

absl::Status InMemoryKeyValueStore::init(const StateStoreContext& /*context*/) {
  if (name_.empty()) return absl::InvalidArgumentError("state store name is empty");
  if (isOpen()) return absl::FailedPreconditionError(absl::StrCat("store ", name_, " is open"));
  std::lock_guard lock(mu_);
  map_.clear();
  checkpoint_.reset();
  open_.store(true, std::memory_order_release);
  return absl::OkStatus();
}

absl::Status InMemoryKeyValueStore::flush() { return isOpen() ? absl::OkStatus() : notOpen(name_); }

absl::Status InMemoryKeyValueStore::close() {
  std::lock_guard lock(mu_);
  open_.store(false, std::memory_order_release);
  // Free the memory now, as closing a task should; open iterators hold their own copies.
  Map().swap(map_);
  checkpoint_.reset();
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> InMemoryKeyValueStore::get(std::string_view key) const {
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

std::unique_ptr<KeyValueIterator> InMemoryKeyValueStore::snapshot(Map::const_iterator first,
                                                                  Map::const_iterator last,
                                                                  bool reverse) const {
  std::vector<KeyValue> entries;
  for (auto it = first; it != last; ++it) entries.push_back(KeyValue{it->first, it->second});
  if (reverse) std::reverse(entries.begin(), entries.end());
  return std::make_unique<internal::SnapshotIterator>(std::move(entries));
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> InMemoryKeyValueStore::range(
    std::string_view from, std::string_view to) const {
  if (from > to) return internal::emptyIterator();
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return snapshot(map_.lower_bound(from), map_.upper_bound(to), /*reverse=*/false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> InMemoryKeyValueStore::reverseRange(
    std::string_view from, std::string_view to) const {
  if (from > to) return internal::emptyIterator();
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return snapshot(map_.lower_bound(from), map_.upper_bound(to), /*reverse=*/true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> InMemoryKeyValueStore::all() const {
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return snapshot(map_.begin(), map_.end(), /*reverse=*/false);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> InMemoryKeyValueStore::reverseAll() const {
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return snapshot(map_.begin(), map_.end(), /*reverse=*/true);
}

absl::StatusOr<std::unique_ptr<KeyValueIterator>> InMemoryKeyValueStore::prefixScan(
    std::string_view prefix) const {
  std::optional<std::string> upper = internal::prefixUpperBound(prefix);
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return snapshot(map_.lower_bound(prefix), upper ? map_.lower_bound(*upper) : map_.end(),
                  /*reverse=*/false);
}

absl::StatusOr<int64_t> InMemoryKeyValueStore::approximateNumEntries() const {
  std::shared_lock lock(mu_);
  if (!isOpen()) return notOpen(name_);
  return static_cast<int64_t>(map_.size());
}

absl::Status InMemoryKeyValueStore::put(std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  auto it = map_.find(key);
  if (it == map_.end()) {
    map_.emplace(std::string(key), std::string(value));
  } else {
    it->second.assign(value);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> InMemoryKeyValueStore::putIfAbsent(
    std::string_view key, std::string_view value) {
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  auto it = map_.lower_bound(key);
  if (it != map_.end() && it->first == key) return std::optional<std::string>(it->second);
  map_.emplace_hint(it, std::string(key), std::string(value));
  return std::optional<std::string>();
}

void InMemoryKeyValueStore::applyLocked(const KeyValueChanges& changes) {
  for (const auto& [key, value] : changes) {
    if (value) {
      map_.insert_or_assign(key, *value);
    } else {
      map_.erase(key);
    }
  }
}

absl::Status InMemoryKeyValueStore::putAll(const KeyValueChanges& changes) {
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  applyLocked(changes);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> InMemoryKeyValueStore::remove(std::string_view key) {
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  auto it = map_.find(key);
  if (it == map_.end()) return std::optional<std::string>();
  std::optional<std::string> old(std::move(it->second));
  map_.erase(it);
  return old;
}

absl::Status InMemoryKeyValueStore::restoreBatch(const KeyValueChanges& records,
                                                 int64_t changelog_offset) {
  return putAllWithCheckpoint(records, changelog_offset);
}

std::optional<int64_t> InMemoryKeyValueStore::checkpointedOffset() const {
  std::shared_lock lock(mu_);
  return checkpoint_;
}

absl::Status InMemoryKeyValueStore::writeCheckpoint(int64_t offset) {
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  checkpoint_ = offset;
  return absl::OkStatus();
}

absl::Status InMemoryKeyValueStore::putAllWithCheckpoint(const KeyValueChanges& changes,
                                                         int64_t offset) {
  // Under one exclusive lock, so a reader sees both or neither: the in-memory equivalent of
  // RocksDB's single WriteBatch (without the durability).
  std::lock_guard lock(mu_);
  if (!isOpen()) return notOpen(name_);
  applyLocked(changes);
  checkpoint_ = offset;
  return absl::OkStatus();
}

}  // namespace kstreams::state
