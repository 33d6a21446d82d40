// Sliding-window aggregations of the DSL (SlidingWindows, windowedBy(...) with
// count/reduce/aggregate): Kafka Streams' names in describe(), left and right windows per
// record, out-of-order records updating existing windows and creating right windows, late
// records dropped. Expected outputs follow Kafka Streams 4.4's KStreamSlidingWindowAggregate,
// worked out by hand (the differential suite compares against Kafka Streams itself).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "kstreams/serdes.h"
#include "kstreams/sliding_windows.h"
#include "kstreams/streams_builder.h"
#include "kstreams/time_windows.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/windowed.h"

namespace kstreams {
namespace {

using Str = std::string;
using std::chrono::milliseconds;

template <typename V>
std::vector<Str> readWindowed(TestOutputTopic<Windowed<Str>, V>& out) {
  std::vector<Str> seen;
  for (const auto& r : out.readRecordsToList()) {
    Str value;
    if (r.value_is_null) {
      value = "null";
    } else if constexpr (std::is_same_v<V, Str>) {
      value = r.value;
    } else {
      value = std::to_string(r.value);
    }
    seen.push_back(r.key.toString() + "=" + value + "@" + std::to_string(r.timestamp));
  }
  return seen;
}

TEST(SlidingWindowsTest, FactoriesValidateAsKafkaStreams) {
  auto w = SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(3));
  EXPECT_EQ(w.timeDifferenceMs(), 10);
  EXPECT_EQ(w.gracePeriodMs(), 3);
  EXPECT_EQ(SlidingWindows::ofTimeDifferenceWithNoGrace(milliseconds(5)).gracePeriodMs(), 0);
  EXPECT_THROW(SlidingWindows::ofTimeDifferenceWithNoGrace(milliseconds(-1)),
               std::invalid_argument);
  EXPECT_THROW(SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(5), milliseconds(-1)),
               std::invalid_argument);
}

TEST(SlidingWindowedDsl, CountDescribesAsKafkaStreams) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SlidingWindows::ofTimeDifferenceWithNoGrace(milliseconds(10)))
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

TEST(SlidingWindowedDsl, CountMakesLeftAndRightWindowsAndDropsLateRecords) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SlidingWindows::ofTimeDifferenceWithNoGrace(milliseconds(10)))
      .count(Materialized<Str, int64_t>::as("counts"))
      .toStream()
      .to("output", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                             Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10), Serdes::Int64());
  const int64_t dropped_before = droppedLateRecords();
  in.pipeInput("A", "1", 5);   // early: the shared window [0,10]
  in.pipeInput("A", "2", 15);  // previous record's right window [6,16], own left [5,15]
  in.pipeInput("A", "3", 12);  // out of order: updates [6,16] and [5,15], makes [13,23];
                               // its left window [2,12] has closed
  in.pipeInput("A", "4", 2);   // too late for any window
  EXPECT_EQ(readWindowed(out),
            (std::vector<Str>{"[A@0/10]=1@5", "[A@6/16]=1@15", "[A@5/15]=2@15", "[A@6/16]=2@15",
                              "[A@5/15]=3@15", "[A@13/23]=1@15"}));
  EXPECT_EQ(droppedLateRecords() - dropped_before, 2);
  auto* store = driver.getStateStore<TimestampedWindowStore<Str, int64_t>>("counts");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->fetch("A", 13), (ValueAndTimestamp<int64_t>{1, 15}));
}

TEST(SlidingWindowedDsl, ReduceAndAggregateSkipNullValues) {
  StreamsBuilder builder;
  auto grouped =
      builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String())).groupByKey();
  auto windows = SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(5));
  grouped.windowedBy(windows)
      .reduce([](Str agg, const Str& v) { return agg + v; }, Named::as("concat"))
      .toStream()
      .to("reduced", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                              Serdes::String()));
  grouped.windowedBy(windows)
      .aggregate([] { return Str("<"); }, [](const Str&, const Str& v, Str agg) { return agg + v; },
                 Materialized<Str, Str>::as("agg").withValueSerde(Serdes::String()))
      .toStream()
      .to("aggregated", Produced(WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
                                 Serdes::String()));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto reduced = driver.createOutputTopic<Windowed<Str>, Str>(
      "reduced", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
      Serdes::String());
  auto aggregated = driver.createOutputTopic<Windowed<Str>, Str>(
      "aggregated", WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10),
      Serdes::String());
  in.pipeInput("A", "a", 20);
  in.pipeTombstone("A", 21);  // a null value: skipped
  in.pipeInput("A", "b", 25);
  EXPECT_EQ(readWindowed(reduced),
            (std::vector<Str>{"[A@10/20]=a@20", "[A@21/31]=b@25", "[A@15/25]=ab@25"}));
  EXPECT_EQ(readWindowed(aggregated),
            (std::vector<Str>{"[A@10/20]=<a@20", "[A@21/31]=<b@25", "[A@15/25]=<ab@25"}));
}

TEST(SlidingWindowedDsl, RetentionBelowWhatTheWindowsNeedThrowsJavasMessage) {
  StreamsBuilder builder;
  auto grouped =
      builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String())).groupByKey();
  EXPECT_THROW((Materialized<Str, int64_t>::as("x").withRetention(milliseconds(-1))),
               std::invalid_argument);
  try {
    grouped.windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(3)))
        .count(Materialized<Str, int64_t>::as("short").withRetention(milliseconds(22)));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "The retention period of the window store short must be no smaller than 2 * "
                 "time difference plus the grace period. Got time difference=[10], grace=[3], "
                 "retention=[22]");
  }
  try {
    grouped.windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(3)))
        .count(Materialized<Str, int64_t>::as("tumbling").withRetention(milliseconds(12)));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(),
                 "The retention period of the window store tumbling must be no smaller than its "
                 "window size plus the grace period. Got size=[10], grace=[3], retention=[12]");
  }
  // Enough retention: accepted, and the store keeps windows that long.
  grouped.windowedBy(SlidingWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(3)))
      .count(Materialized<Str, int64_t>::as("long").withRetention(milliseconds(1000)));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  in.pipeInput("A", "1", 100);
  in.pipeInput("A", "2", 900);
  auto* store = driver.getStateStore<TimestampedWindowStore<Str, int64_t>>("long");
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->fetch("A", 90), (ValueAndTimestamp<int64_t>{1, 100}));
}

}  // namespace
}  // namespace kstreams
