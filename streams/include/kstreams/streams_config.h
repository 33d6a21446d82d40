// File: kstreams/streams_config.h
//
// Configuration of a KafkaStreams application, by Kafka Streams' own key names:
//
//   kstreams::StreamsConfig config{
//       {"application.id", "access-log"},
//       {"bootstrap.servers", "127.0.0.1:9092"},
//       {"num.stream.threads", "2"},
//   };
//   config.set("default.key.serde", "String");      // or config.defaultKeySerde(Serdes::String())
//
// Keys kstreams knows (Default: in brackets):
//   application.id            required; consumer group id and prefix of internal topics
//   bootstrap.servers         required by KafkaStreams (not by TopologyTestDriver)
//   num.stream.threads        [1] stream threads, each with its own consumer and producer
//   commit.interval.ms        [30000] how often offsets are committed (at-least-once)
//   processing.guarantee      [at_least_once]; exactly_once_v2 is not implemented yet and is
//                             rejected rather than silently downgraded
//   state.dir                 [/tmp/kstreams] where state stores live
//   default.key.serde, default.value.serde   [none] a serde name (Serdes::fromName): Java
//                             class names such as org.apache.kafka.common.serialization.
//                             Serdes$StringSerde, or String, Integer, Long, Double, ByteArray
//   deserialization.exception.handler [LogAndFail] or LogAndContinue (Java class names too)
//   processing.exception.handler      [LogAndFail] or LogAndContinue (Java class names too)
//   production.exception.handler      [Default] (fail) or LogAndContinue
//   errors.dead.letter.queue.topic.name [none] see error_handlers.h
//   __emit.interval.ms.kstreams.outer.join.spurious.results.fix__ [1000] Java's internal
//                             config: wall-clock ms between scans of a stream-stream
//                             left/outer join for records whose window closed unjoined
//   __emit.interval.ms.kstreams.windowed.aggregation__ [1000] Java's internal config:
//                             wall-clock ms between scans for closed windows of an
//                             emitStrategy(onWindowClose) aggregation
//   statestore.cache.max.bytes [10485760] record cache size (used by state stores)
//   state.rocksdb.block.cache.bytes  [67108864] the one LRU block cache shared by every RocksDB
//                             store of the instance; memtables are charged to it too, so this
//                             bounds RocksDB's memory
//   state.rocksdb.write.buffer.bytes [33554432] memtable memory of all stores together (part of
//                             the block cache above; must be smaller)
//   replication.factor        [-1: broker default] for internal topics the app creates
//   poll.ms                   [100] how long a stream thread blocks waiting for records (less
//                             when a wall-clock punctuation or a max.task.idle.ms deadline is
//                             due sooner)
//   application.server        [none] host:port of this instance, for interactive queries
//   client.id                 [application.id] prefix of the librdkafka client ids
//   default.timestamp.extractor [FailOnInvalidTimestamp] the event time of records whose source
//                             has no extractor of its own (kstreams/timestamp_extractor.h):
//                             FailOnInvalidTimestamp, LogAndSkipOnInvalidTimestamp,
//                             UsePartitionTimeOnInvalidTimestamp, WallclockTimestampExtractor
//                             (Java class names too), or an object: defaultTimestampExtractor()
//   max.task.idle.ms          [0] how long a task with input partitions that have no buffered
//                             records waits before it processes the others (which may then be
//                             out of timestamp order): 0 waits only while records are known to
//                             be on the broker (not yet fetched), N > 0 also waits up to N ms
//                             for a partition that is caught up, -1 never waits
//   buffered.records.per.partition [1000] records a task buffers per input partition; above
//                             that the partition is paused until the task drained it to this
// Any other key is a librdkafka property given to every client; "consumer.", "producer." and
// "admin." prefixes address one kind of client only (e.g. producer.linger.ms=5). Unknown or
// invalid values fail at construction of KafkaStreams with ConfigException naming the key.
//
// Threads: a StreamsConfig is a value; build it on one thread, then hand it over (copied).
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kstreams/error_handlers.h"
#include "kstreams/serde.h"
#include "kstreams/timestamp_extractor.h"

namespace kstreams {

namespace state {
class RocksDbOptions;  // kstreams/state/rocksdb_options.h
}  // namespace state

class StreamsConfig {
 public:
  static constexpr const char* kApplicationId = "application.id";
  static constexpr const char* kBootstrapServers = "bootstrap.servers";
  static constexpr const char* kNumStreamThreads = "num.stream.threads";
  static constexpr const char* kCommitIntervalMs = "commit.interval.ms";
  static constexpr const char* kProcessingGuarantee = "processing.guarantee";
  static constexpr const char* kStateDir = "state.dir";
  static constexpr const char* kDefaultKeySerde = "default.key.serde";
  static constexpr const char* kDefaultValueSerde = "default.value.serde";
  static constexpr const char* kDeserializationExceptionHandler =
      "deserialization.exception.handler";
  static constexpr const char* kProductionExceptionHandler = "production.exception.handler";
  static constexpr const char* kProcessingExceptionHandler = "processing.exception.handler";
  static constexpr const char* kDeadLetterQueueTopic = "errors.dead.letter.queue.topic.name";
  static constexpr const char* kCacheMaxBytes = "statestore.cache.max.bytes";
  static constexpr const char* kRocksDbBlockCacheBytes = "state.rocksdb.block.cache.bytes";
  static constexpr const char* kRocksDbWriteBufferBytes = "state.rocksdb.write.buffer.bytes";
  static constexpr const char* kReplicationFactor = "replication.factor";
  static constexpr const char* kPollMs = "poll.ms";
  static constexpr const char* kApplicationServer = "application.server";
  static constexpr const char* kClientId = "client.id";
  static constexpr const char* kDefaultTimestampExtractor = "default.timestamp.extractor";
  static constexpr const char* kMaxTaskIdleMs = "max.task.idle.ms";
  // Java's internal StreamsConfig.InternalConfig.EMIT_INTERVAL_MS_KSTREAMS_OUTER_JOIN_SPURIOUS_
  // RESULTS_FIX: how often (wall-clock ms) a stream-stream left/outer join scans its shared
  // store for records whose window closed without a partner. 1000 by default; 0 in the
  // TopologyTestDriver unless set. Lower means lower latency for non-joined results and more
  // scans.
  static constexpr const char* kOuterJoinEmitIntervalMs =
      "__emit.interval.ms.kstreams.outer.join.spurious.results.fix__";
  // Java's internal EMIT_INTERVAL_MS_KSTREAMS_WINDOWED_AGGREGATION: how often (wall-clock ms)
  // an emitStrategy(onWindowClose) aggregation looks for closed windows. 1000 by default; 0 in
  // the TopologyTestDriver unless set.
  static constexpr const char* kWindowedAggregationEmitIntervalMs =
      "__emit.interval.ms.kstreams.windowed.aggregation__";
  static constexpr const char* kBufferedRecordsPerPartition = "buffered.records.per.partition";

  StreamsConfig() = default;
  StreamsConfig(std::initializer_list<std::pair<const std::string, std::string>> values)
      : values_(values) {}

  StreamsConfig& set(const std::string& key, std::string value) {
    values_[key] = std::move(value);
    return *this;
  }
  std::optional<std::string> get(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  const std::map<std::string, std::string>& values() const { return values_; }

  // The settings as "key = value" lines in key order, for logs and diagnostics, with the value
  // of every sensitive key (isSensitive) printed as [hidden], as Java's config dumps do.
  // KafkaStreams logs it at INFO when constructed.
  std::string toString() const;
  // Keys whose values are secrets: any key (prefixed or not) naming a password, a secret, a
  // JAAS config or an inline PEM key (sasl.password, ssl.key.password, ssl.keystore.password,
  // sasl.jaas.config, sasl.oauthbearer.client.secret, ssl.key.pem, ...).
  static bool isSensitive(std::string_view key);

  // Serde objects take precedence over the default.*.serde names.
  template <typename T>
  StreamsConfig& defaultKeySerde(SerdePtr<T> serde) {
    default_key_serde_ = std::move(serde);
    return *this;
  }
  template <typename T>
  StreamsConfig& defaultValueSerde(SerdePtr<T> serde) {
    default_value_serde_ = std::move(serde);
    return *this;
  }
  // Called for every RocksDB store a task opens, with the store's name and its options (see
  // kstreams/state/rocksdb_options.h), before the store is opened: Kafka Streams'
  // rocksdb.config.setter. It runs on stream threads, possibly several at once.
  StreamsConfig& rocksDbConfigSetter(
      std::function<void(const std::string& store_name, state::RocksDbOptions& options)> setter) {
    rocksdb_config_setter_ = std::move(setter);
    return *this;
  }
  // The event time of records whose source has none of its own (Consumed::withTimestampExtractor,
  // Topology::addSource); takes precedence over default.timestamp.extractor. Shared by every
  // task on every stream thread: extract() must be thread-safe.
  StreamsConfig& defaultTimestampExtractor(std::shared_ptr<const TimestampExtractor> extractor) {
    default_timestamp_extractor_ = std::move(extractor);
    return *this;
  }
  // Handler functions take precedence over the *.exception.handler names.
  StreamsConfig& deserializationExceptionHandler(DeserializationExceptionHandler h) {
    deserialization_handler_ = std::move(h);
    return *this;
  }
  StreamsConfig& processingExceptionHandler(ProcessingExceptionHandler h) {
    processing_handler_ = std::move(h);
    return *this;
  }
  StreamsConfig& productionExceptionHandler(ProductionExceptionHandler h) {
    production_handler_ = std::move(h);
    return *this;
  }

  // Everything kstreams needs, parsed and checked. Throws ConfigException naming the first bad
  // key. `require_bootstrap` is false for the test driver.
  struct Resolved {
    std::string application_id;
    std::string bootstrap_servers;
    int num_stream_threads = 1;
    int64_t commit_interval_ms = 30000;
    std::string state_dir = "/tmp/kstreams";
    std::shared_ptr<const SerdeBase> default_key_serde;
    std::shared_ptr<const SerdeBase> default_value_serde;
    DeserializationExceptionHandler deserialization_handler;
    ProductionExceptionHandler production_handler;
    ProcessingExceptionHandler processing_handler;
    std::string dead_letter_queue_topic;
    int64_t cache_max_bytes = 10 * 1024 * 1024;
    int64_t rocksdb_block_cache_bytes = int64_t{64} << 20;
    int64_t rocksdb_write_buffer_bytes = int64_t{32} << 20;
    std::function<void(const std::string&, state::RocksDbOptions&)> rocksdb_config_setter;
    int replication_factor = -1;
    int64_t poll_ms = 100;
    std::string application_server;
    std::string client_id;
    // Never null: FailOnInvalidTimestamp unless configured.
    std::shared_ptr<const TimestampExtractor> default_timestamp_extractor =
        std::make_shared<FailOnInvalidTimestamp>();
    int64_t max_task_idle_ms = 0;  // -1: never wait
    int64_t buffered_records_per_partition = 1000;
    std::optional<int64_t> outer_join_emit_interval_ms;  // unset: 1000 (0 in the test driver)
    std::optional<int64_t> windowed_aggregation_emit_interval_ms;  // the same
    // librdkafka properties per client kind (prefixes stripped, common ones merged in).
    std::map<std::string, std::string> consumer_props, producer_props, admin_props;
  };
  Resolved resolve(bool require_bootstrap = true) const;

 private:
  std::map<std::string, std::string> values_;
  std::shared_ptr<const SerdeBase> default_key_serde_;
  std::shared_ptr<const SerdeBase> default_value_serde_;
  DeserializationExceptionHandler deserialization_handler_;
  ProductionExceptionHandler production_handler_;
  ProcessingExceptionHandler processing_handler_;
  std::shared_ptr<const TimestampExtractor> default_timestamp_extractor_;
  std::function<void(const std::string&, state::RocksDbOptions&)> rocksdb_config_setter_;
};

}  // namespace kstreams
