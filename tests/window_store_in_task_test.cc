// Window and session stores inside tasks: the windowed serdes (Kafka's exact bytes), the typed
// WindowStore / TimestampedWindowStore / SessionStore facades a Processor API processor gets
// through the TopologyTestDriver, their changelog records (Kafka Streams' binary keys, plain
// values with the value's timestamp for timestamped stores) and the restore of those records
// into a fresh store (what the runtime's restorer does with them).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/state/window_key_schema.h"
#include "kstreams/stores.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/windowed.h"
#include "runtime/stream_task.h"
#include "state/state_test_util.h"

namespace kstreams {
namespace {

using Str = std::string;
using std::chrono::minutes;

std::string bytes(std::initializer_list<int> b) {
  std::string out;
  for (int c : b) out.push_back(static_cast<char>(c));
  return out;
}

TEST(WindowedSerdes, TimeWindowedBytesAreKeyThenStart) {
  auto serde = WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 60'000);
  std::string out;
  ASSERT_TRUE(serde->serialize("t", Windowed<Str>("ab", TimeWindow(60'000, 120'000)), out));
  EXPECT_EQ(out, "ab" + bytes({0, 0, 0, 0, 0, 0, 0xea, 0x60}));
  Windowed<Str> back = serde->deserialize("t", std::string_view(out));
  EXPECT_EQ(back.key(), "ab");
  EXPECT_EQ(back.window().start(), 60'000);
  EXPECT_EQ(back.window().end(), 120'000);  // start + the serde's window size
  EXPECT_EQ(back.toString(), "[ab@60000/120000]");
  // Int64 keys: 8 bytes of key, then 8 bytes of start.
  auto longs = WindowedSerdes::timeWindowedSerdeFrom<int64_t>(Serdes::Int64(), 10);
  out.clear();
  longs->serialize("t", Windowed<int64_t>(1, TimeWindow(2, 12)), out);
  EXPECT_EQ(out, bytes({0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2}));
  // The end saturates instead of overflowing.
  auto huge = WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(),
                                                         std::numeric_limits<int64_t>::max());
  EXPECT_EQ(huge->deserialize("t", std::string_view("k" + bytes({0, 0, 0, 0, 0, 0, 0, 5})))
                .window()
                .end(),
            std::numeric_limits<int64_t>::max());
  EXPECT_THROW(serde->deserialize("t", std::string_view("short")), SerializationException);
  EXPECT_THROW(serde->deserialize("t", std::nullopt), SerializationException);
}

TEST(WindowedSerdes, SessionWindowedBytesAreKeyThenEndThenStart) {
  auto serde = WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String());
  std::string out;
  ASSERT_TRUE(serde->serialize("t", Windowed<Str>("u", SessionWindow(5, 9)), out));
  EXPECT_EQ(out, "u" + bytes({0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 5}));
  Windowed<Str> back = serde->deserialize("t", std::string_view(out));
  EXPECT_EQ(back, Windowed<Str>("u", SessionWindow(5, 9)));
}

TEST(WindowedSerdes, WindowsCheckTheirBoundsAsJava) {
  EXPECT_THROW(TimeWindow(5, 5), std::invalid_argument);
  EXPECT_THROW(Window(-1, 5), std::invalid_argument);
  EXPECT_THROW(Window(6, 5), std::invalid_argument);
  EXPECT_NO_THROW(SessionWindow(5, 5));
  EXPECT_TRUE(TimeWindow(0, 10).overlapsTimeWindow(TimeWindow(5, 15)));
  EXPECT_FALSE(TimeWindow(0, 10).overlapsTimeWindow(TimeWindow(10, 20)));
  EXPECT_TRUE(SessionWindow(0, 10).overlapsSession(SessionWindow(10, 20)));
}

// Counts records per key and 1-minute window in a TimestampedWindowStore; forwards the count.
class WindowCounter : public ContextualProcessor<Str, Str, Str, int64_t> {
 public:
  void init(ProcessorContext<Str, int64_t>& context) override {
    ContextualProcessor::init(context);
    store_ = &context.getStateStore<TimestampedWindowStore<Str, int64_t>>("per-minute");
  }
  void process(Record<Str, Str> r) override {
    const int64_t start = r.timestamp() - r.timestamp() % 60'000;
    std::optional<ValueAndTimestamp<int64_t>> old = store_->fetch(r.key(), start);
    const int64_t n = old ? old->value + 1 : 1;
    const int64_t ts = old ? std::max(old->timestamp, r.timestamp()) : r.timestamp();
    store_->put(r.key(), ValueAndTimestamp<int64_t>{n, ts}, start);
    context().forward(std::move(r).withValue(n));
  }

 private:
  TimestampedWindowStore<Str, int64_t>* store_ = nullptr;
};

Topology windowCounterTopology(bool persistent) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"}, Serdes::String(), Serdes::String())
      .addProcessor("counter", [] { return std::make_unique<WindowCounter>(); }, {"src"})
      .addSink<Str, int64_t>("sink", "out", {"counter"}, Serdes::String(), Serdes::Int64());
  auto supplier =
      persistent
          ? Stores::persistentTimestampedWindowStore("per-minute", minutes(10), minutes(1), false)
          : Stores::inMemoryWindowStore("per-minute", minutes(10), minutes(1), false);
  t.addStateStore(
      Stores::timestampedWindowStoreBuilder(supplier, Serdes::String(), Serdes::Int64()),
      {"counter"});
  return t;
}

class WindowStoreInTask : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Kinds, WindowStoreInTask, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "RocksDb" : "InMemory"; });

TEST_P(WindowStoreInTask, ProcessorWritesAWindowStoreAndItsChangelogInJavasLayout) {
  Topology t = windowCounterTopology(GetParam());
  ASSERT_EQ(t.internalTopics().size(), 1u);
  EXPECT_EQ(t.internalTopics()[0].name, "per-minute-changelog");

  TopologyTestDriver driver(t, StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Str, int64_t>("out", Serdes::String(), Serdes::Int64());
  auto changelog = driver.createOutputTopic<Str, Str>("app-per-minute-changelog", Serdes::Bytes(),
                                                      Serdes::Bytes());
  in.pipeInput("a", "x", 1'000);
  in.pipeInput("a", "x", 30'000);
  in.pipeInput("b", "x", 20'000);
  in.pipeInput("a", "x", 61'000);
  in.pipeInput("a", "x", 10'000);  // out of order, same first window
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{1, 2, 1, 1, 3}));

  // Changelog: key = key + 8-byte start + 4-byte seqnum 0; value = the plain Int64 (no timestamp
  // prefix), record timestamp = the value's timestamp.
  auto logged = changelog.readRecordsToList();
  ASSERT_EQ(logged.size(), 5u);
  EXPECT_EQ(logged[0].key, "a" + bytes({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(logged[0].value, bytes({0, 0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(logged[0].timestamp, 1'000);
  EXPECT_EQ(logged[3].key, "a" + bytes({0, 0, 0, 0, 0, 0, 0xea, 0x60, 0, 0, 0, 0}));
  EXPECT_EQ(logged[4].key, logged[0].key);
  EXPECT_EQ(logged[4].value, bytes({0, 0, 0, 0, 0, 0, 0, 3}));
  EXPECT_EQ(logged[4].timestamp, 30'000);  // the window's latest record

  // The driver reads the store directly.
  auto* store = driver.getStateStore<TimestampedWindowStore<Str, int64_t>>("per-minute");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->persistent(), GetParam());
  EXPECT_EQ(store->fetch("a", 0), (ValueAndTimestamp<int64_t>{3, 30'000}));
  auto it = store->fetch("a", 0, 120'000);
  std::vector<std::pair<int64_t, int64_t>> a;
  while (it.hasNext()) {
    auto kv = it.next();
    a.emplace_back(kv.key, kv.value.value);
  }
  EXPECT_EQ(a, (std::vector<std::pair<int64_t, int64_t>>{{0, 3}, {60'000, 1}}));
  auto all = store->fetchAll(0, 120'000);
  std::vector<std::string> seen;
  while (all.hasNext()) {
    auto kv = all.next();
    seen.push_back(kv.key.toString() + "=" + std::to_string(kv.value.value));
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"[a@0/60000]=3", "[a@60000/120000]=1", "[b@0/60000]=1"}));
  auto back = store->backwardFetch("a", "b", 0, 0);
  seen.clear();
  while (back.hasNext()) seen.push_back(back.next().key.toString());
  EXPECT_EQ(seen, (std::vector<std::string>{"[b@0/60000]", "[a@0/60000]"}));

  // Restoring the captured changelog into a fresh store gives the same contents (the runtime's
  // restorer: changelog key as is, value with the record timestamp put back in front).
  auto fresh = *state::Stores::inMemoryWindowStore("per-minute", 600'000, 60'000, false);
  std::unique_ptr<state::KeyValueStore> bytes_store = fresh->get();
  ASSERT_TRUE(bytes_store->init({}).ok());
  state::KeyValueChanges records;
  for (const auto& r : logged) {
    records.emplace_back(r.key, internal::StreamTask::changelogToStoreValue(
                                    /*timestamped=*/true, r.value, r.timestamp));
  }
  ASSERT_TRUE(bytes_store->restoreBatch(records, 4).ok());
  auto& ws = dynamic_cast<state::WindowStore&>(*bytes_store);
  auto v = ws.fetch("a", 0);
  ASSERT_TRUE(v.ok() && v->has_value());
  EXPECT_EQ(**v, bytes({0, 0, 0, 0, 0, 0, 0x75, 0x30, 0, 0, 0, 0, 0, 0, 0, 3}));
}

TEST(WindowStoreInTask, SegmentsLiveInJavasDirectoryLayout) {
  state::testing::TempDir dir;
  TopologyTestDriver driver(
      windowCounterTopology(/*persistent=*/true),
      StreamsConfig{{"application.id", "app"}, {"state.dir", dir.path().string()}});
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  in.pipeInput("a", "x", 1'000);
  in.pipeInput("a", "x", 400'000);  // segment interval: max(10 min / 2, 60 s) = 5 min
  // "<state.dir>/<application.id>/<task>/<store>/<store>.<segment id * interval>", as Java.
  EXPECT_TRUE(
      std::filesystem::is_directory(dir.path() / "app" / "0_0" / "per-minute" / "per-minute.0"));
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "app" / "0_0" / "per-minute" /
                                            "per-minute.300000"));
}

TEST(WindowStoreInTask, JavaChangelogRecordsRestore) {
  // A record as Kafka Streams writes it for a TimestampedWindowStore<String, Long>: key
  // "k" + start 120000 + seqnum 0, value 8-byte Long 7, record timestamp 125000.
  const std::string key = "k" + bytes({0, 0, 0, 0, 0, 1, 0xd4, 0xc0, 0, 0, 0, 0});
  auto supplier = *state::Stores::persistentWindowStore("w", 600'000, 60'000, false);
  state::testing::TempDir dir;
  std::unique_ptr<state::KeyValueStore> store = supplier->get();
  state::StateStoreContext ctx;
  ctx.store_dir = dir.path() / "w";
  ASSERT_TRUE(store->init(ctx).ok());
  ASSERT_TRUE(store
                  ->restoreBatch({{key, internal::StreamTask::changelogToStoreValue(
                                            true, bytes({0, 0, 0, 0, 0, 0, 0, 7}), 125'000)}},
                                 9)
                  .ok());
  EXPECT_EQ(store->checkpointedOffset(), std::optional<int64_t>(9));
  TimestampedWindowStore<Str, int64_t> typed(
      *store, dynamic_cast<state::WindowStore&>(*store), Serdes::String(),
      std::make_shared<const ValueAndTimestampSerde<int64_t>>(Serdes::Int64()), "w-changelog");
  EXPECT_EQ(typed.fetch("k", 120'000), (ValueAndTimestamp<int64_t>{7, 125'000}));
}

// Sessions per key with a 5 s inactivity gap, merged as Kafka Streams' session aggregation
// does: find the overlapping sessions, remove them, put the merged one.
class SessionCounter : public ContextualProcessor<Str, Str, Str, int64_t> {
 public:
  void init(ProcessorContext<Str, int64_t>& context) override {
    ContextualProcessor::init(context);
    store_ = &context.getStateStore<SessionStore<Str, int64_t>>("sessions");
  }
  void process(Record<Str, Str> r) override {
    constexpr int64_t kGap = 5'000;
    int64_t start = r.timestamp(), end = r.timestamp(), n = 1;
    std::vector<Windowed<Str>> merged;
    auto it = store_->findSessions(r.key(), r.timestamp() - kGap, r.timestamp() + kGap);
    while (it.hasNext()) {
      auto kv = it.next();
      start = std::min(start, kv.key.window().start());
      end = std::max(end, kv.key.window().end());
      n += kv.value;
      merged.push_back(kv.key);
    }
    for (const auto& w : merged) store_->remove(w);
    store_->put(Windowed<Str>(r.key(), SessionWindow(start, end)), n);
    context().forward(std::move(r).withValue(n));
  }

 private:
  SessionStore<Str, int64_t>* store_ = nullptr;
};

TEST(SessionStoreInTask, ProcessorMergesSessionsAndLogsJavasSessionKeys) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"}, Serdes::String(), Serdes::String())
      .addProcessor("sess", [] { return std::make_unique<SessionCounter>(); }, {"src"})
      .addSink<Str, int64_t>("sink", "out", {"sess"}, Serdes::String(), Serdes::Int64());
  t.addStateStore(
      Stores::sessionStoreBuilder(Stores::persistentSessionStore("sessions", std::chrono::hours(1)),
                                  Serdes::String(), Serdes::Int64()),
      {"sess"});
  TopologyTestDriver driver(t, StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("in", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Str, int64_t>("out", Serdes::String(), Serdes::Int64());
  auto changelog = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "app-sessions-changelog", WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()),
      Serdes::Int64());
  in.pipeInput("u", "x", 1'000);
  in.pipeInput("u", "x", 4'000);
  in.pipeInput("u", "x", 12'000);
  in.pipeInput("u", "x", 8'000);  // within the gap of both sessions: merges them
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{1, 2, 1, 4}));

  auto logged = changelog.readRecordsToList();
  std::vector<std::string> seen;
  for (const auto& r : logged) {
    seen.push_back(r.key.toString() + (r.value_is_null ? "=null" : "=" + std::to_string(r.value)));
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"[u@1000/1000]=1", "[u@1000/1000]=null", "[u@1000/4000]=2",
                                      "[u@12000/12000]=1", "[u@1000/4000]=null",
                                      "[u@12000/12000]=null", "[u@1000/12000]=4"}));

  auto* store = driver.getStateStore<SessionStore<Str, int64_t>>("sessions");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->fetchSession("u", 1'000, 12'000), std::optional<int64_t>(4));
  auto all = store->fetch("u");
  ASSERT_TRUE(all.hasNext());
  EXPECT_EQ(all.next().key, Windowed<Str>("u", SessionWindow(1'000, 12'000)));
  EXPECT_FALSE(all.hasNext());
}

TEST(WindowStoreInTask, StoresRefuseBadArgumentsAsJava) {
  EXPECT_THROW(Stores::persistentWindowStore("w", minutes(1), minutes(2), false),
               std::invalid_argument);
  EXPECT_THROW(Stores::inMemorySessionStore("s", std::chrono::milliseconds(-1)),
               std::invalid_argument);
}

}  // namespace
}  // namespace kstreams
