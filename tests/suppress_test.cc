// KTable::suppress: untilWindowCloses over tumbling and session windows, untilTimeLimit with
// emitEarlyWhenFull and shutDownWhenFull, Kafka Streams' names in describe(), the buffer's
// changelog bytes (Java's version-3 buffer value) and the buffer rebuilt from its byte store.
// Expected outputs follow Kafka Streams 4.4's KTableSuppressProcessor, worked out by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "kstreams/emit_strategy.h"
#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/state/store_builders.h"
#include "kstreams/streams_builder.h"
#include "kstreams/suppressed.h"
#include "kstreams/time_windows.h"
#include "kstreams/topology_test_driver.h"
#include "kstreams/windowed.h"

namespace kstreams {
namespace {

using Str = std::string;
using std::chrono::milliseconds;

SerdePtr<Windowed<Str>> windowedSerde() {
  return WindowedSerdes::timeWindowedSerdeFrom<Str>(Serdes::String(), 10);
}

std::vector<Str> readWindowed(TestOutputTopic<Windowed<Str>, int64_t>& out) {
  std::vector<Str> seen;
  for (const auto& r : out.readRecordsToList()) {
    seen.push_back(r.key.toString() + "=" + (r.value_is_null ? "null" : std::to_string(r.value)) +
                   "@" + std::to_string(r.timestamp));
  }
  return seen;
}

std::vector<Str> readPlain(TestOutputTopic<Str, int64_t>& out) {
  std::vector<Str> seen;
  for (const auto& r : out.readRecordsToList()) {
    seen.push_back(r.key + "=" + (r.value_is_null ? "null" : std::to_string(r.value)) + "@" +
                   std::to_string(r.timestamp));
  }
  return seen;
}

Topology finalCounts(const TimeWindows& windows) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(windows)
      .count()
      .suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()))
      .toStream()
      .to("output", Produced(windowedSerde(), Serdes::Int64()));
  return builder.build();
}

TEST(Suppress, DescribesAsKafkaStreams) {
  Topology topology = finalCounts(TimeWindows::ofSizeWithNoGrace(milliseconds(10)));
  EXPECT_EQ(topology.describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> KSTREAM-AGGREGATE-0000000002\n"
            "    Processor: KSTREAM-AGGREGATE-0000000002 (stores: "
            "[KSTREAM-AGGREGATE-STATE-STORE-0000000001])\n"
            "      --> KTABLE-SUPPRESS-0000000003\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KTABLE-SUPPRESS-0000000003 (stores: "
            "[KTABLE-SUPPRESS-STATE-STORE-0000000004])\n"
            "      --> KTABLE-TOSTREAM-0000000005\n"
            "      <-- KSTREAM-AGGREGATE-0000000002\n"
            "    Processor: KTABLE-TOSTREAM-0000000005 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000006\n"
            "      <-- KTABLE-SUPPRESS-0000000003\n"
            "    Sink: KSTREAM-SINK-0000000006 (topic: output)\n"
            "      <-- KTABLE-TOSTREAM-0000000005\n"
            "\n");
  std::vector<Str> topics;
  for (const auto& t : topology.internalTopics()) topics.push_back(t.name);
  EXPECT_EQ(topics, (std::vector<Str>{"KSTREAM-AGGREGATE-STATE-STORE-0000000001-changelog",
                                      "KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog"}));
}

TEST(Suppress, NamedSuppressionNamesItsStore) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .count()
      .suppress(
          Suppressed::untilTimeLimit(milliseconds(5), BufferConfig::unbounded()).withName("limit"))
      .toStream()
      .to("output", Produced(Serdes::String(), Serdes::Int64()));
  const Str text = builder.build().describe().toString();
  EXPECT_NE(text.find("Processor: limit (stores: [limit-store])"), Str::npos) << text;
}

TEST(Suppress, UntilWindowClosesEmitsOneFinalResultPerWindow) {
  TopologyTestDriver driver(
      finalCounts(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(5))),
      StreamsConfig{{"application.id", "app"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out =
      driver.createOutputTopic<Windowed<Str>, int64_t>("output", windowedSerde(), Serdes::Int64());
  in.pipeInput("B", "x", 7);
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 3);
  in.pipeInput("A", "x", 12);
  EXPECT_TRUE(readWindowed(out).empty());  // [0,10) closes at stream time 15
  in.pipeInput("A", "x", 16);              // 10 + 5 <= 16: both keys of [0,10), key order
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@0/10]=2@3", "[B@0/10]=1@7"}));
  in.pipeInput("A", "x", 8);  // too late for [0,10): dropped upstream
  in.pipeInput("B", "x", 25);
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@10/20]=2@16"}));
}

TEST(Suppress, UntilWindowClosesOverSessionsWaitsGapPlusGrace) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapAndGrace(milliseconds(5), milliseconds(2)))
      .count()
      .suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded()))
      .toStream()
      .to("output", Produced(WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()),
                             Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()), Serdes::Int64());
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 4);  // merges into [0,4]; the tombstone for [0,0] is dropped
  in.pipeInput("B", "x", 10);
  EXPECT_TRUE(readWindowed(out).empty());  // [0,4] closes at 4 + 5 + 2 = 11
  in.pipeInput("B", "x", 11);
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@0/4]=2@4"}));
}

TEST(Suppress, UntilTimeLimitEmitsEarlyWhenFull) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .count()
      .suppress(Suppressed::untilTimeLimit(milliseconds(10),
                                           BufferConfig::maxRecords(1).emitEarlyWhenFull()))
      .toStream()
      .to("output", Produced(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Str, int64_t>("output", Serdes::String(), Serdes::Int64());
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 2);  // A keeps its place (buffer time 0), latest count 2
  EXPECT_TRUE(readPlain(out).empty());
  in.pipeInput("B", "x", 3);  // two keys > 1: A leaves early
  EXPECT_EQ(readPlain(out), (std::vector<Str>{"A=2@2"}));
  in.pipeInput("C", "x", 20);  // B's time 3 <= 20 - 10: B by time; then C alone fits
  EXPECT_EQ(readPlain(out), (std::vector<Str>{"B=1@3"}));
}

TEST(Suppress, ShutDownWhenFullFailsTheTask) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .count()
      .suppress(Suppressed::untilTimeLimit(milliseconds(10),
                                           BufferConfig::maxRecords(1).shutDownWhenFull()))
      .toStream()
      .to("output", Produced(Serdes::String(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build(), StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  in.pipeInput("A", "x", 0);
  try {
    in.pipeInput("B", "x", 1);
    FAIL() << "a full shutDownWhenFull buffer must fail the task";
  } catch (const StreamsException& e) {
    EXPECT_NE(Str(e.what()).find("KTABLE-SUPPRESS-0000000003 buffer exceeded its max capacity. "
                                 "Currently [2/1] records and ["),
              Str::npos)
        << e.what();
  }
}

TEST(Suppress, UntilWindowClosesRefusesNonWindowedTablesAndEagerBuffers) {
  StreamsBuilder builder;
  auto table = builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
                   .groupByKey()
                   .count();
  EXPECT_THROW(table.suppress(Suppressed::untilWindowCloses(BufferConfig::unbounded())),
               TopologyException);
  EXPECT_THROW(Suppressed::untilWindowCloses(BufferConfig::maxRecords(3)), TopologyException);
}

TEST(Suppress, ChangelogCarriesJavasBufferValue) {
  // Without the record cache the aggregation forwards each update itself, with the
  // initializer's value as the old value of a new window (a cache flush would send none).
  TopologyTestDriver driver(
      finalCounts(TimeWindows::ofSizeWithNoGrace(milliseconds(10))),
      StreamsConfig{{"application.id", "app"}, {"statestore.cache.max.bytes", "0"}});
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  in.pipeInput("A", "x", 3);
  auto changelog = driver.createOutputTopic<Str, Str>(
      "app-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog", Serdes::Bytes(), Serdes::Bytes());
  auto logged = changelog.readRecordsToList();
  ASSERT_EQ(logged.size(), 1u);
  Str key;
  ASSERT_TRUE(windowedSerde()->serialize("", Windowed<Str>("A", TimeWindow(0, 10)), key));
  EXPECT_EQ(logged[0].key, key);
  internal::BufferEntry entry;
  EXPECT_EQ(internal::BufferEntry::deserialize(logged[0].value, entry), 10);  // window end
  EXPECT_EQ(entry.context.timestamp, 3);
  EXPECT_EQ(entry.context.topic, "input");
  EXPECT_EQ(entry.context.partition, 0);
  EXPECT_EQ(entry.context.offset, 0);
  // A new window's old value is the initializer's (count: 0), as Java's KStreamWindowAggregate
  // sends it; the old value equals the prior one and is written as -2.
  Str zero;
  Str one;
  ASSERT_TRUE(Serdes::Int64()->serialize("", 0, zero));
  ASSERT_TRUE(Serdes::Int64()->serialize("", 1, one));
  EXPECT_EQ(entry.prior, zero);
  EXPECT_EQ(entry.old, zero);
  EXPECT_EQ(entry.latest, one);
  // Bytes: timestamp, offset, topic, partition, 0 headers, prior, old -2, new, time.
  EXPECT_EQ(logged[0].value.size(), 8u + 8 + 4 + 5 + 4 + 4 + 4 + 8 + 4 + 4 + 8 + 8);
}

TEST(Suppress, BufferRebuildsFromItsByteStore) {
  auto bytes = state::Stores::keyValueStoreBuilder(state::Stores::inMemoryKeyValueStore("buf"))
                   .withLoggingDisabled()
                   .build();
  ASSERT_TRUE(bytes->init(state::StateStoreContext{}).ok());
  internal::BufferedContext ctx;
  ctx.timestamp = 5;
  ctx.topic = "t";
  ctx.headers.add("h", "v");
  {
    internal::SuppressBuffer<Str, Str> buffer(*bytes, Serdes::String(), Serdes::String(), "c");
    buffer.put(7, "b", internal::Change<Str>{"new-b", "old-b"}, ctx);
    buffer.put(3, "a", internal::Change<Str>{"new-a", std::nullopt}, ctx);
    buffer.put(9, "a", internal::Change<Str>{"newer-a", "new-a"}, ctx);  // keeps time 3
  }
  internal::SuppressBuffer<Str, Str> restored(*bytes, Serdes::String(), Serdes::String(), "c");
  EXPECT_EQ(restored.numRecords(), 2);
  EXPECT_EQ(restored.minTimestamp(), 3);
  std::vector<Str> evicted;
  restored.evictWhile([&] { return restored.minTimestamp() <= 100; },
                      [&](internal::SuppressBuffer<Str, Str>::Eviction e) {
                        evicted.push_back(e.key + "=" + e.value.newValue.value_or("null") + "/" +
                                          e.value.oldValue.value_or("null") + "@" +
                                          std::to_string(e.context.timestamp) + "," +
                                          *e.context.headers.lastHeader("h")->value);
                      });
  EXPECT_EQ(evicted, (std::vector<Str>{"a=newer-a/new-a@5,v", "b=new-b/old-b@5,v"}));
  EXPECT_EQ(restored.numRecords(), 0);
  EXPECT_EQ(restored.bufferSize(), 0);
}

TEST(EmitStrategyTest, OnWindowCloseForwardsEachWindowOnceWhenItCloses) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(TimeWindows::ofSizeAndGrace(milliseconds(10), milliseconds(5)))
      .emitStrategy(EmitStrategy::onWindowClose())
      .count()
      .toStream()
      .to("output", Produced(windowedSerde(), Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out =
      driver.createOutputTopic<Windowed<Str>, int64_t>("output", windowedSerde(), Serdes::Int64());
  in.pipeInput("B", "x", 7);
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 3);
  in.pipeInput("A", "x", 12);
  EXPECT_TRUE(readWindowed(out).empty());
  in.pipeInput("A", "x", 16);  // close time 11: [0,10) is final; by start, then key
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@0/10]=2@3", "[B@0/10]=1@7"}));
  in.pipeInput("A", "x", 8);  // late: dropped, and the close time has not moved
  EXPECT_TRUE(readWindowed(out).empty());
  in.pipeInput("B", "x", 25);
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@10/20]=2@16"}));
}

TEST(EmitStrategyTest, OnWindowCloseForwardsEachSessionOnceWhenItCloses) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input", Consumed(Serdes::String(), Serdes::String()))
      .groupByKey()
      .windowedBy(SessionWindows::ofInactivityGapAndGrace(milliseconds(5), milliseconds(2)))
      .emitStrategy(EmitStrategy::onWindowClose())
      .count()
      .toStream()
      .to("output", Produced(WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()),
                             Serdes::Int64()));
  TopologyTestDriver driver(builder.build());
  auto in = driver.createInputTopic<Str, Str>("input", Serdes::String(), Serdes::String());
  auto out = driver.createOutputTopic<Windowed<Str>, int64_t>(
      "output", WindowedSerdes::sessionWindowedSerdeFrom<Str>(Serdes::String()), Serdes::Int64());
  in.pipeInput("A", "x", 0);
  in.pipeInput("A", "x", 4);   // merged into [0,4]: nothing forwarded
  in.pipeInput("B", "x", 11);  // close time 11 - 5 - 2 = 4: [0,4] ends at it, still open
  EXPECT_TRUE(readWindowed(out).empty());
  in.pipeInput("B", "x", 12);  // close time 5: [0,4] is final, with its end as timestamp
  EXPECT_EQ(readWindowed(out), (std::vector<Str>{"[A@0/4]=2@4"}));
}

}  // namespace
}  // namespace kstreams
