// Shared by the state_*_test.cc files: a counting topology written with the Processor API over
// a logged, persistent store "counts" (plain or timestamped, with or without the record cache),
// a restore listener that records what it is told, and helpers to read a store through an
// interactive query. Everything runs against the embedded cluster and a real broker alike.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/processor.h"
#include "kstreams/query.h"
#include "kstreams/serdes.h"
#include "kstreams/state_restore_listener.h"
#include "kstreams/stores.h"
#include "kstreams/topology.h"

namespace kstreams::state_test {

using Counts = std::map<std::string, int64_t>;

// Counts records per key in the store "counts" and forwards (key, new count).
template <bool kTimestamped>
class CountingProcessor
    : public ContextualProcessor<std::string, std::string, std::string, int64_t> {
 public:
  using Store = std::conditional_t<kTimestamped, TimestampedKeyValueStore<std::string, int64_t>,
                                   KeyValueStore<std::string, int64_t>>;
  void init(ProcessorContext<std::string, int64_t>& context) override {
    ContextualProcessor::init(context);
    store_ = &context.getStateStore<Store>("counts");
  }
  void process(Record<std::string, std::string> r) override {
    int64_t n = 1;
    if constexpr (kTimestamped) {
      if (auto old = store_->get(r.key())) n += old->value;
      store_->put(r.key(), ValueAndTimestamp<int64_t>{n, r.timestamp()});
    } else {
      n += store_->get(r.key()).value_or(0);
      store_->put(r.key(), n);
    }
    context().forward(Record<std::string, int64_t>(r.key(), n, r.timestamp()));
  }

 private:
  Store* store_ = nullptr;
};

// source(input: String/String) → counter (store "counts") → sink(output: String/Int64).
inline Topology countingTopology(const std::string& input, const std::string& output,
                                 bool timestamped, bool caching) {
  Topology t;
  t.addSource<std::string, std::string>("source", {input}, Serdes::String(), Serdes::String());
  if (timestamped) {
    t.addProcessor("counter", [] { return std::make_unique<CountingProcessor<true>>(); },
                   {"source"});
    auto b = Stores::timestampedKeyValueStoreBuilder(Stores::persistentKeyValueStore("counts"),
                                                     Serdes::String(), Serdes::Int64());
    if (caching) b.withCachingEnabled();
    t.addStateStore(b, {"counter"});
  } else {
    t.addProcessor("counter", [] { return std::make_unique<CountingProcessor<false>>(); },
                   {"source"});
    auto b = Stores::keyValueStoreBuilder(Stores::persistentKeyValueStore("counts"),
                                          Serdes::String(), Serdes::Int64());
    if (caching) b.withCachingEnabled();
    t.addStateStore(b, {"counter"});
  }
  t.addSink<std::string, int64_t>("sink", output, {"counter"}, Serdes::String(), Serdes::Int64());
  return t;
}

// Keys "w<i % distinct>"; returns what the counts become.
inline Counts produceKeys(const std::string& bootstrap, const std::string& topic, int64_t first,
                          int64_t count, int distinct, Counts counts = {}) {
  SimpleProducer producer(bootstrap);
  for (int64_t i = first; i < first + count; ++i) {
    const std::string key = "w" + std::to_string(i % distinct);
    producer.send(topic, key, std::string("x"));
    ++counts[key];
  }
  absl::Status s = producer.flush();
  EXPECT_TRUE(s.ok()) << s;
  return counts;
}

// Everything in the store `name` of `streams`, through an interactive query.
inline absl::StatusOr<Counts> queryAll(const KafkaStreams& streams,
                                       const std::string& name = "counts") {
  absl::StatusOr<ReadOnlyKeyValueStore<std::string, int64_t>> store =
      streams.store<std::string, int64_t>(name);
  if (!store.ok()) return store.status();
  absl::StatusOr<ReadOnlyKeyValueIterator<std::string, int64_t>> it = store->all();
  if (!it.ok()) return it.status();
  Counts out;
  while (it->hasNext()) {
    KeyValue<std::string, int64_t> kv = it->next();
    out[kv.key] = kv.value;
  }
  if (!it->status().ok()) return it->status();
  return out;
}

// The last value per key of an Int64-valued topic (a changelog or an output).
inline Counts lastValues(const std::string& bootstrap, const std::string& topic) {
  Counts out;
  absl::StatusOr<std::vector<ConsumedRecord>> records = readTopic(bootstrap, topic);
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return out;
  for (const ConsumedRecord& r : *records) {
    if (!r.key) continue;
    if (!r.value) {
      out.erase(*r.key);
    } else {
      out[*r.key] = Serdes::Int64()->deserialize(topic, r.value);
    }
  }
  return out;
}

// Records every callback, thread-safely.
class RecordingRestoreListener : public StateRestoreListener {
 public:
  struct Restoration {
    TopicPartition changelog;
    std::string store;
    int64_t start = -1, end = -1;
    int64_t batches = 0, batch_records = 0, last_batch_end = -1;
    int64_t total = -1;  // from onRestoreEnd; -1: not ended
  };

  void onRestoreStart(const TopicPartition& tp, const std::string& store, int64_t start,
                      int64_t end) override {
    std::lock_guard<std::mutex> lock(mu_);
    Restoration& r = by_tp_[tp];
    r = Restoration{};
    r.changelog = tp;
    r.store = store;
    r.start = start;
    r.end = end;
  }
  void onBatchRestored(const TopicPartition& tp, const std::string&, int64_t batch_end,
                       int64_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    Restoration& r = by_tp_[tp];
    ++r.batches;
    r.batch_records += n;
    r.last_batch_end = batch_end;
  }
  void onRestoreEnd(const TopicPartition& tp, const std::string&, int64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    by_tp_[tp].total = total;
  }

  std::map<TopicPartition, Restoration> restorations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return by_tp_;
  }
  int64_t totalRestored() const {
    int64_t n = 0;
    for (const auto& [tp, r] : restorations()) n += std::max<int64_t>(0, r.total);
    return n;
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mu_);
    by_tp_.clear();
  }

 private:
  mutable std::mutex mu_;
  std::map<TopicPartition, Restoration> by_tp_;
};

// A fresh directory under the system's temp dir, removed when destroyed.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace kstreams::state_test
