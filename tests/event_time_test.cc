// Event time through the test driver: timestamp extractors (built-in, by name, per source, user
// functions; invalid timestamps failing, skipped or replaced), timestamps downstream, stream time,
// and punctuation (stream time at Java's boundaries, wall clock with advanceWallClockTime,
// cancel, forwarding from a punctuator, exceptions).
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <string>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/timestamp_extractor.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"

namespace kstreams {
namespace {

using Serdes::Int64;
using Serdes::String;
using namespace std::chrono_literals;

// Forwards "<value>|<stream time>" with the record's own timestamp.
class StreamTimeTagger
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void process(Record<std::string, std::string> r) override {
    std::string v = r.value() + "|" + std::to_string(context().currentStreamTimeMs());
    context().forward(std::move(r).withValue(std::move(v)));
  }
};

Topology taggerTopology(TimestampExtractorPtr extractor = nullptr) {
  Topology t;
  t.addSource<std::string, std::string>("src", {"in"}, String(), String(), std::move(extractor))
      .addProcessor("tag", [] { return std::make_unique<StreamTimeTagger>(); }, {"src"})
      .addSink<std::string, std::string>("sink", "out", {"tag"}, String(), String());
  return t;
}

// "<epoch ms>,<text>" → the number; anything else → -1 (skipped).
TimestampExtractorPtr leadingNumberExtractor() {
  return TimestampExtractor::from([](const ConsumerRecord& r, int64_t) -> int64_t {
    if (!r.value) return -1;
    int64_t ms = 0;
    const char* begin = r.value->data();
    auto [end, ec] = std::from_chars(begin, begin + r.value->size(), ms);
    if (ec != std::errc() || end == begin + r.value->size() || *end != ',') return -1;
    return ms;
  });
}

TEST(TimestampExtractor, DefaultFailsOnNegativeTimestampNamingTheRecord) {
  Topology t = taggerTopology();
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput("k", "a", 5);
  try {
    in.pipeInput("k", "b", -1);
    FAIL() << "expected StreamsException";
  } catch (const StreamsException& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("invalid (negative) timestamp"), std::string::npos) << what;
    EXPECT_NE(what.find("topic=[in] partition=[0] offset=[1]"), std::string::npos) << what;
  }
  EXPECT_EQ(out.readValuesToList(), (std::vector<std::string>{"a|5"}));
}

TEST(TimestampExtractor, LogAndSkipByNameDropsNegativeTimestamps) {
  Topology t = taggerTopology();
  TopologyTestDriver driver(t, StreamsConfig{{"default.timestamp.extractor",
                                              "org.apache.kafka.streams.processor."
                                              "LogAndSkipOnInvalidTimestamp"}});
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput("k", "a", 10);
  in.pipeInput("k", "skipped", -5);
  in.pipeInput("k", "c", 7);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "a|10");
  EXPECT_EQ(records[1].value, "c|10");  // stream time stays at the max
  EXPECT_EQ(records[1].timestamp, 7);
}

TEST(TimestampExtractor, UsePartitionTimeReplacesNegativeTimestamps) {
  Topology t = taggerTopology(std::make_shared<UsePartitionTimeOnInvalidTimestamp>());
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  // No partition time yet: it cannot be inferred.
  EXPECT_THROW(in.pipeInput("k", "first", -1), StreamsException);
  in.pipeInput("k", "a", 20);
  in.pipeInput("k", "b", 15);
  in.pipeInput("k", "c", -1);  // partition time = 20 (the max extracted so far)
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[2].value, "c|20");
  EXPECT_EQ(records[2].timestamp, 20);
}

TEST(TimestampExtractor, UserFunctionPerSourceGivesDownstreamTimestamps) {
  StreamsBuilder builder;
  builder
      .stream("in", Consumed(String(), String()).withTimestampExtractor(leadingNumberExtractor()))
      .mapValues([](const std::string& v) { return v.substr(v.find(',') + 1); })
      .to("out", Produced(String(), String()));
  Topology t = builder.build();
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput("k", "1000,x", /*record timestamp=*/1);
  in.pipeInput("k", "garbage", 2);  // the extractor says -1: skipped
  in.pipeInput("k", "900,y", 3);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].value, "x");
  EXPECT_EQ(records[0].timestamp, 1000);
  EXPECT_EQ(records[1].value, "y");
  EXPECT_EQ(records[1].timestamp, 900);
}

TEST(TimestampExtractor, ConfiguredObjectIsTheDefaultAndSeesRawRecord) {
  std::vector<std::string> seen;
  auto spy = TimestampExtractor::from([&seen](const ConsumerRecord& r, int64_t partition_time) {
    seen.push_back(std::string(r.topic) + "/" + std::to_string(r.offset) + "/" +
                   std::string(r.key.value_or("-")) + "/" + std::string(r.value.value_or("-")) +
                   "/" + std::to_string(r.timestamp) + "/" + std::to_string(partition_time) + "/" +
                   std::to_string(r.headers->size()));
    return r.timestamp * 2;
  });
  Topology t = taggerTopology();
  TopologyTestDriver driver(t, StreamsConfig().defaultTimestampExtractor(spy));
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput("k1", "v1", 5);
  in.pipeInput(TestRecord<std::string, std::string>{"k2", "v2", 3, Headers{{"h", "x"}}});
  EXPECT_EQ(seen, (std::vector<std::string>{"in/0/k1/v1/5/-1/0", "in/1/k2/v2/3/10/1"}));
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].timestamp, 10);
  EXPECT_EQ(records[1].timestamp, 6);
  EXPECT_EQ(records[1].value, "v2|10");
}

TEST(TimestampExtractor, ExtractorExceptionsFailTheTask) {
  auto throwing = TimestampExtractor::from(
      [](const ConsumerRecord&, int64_t) -> int64_t { throw std::runtime_error("bad line"); });
  Topology t = taggerTopology(throwing);
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  try {
    in.pipeInput("k", "v", 1);
    FAIL() << "expected StreamsException";
  } catch (const StreamsException& e) {
    EXPECT_NE(std::string(e.what()).find("Fatal user code error in TimestampExtractor"),
              std::string::npos);
    EXPECT_NE(std::string(e.what()).find("bad line"), std::string::npos);
  }
}

TEST(TimestampExtractor, WallclockUsesTheSystemClock) {
  Topology t = taggerTopology(std::make_shared<WallclockTimestampExtractor>());
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  const int64_t before = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  in.pipeInput("k", "v", 1);
  EXPECT_GE(out.readRecord().timestamp, before);
}

// Forwards the stream time it sees for each Int64 record.
class StreamTimeOfLongs : public ContextualProcessor<std::string, int64_t, std::string, int64_t> {
 public:
  void process(Record<std::string, int64_t> r) override {
    context().forward(std::move(r).withValue(context().currentStreamTimeMs()));
  }
};

TEST(StreamTime, ARecordDroppedForDeserializationDoesNotMoveIt) {
  // As in Java, where such a record is dropped before it becomes a queue's head.
  Topology t;
  t.addSource<std::string, int64_t>("src", {"in"}, String(), Int64())
      .addProcessor("st", [] { return std::make_unique<StreamTimeOfLongs>(); }, {"src"})
      .addSink<std::string, int64_t>("sink", "out", {"st"}, String(), Int64());
  TopologyTestDriver driver(t,
                            StreamsConfig{{"deserialization.exception.handler", "LogAndContinue"}});
  auto in = driver.createInputTopic<std::string, int64_t>("in", String(), Int64());
  auto bad = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, int64_t>("out", String(), Int64());
  in.pipeInput("k", 1, 10);
  bad.pipeInput("k", "not 8 bytes", 100);
  in.pipeInput("k", 2, 20);
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{10, 20}));
}

TEST(TimestampExtractor, ConfigNamesAndValues) {
  EXPECT_NE(timestampExtractorFromName("WallclockTimestampExtractor"), nullptr);
  EXPECT_NE(timestampExtractorFromName(
                "org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp"),
            nullptr);
  EXPECT_EQ(timestampExtractorFromName("NoSuchExtractor"), nullptr);
  StreamsConfig bad{{"application.id", "a"}, {"default.timestamp.extractor", "Nope"}};
  EXPECT_THROW(bad.resolve(false), ConfigException);
  StreamsConfig idle{{"application.id", "a"}, {"max.task.idle.ms", "-2"}};
  EXPECT_THROW(idle.resolve(false), ConfigException);
  StreamsConfig ok{{"application.id", "a"},
                   {"max.task.idle.ms", "-1"},
                   {"buffered.records.per.partition", "10"}};
  auto r = ok.resolve(false);
  EXPECT_EQ(r.max_task_idle_ms, -1);
  EXPECT_EQ(r.buffered_records_per_partition, 10);
  EXPECT_NE(dynamic_cast<const FailOnInvalidTimestamp*>(r.default_timestamp_extractor.get()),
            nullptr);
}

// ---- Punctuation ----

// Schedules one punctuator in init(); on each punctuation forwards ("p", "<count>@<time>") with
// the punctuation's timestamp and checks the punctuation's record context. Records are counted
// and forwarded unchanged.
class CountingPunctuator
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  CountingPunctuator(PunctuationType type, int64_t interval, int cancel_after = -1)
      : type_(type), interval_(interval), cancel_after_(cancel_after) {}
  void init(ProcessorContext<std::string, std::string>& context) override {
    ContextualProcessor::init(context);
    handle_ = context.schedule(std::chrono::milliseconds(interval_), type_, [this](int64_t ts) {
      ++fired_;
      std::string meta = this->context().recordMetadata() == nullptr ? "" : "META";
      this->context().forward(Record<std::string, std::string>(
          "p", std::to_string(count_) + "@" + std::to_string(ts) + meta, ts));
      if (fired_ == cancel_after_) handle_.cancel();
    });
  }
  void process(Record<std::string, std::string> r) override {
    ++count_;
    if (r.value() == "cancel") handle_.cancel();
    context().forward(std::move(r));
  }

 private:
  PunctuationType type_;
  int64_t interval_;
  int cancel_after_;
  Cancellable handle_;
  int64_t count_ = 0;
  int fired_ = 0;
};

Topology punctuatorTopology(PunctuationType type, int64_t interval, int cancel_after = -1) {
  Topology t;
  t.addSource<std::string, std::string>("src", {"in"}, String(), String())
      .addProcessor(
          "punctuator",
          [=] { return std::make_unique<CountingPunctuator>(type, interval, cancel_after); },
          {"src"})
      .addSink<std::string, std::string>("sink", "out", {"punctuator"}, String(), String());
  return t;
}

// Punctuations only (key "p"), as "<value>" with their timestamps.
std::vector<std::pair<std::string, int64_t>> punctuations(
    TestOutputTopic<std::string, std::string>& out) {
  std::vector<std::pair<std::string, int64_t>> got;
  for (auto& r : out.readRecordsToList()) {
    if (r.key == "p") got.emplace_back(r.value, r.timestamp);
  }
  return got;
}

TEST(Punctuation, StreamTimeFiresAtJavasBoundaries) {
  // Java's StreamTask aligns stream-time schedules to 0 and PunctuationSchedule#next skips
  // missed intervals: interval 10, records at 0, 3, 12, 35 → fires at 0, 12, 35.
  Topology t = punctuatorTopology(PunctuationType::STREAM_TIME, 10);
  TopologyTestDriver driver(t);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  for (int64_t ts : {0, 3, 12, 35}) in.pipeInput("k", "v", ts);
  // Out of order: stream time stays at 35; 39 is before the next boundary (40), 41 fires.
  in.pipeInput("k", "v", 20);
  in.pipeInput("k", "v", 39);
  in.pipeInput("k", "v", 41);
  using P = std::pair<std::string, int64_t>;
  EXPECT_EQ(punctuations(out),
            (std::vector<P>{{"1@0", 0}, {"3@12", 12}, {"4@35", 35}, {"7@41", 41}}));
}

TEST(Punctuation, StreamTimeDoesNotFireWithoutRecords) {
  Topology t = punctuatorTopology(PunctuationType::STREAM_TIME, 10);
  TopologyTestDriver driver(t);
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  driver.advanceWallClockTime(1000);
  EXPECT_TRUE(out.isEmpty());
}

TEST(Punctuation, WallClockFiresOnAdvanceWallClockTime) {
  Topology t = punctuatorTopology(PunctuationType::WALL_CLOCK_TIME, 100);
  TopologyTestDriver driver(t, {}, /*initial_wall_clock_ms=*/1000);
  auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
  auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
  in.pipeInput("k", "v", 5);
  driver.advanceWallClockTime(50);  // 1050: not yet
  EXPECT_TRUE(punctuations(out).empty());
  driver.advanceWallClockTime(50ms);  // 1100: first fire
  driver.advanceWallClockTime(250);   // 1350: once (missed ones are not made up); next 1400
  driver.advanceWallClockTime(49);    // 1399
  driver.advanceWallClockTime(1);     // 1400
  using P = std::pair<std::string, int64_t>;
  EXPECT_EQ(punctuations(out),
            (std::vector<P>{{"1@1100", 1100}, {"1@1350", 1350}, {"1@1400", 1400}}));
}

TEST(Punctuation, CancelFromCallbackAndFromProcess) {
  {
    Topology t = punctuatorTopology(PunctuationType::WALL_CLOCK_TIME, 10, /*cancel_after=*/2);
    TopologyTestDriver driver(t);
    auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
    for (int i = 0; i < 5; ++i) driver.advanceWallClockTime(10);
    EXPECT_EQ(punctuations(out).size(), 2u);
  }
  {
    Topology t = punctuatorTopology(PunctuationType::STREAM_TIME, 10);
    TopologyTestDriver driver(t);
    auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
    auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
    in.pipeInput("k", "v", 0);       // fires at 0
    in.pipeInput("k", "cancel", 5);  // cancels
    in.pipeInput("k", "v", 100);
    using P = std::pair<std::string, int64_t>;
    EXPECT_EQ(punctuations(out), (std::vector<P>{{"1@0", 0}}));
  }
}

// A DSL process() processor that schedules, and a punctuator that throws.
class ThrowingPunctuator
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    ContextualProcessor::init(context);
    context.schedule(10ms, PunctuationType::STREAM_TIME, [this](int64_t ts) {
      if (ts >= 20) throw std::runtime_error("punctuation failed");
      this->context().forward(Record<std::string, std::string>("p", "ok", ts));
    });
  }
  void process(Record<std::string, std::string> r) override { context().forward(std::move(r)); }
};

TEST(Punctuation, DslProcessAndExceptionsGoToTheProcessingHandler) {
  auto build = [] {
    StreamsBuilder builder;
    builder.stream("in", Consumed(String(), String()))
        .process([] { return std::make_unique<ThrowingPunctuator>(); })
        .to("out", Produced(String(), String()));
    return builder.build();
  };
  {
    Topology t = build();
    TopologyTestDriver driver(t);  // LogAndFail
    auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
    in.pipeInput("k", "v", 0);
    try {
      in.pipeInput("k", "v", 25);
      FAIL() << "expected StreamsException";
    } catch (const StreamsException& e) {
      EXPECT_NE(std::string(e.what()).find("punctuating processor 'KSTREAM-PROCESSOR-0000000001'"),
                std::string::npos)
          << e.what();
    }
  }
  {
    Topology t = build();
    std::vector<std::string> handled;
    TopologyTestDriver driver(
        t, StreamsConfig().processingExceptionHandler(
               [&](const ErrorContext& c, const std::string& error) {
                 handled.push_back(c.processor_node + ":" + std::to_string(c.offset) + ":" + error);
                 return ProcessingHandlerResponse::kContinue;
               }));
    auto in = driver.createInputTopic<std::string, std::string>("in", String(), String());
    auto out = driver.createOutputTopic<std::string, std::string>("out", String(), String());
    in.pipeInput("k", "v", 0);
    in.pipeInput("k", "v", 25);
    in.pipeInput("k", "v", 31);
    EXPECT_EQ(handled,
              (std::vector<std::string>{"KSTREAM-PROCESSOR-0000000001:-1:punctuation failed",
                                        "KSTREAM-PROCESSOR-0000000001:-1:punctuation failed"}));
    EXPECT_EQ(out.readValuesToList(), (std::vector<std::string>{"v", "ok", "v", "v"}));
  }
}

// processValues() processors can schedule too.
class FixedKeyTicker : public ContextualFixedKeyProcessor<std::string, std::string, std::string> {
 public:
  explicit FixedKeyTicker(std::vector<int64_t>* fired) : fired_(fired) {}
  void init(FixedKeyProcessorContext<std::string, std::string>& context) override {
    ContextualFixedKeyProcessor::init(context);
    context.schedule(100ms, PunctuationType::WALL_CLOCK_TIME,
                     [this](int64_t ts) { fired_->push_back(ts); });
  }
  void process(FixedKeyRecord<std::string, std::string> r) override {
    context().forward(std::move(r));
  }

 private:
  std::vector<int64_t>* fired_;
};

TEST(Punctuation, ProcessValuesProcessorsSchedule) {
  std::vector<int64_t> fired;
  StreamsBuilder builder;
  builder.stream("in", Consumed(String(), String()))
      .processValues([&fired] { return std::make_unique<FixedKeyTicker>(&fired); })
      .to("out", Produced(String(), String()));
  Topology t = builder.build();
  TopologyTestDriver driver(t, {}, /*initial_wall_clock_ms=*/0);
  driver.advanceWallClockTime(99);
  driver.advanceWallClockTime(1);
  driver.advanceWallClockTime(100);
  EXPECT_EQ(fired, (std::vector<int64_t>{100, 200}));
}

class BadInterval : public ContextualProcessor<std::string, std::string> {
 public:
  void init(ProcessorContext<Void, Void>& context) override {
    context.schedule(0ms, PunctuationType::STREAM_TIME, [](int64_t) {});
  }
  void process(Record<std::string, std::string>) override {}
};

TEST(Punctuation, IntervalBelowOneMillisecondIsRejected) {
  Topology t;
  t.addSource<std::string, std::string>("src", {"in"}, String(), String())
      .addProcessor("bad", [] { return std::make_unique<BadInterval>(); }, {"src"});
  EXPECT_THROW(TopologyTestDriver driver(t), StreamsException);
}

}  // namespace
}  // namespace kstreams
