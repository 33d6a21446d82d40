// File: kstreams/errors.h
//
// Exceptions thrown by kstreams. Construction-time mistakes (a bad topology or config) throw, as
// they do in Kafka Streams, so that they surface where the program is wrong; long-running
// operations report through absl::Status, the state listener and the uncaught-exception handler.
#pragma once

#include <stdexcept>
#include <string>

namespace kstreams {

// Base of every kstreams exception.
class StreamsException : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A topology that cannot run: unknown parent, duplicate name, type mismatch between nodes…
class TopologyException : public StreamsException {
 public:
  explicit TopologyException(const std::string& what)
      : StreamsException("Invalid topology: " + what) {}
};

// A state store operation failed (an I/O error, a closed store), as Java's
// ProcessorStateException. Thrown by the typed stores of kstreams/typed_key_value_store.h; inside
// a processor it fails the task like any exception from process().
class ProcessorStateException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

// A source or sink whose schema-registry serde cannot read its topic's registered schemas, or
// whose writer schema its subject's compatibility rule refuses (see
// kstreams/schema_compatibility.h); thrown when KafkaStreams is constructed. The message names the
// topic, the node, the subject, the versions and the field at fault.
class IncompatibleSchemaException : public StreamsException {
 public:
  using StreamsException::StreamsException;
};

// A configuration value that is missing, unknown or invalid. `key()` names the offending key.
class ConfigException : public StreamsException {
 public:
  ConfigException(std::string key, const std::string& reason)
      : StreamsException("Invalid value for configuration " + key + ": " + reason),
        key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

}  // namespace kstreams
