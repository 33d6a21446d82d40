// The test driver itself, on hand-built topologies (the DSL has its own tests): ordering,
// timestamps, headers, record metadata, wall-clock time, feedback of topics the topology reads,
// and deserialization failures with and without a dead-letter topic.
#include "kstreams/topology_test_driver.h"

#include <gtest/gtest.h>

#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/topology.h"

namespace kstreams {
namespace {

using Serdes::Int64;
using Serdes::String;

// Forwards "<value>@<offset>/<stream time>/<wall clock>" and tags a header.
class Describe : public ContextualProcessor<std::string, int64_t, std::string, std::string> {
 public:
  void process(Record<std::string, int64_t> r) override {
    std::string v = std::to_string(r.value()) + "@" +
                    std::to_string(context().recordMetadata()->offset) + "/" +
                    std::to_string(context().currentStreamTimeMs()) + "/" +
                    std::to_string(context().currentSystemTimeMs());
    auto out = std::move(r).withValue(std::move(v));
    out.headers().add("seen-by", "describe");
    context().forward(std::move(out));
  }
};

Topology describeTopology() {
  Topology t;
  t.addSource<std::string, int64_t>("src", {"in"}, String(), Int64())
      .addProcessor("describe", [] { return std::make_unique<Describe>(); }, {"src"})
      .addSink<std::string, std::string>("sink", "out", {"describe"}, String(), String());
  return t;
}

TEST(TopologyTestDriver, CarriesTimestampsHeadersAndMetadata) {
  Topology t = describeTopology();
  TopologyTestDriver driver(t, {}, /*initial_wall_clock_ms=*/500);
  auto in = driver.createInputTopic<std::string, int64_t>("in", String(), Int64());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput(TestRecord<std::string, int64_t>{"a", 1, 1000, Headers{{"trace", "t1"}}});
  driver.advanceWallClockTime(100);
  in.pipeInput("b", 2, 900);  // older: stream time stays at 1000

  auto r1 = out.readRecord();
  EXPECT_EQ(r1.key, "a");
  EXPECT_EQ(r1.value, "1@0/1000/500");
  EXPECT_EQ(r1.timestamp, 1000);
  ASSERT_NE(r1.headers.lastHeader("trace"), nullptr);
  EXPECT_EQ(*r1.headers.lastHeader("trace")->value, "t1");
  EXPECT_EQ(*r1.headers.lastHeader("seen-by")->value, "describe");
  auto r2 = out.readRecord();
  EXPECT_EQ(r2.value, "2@1/1000/600");
  EXPECT_EQ(r2.timestamp, 900);
  EXPECT_TRUE(out.isEmpty());
  EXPECT_THROW(out.readRecord(), std::out_of_range);
}

TEST(TopologyTestDriver, UnknownInputTopicIsAnError) {
  Topology t = describeTopology();
  TopologyTestDriver driver(t);
  auto wrong = driver.createInputTopic<std::string, int64_t>("nope", String(), Int64());
  EXPECT_THROW(wrong.pipeInput("k", 1, 0), std::invalid_argument);
}

TEST(TopologyTestDriver, PoisonRecordFailsByDefaultNamingTheOffset) {
  Topology t = describeTopology();
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, int64_t>("in", String(), Int64());
  auto bad = driver.createInputTopic<std::string, std::string>("in", String(), String());
  in.pipeInput("k", 1, 0);
  try {
    bad.pipeInput("k", "not eight bytes", 0);
    FAIL() << "expected StreamsException";
  } catch (const StreamsException& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("topic=in"), std::string::npos) << what;
    EXPECT_NE(what.find("partition=0"), std::string::npos) << what;
    EXPECT_NE(what.find("offset=1"), std::string::npos) << what;
  }
}

TEST(TopologyTestDriver, PoisonRecordGoesToDeadLetterTopicAndProcessingGoesOn) {
  Topology t = describeTopology();
  StreamsConfig config{{"deserialization.exception.handler", "LogAndContinue"},
                       {"errors.dead.letter.queue.topic.name", "dlq"}};
  TopologyTestDriver driver(t, config);
  auto in = driver.createInputTopic<std::string, int64_t>("in", String(), Int64());
  auto bad = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  auto dlq = driver.createOutputTopic<std::string, std::string>("dlq", String(), String());
  in.pipeInput("k", 1, 10);
  bad.pipeInput(TestRecord<std::string, std::string>{"poison", "xyz", 20, Headers{{"h", "v"}}});
  in.pipeInput("k", 3, 30);

  EXPECT_EQ(out.readValuesToList(), (std::vector<std::string>{"1@0/10/0", "3@2/30/0"}));
  auto dead = dlq.readRecord();
  EXPECT_EQ(dead.key, "poison");
  EXPECT_EQ(dead.value, "xyz");  // the raw bytes, untouched
  EXPECT_EQ(dead.timestamp, 20);
  auto header = [&](const char* k) {
    auto* h = dead.headers.lastHeader(k);
    return h && h->value ? *h->value : std::string("<missing>");
  };
  EXPECT_EQ(header("h"), "v");
  EXPECT_EQ(header(kDlqHeaderTopic), "in");
  EXPECT_EQ(header(kDlqHeaderPartition), "0");
  EXPECT_EQ(header(kDlqHeaderOffset), "1");
  EXPECT_NE(header(kDlqHeaderExceptionMessage).find("LongDeserializer"), std::string::npos)
      << header(kDlqHeaderExceptionMessage);
  EXPECT_TRUE(dlq.isEmpty());
}

// A topology that reads what it writes: records sent to "loop" come back in until they reach 0,
// processed after the record that produced them, like Kafka would deliver them.
class CountDown : public ContextualProcessor<std::string, int64_t, std::string, int64_t> {
 public:
  void process(Record<std::string, int64_t> r) override {
    if (r.value() > 0) context().forward(std::move(r).withValue(r.value() - 1));
  }
};

TEST(TopologyTestDriver, FeedsBackTopicsTheTopologyReads) {
  Topology t;
  t.addSource<std::string, int64_t>("src", {"loop"}, String(), Int64())
      .addProcessor("down", [] { return std::make_unique<CountDown>(); }, {"src"})
      .addSink<std::string, int64_t>("sink", "loop", {"down"}, String(), Int64());
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, int64_t>("loop", String(), Int64());
  auto out = driver.createOutputTopic<std::string, int64_t>("loop", String(), Int64());
  in.pipeInput("k", 3, 0);
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{2, 1, 0}));
}

TEST(TopologyTestDriver, DefaultSerdeMismatchFailsAtConstruction) {
  Topology t;
  t.addSource<std::string, int64_t>("src", {"in"})  // serdes from config
      .addSink<std::string, int64_t>("sink", "out", {"src"}, String(), Int64());
  StreamsConfig config{{"default.key.serde", "String"}, {"default.value.serde", "String"}};
  try {
    TopologyTestDriver driver(t, config);
    FAIL() << "expected ConfigException";
  } catch (const ConfigException& e) {
    EXPECT_EQ(e.key(), "default.value.serde");
  }
  config.set("default.value.serde", "Long");
  EXPECT_NO_THROW(TopologyTestDriver(t, config));
}

}  // namespace
}  // namespace kstreams
