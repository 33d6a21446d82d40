// State stores inside tasks: the Processor API's stores (Topology::addStateStore, typed
// KeyValueStore facades, connection checks), the store stack a StreamTask builds (RocksDB
// directory layout, change-logging to "<app>-<store>-changelog" on the task's partition, the
// record cache and its flush on prepareCommit / eviction, checkpoints on postCommit), and the
// pieces underneath (the caching layer's merged reads, the Change and ValueAndTimestamp byte
// formats shared with Kafka Streams).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/internal/change.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/state/in_memory_key_value_store.h"
#include "kstreams/state/rocksdb_options.h"
#include "kstreams/stores.h"
#include "kstreams/streams_builder.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/typed_key_value_store.h"
#include "runtime/caching_key_value_store.h"
#include "runtime/stream_task.h"
#include "state/state_test_util.h"

namespace kstreams {
namespace {

using Str = std::string;
using state::testing::TempDir;

// Counts records per key in a KeyValueStore<Str, int64_t> and forwards the new count.
class Counter : public ContextualProcessor<Str, Str, Str, int64_t> {
 public:
  explicit Counter(std::string store) : store_name_(std::move(store)) {}
  void init(ProcessorContext<Str, int64_t>& context) override {
    ContextualProcessor::init(context);
    counts_ = &context.getStateStore<KeyValueStore<Str, int64_t>>(store_name_);
  }
  void process(Record<Str, Str> r) override {
    const int64_t n = counts_->get(r.key()).value_or(0) + 1;
    counts_->put(r.key(), n);
    context().forward(std::move(r).withValue(n));
  }

 private:
  std::string store_name_;
  KeyValueStore<Str, int64_t>* counts_ = nullptr;
};

Topology counterTopology(StoreBuilder<KeyValueStore<Str, int64_t>> store, bool connect = true) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"}, Serdes::String(), Serdes::String())
      .addProcessor("counter", [] { return std::make_unique<Counter>("counts"); }, {"src"})
      .addSink<Str, int64_t>("sink", "out", {"counter"}, Serdes::String(), Serdes::Int64());
  t.addStateStore(store,
                  connect ? std::vector<std::string>{"counter"} : std::vector<std::string>{});
  return t;
}

TEST(ProcessorApiStores, ProcessorUsesATypedStoreAndItsChangelog) {
  Topology t = counterTopology(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"),
                                                            Serdes::String(), Serdes::Int64()));
  // The store is connected, logged by default, and its changelog is an internal topic.
  EXPECT_EQ(t.node("counter").stores, (std::set<std::string>{"counts"}));
  ASSERT_EQ(t.internalTopics().size(), 1u);
  EXPECT_EQ(t.internalTopics()[0].name, "counts-changelog");
  EXPECT_EQ(t.internalTopics()[0].partitions, -1);
  EXPECT_EQ(t.internalTopics()[0].configs.at("cleanup.policy"), "compact");
  EXPECT_NE(t.describe().toString().find("Processor: counter (stores: [counts])"),
            std::string::npos);

  TopologyTestDriver driver(t, StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Str, int64_t>("out", Serdes::String(), Serdes::Int64());
  auto changelog = driver.createOutputTopic<Str, int64_t>("app-counts-changelog", Serdes::String(),
                                                          Serdes::Int64());
  in.pipeInput("a", "x", 10);
  in.pipeInput("b", "x", 20);
  in.pipeInput("a", "x", 30);
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{1, 1, 2}));
  // Every write is logged (no cache), with the timestamp of the record being processed.
  auto logged = changelog.readRecordsToList();
  ASSERT_EQ(logged.size(), 3u);
  EXPECT_EQ(logged[2].key, "a");
  EXPECT_EQ(logged[2].value, 2);
  EXPECT_EQ(logged[2].timestamp, 30);

  auto* store = driver.getKeyValueStore<Str, int64_t>("counts");
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->persistent());
  EXPECT_EQ(store->get("a"), 2);
  EXPECT_EQ(store->get("zzz"), std::nullopt);
  // Asking for other types gives nullptr.
  EXPECT_EQ((driver.getKeyValueStore<Str, Str>("counts")), nullptr);
}

TEST(ProcessorApiStores, UnconnectedStoreIsRefusedAsInKafkaStreams) {
  Topology t = counterTopology(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"),
                                                            Serdes::String(), Serdes::Int64()),
                               /*connect=*/false);
  EXPECT_TRUE(t.internalTopics().empty());  // not connected: no changelog yet
  try {
    TopologyTestDriver driver(t);
    FAIL() << "expected StreamsException";
  } catch (const StreamsException& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "Processor counter has no access to StateStore counts as the store is not "
                  "connected to the processor"),
              std::string::npos)
        << e.what();
  }
  // Connected afterwards, it works.
  t.connectProcessorAndStateStores("counter", {"counts"});
  EXPECT_EQ(t.internalTopics().size(), 1u);
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  in.pipeInput("a", "x", 0);
  EXPECT_EQ((driver.getKeyValueStore<Str, int64_t>("counts")->get("a")), 1);
}

TEST(ProcessorApiStores, TopologyChecksStoreNames) {
  Topology t = counterTopology(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"),
                                                            Serdes::String(), Serdes::Int64()));
  EXPECT_THROW(t.addStateStore(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"),
                                                            Serdes::String(), Serdes::Int64())),
               TopologyException);
  EXPECT_THROW(t.connectProcessorAndStateStores("counter", {"nope"}), TopologyException);
  EXPECT_THROW(t.connectProcessorAndStateStores("nope", {"counts"}), TopologyException);
  EXPECT_THROW(t.connectProcessorAndStateStores("src", {"counts"}), TopologyException);

  // A store named by a processor but never added fails when a task starts.
  Topology u;
  u.addSource<Str, Str>("src", {"in"}, Serdes::String(), Serdes::String())
      .addProcessor("counter", [] { return std::make_unique<Counter>("ghost"); }, {"src"},
                    {"ghost"});
  EXPECT_THROW(TopologyTestDriver driver(u), TopologyException);
}

TEST(ProcessorApiStores, LoggingDisabledStoreHasNoChangelog) {
  Topology t = counterTopology(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("counts"),
                                                            Serdes::String(), Serdes::Int64())
                                   .withLoggingDisabled());
  EXPECT_TRUE(t.internalTopics().empty());
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  in.pipeInput("a", "x", 0);
  EXPECT_EQ(driver.producedTopicNames(), std::vector<std::string>{"out"});
}

TEST(ProcessorApiStores, RocksDbStoreLivesUnderStateDirTaskRocksdbStore) {
  TempDir dir;
  Topology t = counterTopology(Stores::keyValueStoreBuilder(
      Stores::persistentKeyValueStore("counts"), Serdes::String(), Serdes::Int64()));
  const std::filesystem::path store_dir = dir.path() / "app" / "0_0" / "rocksdb" / "counts";
  {
    TopologyTestDriver driver(
        t, StreamsConfig{{"application.id", "app"}, {"state.dir", dir.path().string()}});
    auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
    in.pipeInput("a", "x", 0);
    in.pipeInput("a", "x", 0);
    auto* store = driver.getKeyValueStore<Str, int64_t>("counts");
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store->persistent());
    EXPECT_EQ(store->get("a"), 2);
    EXPECT_TRUE(std::filesystem::exists(store_dir / "CURRENT")) << store_dir;
  }
  // The driver deletes <state.dir>/<application.id> when it goes, as Kafka's driver does.
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "app"));
}

TEST(ProcessorApiStores, RocksDbOptionsHookAndMemoryConfigReachTheStore) {
  TempDir dir;
  Topology t = counterTopology(Stores::keyValueStoreBuilder(
      Stores::persistentKeyValueStore("counts"), Serdes::String(), Serdes::Int64()));
  std::vector<std::string> configured;
  StreamsConfig config{{"application.id", "app"},
                       {"state.dir", dir.path().string()},
                       {"state.rocksdb.block.cache.bytes", std::to_string(8 << 20)},
                       {"state.rocksdb.write.buffer.bytes", std::to_string(4 << 20)}};
  config.rocksDbConfigSetter([&](const std::string& store, state::RocksDbOptions& options) {
    configured.push_back(store);
    EXPECT_NE(options.sharedBlockCache(), nullptr);
    EXPECT_EQ(options.sharedBlockCache()->GetCapacity(), size_t{8} << 20);
  });
  TopologyTestDriver driver(t, config);
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  in.pipeInput("a", "x", 0);
  EXPECT_EQ(configured, std::vector<std::string>{"counts"});

  config.set("state.rocksdb.write.buffer.bytes", std::to_string(8 << 20));
  try {
    TopologyTestDriver bad(t, config);
    FAIL() << "expected ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "state.rocksdb.write.buffer.bytes");
  }
}

TEST(ProcessorApiStores, TypedStoreQueries) {
  state::InMemoryKeyValueStore bytes("s");
  ASSERT_TRUE(bytes.init({}).ok());
  KeyValueStore<Str, int64_t> store(bytes, Serdes::String(), Serdes::Int64(), "s-changelog");
  store.put("b", 2);
  store.putAll({{"a", 1}, {"c", 3}, {"d", 4}});
  EXPECT_EQ(store.putIfAbsent("a", 100), 1);
  EXPECT_EQ(store.putIfAbsent("e", 5), std::nullopt);
  EXPECT_EQ(store.remove("d"), 4);
  EXPECT_EQ(store.remove("d"), std::nullopt);
  EXPECT_EQ(store.approximateNumEntries(), 4);

  auto collect = [](KeyValueIterator<Str, int64_t> it) {
    std::vector<std::pair<Str, int64_t>> out;
    while (it.hasNext()) {
      auto kv = it.next();
      out.emplace_back(kv.key, kv.value);
    }
    return out;
  };
  using V = std::vector<std::pair<Str, int64_t>>;
  EXPECT_EQ(collect(store.range("b", "d")), (V{{"b", 2}, {"c", 3}}));
  EXPECT_EQ(collect(store.reverseRange("a", "c")), (V{{"c", 3}, {"b", 2}, {"a", 1}}));
  EXPECT_EQ(collect(store.all()), (V{{"a", 1}, {"b", 2}, {"c", 3}, {"e", 5}}));
  EXPECT_EQ(collect(store.reverseAll()).front().first, "e");
  auto it = store.range("c", "z");
  ASSERT_TRUE(it.hasNext());
  EXPECT_EQ(it.peekNextKey(), "c");

  ASSERT_TRUE(bytes.close().ok());
  EXPECT_THROW(store.get("a"), ProcessorStateException);
  EXPECT_THROW(store.put("a", 1), ProcessorStateException);
}

// ---- StreamTask: the store stack, caching and commits ----

struct Sent {
  std::string topic;
  int32_t partition;
  std::optional<std::string> key, value;
  int64_t timestamp;
};

class CapturingSender : public internal::RecordSender {
 public:
  void send(const std::string& topic, int32_t partition, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t timestamp, const Headers&) override {
    sent.push_back(Sent{topic, partition, key ? std::optional<std::string>(*key) : std::nullopt,
                        value ? std::optional<std::string>(*value) : std::nullopt, timestamp});
  }
  std::vector<Sent> take(const std::string& topic) {
    std::vector<Sent> out, rest;
    for (auto& s : sent) (s.topic == topic ? out : rest).push_back(std::move(s));
    sent = std::move(rest);
    return out;
  }
  std::vector<Sent> sent;
};

int64_t int64Of(const std::optional<std::string>& bytes) {
  return Serdes::Int64()->deserialize(
      "", bytes ? std::optional<std::string_view>(*bytes) : std::nullopt);
}

// A word count with a cached, logged store, run as task 0_3 of "app".
class TaskFixture : public ::testing::Test {
 protected:
  // `make`: another topology than the word count (reading "in").
  void build(int64_t cache_bytes, bool validate_only = false,
             std::function<Topology()> make = nullptr) {
    if (make) {
      topology_ = std::make_unique<Topology>(make());
    } else {
      StreamsBuilder builder;
      builder.stream("in", Consumed(Serdes::String(), Serdes::String()))
          .groupByKey()
          .count(Materialized<>::as("counts"))
          .toStream()
          .to("out", Produced(Serdes::String(), Serdes::Int64()));
      topology_ = std::make_unique<Topology>(builder.build());
    }
    config_ = StreamsConfig{{"application.id", "app"}, {"state.dir", dir_.path().string()}}.resolve(
        /*require_bootstrap=*/false);
    cache_ = std::make_unique<state::ThreadCache>(cache_bytes);
    internal::TaskEnv env;
    env.config = &config_;
    env.sender = &sender_;
    env.wall_clock_ms = [] { return int64_t{0}; };
    env.cache = cache_.get();
    env.validate_only = validate_only;
    const auto subs = topology_->subtopologies();
    task_ = std::make_unique<internal::StreamTask>(TaskId{0, 3}, *topology_, subs.at(0), env);
  }
  void pipe(const std::string& key, int64_t ts) {
    internal::RawRecord raw;
    raw.topic = "in";
    raw.partition = 3;
    raw.offset = offset_++;
    raw.timestamp = ts;
    raw.key = key;
    raw.value = std::string_view("v");
    task_->process(raw);
  }

  TempDir dir_;
  std::unique_ptr<Topology> topology_;
  StreamsConfig::Resolved config_;
  std::unique_ptr<state::ThreadCache> cache_;
  CapturingSender sender_;
  std::unique_ptr<internal::StreamTask> task_;
  int64_t offset_ = 100;
};

// A plain (not timestamped) store: its changelog records take their timestamps from the record
// context, which for a cached store is that of each key's last write, not the commit's.
TEST_F(TaskFixture, CachedPlainStoreLogsEachEntryWithItsLastWritesTimestamp) {
  build(/*cache_bytes=*/1 << 20, /*validate_only=*/false, [] {
    return counterTopology(Stores::keyValueStoreBuilder(Stores::persistentKeyValueStore("counts"),
                                                        Serdes::String(), Serdes::Int64())
                               .withCachingEnabled());
  });
  pipe("a", 1);
  pipe("b", 2);
  pipe("a", 3);
  EXPECT_TRUE(sender_.take("app-counts-changelog").empty());  // all in the cache
  task_->prepareCommit();
  auto changelog = sender_.take("app-counts-changelog");
  ASSERT_EQ(changelog.size(), 2u);
  EXPECT_EQ(*changelog[0].key, "b");
  EXPECT_EQ(changelog[0].timestamp, 2);
  EXPECT_EQ(*changelog[1].key, "a");
  EXPECT_EQ(int64Of(changelog[1].value), 2);
  EXPECT_EQ(changelog[1].timestamp, 3);
}

// The flush writes its entries to the store in one batch before forwarding them one by one: when
// downstream processing fails half-way, the entries after the failing one are logged anyway, so
// that the changelog holds what the store holds.
TEST_F(TaskFixture, FailingDownstreamDuringAFlushStillLogsTheRestOfTheBatch) {
  build(/*cache_bytes=*/1 << 20, /*validate_only=*/false, [] {
    StreamsBuilder builder;
    builder.stream("in", Consumed(Serdes::String(), Serdes::String()))
        .groupByKey()
        .count(Materialized<>::as("counts"))
        .toStream()
        .peek([](const Str& key, const auto&) {
          if (key == "a") throw std::runtime_error("downstream failed on a");
        })
        .to("out", Produced(Serdes::String(), Serdes::Int64()));
    return builder.build();
  });
  pipe("b", 1);
  pipe("a", 2);
  pipe("c", 3);
  EXPECT_ANY_THROW(task_->prepareCommit());
  auto changelog = sender_.take("app-counts-changelog");
  std::vector<std::string> keys;
  for (const auto& r : changelog) keys.push_back(*r.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"b", "a", "c"}));
  ASSERT_EQ(changelog.size(), 3u);
  EXPECT_EQ(changelog[2].timestamp, 3);  // in its own record context
  auto out = sender_.take("out");
  ASSERT_EQ(out.size(), 1u);  // b only
  EXPECT_EQ(*out[0].key, "b");
}

TEST_F(TaskFixture, CachedUpdatesGoDownstreamAndToTheChangelogOnlyOnCommit) {
  build(/*cache_bytes=*/1 << 20);
  pipe("a", 1);
  pipe("b", 2);
  pipe("a", 3);
  pipe("a", 4);
  EXPECT_TRUE(sender_.sent.empty());  // all in the cache

  const auto& offsets = task_->prepareCommit();
  EXPECT_EQ(offsets.at({"in", 3}), 104);
  // One record per key, the latest count, in last-write order: b, then a.
  auto out = sender_.take("out");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(*out[0].key, "b");
  EXPECT_EQ(int64Of(out[0].value), 1);
  EXPECT_EQ(*out[1].key, "a");
  EXPECT_EQ(int64Of(out[1].value), 3);
  EXPECT_EQ(out[1].timestamp, 4);
  // The changelog: the same two records, on the task's partition, plain Int64 values with the
  // value's timestamp (Kafka's timestamped-store changelog format).
  auto changelog = sender_.take("app-counts-changelog");
  ASSERT_EQ(changelog.size(), 2u);
  for (const auto& r : changelog) EXPECT_EQ(r.partition, 3);
  // Each in the record context of its own last write (the flush writes the store in one batch,
  // then logs entry by entry).
  EXPECT_EQ(*changelog[0].key, "b");
  EXPECT_EQ(int64Of(changelog[0].value), 1);
  EXPECT_EQ(changelog[0].timestamp, 2);
  EXPECT_EQ(*changelog[1].key, "a");
  EXPECT_EQ(int64Of(changelog[1].value), 3);
  EXPECT_EQ(changelog[1].timestamp, 4);
  EXPECT_TRUE(sender_.sent.empty());

  // Nothing new: a second commit sends nothing.
  task_->prepareCommit();
  EXPECT_TRUE(sender_.sent.empty());

  // postCommit checkpoints the acknowledged changelog offset in the store.
  std::vector<internal::StreamTask::StoreInfo> stores = task_->stores();
  ASSERT_EQ(stores.size(), 1u);
  EXPECT_EQ(stores[0].name, "counts");
  EXPECT_EQ(stores[0].changelog_topic, "app-counts-changelog");
  EXPECT_EQ(stores[0].changelog_partition, 3);
  EXPECT_TRUE(stores[0].timestamped);
  EXPECT_TRUE(stores[0].persistent);
  EXPECT_EQ(stores[0].store->checkpointedOffset(), std::nullopt);
  task_->postCommit({{{"app-counts-changelog", 3}, 41}, {{"other", 3}, 7}});
  EXPECT_EQ(stores[0].store->checkpointedOffset(), 41);
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "app" / "0_3" / "rocksdb" / "counts"));

  // Closing drops what the cache still holds (a clean close commits first).
  pipe("c", 5);
  task_->close();
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(TaskFixture, EvictionFlushesWithoutACommit) {
  // A cache too small for even one entry: every write is flushed at once, as with caching off.
  build(/*cache_bytes=*/1);
  pipe("a", 1);
  pipe("a", 2);
  auto out = sender_.take("out");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(int64Of(out[0].value), 1);
  EXPECT_EQ(int64Of(out[1].value), 2);
}

TEST_F(TaskFixture, ZeroCacheSizeDisablesCaching) {
  build(/*cache_bytes=*/0);
  pipe("a", 1);
  EXPECT_EQ(sender_.take("out").size(), 1u);
  EXPECT_EQ(sender_.take("app-counts-changelog").size(), 1u);
}

TEST_F(TaskFixture, ValidateOnlyTouchesNoDiskAndSendsNoChangelog) {
  build(/*cache_bytes=*/1 << 20, /*validate_only=*/true);
  pipe("a", 1);
  EXPECT_EQ(sender_.take("out").size(), 1u);  // not cached either
  EXPECT_TRUE(sender_.take("app-counts-changelog").empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.path() / "app"));
  EXPECT_FALSE(task_->stores().at(0).persistent);
}

TEST(StreamTaskStores, ChangelogToStoreValueAddsTheTimestampForTimestampedStores) {
  EXPECT_EQ(internal::StreamTask::changelogToStoreValue(false, "v", 5), "v");
  EXPECT_EQ(internal::StreamTask::changelogToStoreValue(true, "v", 0x0102),
            std::string("\0\0\0\0\0\0\x01\x02v", 9));
}

// ---- The caching layer on its own ----

class FixedContext : public internal::CacheContextProvider {
 public:
  state::CacheRecordContext currentCacheContext() const override {
    state::CacheRecordContext c;
    c.timestamp = 7;
    return c;
  }
  void withCacheContext(const state::CacheRecordContext&,
                        const std::function<void()>& fn) override {
    fn();
  }
};

TEST(CachingKeyValueStore, ReadsMergeTheCacheOverTheStore) {
  state::ThreadCache cache(1 << 20);
  FixedContext ctx;
  auto inner = std::make_unique<state::InMemoryKeyValueStore>("s");
  state::InMemoryKeyValueStore* below = inner.get();
  internal::CachingKeyValueStore store(std::move(inner), &cache, "0_0-s", &ctx);
  ASSERT_TRUE(store.init({}).ok());
  ASSERT_TRUE(below->put("a", "1").ok());
  ASSERT_TRUE(below->put("c", "3").ok());
  ASSERT_TRUE(below->put("e", "5").ok());
  ASSERT_TRUE(store.put("b", "2").ok());
  ASSERT_TRUE(store.put("c", "30").ok());  // shadows the store's "3"
  ASSERT_TRUE(store.remove("e").ok());     // a cached delete hides "5"
  EXPECT_EQ(below->get("c")->value(), "3");

  auto drain = [](absl::StatusOr<std::unique_ptr<state::KeyValueIterator>> it) {
    std::vector<std::string> out;
    while ((*it)->hasNext()) {
      auto kv = (*it)->next();
      out.push_back(kv.key + "=" + kv.value);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(drain(store.all()), (V{"a=1", "b=2", "c=30"}));
  EXPECT_EQ(drain(store.reverseAll()), (V{"c=30", "b=2", "a=1"}));
  EXPECT_EQ(drain(store.range("b", "e")), (V{"b=2", "c=30"}));
  EXPECT_EQ(store.get("e")->has_value(), false);

  // The flush writes below, reporting the old values to the listener.
  std::vector<std::string> flushed;
  store.setFlushListener(
      [&](std::string_view key, std::optional<std::string_view> value,
          std::optional<std::string_view> old, const state::CacheRecordContext& c) {
        flushed.push_back(std::string(key) + ":" + std::string(value.value_or("-")) + "/" +
                          std::string(old.value_or("-")) + "@" + std::to_string(c.timestamp));
      },
      /*send_old_values=*/true);
  ASSERT_TRUE(store.flush().ok());
  EXPECT_EQ(flushed, (V{"b:2/-@7", "c:30/3@7", "e:-/5@7"}));
  EXPECT_EQ(below->get("c")->value(), "30");
  EXPECT_FALSE(below->get("e")->has_value());
  ASSERT_TRUE(store.close().ok());
}

// ---- Byte formats shared with Kafka Streams ----

TEST(ChangeSerde, WritesKafkaChangedSerializerFormat) {
  internal::ChangeSerde<Str> serde(Serdes::String());
  auto bytes = [&](internal::Change<Str> c) {
    std::string out;
    serde.serialize("t", c, out);
    return out;
  };
  EXPECT_EQ(bytes({"new", std::nullopt}), std::string("new\x01", 4));
  EXPECT_EQ(bytes({std::nullopt, "old"}), std::string("old\x00", 4));
  // Both: varint(zig-zag) length of the new value, new, old, flag 2.
  EXPECT_EQ(bytes({"ab", "xyz"}), std::string("\x04"
                                              "abxyz\x02",
                                              7));
  for (const internal::Change<Str>& c :
       {internal::Change<Str>{"n", std::nullopt}, internal::Change<Str>{std::nullopt, "o"},
        internal::Change<Str>{"new", "old"}, internal::Change<Str>{"", "x"}}) {
    const std::string b = bytes(c);
    EXPECT_EQ(serde.deserialize("t", std::string_view(b)), c);
  }
  EXPECT_THROW(bytes({std::nullopt, std::nullopt}), SerializationException);
  // Java's versioned flags (with an is-latest byte) read too.
  EXPECT_EQ(serde.deserialize("t", std::string_view("v\x01\x04", 3)),
            (internal::Change<Str>{"v", std::nullopt}));
}

TEST(ValueAndTimestampSerde, WritesKafkaFormat) {
  ValueAndTimestampSerde<int64_t> serde(Serdes::Int64());
  std::string out;
  serde.serialize("t", ValueAndTimestamp<int64_t>{5, 258}, out);
  EXPECT_EQ(out, std::string("\0\0\0\0\0\0\x01\x02\0\0\0\0\0\0\0\x05", 16));
  EXPECT_EQ(serde.deserialize("t", std::string_view(out)), (ValueAndTimestamp<int64_t>{5, 258}));
  EXPECT_THROW(serde.deserialize("t", std::string_view("short")), SerializationException);
}

}  // namespace
}  // namespace kstreams
