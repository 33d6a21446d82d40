// File: kstreams/state_restore_listener.h
//
// Progress of state restoration (Java's org.apache.kafka.streams.processor.StateRestoreListener).
// When a stream thread gets a task whose stores are logged, it rebuilds each store from its
// changelog partition ("<application.id>-<store>-changelog", partition = the task's partition)
// before the task processes a record: from the store's checkpoint (or the start of the
// changelog for a new, wiped or in-memory store) up to the changelog's end offset as of the
// start of the restoration. A listener sees that happen:
//
//   class Progress : public kstreams::StateRestoreListener {
//     void onRestoreStart(const kstreams::TopicPartition& tp, const std::string& store,
//                         int64_t start, int64_t end) override {
//       std::cerr << store << " " << tp << ": restoring " << end - start << " offsets\n";
//     }
//     void onRestoreEnd(const kstreams::TopicPartition& tp, const std::string& store,
//                       int64_t total) override {
//       std::cerr << store << " " << tp << ": restored " << total << " records\n";
//     }
//   };
//   streams.setGlobalStateRestoreListener(std::make_shared<Progress>());
//
// A store whose changelog has nothing past its checkpoint is not restored and not reported.
//
// Threads: one listener serves every stream thread of a KafkaStreams client, so its methods may
// run concurrently on several threads (each call on the thread restoring that store); give it
// its own locking if it keeps state. Calls for one changelog partition come in order: start,
// batches, end. Keep them short: the thread restores its next batch only after the call
// returns. An exception escaping a listener method is logged and otherwise ignored.
#pragma once

#include <compare>
#include <cstdint>
#include <ostream>
#include <string>

namespace kstreams {

// A partition of a topic.
struct TopicPartition {
  std::string topic;
  int32_t partition = 0;

  auto operator<=>(const TopicPartition&) const = default;
  // "<topic>-<partition>", as Kafka prints it.
  std::string toString() const { return topic + "-" + std::to_string(partition); }
  friend std::ostream& operator<<(std::ostream& os, const TopicPartition& tp) {
    return os << tp.topic << "-" << tp.partition;
  }
};

class StateRestoreListener {
 public:
  virtual ~StateRestoreListener() = default;

  // Restoration of `store` from `changelog` begins. `starting_offset` is the first offset that
  // will be read (the store's checkpoint + 1, or the log start offset); `ending_offset` is the
  // exclusive end: the changelog's end offset (high watermark) when restoration began.
  virtual void onRestoreStart(const TopicPartition& changelog, const std::string& store,
                              int64_t starting_offset, int64_t ending_offset) {
    (void)changelog, (void)store, (void)starting_offset, (void)ending_offset;
  }
  // A batch was written to the store, together with its checkpoint, in one atomic write.
  // `batch_end_offset` is the offset of the batch's last record (inclusive); `num_restored` the
  // number of records in this batch.
  virtual void onBatchRestored(const TopicPartition& changelog, const std::string& store,
                               int64_t batch_end_offset, int64_t num_restored) {
    (void)changelog, (void)store, (void)batch_end_offset, (void)num_restored;
  }
  // The store has caught up with `ending_offset`; `total_restored` records were applied.
  virtual void onRestoreEnd(const TopicPartition& changelog, const std::string& store,
                            int64_t total_restored) {
    (void)changelog, (void)store, (void)total_restored;
  }
  // Restoration stopped before the end because the client is shutting down (Java's
  // onRestoreSuspended). What was restored is kept, with its checkpoint: the next start resumes
  // from there.
  virtual void onRestoreSuspended(const TopicPartition& changelog, const std::string& store,
                                  int64_t total_restored) {
    (void)changelog, (void)store, (void)total_restored;
  }
};

}  // namespace kstreams
