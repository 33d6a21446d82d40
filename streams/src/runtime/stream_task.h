// Private to kstreams (and its test driver).
//
// StreamTask runs one sub-topology for one partition number: it owns the node instances, feeds
// them the records of its input partitions, and tracks what it has consumed so the stream thread
// can commit. The same class runs under KafkaStreams (records from a consumer, output to a
// producer) and under TopologyTestDriver (records piped in, output captured), so tests exercise
// the real processing code.
//
// Threads: a task is used by one thread at a time (its stream thread, or the test driver).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/internal/node.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"

namespace kstreams::internal {

// Where sink output goes: the Kafka producer of a stream thread, or the test driver's capture.
class RecordSender {
 public:
  virtual ~RecordSender() = default;
  // partition -1: the sender picks one from the key (murmur2, like Java's default partitioner).
  // The bytes are only valid during the call.
  virtual void send(const std::string& topic, int32_t partition,
                    std::optional<std::string_view> key, std::optional<std::string_view> value,
                    int64_t timestamp, const Headers& headers) = 0;
};

struct TaskEnv {
  const StreamsConfig::Resolved* config = nullptr;
  RecordSender* sender = nullptr;
  std::function<int64_t()> wall_clock_ms;
};

class StreamTask final : public TaskContext {
 public:
  // Builds and initializes the nodes of `sub`. Throws (TopologyException, ConfigException) when
  // the nodes cannot be wired or a serde default does not fit.
  StreamTask(TaskId id, const Topology& topology, const SubtopologyDef& sub, TaskEnv env);
  ~StreamTask() override;

  // Processes one input record. Throws StreamsException naming the task, node, topic, partition
  // and offset when a processor (or a failing deserialization handler) throws.
  void process(const RawRecord& raw);
  // Closes every processor (once; also done by the destructor).
  void close();

  // The full names of the topics this task reads.
  const std::vector<std::string>& sourceTopics() const { return source_topics_; }
  // Next offset to commit per (topic, partition): last processed offset + 1.
  const std::map<std::pair<std::string, int32_t>, int64_t>& consumedOffsets() const {
    return consumed_;
  }
  bool commitRequested() const { return commit_requested_; }
  void clearCommitRequest() { commit_requested_ = false; }

  // TaskContext
  const std::string& applicationId() const override { return env_.config->application_id; }
  TaskId taskId() const override { return id_; }
  const RecordMetadata* recordMetadata() const override {
    return has_metadata_ ? &metadata_ : nullptr;
  }
  int64_t wallClockMs() const override { return env_.wall_clock_ms(); }
  int64_t streamTimeMs() const override { return stream_time_ms_; }
  void requestCommit() override { commit_requested_ = true; }
  std::string resolveTopic(const std::string& name, bool internal) const override;
  std::shared_ptr<const SerdeBase> defaultKeySerde() const override {
    return env_.config->default_key_serde;
  }
  std::shared_ptr<const SerdeBase> defaultValueSerde() const override {
    return env_.config->default_value_serde;
  }
  void send(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t timestamp,
            const Headers& headers) override {
    env_.sender->send(topic, partition, key, value, timestamp, headers);
  }
  void onDeserializationError(const RawRecord& raw, const std::string& reason) override;

 private:
  TaskId id_;
  TaskEnv env_;
  std::vector<std::unique_ptr<NodeInstance>> nodes_;
  std::vector<std::string> source_topics_;
  std::map<std::string, SourceNodeBase*, std::less<>> source_by_topic_;
  // One-entry cache: consecutive records usually come from the same topic.
  std::string last_topic_;
  SourceNodeBase* last_source_ = nullptr;
  SourceNodeBase* current_source_ = nullptr;
  std::map<std::pair<std::string, int32_t>, int64_t> consumed_;
  RecordMetadata metadata_;
  bool has_metadata_ = false;
  int64_t stream_time_ms_ = -1;
  bool commit_requested_ = false;
  bool closed_ = false;
};

}  // namespace kstreams::internal
