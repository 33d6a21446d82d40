#include "runtime/record_collector.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kstreams/errors.h"
#include "kstreams/logging.h"

namespace kstreams::internal {
namespace {

// How long the destructor waits for records still in flight (the thread's clean shutdown path
// has flushed already; this bounds the failure path).
constexpr int kCloseFlushMs = 2000;
// Slice of a blocking flush, so that long waits show up in the debug log.
constexpr int kFlushSliceMs = 500;
// How long send() lets librdkafka drain a full queue before retrying.
constexpr int kQueueFullPollMs = 10;

// A failed delivery's reason: the broker's message when it sent one, else the code's text.
// (rd_kafka_message_errstr would return the record's payload for a produced message.)
const char* deliveryError(const rd_kafka_message_t* message) {
  const char* broker = rd_kafka_message_produce_errstr(message);
  return broker != nullptr && *broker != '\0' ? broker : rd_kafka_err2str(message->err);
}

}  // namespace

RecordCollector::RecordCollector(ProductionExceptionHandler handler, std::string log_prefix)
    : handler_(std::move(handler)), log_prefix_(std::move(log_prefix)) {}

absl::StatusOr<std::unique_ptr<RecordCollector>> RecordCollector::create(
    const ClientProperties& props, ProductionExceptionHandler handler, std::string log_prefix) {
  std::unique_ptr<RecordCollector> collector(
      new RecordCollector(std::move(handler), std::move(log_prefix)));
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf(props);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_opaque(conf->get(), collector.get());
  rd_kafka_conf_set_dr_msg_cb(conf->get(), &RecordCollector::onDelivery);
  rd_kafka_conf_set_error_cb(conf->get(), &RecordCollector::onError);
  char errstr[512];
  RdKafkaPtr rk(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
  if (rk == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("cannot create Kafka producer: ", errstr));
  }
  conf->release();  // owned by rk now
  collector->rk_ = std::move(rk);
  return collector;
}

RecordCollector::~RecordCollector() {
  if (rk_ == nullptr) return;
  if (rd_kafka_flush(rk_.get(), kCloseFlushMs) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    internal::logLine(LogLevel::kWarn,
                      absl::StrCat(log_prefix_, ": closing the producer with ",
                                   rd_kafka_outq_len(rk_.get()), " records not acknowledged"));
    // Destroying a producer with records in flight can wait for their requests; drop them.
    rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  }
  for (TopicEntry& t : topics_) rd_kafka_topic_destroy(t.rkt);
  topics_.clear();
  rk_.reset();
}

const RecordCollector::TopicEntry& RecordCollector::topicEntry(const std::string& topic) {
  if (last_topic_ < topics_.size() && topics_[last_topic_].name == topic) {
    return topics_[last_topic_];
  }
  for (size_t i = 0; i < topics_.size(); ++i) {
    if (topics_[i].name == topic) {
      last_topic_ = i;
      return topics_[i];
    }
  }
  // Topic-level settings given on the producer's config (partitioner, acks…) are its default
  // topic config, which a null topic config inherits.
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
  if (rkt == nullptr) {
    throw StreamsException(absl::StrCat(log_prefix_, ": cannot create a producer handle for topic ",
                                        topic, ": ", rd_kafka_err2str(rd_kafka_last_error())));
  }
  auto tracker = trackers_.find(topic);
  topics_.push_back(
      TopicEntry{topic, rkt, tracker == trackers_.end() ? nullptr : tracker->second.get()});
  last_topic_ = topics_.size() - 1;
  return topics_.back();
}

void RecordCollector::AckTracker::ack(int32_t partition, int64_t offset) {
  if (partition < 0) return;
  if (acked.size() <= static_cast<size_t>(partition)) acked.resize(partition + 1, -1);
  acked[partition] = std::max(acked[partition], offset);
}

void RecordCollector::markInternal(const std::string& topic) { internal_topics_.insert(topic); }

void RecordCollector::trackAcknowledgedOffsets(const std::string& topic) {
  markInternal(topic);
  auto it = trackers_.find(topic);
  if (it != trackers_.end()) return;
  AckTracker* tracker =
      trackers_.emplace(topic, std::make_unique<AckTracker>()).first->second.get();
  for (TopicEntry& t : topics_) {
    if (t.name == topic) t.tracker = tracker;
  }
}

void RecordCollector::forgetAcknowledged(const std::string& topic, int32_t partition) {
  auto it = trackers_.find(topic);
  if (it == trackers_.end() || partition < 0) return;
  std::vector<int64_t>& acked = it->second->acked;
  if (static_cast<size_t>(partition) < acked.size()) acked[partition] = -1;
}

std::optional<int64_t> RecordCollector::acknowledgedOffset(const std::string& topic,
                                                           int32_t partition) const {
  auto it = trackers_.find(topic);
  if (it == trackers_.end() || partition < 0) return std::nullopt;
  const std::vector<int64_t>& acked = it->second->acked;
  if (static_cast<size_t>(partition) >= acked.size() || acked[partition] < 0) return std::nullopt;
  return acked[partition];
}

void RecordCollector::send(const std::string& topic, int32_t partition,
                           std::optional<std::string_view> key,
                           std::optional<std::string_view> value, int64_t timestamp,
                           const Headers& headers) {
  if (failed_) throwFailed();
  const TopicEntry& entry = topicEntry(topic);
  rd_kafka_topic_t* rkt = entry.rkt;
  void* opaque = entry.tracker;
  // librdkafka writes a Kafka null for a null pointer; an empty but present key or value (whose
  // view may have a null data()) must point somewhere.
  static const char kEmpty[] = "";
  void* key_ptr = key ? const_cast<char*>(key->data() ? key->data() : kEmpty) : nullptr;
  const size_t key_len = key ? key->size() : 0;
  void* value_ptr = value ? const_cast<char*>(value->data() ? value->data() : kEmpty) : nullptr;
  const size_t value_len = value ? value->size() : 0;
  const int32_t part = partition < 0 ? RD_KAFKA_PARTITION_UA : partition;
  // 0 asks librdkafka for the current time, as Java's producer does for a null timestamp.
  const int64_t ts = std::max<int64_t>(timestamp, 0);

  for (;;) {
    rd_kafka_resp_err_t err;
    if (headers.empty()) {
      err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(part),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key_ptr, key_len),
                              RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_TIMESTAMP(ts),
                              RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    } else {
      rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
      for (const Header& h : headers) {
        rd_kafka_header_add(hdrs, h.key.data(), static_cast<ssize_t>(h.key.size()),
                            h.value ? h.value->data() : nullptr,
                            h.value ? static_cast<ssize_t>(h.value->size()) : 0);
      }
      err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_PARTITION(part),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                              RD_KAFKA_V_KEY(key_ptr, key_len),
                              RD_KAFKA_V_VALUE(value_ptr, value_len), RD_KAFKA_V_TIMESTAMP(ts),
                              RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
      // On success the message owns the headers; on failure they are still ours.
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(hdrs);
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++sent_;
      return;
    }
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      // Back-pressure: serve delivery reports (which frees queue space) and retry. Records
      // that cannot be delivered fail after message.timeout.ms, so this ends.
      rd_kafka_poll(rk_.get(), kQueueFullPollMs);
      if (failed_) throwFailed();
      continue;
    }
    handleFailure(topic, partition, rd_kafka_err2str(err), key, value, timestamp);
    if (failed_) throwFailed();
    return;
  }
}

void RecordCollector::poll() { rd_kafka_poll(rk_.get(), 0); }

absl::Status RecordCollector::flush() {
  while (rd_kafka_flush(rk_.get(), kFlushSliceMs) == RD_KAFKA_RESP_ERR__TIMED_OUT) {
    if (internal::logEnabled(LogLevel::kDebug)) {
      internal::logLine(LogLevel::kDebug, absl::StrCat(log_prefix_, ": flush waiting for ",
                                                       rd_kafka_outq_len(rk_.get()), " records"));
    }
  }
  if (failed_) return absl::InternalError(failure_);
  return absl::OkStatus();
}

void RecordCollector::handleFailure(const std::string& topic, int32_t partition,
                                    const std::string& error, std::optional<std::string_view> key,
                                    std::optional<std::string_view> value, int64_t timestamp) {
  if (isInternal(topic)) {
    if (!failed_) {
      failed_ = true;
      failure_ = absl::StrCat("Error encountered sending record to internal topic ", topic,
                              partition >= 0 ? absl::StrCat(" partition ", partition) : "",
                              " due to: ", error,
                              "; a record of an internal topic is never skipped (its store or "
                              "its downstream sub-topology would miss it)");
    }
    return;
  }
  ProductionErrorContext context;
  context.topic = topic;
  context.partition = partition;
  context.error = error;
  if (key) context.key.emplace(*key);
  if (value) context.value.emplace(*value);
  context.timestamp = timestamp;
  ProductionHandlerResponse response = ProductionHandlerResponse::kFail;
  try {
    if (handler_) response = handler_(context);
  } catch (const std::exception& e) {
    internal::logLine(
        LogLevel::kError,
        absl::StrCat(log_prefix_, ": production exception handler threw: ", e.what()));
  } catch (...) {
    internal::logLine(LogLevel::kError,
                      absl::StrCat(log_prefix_, ": production exception handler threw"));
  }
  if (response == ProductionHandlerResponse::kContinue) {
    ++skipped_;
    return;
  }
  if (!failed_) {
    failed_ = true;
    failure_ = absl::StrCat("Error encountered sending record to topic ", topic,
                            partition >= 0 ? absl::StrCat(" partition ", partition) : "",
                            " due to: ", error, "; the production exception handler chose to fail");
  }
}

void RecordCollector::throwFailed() const { throw StreamsException(failure_); }

void RecordCollector::onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    // A tracked (changelog) topic's record: remember how far the partition is acknowledged.
    if (message->_private != nullptr) {
      static_cast<AckTracker*>(message->_private)->ack(message->partition, message->offset);
    }
    return;
  }
  auto* self = static_cast<RecordCollector*>(opaque);
  if (isSecurityError(message->err)) {
    // As Java: an authorization failure is fatal, whatever the production handler would say.
    if (!self->failed_) {
      self->failed_ = true;
      self->failure_ = absl::StrCat(
          "Error encountered sending record to topic ", rd_kafka_topic_name(message->rkt),
          " partition ", message->partition, " due to: ", rd_kafka_err2name(message->err), ": ",
          deliveryError(message),
          "; authorization errors are fatal and never reach the production exception handler");
    }
    return;
  }
  // A C frame: nothing may unwind through it.
  try {
    auto bytes = [](const void* data, size_t size) {
      return data != nullptr ? std::optional<std::string_view>(std::in_place,
                                                               static_cast<const char*>(data), size)
                             : std::nullopt;
    };
    self->handleFailure(rd_kafka_topic_name(message->rkt), message->partition,
                        deliveryError(message), bytes(message->key, message->key_len),
                        bytes(message->payload, message->len),
                        rd_kafka_message_timestamp(message, nullptr));
  } catch (...) {
    self->failed_ = true;
    if (self->failure_.empty()) self->failure_ = "delivery report handling failed";
  }
}

void RecordCollector::onError(rd_kafka_t* rk, int err, const char* reason, void* opaque) {
  auto* self = static_cast<RecordCollector*>(opaque);
  try {
    if (err == RD_KAFKA_RESP_ERR__FATAL) {
      // Only an idempotent or transactional producer has fatal errors; nothing it sends
      // afterwards is delivered.
      char buf[512];
      rd_kafka_resp_err_t cause = rd_kafka_fatal_error(rk, buf, sizeof buf);
      if (!self->failed_) {
        self->failed_ = true;
        self->failure_ =
            absl::StrCat("fatal producer error: ", rd_kafka_err2name(cause), ": ", buf);
      }
      internal::logLine(LogLevel::kError, absl::StrCat(self->log_prefix_, ": ", self->failure_));
      return;
    }
    if (isSecurityError(static_cast<rd_kafka_resp_err_t>(err))) {
      if (!self->failed_) {
        self->failed_ = true;
        self->failure_ =
            absl::StrCat("producer: ", rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)),
                         ": ", reason, " (not retried)");
      }
      internal::logLine(LogLevel::kError, absl::StrCat(self->log_prefix_, ": ", self->failure_));
      return;
    }
    // Transport and broker errors are retried by librdkafka; records that cannot make it fail
    // through their delivery reports.
    internal::logLine(
        LogLevel::kWarn,
        absl::StrCat(self->log_prefix_, ": producer: ",
                     rd_kafka_err2name(static_cast<rd_kafka_resp_err_t>(err)), ": ", reason));
  } catch (...) {
  }
}

}  // namespace kstreams::internal
