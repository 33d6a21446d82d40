// File: kstreams/topology_test_driver.h   (library target kstreams::testing)
//
// Runs a Topology in-process, without Kafka, deterministically: records piped into an input
// topic go through the same StreamTask code the real runtime uses, and what the sinks write is
// captured per topic for the test to read.
//
//   kstreams::TopologyTestDriver driver(builder.build());
//   auto in = driver.createInputTopic<std::string, std::string>("in", Serdes::String(),
//                                                                Serdes::String());
//   auto out = driver.createOutputTopic<std::string, int64_t>("out", Serdes::String(),
//                                                             Serdes::Int64());
//   in.pipeInput("k", "v", /*timestamp_ms=*/1000);
//   EXPECT_EQ(out.readKeyValue(), (kstreams::KeyValue<std::string, int64_t>{"k", 1}));
//
// Like Kafka's driver, every topic has one partition (partition 0), each sub-topology runs as
// task <id>_0, and records written to a topic the topology also reads (repartition topics, or a
// user topic read back) are fed to the reading task right after the record that produced them.
// An exception thrown while processing propagates out of pipeInput(). Internal topics have their
// full name, "<application.id>-<name>"; the default application.id is "topology-test-driver".
//
// State: stores are real (RocksDB or in-memory, as the topology says). As Kafka's driver does,
// the driver commits after every input record (and after every record it feeds back): the record
// caches flush then, so with caching enabled what a cache deduplicates is the updates made while
// processing one record, and statestore.cache.max.bytes = 0 turns caching off. Changelog records
// are captured like any output ("<application.id>-<store>-changelog"); getStateStore() and
// friends read a store directly. RocksDB stores live under state.dir when the config sets it,
// else under a fresh temporary directory; either way "<state.dir>/<application.id>" is deleted
// when the driver is destroyed.
//
// Time: each piped record goes through its source's TimestampExtractor (the record timestamp by
// default; a negative result skips the record), which gives the record's timestamp downstream
// and the task's stream time. Stream-time punctuation is checked after every record, wall-clock
// punctuation in advanceWallClockTime(). Every topic has one partition and a record is processed
// as soon as it is piped, so max.task.idle.ms has no effect here (Kafka's driver, with its
// default 0, behaves the same).
//
// Threads: a driver and its topics are used from one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "kstreams/typed_key_value_store.h"

namespace kstreams {

// A record read from an output topic, or one to pipe in. Kafka nulls (kstreams/record.h): for
// types that cannot hold a null (std::string with Serdes::String()/Bytes(), numbers…), a null
// key or value reads as K{} / V{} with key_is_null / value_is_null set, and piping a record
// with a flag set pipes a Kafka null whatever `key` / `value` hold. An std::optional type reads a
// null as std::nullopt (flags false).
template <typename K, typename V>
struct TestRecord {
  K key;
  V value;
  int64_t timestamp = 0;
  Headers headers;
  bool key_is_null = false;
  bool value_is_null = false;
  bool operator==(const TestRecord&) const = default;
};

class TopologyTestDriver;

namespace internal {
class TestDriverCore;
struct CapturedRecord {
  std::optional<std::string> key;
  std::optional<std::string> value;
  int64_t timestamp = 0;
  Headers headers;
};
}  // namespace internal

template <typename K, typename V>
class TestInputTopic {
 public:
  // Pipes one record. Without a timestamp, the topic's current time is used, which then moves
  // forward by the auto-advance step given at creation.
  void pipeInput(const K& key, const V& value, int64_t timestamp_ms) {
    pipe(&key, &value, timestamp_ms, {});
  }
  void pipeInput(const K& key, const V& value) { pipe(&key, &value, nextTime(), {}); }
  // A record without key (Kafka null key).
  void pipeInput(const V& value) { pipe(nullptr, &value, nextTime(), {}); }
  void pipeInput(const TestRecord<K, V>& r) {
    pipe(r.key_is_null ? nullptr : &r.key, r.value_is_null ? nullptr : &r.value, r.timestamp,
         r.headers);
  }
  // A tombstone: key with a null value.
  void pipeTombstone(const K& key, int64_t timestamp_ms) { pipe(&key, nullptr, timestamp_ms, {}); }
  void pipeKeyValueList(const std::vector<KeyValue<K, V>>& list) {
    for (const auto& kv : list) pipeInput(kv.key, kv.value);
  }
  void pipeValueList(const std::vector<V>& list) {
    for (const auto& v : list) pipeInput(v);
  }
  void advanceTime(int64_t ms) { current_time_ += ms; }
  const std::string& name() const { return topic_; }

 private:
  friend class TopologyTestDriver;
  TestInputTopic(TopologyTestDriver* driver, std::string topic, SerdePtr<K> ks, SerdePtr<V> vs,
                 int64_t start, int64_t advance)
      : driver_(driver),
        topic_(std::move(topic)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)),
        current_time_(start),
        advance_(advance) {}
  int64_t nextTime() {
    int64_t t = current_time_;
    current_time_ += advance_;
    return t;
  }
  void pipe(const K* key, const V* value, int64_t ts, Headers headers);

  TopologyTestDriver* driver_;
  std::string topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  int64_t current_time_;
  int64_t advance_;
};

template <typename K, typename V>
class TestOutputTopic {
 public:
  // Each read consumes the oldest unread record; throws std::out_of_range when there is none.
  // readRecord() tells Kafka nulls apart (TestRecord::key_is_null / value_is_null); the others
  // give a null as K{} / V{} ("" for a string), like an empty one, unless the type is
  // std::optional.
  TestRecord<K, V> readRecord();
  KeyValue<K, V> readKeyValue() {
    auto r = readRecord();
    return KeyValue<K, V>{std::move(r.key), std::move(r.value)};
  }
  V readValue() { return readRecord().value; }
  std::vector<KeyValue<K, V>> readKeyValuesToList() {
    std::vector<KeyValue<K, V>> out;
    while (!isEmpty()) out.push_back(readKeyValue());
    return out;
  }
  std::vector<V> readValuesToList() {
    std::vector<V> out;
    while (!isEmpty()) out.push_back(readValue());
    return out;
  }
  std::vector<TestRecord<K, V>> readRecordsToList() {
    std::vector<TestRecord<K, V>> out;
    while (!isEmpty()) out.push_back(readRecord());
    return out;
  }
  // The latest value of each key (Java's readKeyValuesToMap).
  std::map<K, V> readKeyValuesToMap() {
    std::map<K, V> out;
    while (!isEmpty()) {
      auto kv = readKeyValue();
      out.insert_or_assign(std::move(kv.key), std::move(kv.value));
    }
    return out;
  }
  bool isEmpty() const { return getQueueSize() == 0; }
  size_t getQueueSize() const;
  const std::string& name() const { return topic_; }

 private:
  friend class TopologyTestDriver;
  TestOutputTopic(TopologyTestDriver* driver, std::string topic, SerdePtr<K> ks, SerdePtr<V> vs)
      : driver_(driver),
        topic_(std::move(topic)),
        key_serde_(std::move(ks)),
        value_serde_(std::move(vs)) {}

  TopologyTestDriver* driver_;
  std::string topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
};

class TopologyTestDriver {
 public:
  // Builds every task of `topology` (Throws TopologyException / ConfigException like
  // KafkaStreams would). bootstrap.servers is not needed. `topology` must outlive the driver.
  explicit TopologyTestDriver(const Topology& topology, StreamsConfig config = {},
                              int64_t initial_wall_clock_ms = 0);
  ~TopologyTestDriver();
  TopologyTestDriver(const TopologyTestDriver&) = delete;
  TopologyTestDriver& operator=(const TopologyTestDriver&) = delete;

  template <typename K, typename V>
  TestInputTopic<K, V> createInputTopic(const std::string& topic, SerdePtr<K> key_serde,
                                        SerdePtr<V> value_serde, int64_t start_timestamp_ms = 0,
                                        int64_t auto_advance_ms = 0) {
    return TestInputTopic<K, V>(this, topic, std::move(key_serde), std::move(value_serde),
                                start_timestamp_ms, auto_advance_ms);
  }
  template <typename K, typename V>
  TestOutputTopic<K, V> createOutputTopic(const std::string& topic, SerdePtr<K> key_serde,
                                          SerdePtr<V> value_serde) {
    return TestOutputTopic<K, V>(this, topic, std::move(key_serde), std::move(value_serde));
  }

  // Moves the mock wall clock that processors see as currentSystemTimeMs(), fires the
  // wall-clock punctuations now due (once each, with the new time, as Kafka's driver does),
  // commits, and processes what they sent to topics the topology reads.
  void advanceWallClockTime(int64_t ms);
  void advanceWallClockTime(std::chrono::milliseconds d) { advanceWallClockTime(d.count()); }
  int64_t wallClockMs() const;
  // Topics that received at least one record, in name order.
  std::vector<std::string> producedTopicNames() const;

  // The state store `name` as S (e.g. KeyValueStore<std::string, int64_t>), or nullptr when no
  // task has such a store or it has other types. Owned by the driver; use it between pipes.
  template <typename S>
  S* getStateStore(const std::string& name) {
    return dynamic_cast<S*>(stateStore(name));
  }
  template <typename K, typename V>
  KeyValueStore<K, V>* getKeyValueStore(const std::string& name) {
    return getStateStore<KeyValueStore<K, V>>(name);
  }
  // The stores of the DSL (aggregations, materialized KTables) are timestamped.
  template <typename K, typename V>
  TimestampedKeyValueStore<K, V>* getTimestampedKeyValueStore(const std::string& name) {
    return getStateStore<TimestampedKeyValueStore<K, V>>(name);
  }
  StateStore* stateStore(const std::string& name);

  // ---- Used by TestInputTopic / TestOutputTopic. ----
  void pipeRaw(const std::string& topic, std::optional<std::string> key,
               std::optional<std::string> value, int64_t timestamp, Headers headers);
  std::optional<internal::CapturedRecord> readRaw(const std::string& topic);
  size_t queueSize(const std::string& topic) const;

 private:
  std::unique_ptr<internal::TestDriverCore> core_;
};

template <typename K, typename V>
void TestInputTopic<K, V>::pipe(const K* key, const V* value, int64_t ts, Headers headers) {
  std::optional<std::string> k, v;
  if (key != nullptr) {
    std::string buf;
    if (key_serde_->serialize(topic_, *key, buf)) k = std::move(buf);
  }
  if (value != nullptr) {
    std::string buf;
    if (value_serde_->serialize(topic_, *value, buf)) v = std::move(buf);
  }
  driver_->pipeRaw(topic_, std::move(k), std::move(v), ts, std::move(headers));
}

template <typename K, typename V>
TestRecord<K, V> TestOutputTopic<K, V>::readRecord() {
  auto raw = driver_->readRaw(topic_);
  if (!raw) throw std::out_of_range("no more records in topic " + topic_);
  auto view = [](const std::optional<std::string>& s) {
    return s ? std::optional<std::string_view>(*s) : std::nullopt;
  };
  // The same rules as a source node: a null the serde does not read itself is K{} / V{} marked.
  bool key_is_null = false;
  bool value_is_null = false;
  K key = serdes_internal::deserializeOrNull(*key_serde_, key_serde_->deserializesNull(), topic_,
                                             view(raw->key), &key_is_null);
  V value = serdes_internal::deserializeOrNull(*value_serde_, value_serde_->deserializesNull(),
                                               topic_, view(raw->value), &value_is_null);
  return TestRecord<K, V>{std::move(key),          std::move(value), raw->timestamp,
                          std::move(raw->headers), key_is_null,      value_is_null};
}

template <typename K, typename V>
size_t TestOutputTopic<K, V>::getQueueSize() const {
  return driver_->queueSize(topic_);
}

}  // namespace kstreams
