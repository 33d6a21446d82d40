#include "runtime/fetch_waker.h"

#include <utility>

#include "absl/strings/numbers.h"

namespace kstreams::internal {
namespace {

int64_t propertyOr(const ClientProperties& props, const char* key, int64_t fallback) {
  auto it = props.find(key);
  if (it == props.end()) return fallback;
  int64_t value = 0;
  return absl::SimpleAtoi(it->second, &value) && value > 0 ? value : fallback;
}

// Send, do not wait: librdkafka drops the answers (its callback handles ERR__DESTROY for
// exactly this), and finds the leaders in its metadata cache or not at all.
constexpr int kNoWait = 0;

}  // namespace

FetchWaker::FetchWaker(const ClientProperties& consumer_props, Sender sender)
    : sender_(sender ? std::move(sender)
                     : Sender([](rd_kafka_t* consumer, rd_kafka_topic_partition_list_t* query) {
                         // The answer (end offsets) is not needed; a failure only means the
                         // fetcher waits for its timer, as it would without this.
                         rd_kafka_offsets_for_times(consumer, query, kNoWait);
                       })),
      limit_messages_(propertyOr(consumer_props, "queued.min.messages", 100000)),
      limit_bytes_(propertyOr(consumer_props, "queued.max.messages.kbytes", 65536) * 1024) {}

void FetchWaker::setAssignment(rd_kafka_t* consumer,
                               const rd_kafka_topic_partition_list_t* partitions) {
  maybe_stopped_ = false;
  consumer_ = consumer;
  partitions_.reset();
  if (partitions != nullptr && partitions->cnt > 0) {
    partitions_.reset(rd_kafka_topic_partition_list_new(partitions->cnt));
    for (int i = 0; i < partitions->cnt; ++i) {
      rd_kafka_topic_partition_list_add(partitions_.get(), partitions->elems[i].topic,
                                        partitions->elems[i].partition)
          ->offset = RD_KAFKA_OFFSET_END;  // as a timestamp: "latest"
    }
  }
}

void FetchWaker::afterPoll(rd_kafka_message_t* const* batch, int n, int64_t queued) {
  if (n > 0) {
    size_t total = 0;
    for (int i = 0; i < n; ++i) total += batch[i]->len;
    const double batch_average = static_cast<double>(total) / n;
    average_value_bytes_ = average_value_bytes_ == 0
                               ? batch_average
                               : 0.9 * average_value_bytes_ + 0.1 * batch_average;
  }
  // librdkafka stops at >= either limit; "nearly" (3/4) because the value sizes are estimated.
  const double value_bytes = average_value_bytes_;
  auto atLeast = [&](int64_t messages, int64_t numerator, int64_t denominator) {
    return messages * denominator >= limit_messages_ * numerator ||
           static_cast<double>(messages) * value_bytes * static_cast<double>(denominator) >=
               static_cast<double>(limit_bytes_) * static_cast<double>(numerator);
  };
  if (atLeast(n + queued, 3, 4)) maybe_stopped_ = true;
  if (maybe_stopped_ && !atLeast(queued, 1, 2)) {
    maybe_stopped_ = false;
    wake();
  }
}

void FetchWaker::wake() {
  if (stopped_ || consumer_ == nullptr || partitions_ == nullptr) return;
  ++wakeups_;
  // A copy: the call writes the answers into it.
  RdKafkaPartitionListPtr query(rd_kafka_topic_partition_list_copy(partitions_.get()));
  sender_(consumer_, query.get());
}

}  // namespace kstreams::internal
