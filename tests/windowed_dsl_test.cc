// Windowed aggregations of the DSL (issue 9 item 4, the start): TimeWindows, windowedBy(...)
// with count/reduce/aggregate emitting on every update, late records dropped past the grace
// period, Kafka Streams' names in describe(), the window store and its changelog, and the
// windowed KTable's toStream() written with the time-windowed serde. Expected outputs follow
// Kafka Streams 4.4's KStreamWindowAggregate, worked out by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/state/window_key_schema.h"
#include "kstreams/streams_builder.h"
#include "kstreams/time_windows.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/windowed.h"

namespace kstreams {
namespace {

using Str = std::string;
using std::chrono::milliseconds;

TEST(TimeWindowsTest, WindowsForTumblingAndHopping) {
  auto tumbling = TimeWindows::ofSizeWithNoGrace(milliseconds(10));
  EXPECT_EQ(tumbling.size(), 10);
  EXPECT_EQ(tumbling.advanceMs(), 10);
  EXPECT_EQ(tumbling.gracePeriodMs(), 0);
  auto w = tumbling.windowsFor(17);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w.begin()->first, 10);
  EXPECT_EQ(w.begin()->second.end(), 20);

  auto hopping =
      TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(3)).advanceBy(milliseconds(5));
  EXPECT_EQ(hopping.gracePeriodMs(), 3);
  std::vector<int64_t> starts;
  for (const auto& [start, window] : hopping.windowsFor(17)) starts.push_back(start);
  EXPECT_EQ(starts, (std::vector<int64_t>{10, 15}));
  starts.clear();
  for (const auto& [start, window] : hopping.windowsFor(3)) starts.push_back(start);
  EXPECT_EQ(starts, (std::vector<int64_t>{0}));  // no negative starts

  EXPECT_THROW(TimeWindows::ofSizeWithNoGrace(milliseconds(0)), std::invalid_argument);
  EXPECT_THROW(TimeWindows::ofSizeAndGrace(milliseconds(5), milliseconds(-1)),
               std::invalid_argument);
  EXPECT_THROW(tumbling.advanceBy(milliseconds(11)), std::invalid_argument);
  EXPECT_THROW(tumbling.advanceBy(milliseconds(0)), std::invalid_argument);
}

// "key@start/end=value@timestamp" of an output topic with time-windowed String keys.
std::vector<Str> readWindowed(TestOutputTopic<Windowed<Str>, int64_t>& out) {
  std::vector<Str> seen;
  for (const auto& r : out.readRecordsToList()) {
    seen.push_back(r.key.toString() + "=" + (r.value_is_null ? "null" : std::to_string(r.value)) +
                   "@" + std::to_string(r.timestamp));
  }
  return seen;
}

TEST(WindowedDsl, CountDescribesAsKafkaStreams) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeWithNoGrace(milliseconds(10)))
      .count()
      .toStream()
      .to("output", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                             Serdes::Int64()));
  Topology topology = builder.build();
  EXPECT_EQ(topology.describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> KSTREAM-AGGREGATE-0000000002\n"
            "    Processor: KSTREAM-AGGREGATE-0000000002 (stores: "
            "[KSTREAM-AGGREGATE-STATE-STORE-0000000001])\n"
            "      --> KTABLE-TOSTREAM-0000000003\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KTABLE-TOSTREAM-0000000003 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000004\n"
            "      <-- KSTREAM-AGGREGATE-0000000002\n"
            "    Sink: KSTREAM-SINK-0000000004 (topic: output)\n"
            "      <-- KTABLE-TOSTREAM-0000000003\n"
            "\n");
  ASSERT_EQ(topology.internalTopics().size(), 1u);
  EXPECT_EQ(topology.internalTopics()[0].name,
            "KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog");
}

TEST(WindowedDsl, HoppingCountEmitsEveryUpdateWithTheWindowsLatestTimestamp) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(100))
                      .advanceBy(milliseconds(5)))
      .count(Materialized<Str, int64_t>::as("counts"))
      .toStream()
      .to("output", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                             Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10), Serdes::Int64());
  in.pipeInput("A", "1", 0);
  in.pipeInput("A", "2", 1);
  in.pipeInput("A", "3", 7);
  in.pipeInput("B", "4", 12);
  in.pipeInput("A", "5", 3);  // out of order: windows [0,10) only
  EXPECT_EQ(readWindowed(out),
            (std::vector<Str>{"[A@0/10]=1@0", "[A@0/10]=2@1", "[A@0/10]=3@7", "[A@5/15]=1@7",
                              "[B@5/15]=1@12", "[B@10/20]=1@12", "[A@0/10]=4@7"}));
  auto* store = driver.getStateStore<TimestampedWindowStore<Str, int64_t>>("counts");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->fetch("A", 0), (ValueAndTimestamp<int64_t>{4, 7}));
  // The changelog: window store keys, plain counts, the window's timestamp.
  auto changelog = driver.createOutputTopic<Str, int64_t>("app-counts-changelog", Serdes::Bytes(),
                                                          Serdes::Int64());
  auto logged = changelog.readRecordsToList();
  ASSERT_EQ(logged.size(), 7u);
  EXPECT_EQ(logged.back().key, state::WindowKeySchema::toStoreKeyBinary("A", 0, 0));
  EXPECT_EQ(logged.back().value, 4);
  EXPECT_EQ(logged.back().timestamp, 7);
}

TEST(WindowedDsl, RecordsTooLateForTheirWindowAreDropped) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(5)))
      .count()
      .toStream()
      .to("output", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                             Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10), Serdes::Int64());
  const int64_t dropped_before = droppedLateRecords();
  in.pipeInput("A", "x", 20);
  in.pipeInput("A", "x", 9);   // [0,10): end 10 <= 20 - 5: dropped
  in.pipeInput("A", "x", 14);  // [10,20): end 20 > 15: still open
  in.pipeInput("A", "x", 25);
  in.pipeInput("A", "x", 19);  // [10,20): end 20 <= 25 - 5: dropped
  EXPECT_EQ(readWindowed(out),
            (std::vector<Str>{"[A@20/30]=1@20", "[A@10/20]=1@14", "[A@20/30]=2@25"}));
  EXPECT_EQ(droppedLateRecords() - dropped_before, 2);
}

TEST(WindowedDsl, ReduceAndAggregatePerWindow) {
  StreamsBuilder builder;
  auto grouped = builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
                     .groupByKey()
                     .windowedBy(TimeWindows::ofSizeWithNoGrace(milliseconds(10)));
  grouped.reduce([](Str agg, const Str& v) { return agg + "+" + v; })
      .toStream()
      .to("reduced", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                              Serdes::String()));
  grouped
      .aggregate([] { return int64_t{100}; },
                 [](const Str&, const Str& v, int64_t agg) {
                   return agg + static_cast<int64_t>(v.size());
                 },
                 Materialized<Str, int64_t>::as("lengths").withValueSerde(Serdes::Int64()))
      .toStream()
      .to("aggregated", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                                 Serdes::Int64()));
  Topology topology = builder.build();
  const std::string text = topology.describe().toString();
  EXPECT_NE(text.find("Processor: KSTREAM-REDUCE-0000000002 (stores: "
                      "[KSTREAM-REDUCE-STATE-STORE-0000000001])"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Processor: KSTREAM-AGGREGATE-0000000005 (stores: [lengths])"),
            std::string::npos)
      << text;

  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto windowed = WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10);
  auto reduced =
      driver.createOutputTopic<Windowed<Str>, Str>("reduced", windowed, Serdes::String());
  auto aggregated =
      driver.createOutputTopic<Windowed<Str>, int64_t>("aggregated", windowed, Serdes::Int64());
  in.pipeInput("k", "a", 1);
  in.pipeInput("k", "bb", 5);
  in.pipeInput("k", "ccc", 11);
  std::vector<Str> r;
  for (const auto& rec : reduced.readRecordsToList())
    r.push_back(rec.key.toString() + "=" + rec.value);
  EXPECT_EQ(r, (std::vector<Str>{"[k@0/10]=a", "[k@0/10]=a+bb", "[k@10/20]=ccc"}));
  EXPECT_EQ(readWindowed(aggregated),
            (std::vector<Str>{"[k@0/10]=101@1", "[k@0/10]=103@5", "[k@10/20]=103@11"}));
}

// A window's first null value makes reduce() delete the (empty) window: forwarded as a tombstone
// without the record cache; with it (Materialized's default), as in Java, the cache drops the
// delete of a window the store never held.
std::vector<TestRecord<Windowed<Str>, Str>> reduceFirstNull(bool caching) {
  StreamsBuilder builder;
  auto materialized = Materialized<Str, Str>::as("reduced");
  if (!caching) materialized = materialized.withCachingDisabled();
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeWithNoGrace(milliseconds(10)))
      .reduce([](Str agg, const Str& v) { return agg + v; }, materialized)
      .toStream()
      .to("out", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                          Serdes::String()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, Str>(
      "out", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10), Serdes::String());
  TestRecord<Str, Str> null_value;
  null_value.key = "k";
  null_value.timestamp = 1;
  null_value.value_is_null = true;
  in.pipeInput(null_value);
  in.pipeInput("k", "x", 2);
  return out.readRecordsToList();
}

TEST(WindowedDsl, ReduceTombstoneForAWindowsFirstNullValueOnlyWithoutTheCache) {
  auto records = reduceFirstNull(/*caching=*/false);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].value_is_null);
  EXPECT_EQ(records[0].key.window().start(), 0);
  EXPECT_EQ(records[1].value, "x");
  records = reduceFirstNull(/*caching=*/true);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, "x");
}

class WindowedDslSession : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(Caching, WindowedDslSession, ::testing::Bool());

TEST_P(WindowedDslSession, SessionCountMergesSessionsAndDropsLateRecords) {
  const bool caching = GetParam();
  StreamsBuilder builder;
  auto materialized = Materialized<Str, int64_t>::as("sessions");
  if (!caching) materialized = materialized.withCachingDisabled();
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapWithNoGrace(milliseconds(10)))
      .count(materialized)
      .toStream()
      .to("output", Produced(WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()),
                             Serdes::Int64()));
  Topology topology = builder.build();
  EXPECT_NE(topology.describe().toString().find(
                "Processor: KSTREAM-AGGREGATE-0000000001 (stores: [sessions])"),
            std::string::npos)
      << topology.describe().toString();
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()), Serdes::Int64());
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 5);
  in.pipeInput("A", "x", 20);
  // Within the gap of [0,5] and [20,20], but [0,5] ended before stream time (20) - the store's
  // retention (gap + grace = 10) + 1: the store no longer returns it, so only [20,20] is found
  // and merged, as in Kafka Streams. With the record cache, [0,5] is still in the cache (flushed,
  // clean), and Java's merged cache-and-store iterator finds it there: [0,20] is the merge, and
  // [0,5]'s delete is not forwarded (the store below holds nothing for it any more).
  in.pipeInput("A", "x", 12);
  in.pipeInput("A", "x", 40);
  in.pipeInput("A", "x", 29);  // [29,29] ends before stream time 40 - gap 10 - grace 0: dropped
  if (caching) {
    EXPECT_EQ(readWindowed(out),
              (std::vector<Str>{"[A@0/0]=1@0", "[A@0/0]=null@0", "[A@0/5]=2@5", "[A@20/20]=1@20",
                                "[A@20/20]=null@20", "[A@0/20]=4@20", "[A@40/40]=1@40"}));
  } else {
    EXPECT_EQ(readWindowed(out),
              (std::vector<Str>{"[A@0/0]=1@0", "[A@0/0]=null@0", "[A@0/5]=2@5", "[A@20/20]=1@20",
                                "[A@20/20]=null@20", "[A@12/20]=2@20", "[A@40/40]=1@40"}));
  }
  auto* store = driver.getStateStore<SessionStore<Str, int64_t>>("sessions");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->fetchSession("A", 40, 40), std::optional<int64_t>(1));
  EXPECT_EQ(store->fetchSession("A", 12, 20), std::nullopt);  // expired
  EXPECT_THROW(SessionWindows::ofInactivityGapWithNoGrace(milliseconds(0)), std::invalid_argument);
}

}  // namespace
}  // namespace kstreams
