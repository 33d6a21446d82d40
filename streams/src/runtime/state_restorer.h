// Private to kstreams.
//
// StateRestorer rebuilds the logged stores of newly assigned tasks from their changelog
// partitions (Kafka Streams' StoreChangelogReader, in its simplest, blocking form). A stream
// thread owns one and calls restore() for the stores of the tasks it just created, before any of
// them processes a record:
//
//   1. For every store: read its checkpoint (the offset of the last changelog record it holds,
//      kept inside the store, in the same atomic write as the data) and the changelog
//      partition's log start and end offsets (watermarks). Restore from checkpoint + 1, or from
//      the log start when there is no checkpoint (new, wiped or in-memory store), up to the end
//      offset as of now (exclusive). Nothing to read: nothing is done nor reported.
//      A checkpoint past the end (the changelog was deleted and re-created) or before the log
//      start (records the store never saw were deleted: retention, or the embedded cluster's
//      size limit) means the store cannot be brought up to date incrementally: it is cleared
//      (every key deleted, checkpoint = log start - 1, in restore writes that are not logged)
//      and rebuilt from the log start, as Kafka Streams wipes a corrupted task.
//   2. Assign all those changelog partitions at once to the restore consumer (a consumer of
//      its own, no group, never subscribes: seek/pause/resume never touch the main consumer,
//      whose batch consumption librdkafka 2.0.2 cannot mix with them) at their start offsets.
//   3. Consume batches; per batch and partition, apply the records with restoreBatch(records,
//      offset of the last one), which writes data and checkpoint in one atomic write (the
//      change-logging layer does not log them), and report onBatchRestored.
//   4. A partition is done when the next offset to read reaches its end offset: report
//      onRestoreEnd. When all are done, unassign and return.
//
// Blocking is simple and correct (a task must not process before its state is complete), at a
// price: while restoring, the thread does not poll its main consumer. librdkafka heartbeats in
// the background, so the group session stays alive, but a restoration longer than
// max.poll.interval.ms (librdkafka's default 300 s; ~100M records at the measured restore
// rate) makes the member leave the group. A rebalance started meanwhile waits for this thread
// to poll again (up to the same limit).
//
// Threads: used by its stream thread only; `stop` may be set from any thread (shutdown) and is
// checked between batches.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/kafka_handles.h"
#include "kstreams/state/key_value_store.h"
#include "kstreams/state_restore_listener.h"

namespace kstreams::internal {

class StateRestorer {
 public:
  // One logged store of one task.
  struct Target {
    std::string store_name;
    TopicPartition changelog;
    // The task's byte store (any layer: restoreBatch goes to the innermost store unlogged).
    // Borrowed; must stay open during restore().
    state::KeyValueStore* store = nullptr;
    // Turns a changelog record's value (never null here) into the bytes the store keeps:
    // timestamped stores put the record's timestamp in front. Null: the value as it is.
    std::function<void(std::string_view value, int64_t timestamp, std::string& out)> to_store_value;
  };

  // What one restore() call did, for logs and benchmarks.
  struct Summary {
    int64_t records = 0;         // records applied
    int64_t partitions = 0;      // changelog partitions that needed restoring
    int64_t cleared_stores = 0;  // stores cleared because their checkpoint was out of range
    double seconds = 0;
  };

  // `consumer_props`: librdkafka settings of the thread's consumer; the group settings are
  // dropped and client.id set to "<log_prefix>-restore-consumer". The consumer is created on
  // first use. InvalidArgument when librdkafka rejects the settings.
  static absl::StatusOr<std::unique_ptr<StateRestorer>> create(ClientProperties consumer_props,
                                                               std::string log_prefix);
  ~StateRestorer();
  StateRestorer(const StateRestorer&) = delete;
  StateRestorer& operator=(const StateRestorer&) = delete;

  // Brings every target up to its changelog's current end offset (see the file comment).
  // `listener` may be null. Returns Cancelled when `stop` became true first (what was restored
  // is kept with its checkpoint; onRestoreSuspended is reported), Unavailable / DeadlineExceeded
  // when the cluster does not answer, or the store's error when a write fails.
  absl::StatusOr<Summary> restore(const std::vector<Target>& targets,
                                  const std::shared_ptr<StateRestoreListener>& listener,
                                  const std::atomic<bool>& stop);

  // Longest wait for the next record of a partition that is not done yet before restore()
  // gives up with DeadlineExceeded.
  static constexpr int kStallTimeoutMs = 120'000;
  // Most records taken from the consumer per batch call.
  static constexpr int kMaxBatch = 10'000;

 private:
  StateRestorer(ClientProperties props, std::string log_prefix);
  absl::Status ensureConsumer();

  ClientProperties props_;
  std::string log_prefix_;
  RdKafkaPtr consumer_;
  RdKafkaQueuePtr queue_;
};

}  // namespace kstreams::internal
