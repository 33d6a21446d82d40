// Stream-stream joins (issue 9 item 4): JoinWindows, StreamJoined, join/leftJoin/outerJoin with
// Kafka Streams 4.4's names, window bounds, duplicates, dropped nulls and the left/outer results
// held back until their window closes. Expected outputs follow KStreamKStreamJoinTest,
// KStreamKStreamLeftJoinTest and KStreamKStreamOuterJoinTest, worked out by hand.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kafka_describe_strings.h"
#include "kstreams/join_windows.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/topology_test_driver.h"

namespace kstreams {
namespace {

using Str = std::string;
using std::chrono::milliseconds;

std::string opt(const std::optional<Str>& v) { return v ? *v : "null"; }

struct JoinFixture {
  explicit JoinFixture(int kind, JoinWindows windows,
                       StreamJoined<Str, Str, Str> joined = StreamJoined<Str, Str, Str>(),
                       StreamsConfig config = StreamsConfig{{"application.id", "app"}}) {
    auto left = builder.stream<Str, Str>("left", Consumed(Serdes::String(), Serdes::String()));
    auto right = builder.stream<Str, Str>("right", Consumed(Serdes::String(), Serdes::String()));
    if (kind == 0) {
      left.join(
              right, [](const Str& l, const Str& r) { return l + "+" + r; }, windows, joined)
          .to("out", Produced(Serdes::String(), Serdes::String()));
    } else if (kind == 1) {
      left.leftJoin(
              right, [](const Str& l, const std::optional<Str>& r) { return l + "+" + opt(r); },
              windows, joined)
          .to("out", Produced(Serdes::String(), Serdes::String()));
    } else {
      left.outerJoin(
              right,
              [](const std::optional<Str>& l, const std::optional<Str>& r) {
                return opt(l) + "+" + opt(r);
              },
              windows, joined)
          .to("out", Produced(Serdes::String(), Serdes::String()));
    }
    topology = builder.build();
    driver.emplace(topology, config);
    l.emplace(driver->createInputTopic<Str, Str>("left", Serdes::String(), Serdes::String()));
    r.emplace(driver->createInputTopic<Str, Str>("right", Serdes::String(), Serdes::String()));
    out.emplace(driver->createOutputTopic<Str, Str>("out", Serdes::String(), Serdes::String()));
  }
  std::vector<Str> read() {
    std::vector<Str> seen;
    for (const auto& rec : out->readRecordsToList()) {
      seen.push_back(rec.key + ":" + rec.value + "@" + std::to_string(rec.timestamp));
    }
    return seen;
  }
  StreamsBuilder builder;
  Topology topology;
  std::optional<TopologyTestDriver> driver;
  std::optional<TestInputTopic<Str, Str>> l;
  std::optional<TestInputTopic<Str, Str>> r;
  std::optional<TestOutputTopic<Str, Str>> out;
};

using V = std::vector<Str>;

TEST(JoinWindowsTest, Bounds) {
  auto w = JoinWindows::ofTimeDifferenceAndGrace(milliseconds(10), milliseconds(3));
  EXPECT_EQ(w.beforeMs(), 10);
  EXPECT_EQ(w.afterMs(), 10);
  EXPECT_EQ(w.size(), 20);
  EXPECT_EQ(w.gracePeriodMs(), 3);
  auto a = w.before(milliseconds(0)).after(milliseconds(5));
  EXPECT_EQ(a.beforeMs(), 0);
  EXPECT_EQ(a.afterMs(), 5);
  EXPECT_EQ(JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(7)).gracePeriodMs(), 0);
  EXPECT_THROW(JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(-1)), std::invalid_argument);
  EXPECT_THROW(w.after(milliseconds(-11)), std::invalid_argument);
}

TEST(StreamStreamJoin, NamesAsKafkaStreams) {
  JoinFixture f(1, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(100)));
  const std::string d = f.topology.describe().toString();
  for (const char* name :
       {"KSTREAM-WINDOWED-0000000002", "KSTREAM-WINDOWED-0000000003", "KSTREAM-JOINTHIS-0000000004",
        "KSTREAM-OUTEROTHER-0000000005", "KSTREAM-MERGE-0000000006",
        "KSTREAM-JOINTHIS-0000000004-store", "KSTREAM-OUTEROTHER-0000000005-store",
        "KSTREAM-OUTERSHARED-0000000004-store"}) {
    EXPECT_NE(d.find(name), std::string::npos) << name << " in\n" << d;
  }
  JoinFixture g(2, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(100)),
                StreamJoined<Str, Str, Str>().withName("j").withStoreName("s"));
  const std::string e = g.topology.describe().toString();
  for (const char* name :
       {"j-this-windowed", "j-other-windowed", "j-outer-this-join", "j-outer-other-join", "j-merge",
        "s-outer-this-join-store", "s-outer-other-join-store", "s-outer-shared-join-store"}) {
    EXPECT_NE(e.find(name), std::string::npos) << name << " in\n" << e;
  }
}

// Java's describe() of an inner stream-stream join (the shape ProcessorApiDescribe checks node by
// node in dsl_test.cc, from KStreamImplTest).
TEST(StreamStreamJoin, DescribesAsKafkaStreams) {
  StreamsBuilder builder;
  auto s1 = builder.stream<Str, Str>("input-topic1", Consumed(Serdes::String(), Serdes::String()));
  auto s2 = builder.stream<Str, Str>("input-topic2", Consumed(Serdes::String(), Serdes::String()));
  s1.join(
      s2, [](const Str& a, const Str& b) { return a + b; },
      JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(100)));
  EXPECT_EQ(builder.build().describe().toString(), testing_strings::kStreamStreamJoinDescription);
}

// KStreamKStreamJoinTest#testJoin-like: every match within the window, both directions,
// duplicates joined each, the result at the larger timestamp.
TEST(StreamStreamJoin, InnerJoinWindowAndDuplicates) {
  JoinFixture f(0, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(100)));
  f.l->pipeInput("A", "a0", 1000);
  f.l->pipeInput("B", "b0", 1000);
  EXPECT_EQ(f.read(), V{});
  f.r->pipeInput("A", "x", 1100);  // 1100 - 1000 = 100: inside (inclusive)
  EXPECT_EQ(f.read(), V{"A:a0+x@1100"});
  f.r->pipeInput("B", "y", 1101);  // 101 apart: outside
  EXPECT_EQ(f.read(), V{});
  f.l->pipeInput("A", "a1", 1050);  // meets x; duplicates of the key are kept
  f.l->pipeInput("A", "a1", 1050);
  EXPECT_EQ(f.read(), (V{"A:a1+x@1100", "A:a1+x@1100"}));
  f.r->pipeInput("A", "z", 1000);  // meets a0@1000 and a1@1050 twice
  EXPECT_EQ(f.read(), (V{"A:a0+z@1000", "A:a1+z@1050", "A:a1+z@1050"}));
}

// Asymmetric windows: before(0).after(10) — the right record must be 0..10 ms after the left.
TEST(StreamStreamJoin, AsymmetricWindows) {
  JoinFixture f(0, JoinWindows::ofTimeDifferenceAndGrace(milliseconds(0), milliseconds(100))
                       .before(milliseconds(0))
                       .after(milliseconds(10)));
  f.l->pipeInput("A", "a", 100);
  f.r->pipeInput("A", "early", 99);
  f.r->pipeInput("A", "lo", 100);
  f.r->pipeInput("A", "hi", 110);
  f.r->pipeInput("A", "late", 111);
  EXPECT_EQ(f.read(), (V{"A:a+lo@100", "A:a+hi@110"}));
  f.l->pipeInput("A", "b", 101);  // right records at 101..111: hi, late
  EXPECT_EQ(f.read(), (V{"A:b+hi@110", "A:b+late@111"}));
}

TEST(StreamStreamJoin, NullKeysAndValuesAreDropped) {
  JoinFixture f(0, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(100)));
  const int64_t before = droppedJoinRecords();
  f.l->pipeInput("A", "a", 0);
  f.r->pipeInput(TestRecord<Str, Str>{"", "x", 0, {}, true, false});
  f.r->pipeInput(TestRecord<Str, Str>{"A", "", 1, {}, false, true});
  EXPECT_EQ(f.read(), V{});
  EXPECT_EQ(droppedJoinRecords() - before, 2);
}

// KStreamKStreamLeftJoinTest: no "a+null" until stream time passes the window end + grace.
TEST(StreamStreamJoin, LeftJoinWaitsForTheWindowToClose) {
  JoinFixture f(1, JoinWindows::ofTimeDifferenceAndGrace(milliseconds(100), milliseconds(10)));
  f.l->pipeInput("A", "a", 1000);
  f.l->pipeInput("B", "b", 1000);
  EXPECT_EQ(f.read(), V{});
  f.r->pipeInput("B", "y", 1050);  // b joins: no b+null ever
  EXPECT_EQ(f.read(), V{"B:b+y@1050"});
  f.r->pipeInput("C", "z", 1110);  // 1000 + 100 + 10 >= 1110: A still waits
  EXPECT_EQ(f.read(), V{});
  f.r->pipeInput("C", "z", 1111);  // closed: A's result, with its own timestamp
  EXPECT_EQ(f.read(), V{"A:a+null@1000"});
  // Too late for any window (t + after < stream time): joined with null at once.
  f.l->pipeInput("D", "d", 1000);
  EXPECT_EQ(f.read(), V{"D:d+null@1000"});
  // A null key on the outer side is forwarded at once.
  f.l->pipeInput(TestRecord<Str, Str>{"", "n", 1111, {}, true, false});
  EXPECT_EQ(f.read(), V{":n+null@1111"});
}

// The test driver scans for closed windows on every record at stream time (Kafka's driver sets
// the emit interval to 0); results come in (timestamp, side, key) order.
TEST(StreamStreamJoin, OuterJoinEmitsWhenWindowsClose) {
  JoinFixture f(2, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(10)));
  f.l->pipeInput("A", "a", 0);
  f.r->pipeInput("B", "b", 5);
  f.r->pipeInput("A", "x", 15);  // a's window closed (0 + 10 < 15): a+null; x waits
  EXPECT_EQ(f.read(), V{"A:a+null@0"});
  f.r->pipeInput("C", "c", 20);  // b (5 + 10 < 20) closes
  EXPECT_EQ(f.read(), V{"B:null+b@5"});
  f.l->pipeInput("D", "d", 30);  // x (15+10 < 30) closes
  EXPECT_EQ(f.read(), V{"A:null+x@15"});
  f.l->pipeInput("C", "c2", 25);  // joins c (within 10 ms): c never gets a null result
  EXPECT_EQ(f.read(), V{"C:c2+c@25"});
  f.l->pipeInput("E", "e", 50);
  EXPECT_EQ(f.read(), V{"D:d+null@30"});
}

// Java's internal emit interval, configured: the scan for closed windows runs at most once per
// interval of wall-clock time, so a non-joined result waits for the clock as well as for
// stream time.
TEST(StreamStreamJoin, OuterJoinEmitIntervalPacesTheScanByWallClock) {
  JoinFixture f(
      1, JoinWindows::ofTimeDifferenceWithNoGrace(milliseconds(10)), StreamJoined<Str, Str, Str>(),
      StreamsConfig{{"application.id", "app"}, {StreamsConfig::kOuterJoinEmitIntervalMs, "1000"}});
  f.l->pipeInput("A", "a", 0);    // the first scan runs now and uses up the interval
  f.l->pipeInput("B", "b", 100);  // a's window closed, but the next scan is due at 1000 ms
  EXPECT_EQ(f.read(), V{});
  f.driver->advanceWallClockTime(999);
  f.l->pipeInput("C", "c", 200);
  EXPECT_EQ(f.read(), V{});
  f.driver->advanceWallClockTime(1);
  f.l->pipeInput("D", "d", 300);  // due: a, b and c are emitted in timestamp order
  EXPECT_EQ(f.read(), (V{"A:a+null@0", "B:b+null@100", "C:c+null@200"}));

  EXPECT_THROW(TopologyTestDriver(f.topology,
                                  StreamsConfig{{"application.id", "app"},
                                                {StreamsConfig::kOuterJoinEmitIntervalMs, "-1"}}),
               ConfigException);
}

}  // namespace
}  // namespace kstreams
