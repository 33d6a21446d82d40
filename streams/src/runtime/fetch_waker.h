// Private: keeps librdkafka 2.0.2's fetcher busy while a stream thread works through a backlog,
// with a small prefetch queue.
//
// Why: the consumer stops fetching once its prefetch queue holds queued.min.messages or
// queued.max.messages.kbytes (the partitions' queues are forwarded to the one consumer queue,
// so the limits are global), and it re-checks only when something wakes its broker thread: a
// response, a request to send, or a fixed 1-second timer (`rd_kafka_max_block_ms`; 2.2 made
// it `fetch.queue.backoff.ms`). Nothing wakes it when the application drains the queue, so a
// thread that processes its prefetch in 0.1 s idles for the remaining 0.9 s. The only ways
// around that are a prefetch holding more than a second of input (hundreds of MB per thread:
// each queued record costs its op, ~250 B, on top of the fetch buffer it pins) or waking the
// fetcher. This does the second: once the queue was (nearly) full and has drained to half,
// it sends one ListOffsets request to the leader of every assigned partition
// (`rd_kafka_offsets_for_times` at "latest", one request per leader broker); the request
// passes through the broker thread that fetches those partitions, which re-checks the queue
// and fetches again. Measured in bench/side_by_side/README.md.
//
// Limit: with fetch-from-follower (client.rack) the fetching broker is not the leader, and the
// request wakes the wrong thread; the fetcher then falls back to its 1-second timer.
//
// Owned and called by one stream thread (or the restore loop) only.

#ifndef KSTREAMS_STREAMS_SRC_RUNTIME_FETCH_WAKER_H_
#define KSTREAMS_STREAMS_SRC_RUNTIME_FETCH_WAKER_H_

#include <cstdint>
#include <functional>

#include "kafka/kafka_handles.h"

namespace kstreams::internal {

class FetchWaker {
 public:
  // Sends the wake-up requests: by default rd_kafka_offsets_for_times for every partition at
  // "latest", without waiting for the answers. Replaceable for tests.
  using Sender = std::function<void(rd_kafka_t*, rd_kafka_topic_partition_list_t*)>;

  // Reads the queue limits (queued.min.messages, queued.max.messages.kbytes, librdkafka's
  // defaults when absent) from the consumer's settings.
  explicit FetchWaker(const ClientProperties& consumer_props, Sender sender = nullptr);

  FetchWaker(const FetchWaker&) = delete;
  FetchWaker& operator=(const FetchWaker&) = delete;

  // The consumer and the partitions to wake the leaders of (the thread's assignment; null or
  // empty: none). The consumer must outlive the waker or its stop().
  void setAssignment(rd_kafka_t* consumer, const rd_kafka_topic_partition_list_t* partitions);

  // After each poll, with the records it returned and the consumer queue's length after it.
  // `n` + `queued` is what the queue held when the poll began: when that was (nearly) full the
  // fetcher may have stopped, and once at most half is left it is woken, before the batch is
  // processed, so that the refill overlaps the work. Also tracks the average value size, to
  // estimate the queue's bytes the way librdkafka counts them (values only). Does not block.
  void afterPoll(rd_kafka_message_t* const* batch, int n, int64_t queued);

  // No wake-ups from now on (the consumer is about to close). Idempotent.
  void stop() { stopped_ = true; }

  int64_t wakeups() const { return wakeups_; }

 private:
  void wake();

  const Sender sender_;
  const int64_t limit_messages_;
  const int64_t limit_bytes_;
  double average_value_bytes_ = 0;
  bool maybe_stopped_ = false;
  bool stopped_ = false;
  int64_t wakeups_ = 0;
  rd_kafka_t* consumer_ = nullptr;
  RdKafkaPartitionListPtr partitions_;  // offsets set to "latest"
};

}  // namespace kstreams::internal

#endif  // KSTREAMS_STREAMS_SRC_RUNTIME_FETCH_WAKER_H_
