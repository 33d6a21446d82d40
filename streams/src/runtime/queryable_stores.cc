#include "runtime/queryable_stores.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kafka/murmur2.h"
#include "kstreams/state/wrapped_key_value_store.h"
#include "runtime/caching_window_store.h"
#include "runtime/stream_task.h"

namespace kstreams::internal {
namespace {

// The outermost layer whose reads are thread-safe: a window or session store's caching layer
// (its reads overlay the unflushed writes, so queries see cached values as in Java), else the
// store under every layer (a key-value cache is not thread-safe: queries read below it).
const state::KeyValueStore* innermost(const state::KeyValueStore* store) {
  while (const auto* wrapped = dynamic_cast<const state::WrappedKeyValueStore*>(store)) {
    if (dynamic_cast<const CachingSegmentedStoreBase*>(store) != nullptr) return store;
    store = &wrapped->inner();
  }
  return store;
}

// Merges the iterators of several tasks' stores in key-byte order (descending when reversed).
// Each part is a snapshot of its store; a part that fails (its store closed) ends the whole
// iteration with its status.
class MergingIterator final : public state::KeyValueIterator {
 public:
  MergingIterator(std::vector<std::unique_ptr<state::KeyValueIterator>> parts, bool reverse,
                  bool strip_timestamp)
      : parts_(std::move(parts)), reverse_(reverse), strip_(strip_timestamp) {}

  bool hasNext() override { return pick() != nullptr; }
  state::KeyValue next() override {
    state::KeyValueIterator* p = pick();
    if (p == nullptr) return {};
    state::KeyValue kv = p->next();
    if (strip_) kv.value.erase(0, std::min<size_t>(8, kv.value.size()));
    return kv;
  }
  std::string_view peekNextKey() override {
    state::KeyValueIterator* p = pick();
    return p == nullptr ? std::string_view() : p->peekNextKey();
  }
  absl::Status status() const override { return status_; }

 private:
  // The part whose next key comes first, or null at the end (or after a failure).
  state::KeyValueIterator* pick() {
    if (!status_.ok()) return nullptr;
    state::KeyValueIterator* best = nullptr;
    std::string_view best_key;
    for (auto& part : parts_) {
      if (!part->hasNext()) {
        if (absl::Status s = part->status(); !s.ok()) {
          // A store closed under the iterator: its task moved (or the client closed).
          status_ = absl::IsFailedPrecondition(s)
                        ? absl::UnavailableError(absl::StrCat(
                              "the iteration ended early: a task of the store was closed (",
                              s.message(), "); query again"))
                        : s;
          return nullptr;
        }
        continue;
      }
      std::string_view key = part->peekNextKey();
      // std::string_view compares as unsigned bytes (char_traits<char>::compare is memcmp).
      if (best == nullptr || (reverse_ ? key > best_key : key < best_key)) {
        best = part.get();
        best_key = key;
      }
    }
    return best;
  }

  std::vector<std::unique_ptr<state::KeyValueIterator>> parts_;
  const bool reverse_;
  const bool strip_;
  absl::Status status_;
};

// Chains the iterators of several tasks' stores, one after the other (window and session
// queries, as Java's composite stores). A part that fails ends the whole iteration.
class ConcatIterator final : public state::KeyValueIterator {
 public:
  ConcatIterator(std::vector<std::unique_ptr<state::KeyValueIterator>> parts, bool strip_timestamp)
      : parts_(std::move(parts)), strip_(strip_timestamp) {}

  bool hasNext() override { return current() != nullptr; }
  state::KeyValue next() override {
    state::KeyValueIterator* p = current();
    if (p == nullptr) return {};
    state::KeyValue kv = p->next();
    if (strip_) kv.value.erase(0, std::min<size_t>(8, kv.value.size()));
    return kv;
  }
  std::string_view peekNextKey() override {
    state::KeyValueIterator* p = current();
    return p == nullptr ? std::string_view() : p->peekNextKey();
  }
  absl::Status status() const override { return status_; }

 private:
  state::KeyValueIterator* current() {
    while (status_.ok() && index_ < parts_.size()) {
      state::KeyValueIterator& part = *parts_[index_];
      if (part.hasNext()) return &part;
      if (absl::Status s = part.status(); !s.ok()) {
        status_ = absl::IsFailedPrecondition(s)
                      ? absl::UnavailableError(absl::StrCat(
                            "the iteration ended early: a task of the store was closed (",
                            s.message(), "); query again"))
                      : s;
        return nullptr;
      }
      ++index_;
    }
    return nullptr;
  }

  std::vector<std::unique_ptr<state::KeyValueIterator>> parts_;
  const bool strip_;
  size_t index_ = 0;
  absl::Status status_;
};

}  // namespace

QueryableStores::QueryableStores(const Topology& topology, std::string application_id)
    : application_id_(std::move(application_id)) {
  std::lock_guard lock(mu_);
  for (const auto& [name, def] : topology.stores()) stores_[name].timestamped = def.timestamped;
  for (const SubtopologyDef& sub : topology.subtopologies()) {
    std::vector<std::string> topics;
    for (const auto& [topic, internal_topic] : sub.source_topics) {
      topics.push_back(internal_topic ? absl::StrCat(application_id_, "-", topic) : topic);
    }
    for (const std::string& node : sub.nodes) {
      for (const std::string& store : topology.node(node).stores) {
        stores_[store].source_topics = topics;
      }
    }
  }
}

void QueryableStores::setPartitionCount(const std::string& store, int32_t partitions) {
  std::lock_guard lock(mu_);
  auto it = stores_.find(store);
  if (it != stores_.end()) it->second.partitions = partitions;
}

int32_t QueryableStores::partitionCount(const std::string& store) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(store);
  return it == stores_.end() ? 0 : it->second.partitions;
}

std::vector<std::string> QueryableStores::sourceTopics(const std::string& store) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(store);
  return it == stores_.end() ? std::vector<std::string>() : it->second.source_topics;
}

bool QueryableStores::hasStore(const std::string& store) const {
  std::shared_lock lock(mu_);
  return stores_.count(store) > 0;
}

void QueryableStores::addTask(const StreamTask& task) {
  const TaskId id = task.taskId();
  std::vector<StreamTask::StoreInfo> infos = task.stores();
  std::lock_guard lock(mu_);
  for (const StreamTask::StoreInfo& info : infos) {
    auto it = stores_.find(info.name);
    if (it == stores_.end()) continue;
    Local local;
    local.task = id;
    local.reader = innermost(info.store);
    local.facade = task.findStateStore(info.name);
    if (local.facade == nullptr) continue;
    it->second.locals[id.partition] = local;
  }
}

void QueryableStores::removeTask(TaskId id) {
  // The writer lock waits for every read in progress.
  std::lock_guard lock(mu_);
  for (auto& [name, meta] : stores_) {
    auto it = meta.locals.find(id.partition);
    if (it != meta.locals.end() && it->second.task == id) meta.locals.erase(it);
  }
}

bool QueryableStores::hasLocalPartition(const std::string& store, int32_t partition) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(store);
  return it != stores_.end() && it->second.locals.count(partition) > 0;
}

absl::StatusOr<const QueryableStores::Meta*> QueryableStores::localsOf(
    const std::string& store) const {
  auto it = stores_.find(store);
  if (it == stores_.end()) {
    return absl::NotFoundError(absl::StrCat("the topology has no state store named ", store));
  }
  if (it->second.locals.empty()) {
    return absl::UnavailableError(
        absl::StrCat("state store ", store,
                     " is not available on this instance now: not started, rebalancing, "
                     "restoring, or all its tasks run on other instances"));
  }
  return &it->second;
}

absl::Status QueryableStores::withStore(const std::string& store,
                                        const std::function<void(const StateStore&)>& fn) const {
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  fn(*(*meta)->locals.begin()->second.facade);
  return absl::OkStatus();
}

absl::StatusOr<bool> QueryableStores::isTimestamped(const std::string& store) const {
  std::shared_lock lock(mu_);
  auto it = stores_.find(store);
  if (it == stores_.end()) {
    return absl::NotFoundError(absl::StrCat("the topology has no state store named ", store));
  }
  return it->second.timestamped;
}

std::string QueryableStores::serdeTopic(const std::string& store) const {
  return absl::StrCat(application_id_, "-", store, "-changelog");
}

absl::StatusOr<std::optional<std::string>> QueryableStores::get(const std::string& store,
                                                                std::string_view key,
                                                                bool strip_timestamp) const {
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  const Meta& m = **meta;
  // The key's own partition first (where the default partitioner put it), then the others.
  const Local* home = nullptr;
  if (m.partitions > 0) {
    auto it = m.locals.find(partitionForKey(key, m.partitions));
    if (it != m.locals.end()) home = &it->second;
  }
  auto lookup = [&](const Local& local) -> absl::StatusOr<std::optional<std::string>> {
    absl::StatusOr<std::optional<std::string>> v = local.reader->get(key);
    if (v.ok() && v->has_value() && strip_timestamp) {
      (*v)->erase(0, std::min<size_t>(8, (*v)->size()));
    }
    return v;
  };
  if (home != nullptr) {
    absl::StatusOr<std::optional<std::string>> v = lookup(*home);
    if (!v.ok() || v->has_value()) return v;
  }
  for (const auto& [partition, local] : m.locals) {
    if (&local == home) continue;
    absl::StatusOr<std::optional<std::string>> v = lookup(local);
    if (!v.ok() || v->has_value()) return v;
  }
  return std::optional<std::string>();
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> QueryableStores::range(
    const std::string& store, std::optional<std::string_view> from,
    std::optional<std::string_view> to, bool reverse, bool strip_timestamp) const {
  if (from.has_value() != to.has_value()) {
    return absl::InvalidArgumentError("a range needs both bounds or none");
  }
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  std::vector<std::unique_ptr<state::KeyValueIterator>> parts;
  for (const auto& [partition, local] : (*meta)->locals) {
    absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it =
        from ? (reverse ? local.reader->reverseRange(*from, *to) : local.reader->range(*from, *to))
             : (reverse ? local.reader->reverseAll() : local.reader->all());
    if (!it.ok()) return it.status();
    parts.push_back(*std::move(it));
  }
  return std::make_unique<MergingIterator>(std::move(parts), reverse, strip_timestamp);
}

absl::StatusOr<int64_t> QueryableStores::approximateNumEntries(const std::string& store) const {
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  int64_t total = 0;
  for (const auto& [partition, local] : (*meta)->locals) {
    absl::StatusOr<int64_t> n = local.reader->approximateNumEntries();
    if (!n.ok()) return n.status();
    total += *n;
  }
  return total;
}

absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> QueryableStores::concatQuery(
    const std::string& store, const IteratorQuery& query, bool strip_timestamp) const {
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  std::vector<std::unique_ptr<state::KeyValueIterator>> parts;
  for (const auto& [partition, local] : (*meta)->locals) {
    absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it = query(*local.reader);
    if (!it.ok()) return it.status();
    parts.push_back(*std::move(it));
  }
  return std::make_unique<ConcatIterator>(std::move(parts), strip_timestamp);
}

absl::StatusOr<std::optional<std::string>> QueryableStores::firstValue(const std::string& store,
                                                                       const ValueQuery& query,
                                                                       bool strip_timestamp) const {
  std::shared_lock lock(mu_);
  absl::StatusOr<const Meta*> meta = localsOf(store);
  if (!meta.ok()) return meta.status();
  for (const auto& [partition, local] : (*meta)->locals) {
    absl::StatusOr<std::optional<std::string>> v = query(*local.reader);
    if (!v.ok()) return v.status();
    if (v->has_value()) {
      if (strip_timestamp) (*v)->erase(0, std::min<size_t>(8, (*v)->size()));
      return v;
    }
  }
  return std::optional<std::string>();
}

}  // namespace kstreams::internal
