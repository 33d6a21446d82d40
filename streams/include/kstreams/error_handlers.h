// File: kstreams/error_handlers.h
//
// Per-record failure policies, as in Kafka Streams: what happens to a record whose bytes cannot be
// deserialized, to a record a processor threw on, and to an output record that could not be
// serialized or written. Choose them by config name (streams_config.h) or install a function on
// StreamsConfig.
//
// Dead-letter queue: when errors.dead.letter.queue.topic.name is set, a record that fails to
// deserialize is also written there — raw key and value bytes, original timestamp and headers,
// plus the headers below (Kafka Streams' KIP-1034 names) — before the handler's response is
// applied (so LogAndContinue + DLQ = "park the record and go on").
//
// Handlers run on the stream thread that hit the failure and must not block for long. A handler
// that throws counts as kFail.
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

// A processor threw while processing a record (KIP-1033's ProcessingExceptionHandler). kFail
// stops the stream thread before the record's offset is committed; kContinue drops the record
// at the node that threw (what that node forwarded before throwing stays forwarded) and goes on.
// Exceptions kstreams raises itself (StreamsException and its subclasses: a failing store, a
// failed send, another handler's kFail) are not processing errors and always fail.
enum class ProcessingHandlerResponse { kFail, kContinue };

// `context`: the input record being processed (topic, partition, offset; -1 when a record
// cache flush or a punctuation forwards without one), the task, and the node whose processor
// threw — the node of a Processor API processor or KStream::process(), the sub-topology's source
// node for the DSL's own operators (mapValues, filter…). `error`: the exception's what().
using ProcessingExceptionHandler =
    std::function<ProcessingHandlerResponse(const ErrorContext& context, const std::string& error)>;

enum class ProductionHandlerResponse { kFail, kContinue };

// Where an output record failed: serializing its key or value at the sink (KIP-1033's
// handleSerializationError; the record never reached the producer), or in the producer.
enum class ProductionErrorOrigin { kSend, kKeySerialization, kValueSerialization };

struct ProductionErrorContext {
  std::string topic;  // the topic the record was sent to
  int32_t partition = -1;
  std::string error;  // librdkafka's description, or the serializer's message
  ProductionErrorOrigin origin = ProductionErrorOrigin::kSend;
  // The output record: its serialized key and value as far as they exist (a send error has
  // both; a value that did not serialize leaves only the key), timestamp and headers.
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = -1;
  // For serialization errors: the input record being processed and the sink node (source
  // fields -1/empty for send errors, which are reported after the fact).
  ErrorContext source;
};

// Decides what a failed send or sink serialization means: kFail stops the stream thread (ERROR)
// before the offsets of the records that produced it are committed, so they are processed again
// after a restart;
// kContinue logs and drops the output record. A failed send to an internal topic (a changelog
// or a repartition topic) always fails, without asking the handler: skipping it would leave a
// store and its changelog apart, or lose a record half-way through the application.
using ProductionExceptionHandler =
    std::function<ProductionHandlerResponse(const ProductionErrorContext&)>;

// Built-in policies (Java's LogAndFailExceptionHandler, LogAndContinueExceptionHandler,
// LogAndFailProcessingExceptionHandler, LogAndContinueProcessingExceptionHandler,
// DefaultProductionExceptionHandler).
DeserializationExceptionHandler logAndFailDeserializationHandler();
DeserializationExceptionHandler logAndContinueDeserializationHandler();
ProcessingExceptionHandler logAndFailProcessingHandler();
ProcessingExceptionHandler logAndContinueProcessingHandler();
ProductionExceptionHandler failProductionHandler();
ProductionExceptionHandler logAndContinueProductionHandler();

}  // namespace kstreams
