#include "runtime/partition_group.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "kafka/kafka_handles.h"
#include "kstreams/logging.h"

namespace kstreams::internal {
namespace {

// The record `message` as the task sees it; views into the message, which must outlive it.
void toRawRecord(const rd_kafka_message_t* message, std::string_view topic, RawRecord& raw) {
  raw.topic = topic;
  raw.partition = message->partition;
  raw.offset = message->offset;
  raw.timestamp = rd_kafka_message_timestamp(message, nullptr);
  raw.key.reset();
  raw.value.reset();
  if (message->key != nullptr) {
    raw.key.emplace(static_cast<const char*>(message->key), message->key_len);
  }
  if (message->payload != nullptr) {
    raw.value.emplace(static_cast<const char*>(message->payload), message->len);
  }
  raw.headers = Headers();
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      headers != nullptr) {
    const char* name;
    const void* value;
    size_t size;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      raw.headers.add(name, value ? std::optional<std::string>(
                                        std::in_place, static_cast<const char*>(value), size)
                                  : std::nullopt);
    }
  }
}

// Destroys a message at the end of a scope, whatever happens.
struct MessageGuard {
  rd_kafka_message_t* message;
  ~MessageGuard() {
    if (message != nullptr) rd_kafka_message_destroy(message);
  }
};

}  // namespace

PartitionGroup::PartitionGroup(StreamTask& task, rd_kafka_t* consumer, int64_t max_task_idle_ms,
                               int64_t max_buffered_per_partition, std::string log_prefix)
    : task_(task),
      consumer_(consumer),
      max_task_idle_ms_(max_task_idle_ms),
      max_buffered_(max_buffered_per_partition),
      log_prefix_(std::move(log_prefix)) {
  for (const std::string& topic : task.sourceTopics()) {
    auto q = std::make_unique<Queue>();
    q->group = this;
    q->topic = topic;
    q->partition = task.taskId().partition;
    q->extractor = &task.timestampExtractor(topic);
    queues_.push_back(std::move(q));
  }
}

PartitionGroup::~PartitionGroup() {
  for (auto& q : queues_) {
    if (q->head != nullptr) rd_kafka_message_destroy(q->head);
    for (size_t i = 0; i < q->fifo.size(); ++i) rd_kafka_message_destroy(q->fifo.at(i));
    // A paused partition would stay paused if it came back to this consumer later.
    if (q->paused) pause(*q, false);
  }
}

PartitionGroup::Queue* PartitionGroup::queue(std::string_view topic) {
  for (auto& q : queues_) {
    if (q->topic == topic) return q.get();
  }
  return nullptr;
}

void PartitionGroup::add(Queue& q, rd_kafka_message_t* message) {
  q.caught_up = false;
  q.position = message->offset + 1;
  q.fifo.push_back(message);
  ++buffered_;
  if (q.head == nullptr) updateHead(q);
  if (!q.paused && static_cast<int64_t>(q.size()) > max_buffered_) pause(q, true);
}

void PartitionGroup::updateHead(Queue& q) {
  while (q.head == nullptr && !q.fifo.empty()) {
    rd_kafka_message_t* message = q.fifo.front();
    q.fifo.pop_front();
    toRawRecord(message, q.topic, q.head_raw);
    int64_t ts = 0;
    try {
      ts = task_.extractTimestamp(*q.extractor, q.head_raw, q.partition_time);
    } catch (...) {
      --buffered_;
      rd_kafka_message_destroy(message);
      throw;
    }
    if (ts < 0) {
      --buffered_;
      task_.skipRecord(q.head_raw, ts);
      rd_kafka_message_destroy(message);
      continue;
    }
    q.head_raw.timestamp = ts;
    q.head = message;
  }
}

void PartitionGroup::pause(Queue& q, bool pause) {
  q.paused = pause;
  if (pause) ++pauses_;
  if (logEnabled(LogLevel::kDebug)) {
    logLine(LogLevel::kDebug,
            absl::StrCat(log_prefix_, ": ", pause ? "pausing " : "resuming ", q.topic, "-",
                         q.partition, " with ", q.size(), " records buffered"));
  }
  if (consumer_ == nullptr) return;
  RdKafkaPartitionListPtr list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), q.topic.c_str(), q.partition);
  rd_kafka_resp_err_t err = pause ? rd_kafka_pause_partitions(consumer_, list.get())
                                  : rd_kafka_resume_partitions(consumer_, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR && logEnabled(LogLevel::kWarn)) {
    logLine(LogLevel::kWarn,
            absl::StrCat(log_prefix_, ": ", pause ? "pausing " : "resuming ", q.topic, "-",
                         q.partition, " failed: ", rd_kafka_err2name(err)));
  }
}

bool PartitionGroup::readyToProcess(int64_t wall_clock_ms) {
  if (max_task_idle_ms_ < 0) return buffered_ > 0;
  bool queued = false;
  bool enforced = false;
  for (auto& q : queues_) {
    if (q->head != nullptr) {
      q->idle_deadline = -1;
      queued = true;
    } else if (!q->caught_up) {
      // Records may be on the broker (or the lag is not known yet): wait for them.
      q->idle_deadline = -1;
      return false;
    } else {
      if (q->idle_deadline < 0) q->idle_deadline = wall_clock_ms + max_task_idle_ms_;
      if (wall_clock_ms < q->idle_deadline) return false;
      enforced = true;
    }
  }
  if (!queued) return false;
  if (enforced) {
    ++enforced_processing_;
    if (logEnabled(LogLevel::kDebug)) {
      logLine(LogLevel::kDebug, absl::StrCat(log_prefix_, ": task ", task_.taskId().toString(),
                                             " processes although some input partitions are "
                                             "empty (max.task.idle.ms passed)"));
    }
  }
  return true;
}

PartitionGroup::Queue* PartitionGroup::lowestHead() {
  Queue* best = nullptr;
  for (auto& q : queues_) {
    if (q->head == nullptr) continue;
    if (best == nullptr || q->head_raw.timestamp < best->head_raw.timestamp) best = q.get();
  }
  return best;
}

int64_t PartitionGroup::process(int64_t wall_clock_ms, int64_t max_records) {
  int64_t done = 0;
  const bool single = queues_.size() == 1;
  while (done < max_records && buffered_ > 0) {
    Queue* q = nullptr;
    if (single) {
      q = queues_.front().get();  // fast path: no choice, never waits
      if (q->head == nullptr) break;
    } else {
      if (!readyToProcess(wall_clock_ms)) break;
      q = lowestHead();
      if (q == nullptr) break;
    }
    MessageGuard guard{q->head};
    q->head = nullptr;
    --buffered_;
    ++done;
    if (task_.process(q->head_raw) && q->head_raw.timestamp > q->partition_time) {
      q->partition_time = q->head_raw.timestamp;
    }
    task_.maybePunctuateStreamTime();
    updateHead(*q);
    if (q->paused && static_cast<int64_t>(q->size()) <= max_buffered_) pause(*q, false);
  }
  return done;
}

bool PartitionGroup::hasBuffered(std::string_view topic) const {
  for (const auto& q : queues_) {
    if (q->topic == topic) return q->size() > 0;
  }
  return false;
}

int64_t PartitionGroup::committablePosition(std::string_view topic) const {
  for (const auto& q : queues_) {
    if (q->topic == topic) return q->size() > 0 ? -1 : q->position;
  }
  return -1;
}

int64_t PartitionGroup::partitionTime(std::string_view topic) const {
  for (const auto& q : queues_) {
    if (q->topic == topic) return q->partition_time;
  }
  return -1;
}

void PartitionGroup::setPartitionTime(std::string_view topic, int64_t partition_time) {
  for (auto& q : queues_) {
    if (q->topic != topic) continue;
    q->partition_time = partition_time;
    task_.initializeStreamTime(partition_time);
  }
}

std::string encodeOffsetMetadata(int64_t partition_time) {
  std::string raw(9, '\0');
  raw[0] = 2;  // TopicPartitionMetadata.LATEST_MAGIC_BYTE; no processor metadata follows
  for (int i = 0; i < 8; ++i) {
    raw[1 + i] = static_cast<char>(static_cast<uint64_t>(partition_time) >> (56 - 8 * i));
  }
  return absl::Base64Escape(raw);
}

int64_t decodeOffsetMetadata(std::string_view metadata) {
  std::string raw;
  if (metadata.empty() ||
      !absl::Base64Unescape(absl::string_view(metadata.data(), metadata.size()), &raw)) {
    return -1;
  }
  if (raw.size() < 9 || (raw[0] != 1 && raw[0] != 2)) return -1;
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(raw[1 + i]);
  return static_cast<int64_t>(v);
}

int64_t PartitionGroup::nextIdleDeadline() const {
  int64_t next = -1;
  if (buffered_ == 0) return next;
  for (const auto& q : queues_) {
    if (q->head == nullptr && q->idle_deadline >= 0 && (next < 0 || q->idle_deadline < next)) {
      next = q->idle_deadline;
    }
  }
  return next;
}

}  // namespace kstreams::internal
