// Private to kstreams.
//
// QueryableStores is the directory interactive queries read through (Kafka Streams'
// StreamsMetadataState + QueryableStoreProvider, for local stores): per store name, the byte
// stores of the local tasks that hold it, by partition. Stream threads add a task once its
// stores are restored and remove it before they close it; queries (kstreams/query.h) read
// under a reader lock held for one store call at a time.
//
// Which layer is read: the innermost byte store (RocksDB or in-memory), below the record cache
// and the change-logging layer. Its reads are safe from any thread while the owning thread
// writes (kstreams/state/key_value_store.h); the cache's are not. Lifetime: a store is removed
// here (waiting for reads in progress) before its task closes it, so no read runs on a closed or
// destroyed store object; iterators handed out live on after that (RocksDB iterators are ended
// by close() and keep what they need alive; in-memory iterators are copies).
//
// Threads: every method is safe from any thread. addTask/removeTask take the writer lock, which
// waits for reads in progress (one store call each, never user code); nothing here is on the
// per-record path.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "kstreams/query.h"
#include "kstreams/task_id.h"
#include "kstreams/topology.h"

namespace kstreams::internal {

class StreamTask;

class QueryableStores final : public QueryableStoreProvider {
 public:
  // Learns the store names and kinds from `topology` (which must outlive this object only
  // during construction).
  QueryableStores(const Topology& topology, std::string application_id);

  // Called by KafkaStreams::start() once the topics' partition counts are known.
  void setPartitionCount(const std::string& store, int32_t partitions);
  // The number of partitions of the store's changelog / input topics; 0 before start().
  int32_t partitionCount(const std::string& store) const;
  // The full names of the source topics of the sub-topology that holds `store`.
  std::vector<std::string> sourceTopics(const std::string& store) const;
  bool hasStore(const std::string& store) const;

  // Stream threads: makes every store of `task` queryable / no longer queryable. removeTask
  // waits for reads in progress on those stores.
  void addTask(const StreamTask& task);
  void removeTask(TaskId id);
  // Whether a local task holds `store` for `partition` now.
  bool hasLocalPartition(const std::string& store, int32_t partition) const;

  // QueryableStoreProvider
  absl::Status withStore(const std::string& store,
                         const std::function<void(const StateStore&)>& fn) const override;
  absl::StatusOr<bool> isTimestamped(const std::string& store) const override;
  std::string serdeTopic(const std::string& store) const override;
  absl::StatusOr<std::optional<std::string>> get(const std::string& store, std::string_view key,
                                                 bool strip_timestamp) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> range(
      const std::string& store, std::optional<std::string_view> from,
      std::optional<std::string_view> to, bool reverse, bool strip_timestamp) const override;
  absl::StatusOr<int64_t> approximateNumEntries(const std::string& store) const override;
  absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> concatQuery(
      const std::string& store, const IteratorQuery& query, bool strip_timestamp) const override;
  absl::StatusOr<std::optional<std::string>> firstValue(const std::string& store,
                                                        const ValueQuery& query,
                                                        bool strip_timestamp) const override;

 private:
  struct Local {
    TaskId task;
    const state::ReadOnlyKeyValueStore* reader = nullptr;  // the innermost byte store
    const StateStore* facade = nullptr;                    // the typed store (for its serdes)
  };
  struct Meta {
    bool timestamped = false;
    std::vector<std::string> source_topics;  // full names
    int32_t partitions = 0;
    std::map<int32_t, Local> locals;  // by partition
  };

  // The store's entry, or NotFound / Unavailable (no local task). mu_ held.
  absl::StatusOr<const Meta*> localsOf(const std::string& store) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  const std::string application_id_;
  mutable std::shared_mutex mu_;
  std::map<std::string, Meta, std::less<>> stores_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kstreams::internal
