// Private to kstreams.
//
// RecordCollector is the producer side of a stream thread (Kafka Streams' RecordCollectorImpl):
// the RecordSender its tasks write sink and dead-letter records to, over one librdkafka
// producer. It keeps the at-least-once bookkeeping the thread needs before committing:
//
//   - send() queues a copy of the record. A full local queue (QUEUE_FULL) is waited out by
//     serving delivery reports and retrying, never dropped.
//   - Delivery reports arrive through poll()/flush() on the owning thread. A failed delivery
//     goes to the production exception handler: kContinue logs it and counts it as skipped;
//     kFail (or a handler that throws) marks the collector failed, after which send() and
//     flush() throw / fail, so the thread dies before committing the input of the lost record.
//     A record of an internal topic (markInternal: changelogs, repartition topics) always fails,
//     without asking the handler: skipping it would leave a store and its changelog apart (the
//     checkpoint would still move past the lost update) or drop a record half-way through the
//     application.
//   - flush() returns only when every record sent so far is acknowledged or failed, and then
//     reports the first failure: the thread's commit step is `flush(); commit offsets`.
//   - For topics registered with trackAcknowledgedOffsets() (changelogs), the delivery reports
//     also record the highest acknowledged offset per partition, which the thread writes as the
//     stores' checkpoints after a flush. Records of other topics pay nothing for it (the marker
//     is the message's opaque pointer, null for them).
//
// Threads: everything but construction is called from the owning stream thread only, including
// librdkafka's callbacks (served by poll()/flush() there), so no lock is taken per record.
#pragma once

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/kafka_handles.h"
#include "kstreams/error_handlers.h"
#include "runtime/stream_task.h"

namespace kstreams::internal {

class RecordCollector final : public RecordSender {
 public:
  // Creates the producer from `props` (passed to librdkafka as they are). `log_prefix` starts
  // every log line (the thread's name). InvalidArgument when librdkafka rejects the settings.
  static absl::StatusOr<std::unique_ptr<RecordCollector>> create(const ClientProperties& props,
                                                                 ProductionExceptionHandler handler,
                                                                 std::string log_prefix);

  // Flushes what it can within a few seconds, then destroys the producer.
  ~RecordCollector() override;

  RecordCollector(const RecordCollector&) = delete;
  RecordCollector& operator=(const RecordCollector&) = delete;

  // RecordSender. Throws StreamsException when the collector has failed, or when librdkafka
  // refuses the record at once (e.g. too large) and the production handler says kFail.
  void send(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t timestamp,
            const Headers& headers) override;

  // Serves pending delivery reports without blocking.
  void poll();

  // Blocks until every record sent so far has been acknowledged or has failed, then returns
  // the first failure that the production handler turned into kFail (Internal), or OK.
  absl::Status flush();

  // Whether a failure was turned into kFail; the first one's description.
  bool failed() const { return failed_; }
  const std::string& failure() const { return failure_; }

  // Makes a failed send to `topic` fail the thread whatever the production handler says
  // (idempotent). Changelogs registered with trackAcknowledgedOffsets() are internal already.
  void markInternal(const std::string& topic);

  // Starts recording acknowledged offsets of `topic` (idempotent). Records sent before the call
  // are not recorded.
  void trackAcknowledgedOffsets(const std::string& topic);
  // Forgets the acknowledgements of `topic`-`partition` so far: a task that takes the partition
  // over must not checkpoint what an earlier owner of it wrote. Call after flush(), or the
  // acknowledgements of records still in flight arrive afterwards.
  void forgetAcknowledged(const std::string& topic, int32_t partition);
  // The highest offset of `topic`-`partition` the broker acknowledged so far; nullopt if none was
  // (or the topic is not tracked). After flush() returned OK: the offset of the last record sent
  // there, unless the production handler skipped failed ones.
  std::optional<int64_t> acknowledgedOffset(const std::string& topic, int32_t partition) const;

  int64_t sent() const { return sent_; }
  int64_t skipped() const { return skipped_; }

  rd_kafka_t* handle() const { return rk_.get(); }

 private:
  RecordCollector(ProductionExceptionHandler handler, std::string log_prefix);

  static void onDelivery(rd_kafka_t* rk, const rd_kafka_message_t* message, void* opaque);
  static void onError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  // Highest acknowledged offset per partition of one tracked topic (-1: none yet).
  struct AckTracker {
    std::vector<int64_t> acked;
    void ack(int32_t partition, int64_t offset);
  };
  struct TopicEntry {
    std::string name;
    rd_kafka_topic_t* rkt = nullptr;
    AckTracker* tracker = nullptr;  // null: not tracked
  };

  const TopicEntry& topicEntry(const std::string& topic);
  bool isInternal(std::string_view topic) const { return internal_topics_.count(topic) > 0; }
  // Applies the production handler to a failed record; sets failed_ on kFail.
  void handleFailure(const std::string& topic, int32_t partition, const std::string& error,
                     std::optional<std::string_view> key, std::optional<std::string_view> value,
                     int64_t timestamp);
  [[noreturn]] void throwFailed() const;

  ProductionExceptionHandler handler_;
  std::string log_prefix_;
  RdKafkaPtr rk_;
  // Topic handles by name: looking a topic up by name in librdkafka takes its handle lock on
  // every record; a handle resolved once does not. The last one used is cached as well.
  std::vector<TopicEntry> topics_;
  size_t last_topic_ = 0;
  std::map<std::string, std::unique_ptr<AckTracker>, std::less<>> trackers_;
  std::set<std::string, std::less<>> internal_topics_;
  bool failed_ = false;
  std::string failure_;
  int64_t sent_ = 0;
  int64_t skipped_ = 0;
};

}  // namespace kstreams::internal
