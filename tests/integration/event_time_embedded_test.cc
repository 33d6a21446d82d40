// Event time on the runtime, against the embedded (mock) cluster: a task with two input topics
// takes records lowest extracted timestamp first (a user TimestampExtractor reading the value,
// skipping what it cannot read), a partition above buffered.records.per.partition is paused and
// resumed, and punctuators fire on stream time and on wall-clock time on the stream thread.
// Waits are condition-based (eventually / waitUntilCaughtUp).
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/logging.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/timestamp_extractor.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

using Serdes::String;
using std::chrono::seconds;
using namespace std::chrono_literals;

class EventTimeEmbeddedTest : public ::testing::Test {
 protected:
  std::string bootstrap() const { return cluster_.bootstrapServers(); }

  StreamsConfig config(const std::string& app) const {
    return StreamsConfig{{"application.id", app},
                         {"bootstrap.servers", bootstrap()},
                         {"commit.interval.ms", "200"},
                         {"poll.ms", "50"}};
  }

  std::vector<ConsumedRecord> read(const std::string& topic) {
    absl::StatusOr<std::vector<ConsumedRecord>> records = readTopic(bootstrap(), topic);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<ConsumedRecord>{};
  }

  EmbeddedKafkaCluster cluster_{1};
};

// "<event time ms>:<text>" → the event time; anything else → -1 (the record is skipped).
TimestampExtractorPtr valueTimeExtractor() {
  return TimestampExtractor::from([](const ConsumerRecord& r, int64_t) -> int64_t {
    if (!r.value) return -1;
    int64_t ms = 0;
    const char* begin = r.value->data();
    const char* end = begin + r.value->size();
    auto [p, ec] = std::from_chars(begin, end, ms);
    return ec == std::errc() && p != end && *p == ':' ? ms : -1;
  });
}

TEST_F(EventTimeEmbeddedTest, TwoTopicsOfOneTaskAreMergedLowestTimestampFirst) {
  const std::string s = uniqueSuffix();
  const std::string a = "et-a-" + s, b = "et-b-" + s, out = "et-out-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{a, 1}, {b, 1}, {out, 1}}).ok());
  // Interleaved event times: a has the odd ones, b the even ones; each topic in order. Kafka
  // timestamps say the opposite order (the extractor ignores them). One unreadable record in a.
  {
    SimpleProducer producer(bootstrap());
    for (int64_t t = 1; t <= 400; ++t) {
      const std::string value = std::to_string(1000 + t) + ":" + (t % 2 ? "a" : "b");
      producer.send(t % 2 ? a : b, "k", value, /*timestamp_ms=*/100000 - t, /*partition=*/0);
      if (t == 201) producer.send(a, "k", std::string("unreadable"), 5, 0);
    }
    ASSERT_TRUE(producer.flush().ok());
  }
  StreamsBuilder builder;
  auto extractor = valueTimeExtractor();
  auto left = builder.stream(a, Consumed(String(), String()).withTimestampExtractor(extractor));
  auto right = builder.stream(b, Consumed(String(), String()).withTimestampExtractor(extractor));
  left.merge(right).to(out, Produced(String(), String()));
  KafkaStreams streams(builder.build(), config("et-merge-" + s));
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
  ASSERT_TRUE(eventually([&] { return read(out).size() >= 400; }, 30s));
  EXPECT_TRUE(streams.close(seconds(30)));

  std::vector<ConsumedRecord> records = read(out);
  ASSERT_EQ(records.size(), 400u);
  for (size_t i = 0; i < records.size(); ++i) {
    const int64_t t = static_cast<int64_t>(i) + 1;
    EXPECT_EQ(records[i].timestamp, 1000 + t) << "at " << i;
    EXPECT_EQ(records[i].value, std::to_string(1000 + t) + ":" + (t % 2 ? "a" : "b"));
  }
}

// A task whose other input partition stays empty is not held up for ever: with max.task.idle.ms
// 0 it processes once it knows the empty partition is caught up (end-of-partition event), with
// N > 0 after also waiting N ms for it.
TEST_F(EventTimeEmbeddedTest, AnEmptyCaughtUpPartitionDoesNotBlockTheTask) {
  const std::string s = uniqueSuffix();
  for (const char* idle : {"0", "300"}) {
    const std::string a = "et-e-a-" + s + idle, b = "et-e-b-" + s + idle,
                      out = "et-e-out-" + s + idle;
    ASSERT_TRUE(createTopics(bootstrap(), {{a, 1}, {b, 1}, {out, 1}}).ok());
    {
      SimpleProducer producer(bootstrap());
      for (int i = 0; i < 50; ++i) producer.send(a, "k", std::to_string(i), 1 + i, 0);
      ASSERT_TRUE(producer.flush().ok());
    }
    StreamsBuilder builder;
    builder.stream(std::vector<std::string>{a, b}, Consumed(String(), String()))
        .to(out, Produced(String(), String()));
    KafkaStreams streams(
        builder.build(),
        config(std::string("et-empty-") + idle + "-" + s).set("max.task.idle.ms", idle));
    ASSERT_TRUE(streams.start().ok());
    EXPECT_TRUE(streams.waitUntilCaughtUp(seconds(60))) << "max.task.idle.ms=" << idle;
    EXPECT_TRUE(eventually([&] { return read(out).size() == 50; }, 30s))
        << "max.task.idle.ms=" << idle;
    EXPECT_TRUE(streams.close(seconds(30)));
  }
}

// The default extractor fails the task on a negative timestamp; a user extractor that throws
// fails it too (the record's coordinates in the error), and the client goes to ERROR cleanly.
TEST_F(EventTimeEmbeddedTest, AThrowingExtractorFailsTheThreadNamingTheRecord) {
  const std::string s = uniqueSuffix();
  const std::string in = "et-x-in-" + s, out = "et-x-out-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 1}, {out, 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    for (int i = 0; i < 20; ++i) producer.send(in, "k", i == 7 ? "boom" : "ok", 1 + i, 0);
    ASSERT_TRUE(producer.flush().ok());
  }
  auto extractor = TimestampExtractor::from([](const ConsumerRecord& r, int64_t) -> int64_t {
    if (r.value && *r.value == "boom") throw std::runtime_error("cannot read the time");
    return r.timestamp;
  });
  StreamsBuilder builder;
  builder.stream(in, Consumed(String(), String()).withTimestampExtractor(extractor))
      .to(out, Produced(String(), String()));
  KafkaStreams streams(builder.build(), config("et-x-" + s));
  std::mutex mu;
  std::string message;
  streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::lock_guard lock(mu);
      message = x.what();
    }
    return StreamThreadExceptionResponse::kShutdownClient;
  });
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == KafkaStreams::State::kError; }, 30s));
  std::lock_guard lock(mu);
  EXPECT_NE(message.find("Fatal user code error in TimestampExtractor"), std::string::npos)
      << message;
  EXPECT_NE(message.find("offset=[7]"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot read the time"), std::string::npos) << message;
}

// Forwards each record with the task's stream time as its value.
class StreamTimeOf
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void process(Record<std::string, std::string> r) override {
    context().forward(std::move(r).withValue(std::to_string(context().currentStreamTimeMs())));
  }
};

// The partition time is committed with the offsets (Kafka Streams' offset metadata) and a
// restarted application resumes its stream time from it, as Java does.
TEST_F(EventTimeEmbeddedTest, StreamTimeSurvivesARestartThroughTheCommittedMetadata) {
  const std::string s = uniqueSuffix();
  const std::string in = "et-rs-in-" + s, out = "et-rs-out-" + s, app = "et-restart-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 1}, {out, 1}}).ok());
  auto topology = [&] {
    Topology t;
    t.addSource<std::string, std::string>("src", {in}, String(), String())
        .addProcessor("st", [] { return std::make_unique<StreamTimeOf>(); }, {"src"})
        .addSink<std::string, std::string>("sink", out, {"st"}, String(), String());
    return t;
  };
  auto run = [&](std::vector<int64_t> timestamps) {
    {
      SimpleProducer producer(bootstrap());
      for (int64_t t : timestamps) producer.send(in, "k", "v", t, 0);
      ASSERT_TRUE(producer.flush().ok());
    }
    KafkaStreams streams(topology(), config(app));
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
    EXPECT_TRUE(streams.close(seconds(30)));
  };
  run({1000, 5000, 3000});
  run({20, 6000});
  std::vector<std::string> values;
  for (const auto& r : read(out)) values.push_back(*r.value);
  EXPECT_EQ(values, (std::vector<std::string>{"1000", "5000", "5000", "5000", "6000"}));
}

// Collects the log lines about pausing and resuming partitions.
class PauseLog {
 public:
  PauseLog() {
    setLogLevel(LogLevel::kDebug);
    setLogSink([this](LogLevel level, std::string_view line) {
      if (line.find("pausing ") != std::string_view::npos) {
        std::lock_guard lock(mu_);
        ++pauses_;
      } else if (line.find("resuming ") != std::string_view::npos) {
        std::lock_guard lock(mu_);
        ++resumes_;
      } else if (level >= LogLevel::kWarn) {
        std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
      }
    });
  }
  ~PauseLog() {
    setLogLevel(LogLevel::kWarn);
    setLogSink(nullptr);
  }
  int pauses() const {
    std::lock_guard lock(mu_);
    return pauses_;
  }
  int resumes() const {
    std::lock_guard lock(mu_);
    return resumes_;
  }

 private:
  mutable std::mutex mu_;
  int pauses_ = 0;
  int resumes_ = 0;
};

TEST_F(EventTimeEmbeddedTest, PartitionAboveBufferedRecordsIsPausedAndResumed) {
  const std::string s = uniqueSuffix();
  const std::string in = "et-buf-in-" + s, out = "et-buf-out-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 1}, {out, 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    for (int i = 0; i < 2000; ++i) producer.send(in, "k", std::to_string(i), 1 + i, 0);
    ASSERT_TRUE(producer.flush().ok());
  }
  PauseLog log;
  StreamsBuilder builder;
  builder.stream(in, Consumed(String(), String())).to(out, Produced(String(), String()));
  StreamsConfig cfg = config("et-buf-" + s);
  cfg.set("buffered.records.per.partition", "10");
  {
    KafkaStreams streams(builder.build(), cfg);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EXPECT_GT(log.pauses(), 0);
  // Every pause was resumed (after the drain, or when the task closed).
  EXPECT_EQ(log.resumes(), log.pauses());
  std::vector<ConsumedRecord> records = read(out);
  ASSERT_EQ(records.size(), 2000u);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(records[i].value, std::to_string(i)) << "offset order broken at " << i;
  }
}

// Forwards every record and, on each punctuation of either kind, ("<type>", "<count>@<time>").
class Ticker : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    ContextualProcessor::init(context);
    context.schedule(10ms, PunctuationType::STREAM_TIME, [this](int64_t ts) {
      this->context().forward(Record<std::string, std::string>(
          "stream", std::to_string(count_) + "@" + std::to_string(ts), ts));
    });
    context.schedule(50ms, PunctuationType::WALL_CLOCK_TIME, [this](int64_t ts) {
      this->context().forward(Record<std::string, std::string>("wall", std::to_string(count_), ts));
    });
  }
  void process(Record<std::string, std::string> r) override {
    ++count_;
    context().forward(std::move(r));
  }

 private:
  int64_t count_ = 0;
};

TEST_F(EventTimeEmbeddedTest, PunctuatorsFireOnStreamTimeAndWallClock) {
  const std::string s = uniqueSuffix();
  const std::string in = "et-punct-in-" + s, out = "et-punct-out-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 1}, {out, 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    // Stream time 1, 3, 12, 35 (Kafka timestamp 0 would mean "now" here): fires at 1, 12, 35.
    for (int64_t t : {1, 3, 12, 35}) producer.send(in, "k", "v", t, 0);
    ASSERT_TRUE(producer.flush().ok());
  }
  Topology t;
  t.addSource<std::string, std::string>("src", {in}, String(), String())
      .addProcessor("ticker", [] { return std::make_unique<Ticker>(); }, {"src"})
      .addSink<std::string, std::string>("sink", out, {"ticker"}, String(), String());
  KafkaStreams streams(std::move(t), config("et-punct-" + s));
  const int64_t started = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
  // Wall-clock punctuation keeps firing while the input is idle.
  auto wallTicks = [&] {
    int n = 0;
    for (const auto& r : read(out)) n += r.key == "wall" ? 1 : 0;
    return n;
  };
  ASSERT_TRUE(eventually([&] { return wallTicks() >= 3; }, 30s));
  EXPECT_TRUE(streams.close(seconds(30)));

  std::vector<std::string> stream_ticks;
  std::vector<int64_t> stream_tick_times;
  int64_t last_wall = 0;
  for (const auto& r : read(out)) {
    if (r.key == "stream") {
      stream_ticks.push_back(*r.value);
      stream_tick_times.push_back(r.timestamp);
    } else if (r.key == "wall") {
      EXPECT_GE(r.timestamp, started);  // the wall-clock time of the punctuation
      EXPECT_GT(r.timestamp, last_wall);
      last_wall = r.timestamp;
    }
  }
  EXPECT_EQ(stream_ticks, (std::vector<std::string>{"1@1", "3@12", "4@35"}));
  EXPECT_EQ(stream_tick_times, (std::vector<int64_t>{1, 12, 35}));
}

}  // namespace
}  // namespace kstreams::runtime_test
