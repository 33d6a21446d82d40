#include "kstreams/timestamp_extractor.h"

#include <chrono>
#include <string>
#include <utility>

#include "kstreams/errors.h"
#include "kstreams/logging.h"

namespace kstreams {
namespace {

// Java prints the ConsumerRecord; the coordinates and timestamp are what identify it.
std::string describe(const ConsumerRecord& r) {
  return "topic=[" + std::string(r.topic) + "] partition=[" + std::to_string(r.partition) +
         "] offset=[" + std::to_string(r.offset) + "] timestamp=[" + std::to_string(r.timestamp) +
         "]";
}

class FunctionTimestampExtractor final : public TimestampExtractor {
 public:
  explicit FunctionTimestampExtractor(std::function<int64_t(const ConsumerRecord&, int64_t)> fn)
      : fn_(std::move(fn)) {}
  int64_t extract(const ConsumerRecord& record, int64_t partition_time) const override {
    return fn_(record, partition_time);
  }

 private:
  std::function<int64_t(const ConsumerRecord&, int64_t)> fn_;
};

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

std::shared_ptr<const TimestampExtractor> TimestampExtractor::from(
    std::function<int64_t(const ConsumerRecord&, int64_t)> fn) {
  if (!fn) throw StreamsException("TimestampExtractor::from: the function is empty");
  return std::make_shared<FunctionTimestampExtractor>(std::move(fn));
}

int64_t FailOnInvalidTimestamp::extract(const ConsumerRecord& record, int64_t) const {
  if (record.timestamp >= 0) return record.timestamp;
  const std::string message =
      "Input record " + describe(record) +
      " has invalid (negative) timestamp. Possibly because a pre-0.10 producer client was used "
      "to write this record to Kafka without embedding a timestamp, or because the input topic "
      "was created before upgrading the Kafka cluster to 0.10+. Use a different "
      "TimestampExtractor to process this data.";
  internal::logLine(LogLevel::kError, message);
  throw StreamsException(message);
}

int64_t LogAndSkipOnInvalidTimestamp::extract(const ConsumerRecord& record, int64_t) const {
  if (record.timestamp < 0) {
    internal::logLine(LogLevel::kWarn, "Input record " + describe(record) +
                                           " will be dropped because it has an invalid "
                                           "(negative) timestamp.");
  }
  return record.timestamp;
}

int64_t UsePartitionTimeOnInvalidTimestamp::extract(const ConsumerRecord& record,
                                                    int64_t partition_time) const {
  if (record.timestamp >= 0) return record.timestamp;
  if (partition_time < 0) {
    throw StreamsException("Could not infer new timestamp for input record " + describe(record) +
                           " because partition time is unknown.");
  }
  return partition_time;
}

int64_t WallclockTimestampExtractor::extract(const ConsumerRecord&, int64_t) const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TimestampExtractorPtr timestampExtractorFromName(std::string_view name) {
  auto is = [&](std::string_view simple) {
    return name == simple || endsWith(name, std::string(".") + std::string(simple));
  };
  if (is("FailOnInvalidTimestamp")) return std::make_shared<FailOnInvalidTimestamp>();
  if (is("LogAndSkipOnInvalidTimestamp")) return std::make_shared<LogAndSkipOnInvalidTimestamp>();
  if (is("UsePartitionTimeOnInvalidTimestamp")) {
    return std::make_shared<UsePartitionTimeOnInvalidTimestamp>();
  }
  if (is("WallclockTimestampExtractor")) return std::make_shared<WallclockTimestampExtractor>();
  return nullptr;
}

}  // namespace kstreams
