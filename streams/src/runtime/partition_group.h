// Private to kstreams.
//
// PartitionGroup (Kafka Streams' PartitionGroup + RecordQueue): the records a stream thread has
// fetched for one task and not processed yet, one FIFO per input partition, and the choice of
// the next record to process.
//
//   - Records within one partition keep their offset order.
//   - Each partition's head record gets its timestamp from the source's TimestampExtractor when
//     it becomes the head (as Java's RecordQueue#updateHead), with the partition time (largest
//     timestamp taken from that partition so far); a negative timestamp skips it there
//     (StreamTask::skipRecord: logged, counted, its offset consumed).
//   - Across partitions the head with the lowest timestamp goes first (ties: the partition
//     listed first, i.e. the task's source topic order).
//   - max.task.idle.ms (Java's PartitionGroup#readyToProcess) for partitions with nothing
//     buffered: -1 never waits; otherwise the task waits while such a partition may still have
//     records on the broker (no end-of-partition event since its last record: librdkafka's
//     enable.partition.eof stands in for Java's fetched lag), and for a partition known to be
//     caught up it waits max.task.idle.ms from the moment it found it empty, then processes the
//     others ("enforced processing", counted). A task with one input partition never waits.
//   - buffered.records.per.partition: a partition holding more is paused on the consumer
//     (rd_kafka_pause_partitions) and resumed once the task has drained it back to that
//     number, as Java's StreamTask does. The group resumes what it paused when destroyed.
//
// A task with one partition takes a fast path: no choice, no idle logic. Nothing is allocated
// per record beyond what building the record's headers needs (as before the group existed).
//
// Threads: owned and used by the task's stream thread only.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/internal/node.h"
#include "kstreams/timestamp_extractor.h"
#include "runtime/stream_task.h"

namespace kstreams::internal {

// A FIFO of fetched messages on a power-of-two ring that grows by doubling and never shrinks:
// a steady flow allocates nothing (std::deque allocates and frees a block every 64 entries).
class MessageRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push_back(rd_kafka_message_t* m) {
    if (size_ == buf_.size()) grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = m;
    ++size_;
  }
  rd_kafka_message_t* front() const { return buf_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }
  rd_kafka_message_t* at(size_t i) const { return buf_[(head_ + i) & (buf_.size() - 1)]; }

 private:
  void grow() {
    std::vector<rd_kafka_message_t*> next(buf_.empty() ? 64 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) next[i] = at(i);
    buf_.swap(next);
    head_ = 0;
  }
  std::vector<rd_kafka_message_t*> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

class PartitionGroup {
 public:
  // One input partition of the task.
  struct Queue {
    PartitionGroup* group = nullptr;
    std::string topic;  // full name
    int32_t partition = -1;
    const TimestampExtractor* extractor = nullptr;
    MessageRing fifo;                    // fetched, not the head yet; owned
    rd_kafka_message_t* head = nullptr;  // owned; head_raw views it
    RawRecord head_raw;                  // timestamp = the extracted one
    int64_t partition_time = -1;
    // An end-of-partition event came after the last record fetched: lag 0 as of that fetch.
    bool caught_up = false;
    // The next offset after what the consumer handed out for this partition: the last record's
    // offset + 1, or an end-of-partition event's offset (which also steps over transaction
    // markers at the end); -1 before either. (rd_kafka_position() is not used: after an
    // end-of-partition event librdkafka 2.8 reports one past the end.)
    int64_t position = -1;
    bool paused = false;
    int64_t idle_deadline = -1;  // when it was found empty and caught up (max.task.idle.ms)
    size_t size() const { return fifo.size() + (head != nullptr ? 1 : 0); }
  };

  // `consumer` (may be null in tests): where partitions are paused and resumed.
  PartitionGroup(StreamTask& task, rd_kafka_t* consumer, int64_t max_task_idle_ms,
                 int64_t max_buffered_per_partition, std::string log_prefix);
  ~PartitionGroup();
  PartitionGroup(const PartitionGroup&) = delete;
  PartitionGroup& operator=(const PartitionGroup&) = delete;

  StreamTask& task() { return task_; }
  // The queue of (topic, partition), made for each of the task's source topics at construction.
  Queue* queue(std::string_view topic);

  // Takes ownership of a fetched record of `q`'s partition (also when it throws). May run the
  // extractor (when the record becomes the head) and so throw like
  // StreamTask::extractTimestamp.
  void add(Queue& q, rd_kafka_message_t* message);
  // librdkafka's end-of-partition event for `q`'s partition, at `offset` (the end).
  void onEndOfPartition(Queue& q, int64_t offset) {
    q.caught_up = true;
    if (offset > q.position) q.position = offset;
  }

  // Processes records, lowest head timestamp first, while the task is ready (see above) and at
  // most `max_records`; checks stream-time punctuation after each. Returns the number of
  // records processed or skipped. Throws what StreamTask::process throws; the record that threw
  // is destroyed and its offset not counted as consumed.
  int64_t process(int64_t wall_clock_ms, int64_t max_records);

  // Whether `topic`/`partition` has fetched records not processed yet (the consumer's position
  // is then ahead of what may be committed).
  bool hasBuffered(std::string_view topic) const;
  // The offset to commit for `topic` when everything handed out for it is processed: its
  // position (see Queue); -1 when records are still buffered or nothing was handed out.
  int64_t committablePosition(std::string_view topic) const;
  int64_t buffered() const { return buffered_; }
  // The earliest idle deadline of a task waiting for a caught-up partition (-1: none): the
  // stream thread must look again by then.
  int64_t nextIdleDeadline() const;
  // The partition time of `topic`'s partition (-1: unknown).
  int64_t partitionTime(std::string_view topic) const;
  // Sets it from a committed offset's metadata (before anything is processed); the task's stream
  // time moves up to it too, as Java's PartitionGroup#setPartitionTime.
  void setPartitionTime(std::string_view topic, int64_t partition_time);
  int64_t enforcedProcessingCount() const { return enforced_processing_; }
  int64_t pauseCount() const { return pauses_; }

 private:
  void updateHead(Queue& q);
  bool readyToProcess(int64_t wall_clock_ms);
  Queue* lowestHead();
  void pause(Queue& q, bool pause);

  StreamTask& task_;
  rd_kafka_t* consumer_;
  const int64_t max_task_idle_ms_;
  const int64_t max_buffered_;
  const std::string log_prefix_;
  std::vector<std::unique_ptr<Queue>> queues_;
  int64_t buffered_ = 0;
  int64_t enforced_processing_ = 0;
  int64_t pauses_ = 0;
};

// The metadata of a committed input offset, as Kafka Streams writes and reads it
// (TopicPartitionMetadata): Base64 of [version 2][8-byte big-endian partition time] (no
// processor metadata). decode() also reads version 1 and gives -1 for anything else.
std::string encodeOffsetMetadata(int64_t partition_time);
int64_t decodeOffsetMetadata(std::string_view metadata);

}  // namespace kstreams::internal
