// KafkaStreams end to end against the in-process embedded (mock) cluster. Each test pays one
// consumer-group join (~3 s on the mock); the whole file runs in well under a minute.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/errors.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/stores.h"
#include "kstreams/streams_builder.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

using State = KafkaStreams::State;

bool isActiveState(State s) { return s == State::kRunning || s == State::kRebalancing; }
using std::chrono::milliseconds;
using std::chrono::seconds;

class RuntimeEmbeddedTest : public ::testing::Test {
 protected:
  std::string bootstrap() const { return cluster_.bootstrapServers(); }

  StreamsConfig config(const std::string& app) const {
    return StreamsConfig{{"application.id", app},
                         {"bootstrap.servers", bootstrap()},
                         {"commit.interval.ms", "500"},
                         {"poll.ms", "50"}};
  }

  EmbeddedKafkaCluster cluster_{1};
};

// The mock makes every rebalance after the first wait session.timeout.ms − 1 s; tests with two
// threads may see one (when the threads' first joins fall into different generations) or more
// (a restart), so their sessions are kept short.
StreamsConfig shortSessions() {
  return StreamsConfig{{"consumer.session.timeout.ms", "3500"},
                       {"consumer.heartbeat.interval.ms", "300"}};
}

TEST_F(RuntimeEmbeddedTest, TwoThreadsProcessEveryRecord) {
  runTwoThreadsAllRecords(bootstrap(), shortSessions(), 100000, seconds(60));
}

TEST_F(RuntimeEmbeddedTest, GracefulCloseHalfWayThenRestartLosesNothing) {
  runCloseHalfWayThenRestart(bootstrap(), shortSessions(), 100000, 30000, seconds(60));
}

TEST_F(RuntimeEmbeddedTest, SmallPrefetchKeepsTheFetcherBusyThroughABacklog) {
  runBacklogWithSmallPrefetch(bootstrap(), StreamsConfig{}, 40000);
}

// The partitions' leaders are spread over three brokers, each fetched by its own librdkafka
// broker thread: the waker must reach every one of them.
TEST(RuntimeEmbeddedThreeNodeClusterTest, SmallPrefetchKeepsEveryLeadersFetcherBusy) {
  EmbeddedKafkaCluster cluster(3);
  runBacklogWithSmallPrefetch(cluster.bootstrapServers(), StreamsConfig{}, 40000);
}

// The poison record: 3 bytes where the Int64 serde wants 8.
constexpr int64_t kPoisonOffset = 10;

// 10 good records, the poison one (offset 10), 10 more good ones, all in partition 0.
KeyValueCounts producePoisonedInput(const std::string& bootstrap, const std::string& topic) {
  KeyValueCounts expected;
  SimpleProducer producer(bootstrap);
  for (int64_t i = 0; i < 21; ++i) {
    if (i == kPoisonOffset) {
      producer.send(topic, "poison", std::string("bad"), 0, /*partition=*/0);
      continue;
    }
    producer.send(topic, keyOf(i), int64Bytes(i), 0, /*partition=*/0);
    if (keep(i)) ++expected[{keyOf(i), mapped(i)}];
  }
  EXPECT_TRUE(producer.flush().ok());
  return expected;
}

std::string headerValue(const ConsumedRecord& r, const char* key) {
  const Header* h = r.headers.lastHeader(key);
  return h && h->value ? *h->value : "<none>";
}

TEST_F(RuntimeEmbeddedTest, PoisonRecordGoesToDeadLetterQueueAndProcessingGoesOn) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}, {"dlq", 1}}).ok());
  KeyValueCounts expected = producePoisonedInput(bootstrap(), "in");

  StreamsConfig cfg = config("dlq-app");
  cfg.set("deserialization.exception.handler", "LogAndContinue")
      .set("errors.dead.letter.queue.topic.name", "dlq");
  KafkaStreams streams(filterMapTopology("in", "out"), cfg);
  StateRecorder recorder;
  recorder.attach(streams);
  EXPECT_EQ(streams.state(), State::kCreated);
  ASSERT_TRUE(streams.start().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(streams.start()));
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30))) << recorder.describe();
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kRunning; }, seconds(5)));
  EXPECT_TRUE(streams.close(seconds(30)));

  Comparison c = compare(expected, readOutput(bootstrap(), "out"));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;

  absl::StatusOr<std::vector<ConsumedRecord>> dlq = readTopic(bootstrap(), "dlq");
  ASSERT_TRUE(dlq.ok()) << dlq.status();
  ASSERT_GE(dlq->size(), 1u);
  const ConsumedRecord& parked = dlq->front();
  EXPECT_EQ(parked.key, "poison");
  EXPECT_EQ(parked.value, "bad");
  EXPECT_EQ(headerValue(parked, kDlqHeaderTopic), "in");
  EXPECT_EQ(headerValue(parked, kDlqHeaderPartition), "0");
  EXPECT_EQ(headerValue(parked, kDlqHeaderOffset), std::to_string(kPoisonOffset));
  EXPECT_NE(headerValue(parked, kDlqHeaderExceptionMessage), "<none>");

  // Java's sequence for a clean run and a close.
  std::vector<State> states = recorder.states();
  ASSERT_GE(states.size(), 4u) << recorder.describe();
  EXPECT_EQ(recorder.transitions().front(), std::make_pair(State::kCreated, State::kRebalancing));
  EXPECT_TRUE(recorder.saw(State::kRunning)) << recorder.describe();
  EXPECT_EQ(states[states.size() - 2], State::kPendingShutdown) << recorder.describe();
  EXPECT_EQ(states.back(), State::kNotRunning) << recorder.describe();
  EXPECT_FALSE(recorder.saw(State::kError));
}

TEST_F(RuntimeEmbeddedTest, PoisonRecordWithLogAndFailStopsTheClientInError) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  producePoisonedInput(bootstrap(), "in");

  KafkaStreams streams(filterMapTopology("in", "out"), config("fail-app"));
  StateRecorder recorder;
  recorder.attach(streams);
  std::mutex mu;
  std::string message;
  std::atomic<int> calls{0};
  streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
    ++calls;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::lock_guard<std::mutex> lock(mu);
      message = x.what();
    }
    return StreamThreadExceptionResponse::kShutdownClient;
  });
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kError; }, seconds(30)))
      << recorder.describe();
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(streams.numAliveStreamThreads(), 0);
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_NE(message.find("topic=in"), std::string::npos) << message;
    EXPECT_NE(message.find("partition=0"), std::string::npos) << message;
    EXPECT_NE(message.find("offset=" + std::to_string(kPoisonOffset)), std::string::npos)
        << message;
  }
  std::vector<State> states = recorder.states();
  ASSERT_GE(states.size(), 2u);
  EXPECT_EQ(states[states.size() - 2], State::kPendingError) << recorder.describe();
  EXPECT_EQ(states.back(), State::kError) << recorder.describe();
  // close() of a client in ERROR returns at once.
  EXPECT_TRUE(streams.close(seconds(1)));
  EXPECT_EQ(streams.state(), State::kError);
  EXPECT_FALSE(streams.waitUntilCaughtUp(milliseconds(10)));
}

// The usual reaction to ERROR, close() from the state listener, runs on kstreams' shutdown
// thread; so does the listener call for NOT_RUNNING. Both must return, not wait for (or join)
// the shutdown they are part of.
TEST_F(RuntimeEmbeddedTest, CloseFromTheStateListenerReturns) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  producePoisonedInput(bootstrap(), "in");
  for (State final_state : {State::kError, State::kNotRunning}) {
    SCOPED_TRACE(std::string(toString(final_state)));
    const bool failing = final_state == State::kError;
    StreamsConfig cfg = config(failing ? "listener-close-error" : "listener-close-clean");
    if (!failing) cfg.set("deserialization.exception.handler", "LogAndContinue");
    std::atomic<int> returned{0};
    std::atomic<bool> result{false};
    KafkaStreams streams(filterMapTopology("in", "out"), cfg);
    streams.setStateListener([&](State now, State) {
      if (now != final_state) return;
      result = streams.close();
      ++returned;
    });
    ASSERT_TRUE(streams.start().ok());
    if (!failing) {
      ASSERT_TRUE(eventually([&] { return streams.state() == State::kRunning; }, seconds(30)));
      EXPECT_TRUE(streams.close(seconds(30)));
    }
    ASSERT_TRUE(eventually([&] { return returned.load() == 1; }, seconds(30)));
    EXPECT_TRUE(result.load());
    EXPECT_EQ(streams.state(), final_state);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
}

TEST_F(RuntimeEmbeddedTest, WithoutAHandlerAFailedThreadShutsTheClientDown) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  producePoisonedInput(bootstrap(), "in");
  KafkaStreams streams(filterMapTopology("in", "out"), config("default-handler"));
  StateRecorder recorder;
  recorder.attach(streams);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kError; }, seconds(30)))
      << recorder.describe();
  EXPECT_TRUE(recorder.saw(State::kPendingError)) << recorder.describe();
}

TEST_F(RuntimeEmbeddedTest, ReplaceThreadReprocessesTheFailedRecord) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 2}, {"out", 2}}).ok());
  KeyValueCounts expected = produceInput(bootstrap(), "in", 0, 2000);

  std::atomic<bool> thrown{false};
  auto hook = [&thrown](const Record<std::string, int64_t>& r) {
    if (r.value() == 1000 && !thrown.exchange(true)) throw std::runtime_error("boom at 1000");
  };
  StreamsConfig cfg = config("replace-app");
  // A shorter session makes the mock's rebalance after the replacement quicker.
  cfg.set("session.timeout.ms", "3500").set("heartbeat.interval.ms", "300");
  KafkaStreams streams(filterMapTopology("in", "out", hook), cfg);
  StateRecorder recorder;
  recorder.attach(streams);
  std::atomic<int> calls{0};
  std::string message;
  streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
    ++calls;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      message = x.what();
    }
    return StreamThreadExceptionResponse::kReplaceThread;
  });
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return calls.load() == 1; }, seconds(30))) << recorder.describe();
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30))) << recorder.describe();
  EXPECT_NE(message.find("boom at 1000"), std::string::npos) << message;
  EXPECT_NE(message.find("processor=source"), std::string::npos) << message;
  EXPECT_EQ(streams.numAliveStreamThreads(), 1);
  EXPECT_TRUE(eventually([&] { return streams.state() == State::kRunning; }, seconds(10)))
      << recorder.describe();
  EXPECT_TRUE(streams.close(seconds(30)));
  EXPECT_EQ(streams.state(), State::kNotRunning);
  EXPECT_FALSE(recorder.saw(State::kError));

  Comparison c = compare(expected, readOutput(bootstrap(), "out"));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

// A record the producer refuses (larger than producer.message.max.bytes) goes to the
// production exception handler: LogAndContinue drops it and goes on; the default fails the
// thread before the input offset is committed.
TEST_F(RuntimeEmbeddedTest, ProductionHandlerDecidesAboutRecordsTheProducerRefuses) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    producer.send("in", std::string("small-1"), std::string("x"));
    producer.send("in", std::string("huge"), std::string(5000, 'y'));
    producer.send("in", std::string("small-2"), std::string("z"));
    ASSERT_TRUE(producer.flush().ok());
  }
  auto passThrough = [] {
    Topology t;
    t.addSource<std::string, std::string>("source", {"in"}, Serdes::String(), Serdes::String());
    t.addSink<std::string, std::string>("sink", "out", {"source"}, Serdes::String(),
                                        Serdes::String());
    return t;
  };

  StreamsConfig cfg = config("produce-continue");
  cfg.set("producer.message.max.bytes", "1000")
      .set("production.exception.handler", "LogAndContinue");
  {
    KafkaStreams streams(passThrough(), cfg);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30)));
    EXPECT_TRUE(isActiveState(streams.state()));
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  absl::StatusOr<std::vector<ConsumedRecord>> out = readTopic(bootstrap(), "out");
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<std::string> keys;
  for (const auto& r : *out) keys.push_back(r.key.value_or(""));
  EXPECT_EQ(keys, (std::vector<std::string>{"small-1", "small-2"}));

  StreamsConfig failing = config("produce-fail");
  failing.set("producer.message.max.bytes", "1000");
  KafkaStreams streams(passThrough(), failing);
  std::string message;
  streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      message = x.what();
    }
    return StreamThreadExceptionResponse::kShutdownClient;
  });
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kError; }, seconds(30)));
  EXPECT_NE(message.find("Error encountered sending record to topic out"), std::string::npos)
      << message;
  EXPECT_NE(message.find("offset=1"), std::string::npos) << message;
}

// Puts each record's value into the logged in-memory store "values" and forwards (key, "ok").
class StoringProcessor
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void init(ProcessorContext<std::string, std::string>& context) override {
    ContextualProcessor::init(context);
    store_ = &context.getStateStore<KeyValueStore<std::string, std::string>>("values");
  }
  void process(Record<std::string, std::string> r) override {
    store_->put(r.key(), r.value());
    context().forward(std::move(r).withValue(std::string("ok")));
  }

 private:
  KeyValueStore<std::string, std::string>* store_ = nullptr;
};

// Records of internal topics are never skipped, whatever the production handler says: a lost
// changelog record would leave the store ahead of its changelog (and the checkpoint would move
// past it), a lost repartition record would vanish half-way through the application. Only the
// internal topic gets the huge value here; the user's output topic gets small ones.
TEST_F(RuntimeEmbeddedTest, FailedSendsToInternalTopicsFailWhateverTheProductionHandlerSays) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    producer.send("in", std::string("small-1"), std::string("x"));
    producer.send("in", std::string("huge"), std::string(5000, 'y'));
    producer.send("in", std::string("small-2"), std::string("z"));
    ASSERT_TRUE(producer.flush().ok());
  }
  auto viaChangelog = [] {
    Topology t;
    t.addSource<std::string, std::string>("source", {"in"}, Serdes::String(), Serdes::String());
    t.addProcessor("store", [] { return std::make_unique<StoringProcessor>(); }, {"source"});
    t.addStateStore(Stores::keyValueStoreBuilder(Stores::inMemoryKeyValueStore("values"),
                                                 Serdes::String(), Serdes::String()),
                    {"store"});
    t.addSink<std::string, std::string>("sink", "out", {"store"}, Serdes::String(),
                                        Serdes::String());
    return t;
  };
  auto viaRepartition = [] {
    Topology t;
    t.addSource<std::string, std::string>("stage1-source", {"in"}, Serdes::String(),
                                          Serdes::String());
    t.addSinkNode<std::string, std::string>("stage1-sink", "repartition", /*internal_topic=*/true,
                                            {"stage1-source"}, Serdes::String(), Serdes::String());
    internal::NodeDef source;
    source.name = "stage2-source";
    source.kind = internal::NodeDef::Kind::kSource;
    source.topics = {"repartition"};
    source.internal_topic = true;
    source.out_key = typeid(std::string);
    source.out_value = typeid(std::string);
    source.factory = internal::makeNodeFactory([](const std::string& n) {
      return std::unique_ptr<internal::NodeInstance>(
          std::make_unique<internal::SourceNode<std::string, std::string>>(n, Serdes::String(),
                                                                           Serdes::String()));
    });
    t.addNode(std::move(source));
    t.addSink<std::string, std::string>("stage2-sink", "out", {"stage2-source"}, Serdes::String(),
                                        Serdes::String());
    t.addInternalTopic({"repartition", -1, {}});
    return t;
  };
  for (const bool changelog : {true, false}) {
    SCOPED_TRACE(changelog ? "changelog" : "repartition topic");
    const std::string app = changelog ? "internal-changelog" : "internal-repartition";
    StreamsConfig cfg = config(app);
    cfg.set("producer.message.max.bytes", "1000")
        .set("production.exception.handler", "LogAndContinue");
    // Declared before the client, whose destructor may still call them.
    StateRecorder recorder;
    std::mutex mu;
    std::string message;
    KafkaStreams streams(changelog ? viaChangelog() : viaRepartition(), cfg);
    recorder.attach(streams);
    streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        std::lock_guard<std::mutex> lock(mu);
        message = x.what();
      }
      return StreamThreadExceptionResponse::kShutdownClient;
    });
    ASSERT_TRUE(streams.start().ok());
    // Either the client fails, or (skipping the huge record) small-2 comes out.
    auto small2_out = [&] {
      absl::StatusOr<std::vector<ConsumedRecord>> out = readTopic(bootstrap(), "out");
      if (!out.ok()) return false;
      for (const auto& r : *out) {
        if (r.key == "small-2") return true;
      }
      return false;
    };
    ASSERT_TRUE(
        eventually([&] { return streams.state() == State::kError || small2_out(); }, seconds(30)))
        << recorder.describe();
    EXPECT_EQ(streams.state(), State::kError) << recorder.describe();
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_NE(
        message.find("internal topic " + app + (changelog ? "-values-changelog" : "-repartition")),
        std::string::npos)
        << message;
  }
}

// An idle thread does not commit: commits come every commit.interval.ms (or when a task asks),
// as in Java. A cached count forwards downstream only when its cache is flushed, which a commit
// does, so with a long interval the first record's count must still be in the cache when the
// second record arrives, however many empty polls (poll.ms 1) lie between them.
TEST_F(RuntimeEmbeddedTest, AnIdleThreadCommitsOnTheIntervalNotOnEveryEmptyPoll) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}}).ok());
  std::atomic<int> seen{0};
  std::atomic<int> forwarded{0};
  std::atomic<int> forwarded_when_second_seen{-1};
  StreamsBuilder builder;
  builder.stream("in", Consumed(Serdes::String(), Serdes::String()))
      .peek([&](const std::string&, const std::string&) {
        if (++seen == 2) forwarded_when_second_seen = forwarded.load();
      })
      .groupByKey()
      .count(Materialized<std::string, int64_t>::as("counts").withStoreType(StoreType::kInMemory))
      .toStream()
      .foreach ([&](const auto&, const auto&) { ++forwarded; });
  StreamsConfig cfg = config("idle-commits");
  cfg.set("commit.interval.ms", "600000").set("poll.ms", "1");
  KafkaStreams streams(builder.build(), cfg);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kRunning; }, seconds(30)));
  SimpleProducer producer(bootstrap());
  producer.send("in", std::string("a"), std::string("1"));
  ASSERT_TRUE(producer.flush().ok());
  ASSERT_TRUE(eventually([&] { return seen.load() == 1; }, seconds(30)));
  producer.send("in", std::string("b"), std::string("2"));
  ASSERT_TRUE(producer.flush().ok());
  ASSERT_TRUE(eventually([&] { return seen.load() == 2; }, seconds(30)));
  EXPECT_EQ(forwarded_when_second_seen.load(), 0);
  // close() commits: both counts come out then.
  EXPECT_TRUE(streams.close(seconds(30)));
  EXPECT_EQ(forwarded.load(), 2);
}

// A value serializer that refuses "bad".
SerdePtr<std::string> refusingSerde() {
  return Serdes::from<std::string>(
      [](const std::string& v, std::string& out) {
        if (v == "bad") throw SerializationException("cannot serialize 'bad'");
        out += v;
      },
      [](std::string_view data) { return std::string(data); }, "Refusing");
}

// A record a sink cannot serialize goes to the production exception handler (KIP-1033), with
// the output record as far as it serialized and the input record it came from; kContinue drops
// it, the default fails the thread.
TEST_F(RuntimeEmbeddedTest, SinkSerializationErrorsGoToTheProductionHandler) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}}).ok());
  {
    SimpleProducer producer(bootstrap());
    producer.send("in", std::string("k1"), std::string("good-1"));
    producer.send("in", std::string("k2"), std::string("bad"));
    producer.send("in", std::string("k3"), std::string("good-2"));
    ASSERT_TRUE(producer.flush().ok());
  }
  auto topology = [] {
    Topology t;
    t.addSource<std::string, std::string>("source", {"in"}, Serdes::String(), Serdes::String());
    t.addSink<std::string, std::string>("sink", "out", {"source"}, Serdes::String(),
                                        refusingSerde());
    return t;
  };
  std::mutex mu;
  std::vector<ProductionErrorContext> seen;
  {
    StreamsConfig cfg = config("serialize-continue");
    cfg.productionExceptionHandler([&](const ProductionErrorContext& c) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(c);
      return ProductionHandlerResponse::kContinue;
    });
    KafkaStreams streams(topology(), cfg);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30)));
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  absl::StatusOr<std::vector<ConsumedRecord>> out = readTopic(bootstrap(), "out");
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<std::string> keys;
  for (const auto& r : *out) keys.push_back(r.key.value_or(""));
  EXPECT_EQ(keys, (std::vector<std::string>{"k1", "k3"}));
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 1u);
    const ProductionErrorContext& c = seen.front();
    EXPECT_EQ(c.origin, ProductionErrorOrigin::kValueSerialization);
    EXPECT_EQ(c.topic, "out");
    EXPECT_EQ(c.key, std::optional<std::string>("k2"));
    EXPECT_EQ(c.value, std::nullopt);
    EXPECT_NE(c.error.find("cannot serialize 'bad'"), std::string::npos) << c.error;
    EXPECT_EQ(c.source.topic, "in");
    EXPECT_EQ(c.source.partition, 0);
    EXPECT_EQ(c.source.offset, 1);
    EXPECT_EQ(c.source.processor_node, "sink");
  }

  std::string message;
  KafkaStreams streams(topology(), config("serialize-fail"));
  streams.setUncaughtExceptionHandler([&](const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::lock_guard<std::mutex> lock(mu);
      message = x.what();
    }
    return StreamThreadExceptionResponse::kShutdownClient;
  });
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(eventually([&] { return streams.state() == State::kError; }, seconds(30)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_NE(message.find("Unable to serialize the value of a record for topic out"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("offset=1"), std::string::npos) << message;
}

// processing.exception.handler (KIP-1033): a Processor API processor that throws is handled at
// its node (the handler learns the node and the input record); a DSL operator's lambda that
// throws is handled for the sub-topology. LogAndContinue drops the record and goes on; the
// default, LogAndFail, is what the poison-record tests above rely on.
TEST_F(RuntimeEmbeddedTest, ProcessingExceptionHandlerDecidesAboutRecordsAProcessorThrowsOn) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 1}, {"out", 1}, {"dsl-out", 1}}).ok());
  KeyValueCounts expected;
  {
    SimpleProducer producer(bootstrap());
    for (int64_t i = 0; i < 10; ++i) {
      producer.send("in", keyOf(i), int64Bytes(i), 0, /*partition=*/0);
      if (keep(i) && i != 5) ++expected[{keyOf(i), mapped(i)}];
    }
    ASSERT_TRUE(producer.flush().ok());
  }
  auto hook = [](const Record<std::string, int64_t>& r) {
    if (r.value() == 5) throw std::runtime_error("no fives");
  };
  std::mutex mu;
  std::vector<std::pair<ErrorContext, std::string>> seen;
  {
    StreamsConfig cfg = config("processing-continue");
    cfg.processingExceptionHandler([&](const ErrorContext& c, const std::string& error) {
      std::lock_guard<std::mutex> lock(mu);
      seen.emplace_back(c, error);
      return ProcessingHandlerResponse::kContinue;
    });
    KafkaStreams streams(filterMapTopology("in", "out", hook), cfg);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30)));
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  Comparison c = compare(expected, readOutput(bootstrap(), "out"));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(seen.size(), 1u);
    EXPECT_EQ(seen[0].first.processor_node, "mapValues");
    EXPECT_EQ(seen[0].first.topic, "in");
    EXPECT_EQ(seen[0].first.partition, 0);
    EXPECT_EQ(seen[0].first.offset, 5);
    EXPECT_EQ(seen[0].second, "no fives");
  }

  StreamsBuilder builder;
  builder.stream("in", Consumed(Serdes::String(), Serdes::Int64()))
      .mapValues([](int64_t v) {
        if (v == 5) throw std::runtime_error("no fives");
        return v;
      })
      .to("dsl-out", Produced(Serdes::String(), Serdes::Int64()));
  StreamsConfig cfg = config("processing-continue-dsl");
  cfg.set("processing.exception.handler", "LogAndContinue");
  KafkaStreams streams(builder.build(), cfg);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30)));
  EXPECT_TRUE(streams.close(seconds(30)));
  absl::StatusOr<std::vector<ConsumedRecord>> out = readTopic(bootstrap(), "dsl-out");
  ASSERT_TRUE(out.ok()) << out.status();
  std::vector<int64_t> values;
  for (const auto& r : *out) values.push_back(Serdes::Int64()->deserialize("dsl-out", r.value));
  EXPECT_EQ(values, (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8, 9}));
}

// source(in) → sink(internal "repartition") | source(internal "repartition") → sink(out): the
// runtime creates "<application.id>-repartition" with the input's partition count, and
// waitUntilCaughtUp() covers both stages.
TEST_F(RuntimeEmbeddedTest, CreatesInternalTopicsAndRunsTwoStages) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"in", 3}, {"out", 3}}).ok());
  KeyValueCounts input = produceInput(bootstrap(), "in", 0, 1000);
  KeyValueCounts expected;
  for (int64_t i = 0; i < 1000; ++i) ++expected[{keyOf(i), i}];

  Topology t;
  t.addSource<std::string, int64_t>("stage1-source", {"in"}, Serdes::String(), Serdes::Int64());
  t.addSinkNode<std::string, int64_t>("stage1-sink", "repartition", /*internal_topic=*/true,
                                      {"stage1-source"}, Serdes::String(), Serdes::Int64());
  // An internal source, as the DSL declares one for a repartition topic.
  internal::NodeDef source;
  source.name = "stage2-source";
  source.kind = internal::NodeDef::Kind::kSource;
  source.topics = {"repartition"};
  source.internal_topic = true;
  source.out_key = typeid(std::string);
  source.out_value = typeid(int64_t);
  source.factory = internal::makeNodeFactory([](const std::string& n) {
    return std::unique_ptr<internal::NodeInstance>(
        std::make_unique<internal::SourceNode<std::string, int64_t>>(n, Serdes::String(),
                                                                     Serdes::Int64()));
  });
  t.addNode(std::move(source));
  t.addSink<std::string, int64_t>("stage2-sink", "out", {"stage2-source"}, Serdes::String(),
                                  Serdes::Int64());
  t.addInternalTopic({"repartition", -1, {}});

  KafkaStreams streams(std::move(t), config("two-stage"));
  ASSERT_TRUE(streams.start().ok());
  absl::StatusOr<int> partitions = partitionCount(bootstrap(), "two-stage-repartition");
  ASSERT_TRUE(partitions.ok()) << partitions.status();
  EXPECT_EQ(*partitions, 3);
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(30)));
  absl::StatusOr<std::vector<PartitionLag>> lag = streams.sourceLag();
  ASSERT_TRUE(lag.ok()) << lag.status();
  EXPECT_EQ(lag->size(), 6u);  // 3 partitions of "in" and 3 of the repartition topic
  EXPECT_TRUE(streams.close(seconds(30)));

  Comparison c = compare(expected, readOutput(bootstrap(), "out"));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

// ---- construction and start() failures: no group join, fast

std::string configErrorKey(const Topology& topology, const StreamsConfig& config) {
  try {
    KafkaStreams streams(topology, config);
  } catch (const ConfigException& e) {
    return e.key();
  }
  return "<no exception>";
}

TEST_F(RuntimeEmbeddedTest, BadConfigsFailAtConstructionNamingTheKey) {
  Topology t = filterMapTopology("in", "out");
  auto with = [&](const std::string& key, const std::string& value) {
    StreamsConfig c = config("bad-config");
    c.set(key, value);
    return c;
  };
  EXPECT_EQ(configErrorKey(t, StreamsConfig{{"bootstrap.servers", bootstrap()}}), "application.id");
  EXPECT_EQ(configErrorKey(t, StreamsConfig{{"application.id", "x"}}), "bootstrap.servers");
  EXPECT_EQ(configErrorKey(t, with("num.stream.threads", "two")), "num.stream.threads");
  EXPECT_EQ(configErrorKey(t, with("processing.guarantee", "exactly_once_v2")),
            "processing.guarantee");
  EXPECT_EQ(configErrorKey(t, with("no.such.property", "1")), "no.such.property");
  EXPECT_EQ(configErrorKey(t, with("consumer.fetch.wait.max.ms", "soon")),
            "consumer.fetch.wait.max.ms");
  EXPECT_EQ(configErrorKey(t, with("enable.auto.commit", "true")), "enable.auto.commit");
  EXPECT_EQ(configErrorKey(t, with("consumer.partition.assignment.strategy", "cooperative-sticky")),
            "consumer.partition.assignment.strategy");
  EXPECT_EQ(configErrorKey(t, with("group.id", "other")), "group.id");

  // Serde defaults that do not fit the sources and sinks.
  Topology needs_defaults = filterMapTopology("in", "out", nullptr, /*explicit_serdes=*/false);
  EXPECT_EQ(configErrorKey(needs_defaults, config("no-defaults")), "default.key.serde");
  StreamsConfig string_values = config("string-values");
  string_values.set("default.key.serde", "String").set("default.value.serde", "String");
  EXPECT_EQ(configErrorKey(needs_defaults, string_values), "default.value.serde");
  StreamsConfig fitting = config("fitting");
  fitting.set("default.key.serde", "String").set("default.value.serde", "Long");
  EXPECT_NO_THROW(KafkaStreams(needs_defaults, fitting));

  EXPECT_THROW(KafkaStreams(Topology(), config("empty")), TopologyException);
}

TEST_F(RuntimeEmbeddedTest, StartFailsForMissingSourceTopicAndCanBeRetried) {
  KafkaStreams streams(filterMapTopology("missing-in", "out"), config("missing"));
  absl::Status s = streams.start();
  EXPECT_TRUE(absl::IsNotFound(s)) << s;
  EXPECT_NE(s.message().find("missing-in"), absl::string_view::npos) << s;
  EXPECT_EQ(streams.state(), State::kCreated);
  ASSERT_TRUE(createTopics(bootstrap(), {{"missing-in", 1}}).ok());
  EXPECT_TRUE(streams.start().ok());
  EXPECT_TRUE(streams.close(seconds(30)));
  EXPECT_EQ(streams.state(), State::kNotRunning);
}

// As Java's producer (KIP-679): idempotence is on by default, a setting it cannot honour turns it
// off unless it was asked for explicitly, and then the conflict is a config error.
TEST_F(RuntimeEmbeddedTest, AcksOtherThanAllTurnIdempotenceOffUnlessItWasAskedFor) {
  ASSERT_TRUE(createTopics(bootstrap(), {{"acks-in", 1}, {"acks-out", 1}}).ok());
  KafkaStreams streams(filterMapTopology("acks-in", "acks-out"),
                       config("acks-one").set("producer.acks", "1"));
  ASSERT_TRUE(streams.start().ok());
  const KeyValueCounts expected = produceInput(bootstrap(), "acks-in", 0, 10);
  EXPECT_TRUE(
      eventually([&] { return readOutput(bootstrap(), "acks-out") == expected; }, seconds(60)));
  EXPECT_TRUE(streams.close(seconds(30)));

  try {
    KafkaStreams conflicting(
        filterMapTopology("acks-in", "acks-out"),
        config("acks-conflict").set("producer.acks", "1").set("enable.idempotence", "true"));
    ADD_FAILURE() << "acks=1 with enable.idempotence=true was accepted";
  } catch (const ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find("enable.idempotence"), std::string::npos) << e.what();
  }
}

TEST_F(RuntimeEmbeddedTest, CloseBeforeStartGoesToNotRunning) {
  KafkaStreams streams(filterMapTopology("in", "out"), config("never-started"));
  StateRecorder recorder;
  recorder.attach(streams);
  EXPECT_TRUE(streams.close(seconds(5)));
  EXPECT_EQ(streams.state(), State::kNotRunning);
  EXPECT_TRUE(absl::IsFailedPrecondition(streams.start()));
  EXPECT_EQ(recorder.describe(), "CREATED->PENDING_SHUTDOWN PENDING_SHUTDOWN->NOT_RUNNING ");
}

}  // namespace
}  // namespace kstreams::runtime_test
