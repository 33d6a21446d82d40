// File: kstreams/timestamp_extractor.h
//
// Event time (Java's org.apache.kafka.streams.processor.TimestampExtractor): the timestamp every
// input record gets before it is processed. Stream time, the order in which a task takes records
// from its partitions, punctuation and (later) windows all run on these timestamps, and records
// forwarded downstream carry them.
//
//   // Event time from the value: "<epoch ms>,<payload>".
//   auto extractor = kstreams::TimestampExtractor::from(
//       [](const kstreams::ConsumerRecord& r, int64_t partition_time) -> int64_t {
//         if (!r.value) return partition_time;
//         int64_t ms = 0;
//         auto [end, ec] = std::from_chars(r.value->data(), r.value->data() + r.value->size(), ms);
//         return ec == std::errc() ? ms : -1;  // negative: the record is skipped (and counted)
//       });
//   builder.stream("in", kstreams::Consumed(Serdes::String(), Serdes::String())
//                            .withTimestampExtractor(extractor));
//   // or for every source without its own: config.defaultTimestampExtractor(extractor), or
//   // config.set("default.timestamp.extractor", "LogAndSkipOnInvalidTimestamp").
//
// What happens to the result: a timestamp ≥ 0 becomes the record's timestamp. A negative one
// makes the task skip the record: it is logged (WARN), counted in the task's dropped records,
// and its offset counts as consumed. An extractor may also throw: a StreamsException fails the
// task as it is; any other exception fails it as "Fatal user code error in TimestampExtractor
// callback" naming the record's topic, partition and offset. The built-in
// FailOnInvalidTimestamp (the default) throws a StreamsException for a negative record
// timestamp.
//
// Unlike Java, the extractor runs before the source node deserializes the record (kstreams
// deserializes in the typed source node), so it sees the raw key and value bytes: a record that
// later fails deserialization has been through the extractor too, and an extractor must not
// assume the bytes are well-formed.
//
// Ownership and threads: extractors are shared (std::shared_ptr) by every task that reads the
// topics they are set for, on every stream thread at once: extract() must be thread-safe (the
// built-ins are stateless).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "kstreams/record.h"

namespace kstreams {

// An input record as it came from Kafka, before deserialization. Every view points into the
// consumer's buffers and is valid only during extract().
struct ConsumerRecord {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
  // The timestamp the record carries in Kafka (CreateTime or LogAppendTime), -1 if none.
  int64_t timestamp = -1;
  // nullopt: a Kafka null.
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  const Headers* headers = nullptr;  // never null while extract() runs
};

class TimestampExtractor {
 public:
  virtual ~TimestampExtractor() = default;
  // The record's event time in ms since the epoch. `partition_time`: the largest timestamp
  // extracted so far from the record's partition in this task, -1 when none is known yet. A
  // negative result skips the record.
  virtual int64_t extract(const ConsumerRecord& record, int64_t partition_time) const = 0;

  // An extractor made of a function (the Java lambda TimestampExtractor).
  static std::shared_ptr<const TimestampExtractor> from(
      std::function<int64_t(const ConsumerRecord&, int64_t partition_time)> fn);
};

using TimestampExtractorPtr = std::shared_ptr<const TimestampExtractor>;

// The record's Kafka timestamp; a negative one fails the task with a StreamsException (Java's
// FailOnInvalidTimestamp, the default of default.timestamp.extractor).
class FailOnInvalidTimestamp final : public TimestampExtractor {
 public:
  int64_t extract(const ConsumerRecord& record, int64_t partition_time) const override;
};

// The record's Kafka timestamp; a negative one is logged and the record skipped (Java's
// LogAndSkipOnInvalidTimestamp).
class LogAndSkipOnInvalidTimestamp final : public TimestampExtractor {
 public:
  int64_t extract(const ConsumerRecord& record, int64_t partition_time) const override;
};

// The record's Kafka timestamp; a negative one is replaced by the partition time, and fails
// the task with a StreamsException when no partition time is known yet (Java's
// UsePartitionTimeOnInvalidTimestamp).
class UsePartitionTimeOnInvalidTimestamp final : public TimestampExtractor {
 public:
  int64_t extract(const ConsumerRecord& record, int64_t partition_time) const override;
};

// The current wall-clock time of the machine (system clock; also under TopologyTestDriver, as
// Java's WallclockTimestampExtractor): processing-time semantics.
class WallclockTimestampExtractor final : public TimestampExtractor {
 public:
  int64_t extract(const ConsumerRecord& record, int64_t partition_time) const override;
};

// The built-in extractor of that name: a short name (FailOnInvalidTimestamp,
// LogAndSkipOnInvalidTimestamp, UsePartitionTimeOnInvalidTimestamp, WallclockTimestampExtractor)
// or a Java class name ending in one of them (org.apache.kafka.streams.processor.…). Null when
// the name is not one of them.
TimestampExtractorPtr timestampExtractorFromName(std::string_view name);

}  // namespace kstreams
