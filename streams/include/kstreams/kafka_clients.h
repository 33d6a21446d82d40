// File: kstreams/kafka_clients.h
//
// Small synchronous Kafka helpers for the code around a stream-processing application: loading
// input, creating topics, reading a topic back. They are what examples, tests and benchmarks use
// to talk to Kafka outside the topology; the processing path itself (KafkaStreams) does not use
// them.
//
//   kstreams::createTopics(bootstrap, {{"in", 4}, {"out", 4}});
//   kstreams::SimpleProducer producer(bootstrap);
//   producer.send("in", std::nullopt, "a line of text");
//   producer.flush();                                       // every record acknowledged
//   auto records = kstreams::readTopic(bootstrap, "out");   // everything up to the end, now
//
// Threads: SimpleProducer is not thread-safe (one thread at a time); the free functions are.
// Embedded clusters (EmbeddedKafkaCluster) of this process are recognized from the bootstrap
// address and handled through the mock API where Kafka's own requests are missing.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/record.h"

namespace kstreams {

struct TopicSpec {
  TopicSpec(std::string name, int partitions, std::map<std::string, std::string> configs = {})
      : name(std::move(name)), partitions(partitions), configs(std::move(configs)) {}
  std::string name;
  int partitions = 1;
  std::map<std::string, std::string> configs;  // e.g. {"cleanup.policy", "compact"}
  int replication_factor = -1;                 // -1: the broker's default (1 on embedded)
};

// Creates the topics (existing ones are left as they are) and waits until they are usable.
absl::Status createTopics(const std::string& bootstrap_servers,
                          const std::vector<TopicSpec>& topics);

// Number of partitions of `topic`; NotFound when it does not exist.
absl::StatusOr<int> partitionCount(const std::string& bootstrap_servers, const std::string& topic);

// A record read back from Kafka.
struct ConsumedRecord {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string> key;    // nullopt: Kafka null
  std::optional<std::string> value;  // nullopt: Kafka null (tombstone)
  Headers headers;
};

// The end offset (high watermark) of every partition of `topic`.
absl::StatusOr<std::map<int32_t, int64_t>> endOffsets(const std::string& bootstrap_servers,
                                                      const std::string& topic);

// Reads every record of `topic`, from the start of each partition (or from `from_offsets[p]`
// where given, e.g. endOffsets() taken earlier, to read only what came since) to its end as of
// the call (the high watermark), in partition then offset order. Uses no consumer group.
absl::StatusOr<std::vector<ConsumedRecord>> readTopic(
    const std::string& bootstrap_servers, const std::string& topic,
    const std::map<int32_t, int64_t>& from_offsets = {},
    std::map<std::string, std::string> extra_config = {});

// Sum over partitions of (end offset − committed offset of `group_id`) for `topic`; a partition
// with no committed offset counts from its start. 0 means the group has processed everything
// written so far.
absl::StatusOr<int64_t> consumerGroupLag(const std::string& bootstrap_servers,
                                         const std::string& group_id, const std::string& topic);

// A producer that batches and compresses like a log shipper would. Keys are partitioned with
// murmur2, like Java clients, so co-partitioning with Java producers holds.
class SimpleProducer {
 public:
  // `extra_config`: librdkafka properties (e.g. linger.ms). Throws ConfigException on a bad one.
  explicit SimpleProducer(const std::string& bootstrap_servers,
                          std::map<std::string, std::string> extra_config = {});
  ~SimpleProducer();
  SimpleProducer(const SimpleProducer&) = delete;
  SimpleProducer& operator=(const SimpleProducer&) = delete;

  // Queues one record (copied); blocks while the local queue is full. timestamp_ms 0: now.
  // partition -1: chosen from the key. Errors are reported by flush().
  void send(const std::string& topic, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t timestamp_ms = 0, int32_t partition = -1,
            const Headers& headers = {});
  // Waits until every queued record is acknowledged; the first delivery error, if any.
  absl::Status flush();

  struct Impl;  // private to kafka_clients.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kstreams
