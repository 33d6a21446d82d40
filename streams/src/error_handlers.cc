#include "kstreams/error_handlers.h"

#include "kstreams/logging.h"

namespace kstreams {
namespace {

std::string where(const ErrorContext& c) {
  return "topic=[" + c.topic + "] partition=[" + std::to_string(c.partition) + "] offset=[" +
         std::to_string(c.offset) + "]";
}

}  // namespace

DeserializationExceptionHandler logAndFailDeserializationHandler() {
  return [](const ErrorContext& c, const std::string& reason) {
    internal::logLine(LogLevel::kError, "Exception caught during Deserialization, taskId: " +
                                            c.task_id.toString() + ", " + where(c) + ": " + reason);
    return DeserializationHandlerResponse::kFail;
  };
}

DeserializationExceptionHandler logAndContinueDeserializationHandler() {
  return [](const ErrorContext& c, const std::string& reason) {
    internal::logLine(LogLevel::kWarn,
                      "Skipping record due to deserialization error. " + where(c) + ": " + reason);
    return DeserializationHandlerResponse::kContinue;
  };
}

ProcessingExceptionHandler logAndFailProcessingHandler() {
  return [](const ErrorContext& c, const std::string& error) {
    internal::logLine(LogLevel::kError,
                      "Exception caught during processing, processor node: " + c.processor_node +
                          ", taskId: " + c.task_id.toString() + ", " + where(c) + ": " + error);
    return ProcessingHandlerResponse::kFail;
  };
}

ProcessingExceptionHandler logAndContinueProcessingHandler() {
  return [](const ErrorContext& c, const std::string& error) {
    internal::logLine(LogLevel::kWarn,
                      "Skipping record due to a processing error, processor node: " +
                          c.processor_node + ", " + where(c) + ": " + error);
    return ProcessingHandlerResponse::kContinue;
  };
}

ProductionExceptionHandler failProductionHandler() {
  return [](const ProductionErrorContext& c) {
    internal::logLine(LogLevel::kError,
                      "Error sending record to topic " + c.topic + ": " + c.error);
    return ProductionHandlerResponse::kFail;
  };
}

ProductionExceptionHandler logAndContinueProductionHandler() {
  return [](const ProductionErrorContext& c) {
    internal::logLine(LogLevel::kWarn, "Dropping a record that could not be sent to topic " +
                                           c.topic + ": " + c.error);
    return ProductionHandlerResponse::kContinue;
  };
}

}  // namespace kstreams
