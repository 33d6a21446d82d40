// Window and session stores in the runtime, against the embedded cluster: a Processor API
// topology writes a timestamped window store and a session store (RocksDB, change-logged);
// their changelogs carry Kafka Streams' binary keys; interactive queries read both stores
// (windowStore / sessionStore); after the state directory is deleted, both are rebuilt from
// their changelogs by the restorer and the queries give the same answers. Then the DSL's
// windowed count, queried the same way, and its record cache seen by queries before any commit.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/state/window_key_schema.h"
#include "kstreams/stores.h"
#include "kstreams/streams_builder.h"
#include "kstreams/time_windows.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/window_query.h"
#include "runtime_test_support.h"
#include "state_test_support.h"

namespace kstreams::state_test {
namespace {

using runtime_test::uniqueSuffix;
using std::chrono::seconds;
using Str = std::string;

constexpr int64_t kBase = 1'699'999'980'000;  // a whole minute (2023-11-14T22:13Z)
constexpr int64_t kMinute = 60'000;
constexpr int64_t kGap = 300'000;

// Counts per key and minute (TimestampedWindowStore "per-minute") and sessions per key with a
// 5-minute gap (SessionStore "sessions").
class WindowAndSessionCounter : public ContextualProcessor<Str, Str, Str, int64_t> {
 public:
  void init(ProcessorContext<Str, int64_t>& context) override {
    ContextualProcessor::init(context);
    minutes_ = &context.getStateStore<TimestampedWindowStore<Str, int64_t>>("per-minute");
    sessions_ = &context.getStateStore<SessionStore<Str, int64_t>>("sessions");
  }
  void process(Record<Str, Str> r) override {
    const int64_t t = r.timestamp();
    const int64_t start = t - t % kMinute;
    auto old = minutes_->fetch(r.key(), start);
    const int64_t n = old ? old->value + 1 : 1;
    minutes_->put(r.key(), ValueAndTimestamp<int64_t>{n, old ? std::max(old->timestamp, t) : t},
                  start);

    int64_t s = t, e = t, count = 1;
    std::vector<Windowed<Str>> merged;
    auto it = sessions_->findSessions(r.key(), t - kGap, t + kGap);
    while (it.hasNext()) {
      auto kv = it.next();
      s = std::min(s, kv.key.window().start());
      e = std::max(e, kv.key.window().end());
      count += kv.value;
      merged.push_back(kv.key);
    }
    for (const auto& w : merged) sessions_->remove(w);
    sessions_->put(Windowed<Str>(r.key(), SessionWindow(s, e)), count);
    context().forward(Record<Str, int64_t>(r.key(), n, t));
  }

 private:
  TimestampedWindowStore<Str, int64_t>* minutes_ = nullptr;
  SessionStore<Str, int64_t>* sessions_ = nullptr;
};

Topology windowTopology(const Str& in, const Str& out) {
  Topology t;
  t.addSource<Str, Str>("source", {in}, Serdes::String(), Serdes::String());
  t.addProcessor("counter", [] { return std::make_unique<WindowAndSessionCounter>(); }, {"source"});
  t.addStateStore(Stores::timestampedWindowStoreBuilder(
                      Stores::persistentTimestampedWindowStore("per-minute", std::chrono::hours(48),
                                                               std::chrono::minutes(1), false),
                      Serdes::String(), Serdes::Int64()),
                  {"counter"});
  t.addStateStore(Stores::sessionStoreBuilder(
                      Stores::persistentSessionStore("sessions", std::chrono::hours(48)),
                      Serdes::String(), Serdes::Int64()),
                  {"counter"});
  t.addSink<Str, int64_t>("sink", out, {"counter"}, Serdes::String(), Serdes::Int64());
  return t;
}

class WindowStoreEmbeddedTest : public ::testing::Test {
 protected:
  StreamsConfig config(const Str& app, const Str& state_dir) const {
    return StreamsConfig{{"application.id", app},
                         {"bootstrap.servers", cluster_.bootstrapServers()},
                         {"state.dir", state_dir},
                         {"commit.interval.ms", "500"},
                         {"poll.ms", "50"},
                         {"consumer.session.timeout.ms", "3500"},
                         {"consumer.heartbeat.interval.ms", "300"}};
  }

  // "key@start=count" of every window, and "key[start,end]=count" of every session, through
  // interactive queries.
  static std::vector<Str> queryWindows(const KafkaStreams& streams) {
    std::vector<Str> out;
    auto store = streams.windowStore<Str, int64_t>("per-minute");
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    auto it = store->fetchAll(0, std::numeric_limits<int64_t>::max());
    EXPECT_TRUE(it.ok()) << it.status();
    if (!it.ok()) return out;
    while (it->hasNext()) {
      auto kv = it->next();
      out.push_back(kv.key.key() + "@" + std::to_string(kv.key.window().start() - kBase) + "=" +
                    std::to_string(kv.value));
    }
    EXPECT_TRUE(it->status().ok()) << it->status();
    std::sort(out.begin(), out.end());
    return out;
  }
  static std::vector<Str> querySessions(const KafkaStreams& streams, const std::vector<Str>& keys) {
    std::vector<Str> out;
    auto store = streams.sessionStore<Str, int64_t>("sessions");
    EXPECT_TRUE(store.ok()) << store.status();
    if (!store.ok()) return out;
    for (const Str& key : keys) {
      auto it = store->fetch(key);
      EXPECT_TRUE(it.ok()) << it.status();
      if (!it.ok()) continue;
      while (it->hasNext()) {
        auto kv = it->next();
        out.push_back(kv.key.key() + "[" + std::to_string(kv.key.window().start() - kBase) + "," +
                      std::to_string(kv.key.window().end() - kBase) +
                      "]=" + std::to_string(kv.value));
      }
    }
    return out;
  }

  EmbeddedKafkaCluster cluster_{1};
};

TEST_F(WindowStoreEmbeddedTest, QueriedRestoredAndLoggedInJavasLayout) {
  const Str s = uniqueSuffix();
  const Str in = "ws-in-" + s, out = "ws-out-" + s, app = "ws-app-" + s;
  ASSERT_TRUE(createTopics(cluster_.bootstrapServers(), {{in, 2}, {out, 2}}).ok());
  {
    SimpleProducer producer(cluster_.bootstrapServers());
    // a: minutes 0 (x2), 1, and again at minute 20 (a new session); b: minute 0.
    const std::vector<std::pair<Str, int64_t>> records = {{"a", kBase + 1'000},
                                                          {"a", kBase + 30'000},
                                                          {"b", kBase + 5'000},
                                                          {"a", kBase + kMinute + 1'000},
                                                          {"a", kBase + 20 * kMinute}};
    for (const auto& [key, ts] : records) producer.send(in, key, Str("x"), ts);
    ASSERT_TRUE(producer.flush().ok());
  }
  const std::vector<Str> windows = {"a@0=2", "a@1200000=1", "a@60000=1", "b@0=1"};
  const std::vector<Str> sessions = {"a[1000,61000]=3", "a[1200000,1200000]=1", "b[5000,5000]=1"};
  TempDir dir("kstreams-window-test");
  {
    KafkaStreams streams(windowTopology(in, out), config(app, dir.str()));
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
    EXPECT_EQ(queryWindows(streams), windows);
    EXPECT_EQ(querySessions(streams, {"a", "b"}), sessions);
    // Plain and timestamped views of the same store; a single-key fetch.
    auto ts_view = streams.windowStore<Str, ValueAndTimestamp<int64_t>>("per-minute");
    ASSERT_TRUE(ts_view.ok()) << ts_view.status();
    auto v = ts_view->fetch("a", kBase);
    ASSERT_TRUE(v.ok() && v->has_value());
    EXPECT_EQ(**v, (ValueAndTimestamp<int64_t>{2, kBase + 30'000}));
    auto plain = streams.windowStore<Str, int64_t>("per-minute");
    auto a = plain->backwardFetch("a", kBase, kBase + 10 * kMinute);
    ASSERT_TRUE(a.ok());
    std::vector<int64_t> starts;
    while (a->hasNext()) starts.push_back(a->next().key - kBase);
    EXPECT_EQ(starts, (std::vector<int64_t>{60'000, 0}));
    // Asking for a window store as a session store is refused.
    EXPECT_FALSE((streams.sessionStore<Str, int64_t>("per-minute")).ok());
    EXPECT_TRUE(streams.close(seconds(30)));
  }

  // The changelogs: window keys [key][8 B start][4 B seq 0], plain Int64 values with the
  // window's timestamp; session keys [key][8 B end][8 B start].
  auto logged = readTopic(cluster_.bootstrapServers(), app + "-per-minute-changelog");
  ASSERT_TRUE(logged.ok()) << logged.status();
  ASSERT_EQ(logged->size(), 5u);
  bool found = false;
  for (const ConsumedRecord& r : *logged) {
    ASSERT_TRUE(r.key.has_value());
    if (*r.key == state::WindowKeySchema::toStoreKeyBinary("a", kBase, 0) && r.value &&
        Serdes::Int64()->deserialize("t", r.value) == 2) {
      EXPECT_EQ(r.timestamp, kBase + 30'000);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  auto session_log = readTopic(cluster_.bootstrapServers(), app + "-sessions-changelog");
  ASSERT_TRUE(session_log.ok());
  found = false;
  for (const ConsumedRecord& r : *session_log) {
    if (r.key == state::SessionKeySchema::toBinary("a", kBase + 1'000, kBase + kMinute + 1'000) &&
        r.value) {
      found = true;
    }
  }
  EXPECT_TRUE(found);

  // Delete the state: both stores are rebuilt from their changelogs.
  std::filesystem::remove_all(dir.path());
  auto listener = std::make_shared<RecordingRestoreListener>();
  {
    KafkaStreams streams(windowTopology(in, out), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
    EXPECT_EQ(queryWindows(streams), windows);
    EXPECT_EQ(querySessions(streams, {"a", "b"}), sessions);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  std::map<Str, int64_t> restored;
  for (const auto& [tp, r] : listener->restorations()) restored[r.store] += r.total;
  EXPECT_EQ(restored["per-minute"], 5);
  EXPECT_GT(restored["sessions"], 0);

  // A restart with the checkpoints restores nothing.
  listener->clear();
  {
    KafkaStreams streams(windowTopology(in, out), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
    EXPECT_EQ(queryWindows(streams), windows);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EXPECT_TRUE(listener->restorations().empty());
}

TEST_F(WindowStoreEmbeddedTest, DslWindowedCountIsQueryable) {
  const Str s = uniqueSuffix();
  const Str in = "wd-in-" + s, out = "wd-out-" + s, app = "wd-app-" + s;
  ASSERT_TRUE(createTopics(cluster_.bootstrapServers(), {{in, 2}, {out, 2}}).ok());
  {
    SimpleProducer producer(cluster_.bootstrapServers());
    for (int64_t t : {1'000, 2'000, 61'000}) producer.send(in, Str("a"), Str("x"), kBase + t);
    producer.send(in, Str("b"), Str("x"), kBase + 3'000);
    ASSERT_TRUE(producer.flush().ok());
  }
  StreamsBuilder builder;
  builder.stream<Str, Str>(in, Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::minutes(1), std::chrono::hours(24)))
      .count(Materialized<Str, int64_t>::as("per-minute"))
      .toStream()
      .to(out, Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), kMinute),
                        Serdes::Int64()));
  TempDir dir("kstreams-window-test");
  KafkaStreams streams(builder.build(), config(app, dir.str()));
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
  EXPECT_EQ(queryWindows(streams), (std::vector<Str>{"a@0=2", "a@60000=1", "b@0=1"}));
  auto store = streams.windowStore<Str, int64_t>("per-minute");
  ASSERT_TRUE(store.ok()) << store.status();
  auto it = store->fetch("a", "a", kBase, kBase + kMinute);
  ASSERT_TRUE(it.ok());
  std::vector<Str> windows;
  while (it->hasNext()) {
    auto kv = it->next();
    windows.push_back(std::to_string(kv.key.window().start() - kBase) + "-" +
                      std::to_string(kv.key.window().end() - kBase) + "=" +
                      std::to_string(kv.value));
  }
  EXPECT_EQ(windows, (std::vector<Str>{"0-60000=2", "60000-120000=1"}));
  EXPECT_TRUE(streams.close(seconds(30)));
}

// With the record cache on (Materialized's default) and no commit for an hour, nothing reaches
// the store below the cache: the queries see the cached, unflushed counts, as Java's do.
TEST_F(WindowStoreEmbeddedTest, QueriesSeeCachedUnflushedWindowsAndSessions) {
  const Str s = uniqueSuffix();
  const Str in = "wc-in-" + s, out = "wc-out-" + s, app = "wc-app-" + s;
  ASSERT_TRUE(createTopics(cluster_.bootstrapServers(), {{in, 1}, {out, 1}}).ok());
  {
    SimpleProducer producer(cluster_.bootstrapServers());
    for (int64_t t : {1'000, 2'000, 61'000}) producer.send(in, Str("a"), Str("x"), kBase + t);
    ASSERT_TRUE(producer.flush().ok());
  }
  StreamsBuilder builder;
  auto grouped =
      builder.stream<Str, Str>(in, Consumed(Serdes::String(), Serdes::String())).groupByKey();
  grouped.windowedBy(TimeWindows::ofSizeAndGrace(std::chrono::minutes(1), std::chrono::hours(24)))
      .count(Materialized<Str, int64_t>::as("per-minute"))
      .toStream()
      .to(out, Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), kMinute),
                        Serdes::Int64()));
  grouped
      .windowedBy(SessionWindows::ofInactivityGapAndGrace(std::chrono::milliseconds(kGap),
                                                          std::chrono::hours(24)))
      .count(Materialized<Str, int64_t>::as("sessions"));
  TempDir dir("kstreams-window-cache-test");
  StreamsConfig cfg = config(app, dir.str());
  cfg.set("commit.interval.ms", "3600000");
  KafkaStreams streams(builder.build(), cfg);
  ASSERT_TRUE(streams.start().ok());
  std::vector<Str> windows, sessions;
  const auto deadline = std::chrono::steady_clock::now() + seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    windows.clear();
    sessions.clear();
    if (streams.windowStore<Str, int64_t>("per-minute").ok() &&
        streams.sessionStore<Str, int64_t>("sessions").ok()) {
      windows = queryWindows(streams);
      sessions = querySessions(streams, {"a"});
      if (windows.size() == 2 && sessions.size() == 1) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(windows, (std::vector<Str>{"a@0=2", "a@60000=1"}));
  EXPECT_EQ(sessions, (std::vector<Str>{"a[1000,61000]=3"}));
  EXPECT_TRUE(streams.close(seconds(30)));
}

}  // namespace
}  // namespace kstreams::state_test
