// File: kstreams/error_handlers.h
//
// Per-record failure policies, as in Kafka Streams: what happens to a record whose bytes cannot be
// deserialized, and to a record the producer could not write. Choose them by config name
// (streams_config.h) or install a function on StreamsConfig.
//
// Dead-letter queue: when errors.dead.letter.queue.topic.name is set, a record that fails to
// deserialize is also written there — raw key and value bytes, original timestamp and headers,
// plus the headers below (Kafka Streams' KIP-1034 names) — before the handler's response is
// applied (so LogAndContinue + DLQ = "park the record and go on").
//
// Handlers run on the stream thread that hit the failure and must not block for long.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "kstreams/task_id.h"

namespace kstreams {

inline constexpr const char* kDlqHeaderExceptionName = "__streams.errors.exception";
inline constexpr const char* kDlqHeaderExceptionMessage = "__streams.errors.message";
inline constexpr const char* kDlqHeaderTopic = "__streams.errors.topic";
inline constexpr const char* kDlqHeaderPartition = "__streams.errors.partition";
inline constexpr const char* kDlqHeaderOffset = "__streams.errors.offset";

// Where a failing record came from.
struct ErrorContext {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  TaskId task_id;
  std::string processor_node;  // the source node that deserialized it
};

enum class DeserializationHandlerResponse { kFail, kContinue };

// Decides the fate of a record that failed to deserialize. `reason` is the serde's message.
using DeserializationExceptionHandler =
    std::function<DeserializationHandlerResponse(const ErrorContext&, const std::string& reason)>;

enum class ProductionHandlerResponse { kFail, kContinue };

struct ProductionErrorContext {
  std::string topic;  // the topic the record was sent to
  int32_t partition = -1;
  std::string error;  // librdkafka's description
};

// Decides what a failed send means: kFail stops the stream thread (ERROR) before the offsets of
// the records that produced it are committed, so they are processed again after a restart;
// kContinue logs and drops the output record. A failed send to an internal topic (a changelog
// or a repartition topic) always fails, without asking the handler: skipping it would leave a
// store and its changelog apart, or lose a record half-way through the application.
using ProductionExceptionHandler =
    std::function<ProductionHandlerResponse(const ProductionErrorContext&)>;

// Built-in policies (Java's LogAndFailExceptionHandler, LogAndContinueExceptionHandler,
// DefaultProductionExceptionHandler).
DeserializationExceptionHandler logAndFailDeserializationHandler();
DeserializationExceptionHandler logAndContinueDeserializationHandler();
ProductionExceptionHandler failProductionHandler();
ProductionExceptionHandler logAndContinueProductionHandler();

}  // namespace kstreams
