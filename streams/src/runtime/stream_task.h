// Private to kstreams (and its test driver).
//
// StreamTask runs one sub-topology for one partition number: it owns the node instances, feeds
// them the records of its input partitions, and tracks what it has consumed so the stream thread
// can commit. The same class runs under KafkaStreams (records from a consumer, output to a
// producer) and under TopologyTestDriver (records piped in, output captured), so tests exercise
// the real processing code.
//
// State stores: the task makes every store its sub-topology's processors are connected to, from
// the topology's StoreDefs, before the processors' init(), and closes them after the processors'
// close(). Per store, outermost first:
//
//   KeyValueStore<K, V>            the typed facade processors get (getStateStore)
//   CachingKeyValueStore           if the builder enables caching and cache.max.bytes > 0;
//                                  namespace "<task>-<store>" of the thread's ThreadCache
//                                  (window / session stores: CachingWindowStore /
//                                  CachingSessionStore, caching_window_store.h; a store of
//                                  duplicates is never cached)
//   ChangeLoggingKeyValueStore     if logging is enabled: "<application.id>-<store>-changelog",
//                                  partition = the task's partition, through the RecordSender
//   RocksDbKeyValueStore           "<state.dir>/<application.id>/<task>/rocksdb/<store>"
//   | InMemoryKeyValueStore
//
// A RocksDB directory that does not open (DataLoss: corrupt) is wiped and opened empty, to be
// restored from the changelog.
//
// Committing (what the stream thread does on the commit interval; the test driver after every
// input record, as Kafka's does):
//   1. prepareCommit(): flushes the record caches — the deduplicated updates go downstream and
//      to the stores and changelogs — then flushes the stores. Returns the input offsets.
//   2. The thread flushes its producer (everything sent, changelog records included, is
//      acknowledged) and commits those offsets.
//   3. postCommit(acked changelog offsets): writes each logged store's checkpoint.
// Closing: close() drops what is still in the caches; a clean close runs 1–3 first.
//
// Threads: a task is used by one thread at a time (its stream thread, or the test driver).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/internal/node.h"
#include "kstreams/state/rocksdb_resources.h"
#include "kstreams/state/thread_cache.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "runtime/caching_key_value_store.h"

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
  // See TaskContext::outerJoinEmitIntervalMs().
  int64_t outer_join_emit_interval_ms = 1000;
  // See TaskContext::windowedAggregationEmitIntervalMs().
  int64_t windowed_aggregation_emit_interval_ms = 1000;
  // The stream thread's record cache (statestore.cache.max.bytes, shared by its tasks). Null:
  // the task makes its own, of config->cache_max_bytes. Either way a bound of 0 disables
  // caching, as in Kafka Streams.
  state::ThreadCache* cache = nullptr;
  // The RocksDB memory budget shared by the instance's stores. Null: the process default.
  std::shared_ptr<state::RocksDbResources> rocksdb_resources;
  // For checks that only build a task (KafkaStreams' serde check at construction): every store
  // is a plain in-memory store, unlogged and uncached, so nothing touches the disk or Kafka.
  bool validate_only = false;
};

class StreamTask final : public TaskContext, private CacheContextProvider {
 public:
  // Opens the stores and builds and initializes the nodes of `sub`. Throws (TopologyException,
  // ConfigException, StreamsException for a store that does not open) when the nodes cannot be
  // wired, a serde default does not fit, or a store fails.
  StreamTask(TaskId id, const Topology& topology, const SubtopologyDef& sub, TaskEnv env);
  ~StreamTask() override;

  // ---- Event time (see kstreams/timestamp_extractor.h) ----
  // The extractor of the source that reads `topic` (its own, else default.timestamp.extractor).
  // Throws StreamsException when no source of this task reads the topic.
  const TimestampExtractor& timestampExtractor(std::string_view topic) const;
  // Runs `extractor` on `raw` (its timestamp: the Kafka one). Returns the extracted timestamp,
  // negative for a record to skip (skipRecord()). Throws StreamsException when the extractor
  // fails (its own StreamsException as is, any other exception wrapped).
  int64_t extractTimestamp(const TimestampExtractor& extractor, const RawRecord& raw,
                           int64_t partition_time) const;
  // A record whose extracted timestamp is negative: logged, counted in droppedRecords(), and its
  // offset counted as consumed. Only for a record whose partition has nothing unprocessed
  // before it (its offset is committable).
  void skipRecord(const RawRecord& raw, int64_t extracted);
  // The driver's path: extracts (the partition time is the caller's, moved on here), then
  // processes or skips. Returns false when the record was skipped.
  bool extractAndProcess(RawRecord& raw, int64_t& partition_time);
  // Records skipped so far for an invalid timestamp (Java's dropped-records task metric counts
  // these among others).
  int64_t droppedRecords() const { return dropped_records_; }
  // Before the first record: stream time is at least `partition_time` (a committed partition
  // time, restored as Java does).
  void initializeStreamTime(int64_t partition_time) {
    if (partition_time > stream_time_ms_) stream_time_ms_ = partition_time;
  }

  // Processes one input record whose timestamp is already the extracted one (stream time moves
  // to it if it is larger). A processor's exception goes to the processing exception
  // handler (at the node that threw for Processor API nodes, here for the DSL's own operators).
  // Throws StreamsException naming the task, source node, topic, partition and offset when that
  // handler, or the deserialization or production handler, says kFail, or when kstreams itself
  // fails (a store, a send). Returns false when the record did not deserialize and the handler
  // dropped it: as in Java it then moves neither stream time nor partition time.
  bool process(const RawRecord& raw);
  // ---- Punctuation (see PunctuationType in kstreams/processor.h) ----
  // Fires the stream-time punctuations that are due at the current stream time. Returns true
  // when one fired (it may have sent records). Cheap when none is due (one comparison).
  bool maybePunctuateStreamTime() {
    if (stream_time_ms_ < next_stream_punctuation_ms_) return false;
    return punctuate(stream_punctuations_, stream_time_ms_, PunctuationType::STREAM_TIME);
  }
  // Fires the wall-clock punctuations due at env.wall_clock_ms(). Returns true when one fired.
  bool maybePunctuateSystemTime();
  // The wall-clock time at which the next wall-clock punctuation is due (INT64_MAX: none).
  int64_t nextWallClockPunctuationMs() const { return next_wall_punctuation_ms_; }

  // Closes every processor, then every store (once; also done by the destructor). What the
  // record caches hold is dropped: call prepareCommit() (and commit) first for a clean close.
  void close();

  // Commit step 1 (Kafka's StreamTask#prepareCommit): flushes the record caches — forwarding
  // their deduplicated updates downstream, which may send records and write other stores — and
  // then the stores. Returns the input offsets to commit once the producer has acknowledged
  // everything sent so far (consumedOffsets()). Throws StreamsException when a store fails or a
  // processor throws while the caches forward.
  const std::map<std::pair<std::string, int32_t>, int64_t>& prepareCommit();
  // Commit step 3, after the offsets are committed (Kafka's postCommit): records in each logged
  // store the changelog offset it reflects, `acked` giving the offset of the last acknowledged
  // record per (full changelog topic, partition); partitions absent from `acked` are skipped.
  void postCommit(const std::map<std::pair<std::string, int32_t>, int64_t>& acked);

  // A store of this task, for the runtime (restore, checkpoints, queries).
  struct StoreInfo {
    std::string name;
    // The outermost byte layer: restoreBatch() here bypasses cache and changelog.
    state::KeyValueStore* store = nullptr;
    // Full changelog topic and partition; empty topic when the store is not logged.
    std::string changelog_topic;
    int32_t changelog_partition = -1;
    // Values carry a timestamp prefix: restore with changelogToStoreValue().
    bool timestamped = false;
    bool persistent = false;
  };
  std::vector<StoreInfo> stores() const;
  // The typed store `name` of this task (not checked for a connection), or nullptr.
  StateStore* findStateStore(const std::string& name) const;
  // The bytes a store holds for a changelog record of `timestamp` with `value` (Kafka's
  // RecordConverters for timestamped stores: the changelog has the plain value and the
  // timestamp in the record).
  static std::string changelogToStoreValue(bool timestamped, std::string_view value,
                                           int64_t timestamp);

  // The full names of the topics this task reads.
  const std::vector<std::string>& sourceTopics() const { return source_topics_; }
  // Every topic this task's sources read and sinks write, with the node and its serdes (for the
  // schema check at construction).
  struct TopicSerdes {
    std::string node;
    std::string topic;
    bool sink = false;
    NodeSerdes serdes;
  };
  std::vector<TopicSerdes> topicSerdes() const;
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
  int64_t outerJoinEmitIntervalMs() const override { return env_.outer_join_emit_interval_ms; }
  int64_t windowedAggregationEmitIntervalMs() const override {
    return env_.windowed_aggregation_emit_interval_ms;
  }
  bool recordCacheEnabled() const override {
    return env_.config != nullptr && env_.config->cache_max_bytes > 0;
  }
  void requestCommit() override { commit_requested_ = true; }
  Cancellable schedule(const std::string& node, std::chrono::milliseconds interval,
                       PunctuationType type, Punctuator callback) override;
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
  void onSerializationError(const std::string& node, const std::string& topic, bool internal_topic,
                            ProductionErrorOrigin origin, const std::string& error,
                            std::optional<std::string_view> key, int64_t timestamp) override;
  void onProcessingError(const std::string& node, const std::string& error) override;
  StateStore& stateStore(const std::string& processor, const std::string& store) override;

 private:
  struct TaskStore;
  class ChangeLogger;

  struct Punctuation {
    std::string node;
    int64_t next = 0;  // due when the clock reaches it
    int64_t interval = 1;
    Punctuator callback;
    std::shared_ptr<bool> cancelled;
  };
  bool punctuate(std::vector<std::unique_ptr<Punctuation>>& queue, int64_t now,
                 PunctuationType type);
  static int64_t earliest(const std::vector<std::unique_ptr<Punctuation>>& queue);

  void openStores(const Topology& topology, const SubtopologyDef& sub);
  // The input record being processed (if any), this task and `node`, for the error handlers.
  ErrorContext errorContext(const std::string& node) const;
  void closeStores();
  // CacheContextProvider
  state::CacheRecordContext currentCacheContext() const override;
  void withCacheContext(const state::CacheRecordContext& context,
                        const std::function<void()>& fn) override;

  TaskId id_;
  TaskEnv env_;
  std::unique_ptr<state::ThreadCache> own_cache_;
  std::vector<std::unique_ptr<TaskStore>> stores_;  // in topology order: upstream first
  std::map<std::string, TaskStore*, std::less<>> store_by_name_;
  // Processor → the stores connected to it.
  std::map<std::string, std::set<std::string>, std::less<>> connected_;
  std::vector<std::unique_ptr<NodeInstance>> nodes_;
  std::vector<std::string> source_topics_;
  std::map<std::string, SourceNodeBase*, std::less<>> source_by_topic_;
  std::map<std::string, std::shared_ptr<const TimestampExtractor>, std::less<>> extractor_by_topic_;
  // Schedules in the order they were made (ties fire in that order); next_*: their earliest due
  // time (INT64_MAX: none), recomputed after every round and schedule().
  std::vector<std::unique_ptr<Punctuation>> stream_punctuations_;
  std::vector<std::unique_ptr<Punctuation>> wall_punctuations_;
  int64_t next_stream_punctuation_ms_ = INT64_MAX;
  int64_t next_wall_punctuation_ms_ = INT64_MAX;
  int64_t dropped_records_ = 0;
  // One-entry cache: consecutive records usually come from the same topic.
  std::string last_topic_;
  SourceNodeBase* last_source_ = nullptr;
  SourceNodeBase* current_source_ = nullptr;
  std::map<std::pair<std::string, int32_t>, int64_t> consumed_;
  // consumed_'s slot for (last_topic_, last_consumed_partition_); nullptr after a topic change.
  int64_t* last_consumed_ = nullptr;
  int32_t last_consumed_partition_ = -1;
  RecordMetadata metadata_;
  bool has_metadata_ = false;
  int64_t stream_time_ms_ = -1;
  // For a record the deserialization handler drops: the stream time before it.
  int64_t stream_time_before_record_ = -1;
  bool record_dropped_ = false;
  bool commit_requested_ = false;
  bool closed_ = false;
};

}  // namespace kstreams::internal
