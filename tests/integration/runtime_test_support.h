// Shared by runtime_embedded_test.cc and runtime_broker_test.cc: a small filter/mapValues
// topology written with the Processor API, input generation, reading output back as a multiset,
// and a recorder of state transitions. Everything talks to Kafka through the public
// kafka_clients.h helpers, so the same code runs against the embedded cluster and a broker.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/topology.h"

namespace kstreams::runtime_test {

using Clock = std::chrono::steady_clock;

// Base of the tests that need the real broker (ctest label broker; their suite names contain
// "Broker"): skipped unless KSTREAMS_BOOTSTRAP_SERVERS names one. `Base` lets parameterized
// suites use it too.
template <typename Base = ::testing::Test>
class RealBrokerTest : public Base {
 protected:
  void SetUp() override {
    const char* servers = std::getenv("KSTREAMS_BOOTSTRAP_SERVERS");
    if (servers == nullptr || *servers == '\0') {
      GTEST_SKIP() << "KSTREAMS_BOOTSTRAP_SERVERS is not set (start a broker with "
                      "`scripts/kafka start`)";
    }
    bootstrap_ = servers;
  }

  std::string bootstrap_;
};

inline double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A suffix that keeps names of different runs apart on a long-lived broker.
inline std::string uniqueSuffix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  return std::to_string(std::uniform_int_distribution<uint32_t>(0, 0xffffff)(rd)) + "-" +
         std::to_string(counter++);
}

// ---- the topology: filter (drop multiples of 3) then mapValues (×2)

inline bool keep(int64_t v) { return v % 3 != 0; }
inline int64_t mapped(int64_t v) { return v * 2; }

// Counts records seen by every FilterProcessor in the process (tests read it to close "half-way").
inline std::atomic<int64_t>& processedCounter() {
  static std::atomic<int64_t> counter{0};
  return counter;
}

class FilterProcessor : public ContextualProcessor<std::string, int64_t, std::string, int64_t> {
 public:
  void process(Record<std::string, int64_t> r) override {
    processedCounter().fetch_add(1, std::memory_order_relaxed);
    if (keep(r.value())) context().forward(std::move(r));
  }
};

// Calls `hook` (may throw) before mapping, so tests can fail a record on purpose.
class MapValuesProcessor : public ContextualProcessor<std::string, int64_t, std::string, int64_t> {
 public:
  explicit MapValuesProcessor(std::function<void(const Record<std::string, int64_t>&)> hook)
      : hook_(std::move(hook)) {}
  void process(Record<std::string, int64_t> r) override {
    if (hook_) hook_(r);
    const int64_t v = mapped(r.value());
    context().forward(std::move(r).withValue(v));
  }

 private:
  std::function<void(const Record<std::string, int64_t>&)> hook_;
};

// source(input) → filter → mapValues → sink(output), String keys and Int64 values. With
// `explicit_serdes` false the source and sink rely on default.key.serde/default.value.serde.
inline Topology filterMapTopology(
    const std::string& input, const std::string& output,
    std::function<void(const Record<std::string, int64_t>&)> hook = nullptr,
    bool explicit_serdes = true) {
  Topology t;
  if (explicit_serdes) {
    t.addSource<std::string, int64_t>("source", {input}, Serdes::String(), Serdes::Int64());
  } else {
    t.addSource<std::string, int64_t>("source", {input});
  }
  t.addProcessor("filter", [] { return std::make_unique<FilterProcessor>(); }, {"source"});
  t.addProcessor("mapValues", [hook] { return std::make_unique<MapValuesProcessor>(hook); },
                 {"filter"});
  if (explicit_serdes) {
    t.addSink<std::string, int64_t>("sink", output, {"mapValues"}, Serdes::String(),
                                    Serdes::Int64());
  } else {
    t.addSink<std::string, int64_t>("sink", output, {"mapValues"});
  }
  return t;
}

// ---- data

inline std::string int64Bytes(int64_t v) {
  std::string out;
  Serdes::Int64()->serialize("", v, out);
  return out;
}

inline std::string keyOf(int64_t i) { return "key-" + std::to_string(i % 1000); }

using KeyValueCounts = std::map<std::pair<std::string, int64_t>, int64_t>;

// Writes values first..first+count-1 (keys keyOf(i)) to `topic`; returns the expected output.
inline KeyValueCounts produceInput(const std::string& bootstrap, const std::string& topic,
                                   int64_t first, int64_t count) {
  KeyValueCounts expected;
  SimpleProducer producer(bootstrap);
  for (int64_t i = first; i < first + count; ++i) {
    const std::string key = keyOf(i);
    producer.send(topic, key, int64Bytes(i));
    if (keep(i)) ++expected[{key, mapped(i)}];
  }
  absl::Status s = producer.flush();
  EXPECT_TRUE(s.ok()) << s;
  return expected;
}

inline KeyValueCounts readOutput(const std::string& bootstrap, const std::string& topic) {
  KeyValueCounts out;
  absl::StatusOr<std::vector<ConsumedRecord>> records = readTopic(bootstrap, topic);
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok()) return out;
  for (const ConsumedRecord& r : *records) {
    ++out[{r.key.value_or("<null>"), Serdes::Int64()->deserialize(topic, r.value)}];
  }
  return out;
}

struct Comparison {
  int64_t expected = 0;    // records expected
  int64_t missing = 0;     // expected but not found (loss)
  int64_t duplicates = 0;  // found more often than expected (allowed under at-least-once)
  int64_t unexpected = 0;  // found but never expected (a bug)
};

inline Comparison compare(const KeyValueCounts& expected, const KeyValueCounts& actual) {
  Comparison c;
  for (const auto& [kv, n] : expected) {
    c.expected += n;
    auto it = actual.find(kv);
    const int64_t got = it == actual.end() ? 0 : it->second;
    if (got < n) c.missing += n - got;
    if (got > n) c.duplicates += got - n;
  }
  for (const auto& [kv, n] : actual) {
    if (!expected.count(kv)) c.unexpected += n;
  }
  return c;
}

inline std::ostream& operator<<(std::ostream& os, const Comparison& c) {
  return os << "expected=" << c.expected << " missing=" << c.missing
            << " duplicates=" << c.duplicates << " unexpected=" << c.unexpected;
}

// ---- states

class StateRecorder {
 public:
  void attach(KafkaStreams& streams) {
    streams.setStateListener([this](KafkaStreams::State now, KafkaStreams::State before) {
      std::lock_guard<std::mutex> lock(mu_);
      transitions_.emplace_back(before, now);
    });
  }
  std::vector<std::pair<KafkaStreams::State, KafkaStreams::State>> transitions() const {
    std::lock_guard<std::mutex> lock(mu_);
    return transitions_;
  }
  std::vector<KafkaStreams::State> states() const {
    std::vector<KafkaStreams::State> out;
    for (const auto& [before, now] : transitions()) out.push_back(now);
    return out;
  }
  bool saw(KafkaStreams::State s) const {
    for (auto x : states()) {
      if (x == s) return true;
    }
    return false;
  }
  std::string describe() const {
    std::string out;
    for (const auto& [before, now] : transitions()) {
      out += std::string(toString(before)) + "->" + std::string(toString(now)) + " ";
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<KafkaStreams::State, KafkaStreams::State>> transitions_;
};

// Polls `predicate` every 10 ms until it holds or `timeout` passes.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return predicate();
}

// ---- the scenarios both test files run

// 100k records over 4 partitions through the filter/mapValues topology on two threads: every
// expected output record must come back.
inline void runTwoThreadsAllRecords(const std::string& bootstrap, StreamsConfig base,
                                    int64_t records, std::chrono::seconds budget) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap, {{input, 4}, {output, 4}}).ok());
  const auto t0 = Clock::now();
  KeyValueCounts expected = produceInput(bootstrap, input, 0, records);
  const double produce_s = secondsSince(t0);

  base.set("application.id", "rt-app-" + suffix)
      .set("bootstrap.servers", bootstrap)
      .set("num.stream.threads", "2")
      .set("commit.interval.ms", "1000")
      .set("poll.ms", "50");
  KafkaStreams streams(filterMapTopology(input, output), base);
  StateRecorder recorder;
  recorder.attach(streams);
  const auto t1 = Clock::now();
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(budget)) << recorder.describe();
  const double process_s = secondsSince(t1);
  // Caught up does not mean RUNNING: on a broker the first thread may process everything alone
  // while the second is still joining.
  EXPECT_TRUE(eventually([&] { return streams.state() == KafkaStreams::State::kRunning; },
                         std::chrono::seconds(30)))
      << recorder.describe();
  EXPECT_EQ(streams.numAliveStreamThreads(), 2);
  EXPECT_TRUE(streams.close(std::chrono::seconds(30)));
  EXPECT_EQ(streams.state(), KafkaStreams::State::kNotRunning);

  Comparison c = compare(expected, readOutput(bootstrap, output));
  std::cout << "[          ] " << records << " records: produced in " << produce_s
            << " s, processed (incl. group join) in " << process_s << " s; " << c << "\n";
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
  EXPECT_TRUE(recorder.saw(KafkaStreams::State::kRunning)) << recorder.describe();
}

// One thread works through a backlog with a tiny prefetch: at most 500 records queued, fetches
// of at most 32 KiB (~900 of these records), so every fetch response fills the queue. librdkafka
// then stops fetching and looks again after fetch.queue.backoff.ms, 1 s unless kstreams' default
// (10 ms) applies. The budget (300 ms per refill, a third of librdkafka's own backoff) is a
// functional bound that only a fetcher left idle for librdkafka's default misses, not a speed
// target.
inline void runBacklogWithSmallPrefetch(const std::string& bootstrap, StreamsConfig base,
                                        int64_t records) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap, {{input, 4}, {output, 4}}).ok());
  KeyValueCounts expected = produceInput(bootstrap, input, 0, records);

  constexpr int64_t kPrefetch = 500;
  base.set("application.id", "rt-prefetch-" + suffix)
      .set("bootstrap.servers", bootstrap)
      .set("commit.interval.ms", "1000")
      .set("poll.ms", "50")
      .set("consumer.queued.min.messages", std::to_string(kPrefetch))
      .set("consumer.fetch.max.bytes", "32768")
      .set("consumer.max.partition.fetch.bytes", "8192")
      .set("consumer.message.max.bytes", "32768");  // librdkafka: <= fetch.max.bytes
  processedCounter().store(0);
  KafkaStreams streams(filterMapTopology(input, output), base);
  StateRecorder recorder;
  recorder.attach(streams);
  absl::Status started = streams.start();
  ASSERT_TRUE(started.ok()) << started;
  // The clock starts once the thread owns its partitions: the group join is not the subject.
  ASSERT_TRUE(eventually([&] { return processedCounter().load() > 0; }, std::chrono::seconds(60)))
      << recorder.describe();
  const auto t0 = Clock::now();
  const std::chrono::milliseconds budget(std::max<int64_t>(5000, records / 900 * 300));
  const bool done = eventually([&] { return processedCounter().load() >= records; }, budget);
  const double process_s = secondsSince(t0);
  ASSERT_TRUE(done) << "a backlog of " << records << " records with a prefetch of " << kPrefetch
                    << " took longer than " << budget.count()
                    << " ms: the fetcher idles between refills; " << recorder.describe();

  EXPECT_TRUE(streams.close(std::chrono::seconds(30)));
  Comparison c = compare(expected, readOutput(bootstrap, output));
  std::cout << "[          ] " << records << " records with a prefetch of " << kPrefetch
            << " processed in " << process_s << " s (budget " << budget.count() << " ms); " << c
            << "\n";
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

// Closes a two-thread application once about `close_after` records went through, restarts it
// with the same application.id, and checks that nothing was lost across the restart.
inline void runCloseHalfWayThenRestart(const std::string& bootstrap, StreamsConfig base,
                                       int64_t records, int64_t close_after,
                                       std::chrono::seconds budget) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap, {{input, 4}, {output, 4}}).ok());
  KeyValueCounts expected;

  base.set("application.id", "rt-restart-" + suffix)
      .set("bootstrap.servers", bootstrap)
      .set("num.stream.threads", "2")
      .set("commit.interval.ms", "200")
      .set("poll.ms", "50");
  int64_t processed_first_run = 0;
  {
    // The close must interrupt the run however fast the machine is: a stream thread that
    // reaches `close_after` records waits at this gate until the client is shutting down, and
    // then finishes at most its current batch (StreamThread::kMaxBatch records).
    std::mutex gate_mu;
    std::condition_variable gate_cv;
    bool gate_open = false;
    auto gate = [&](const Record<std::string, int64_t>&) {
      if (processedCounter().load() < close_after) return;
      std::unique_lock lock(gate_mu);
      gate_cv.wait(lock, [&] { return gate_open; });
    };
    processedCounter().store(0);
    KafkaStreams first(filterMapTopology(input, output, gate), base);
    ASSERT_TRUE(first.start().ok());
    // Input arrives once both threads own their partitions, so the close below interrupts
    // steady processing rather than a thread that is still alone in the group.
    ASSERT_TRUE(eventually([&] { return first.state() == KafkaStreams::State::kRunning; }, budget));
    std::thread producer([&] { expected = produceInput(bootstrap, input, 0, records); });
    const bool reached =
        eventually([&] { return processedCounter().load() >= close_after; }, budget);
    const auto t = Clock::now();
    std::thread closer([&] { EXPECT_TRUE(first.close(std::chrono::seconds(30))); });
    EXPECT_TRUE(eventually(
        [&] {
          return first.state() != KafkaStreams::State::kRunning &&
                 first.state() != KafkaStreams::State::kRebalancing;
        },
        budget));
    {
      std::lock_guard lock(gate_mu);
      gate_open = true;
    }
    gate_cv.notify_all();
    closer.join();
    processed_first_run = processedCounter().load();
    producer.join();
    ASSERT_TRUE(reached);
    std::cout << "[          ] first run closed after " << processed_first_run
              << " records; close took " << secondsSince(t) << " s\n";
    EXPECT_EQ(first.state(), KafkaStreams::State::kNotRunning);
  }
  // The point of the test: the first run stopped in the middle.
  EXPECT_LT(processed_first_run, records);
  {
    KafkaStreams second(filterMapTopology(input, output), base);
    ASSERT_TRUE(second.start().ok());
    ASSERT_TRUE(second.waitUntilCaughtUp(budget));
    EXPECT_TRUE(second.close(std::chrono::seconds(30)));
  }
  Comparison c = compare(expected, readOutput(bootstrap, output));
  std::cout << "[          ] after restart: " << c << "\n";
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

}  // namespace kstreams::runtime_test
