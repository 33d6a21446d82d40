// State against a real broker (e.g. `export KSTREAMS_BOOTSTRAP_SERVERS=$(scripts/kafka start)`):
// the word count on 200,000 lines with two threads, exact across a graceful restart in the middle
// of processing and across a restart without the state directory; the changelog is a compacted
// topic holding the final counts; the example binary's run() twice and without its state; and
// interactive-query metadata through the group coordinator. Skipped when
// KSTREAMS_BOOTSTRAP_SERVERS is unset; names carry a random suffix.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "kafka/kafka_handles.h"
#include "kafka/murmur2.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "runtime_test_support.h"
#include "state_test_support.h"
#include "wordcount.h"

namespace kstreams::state_test {
namespace {

using runtime_test::Clock;
using runtime_test::eventually;
using runtime_test::secondsSince;
using runtime_test::uniqueSuffix;
using std::chrono::seconds;

class StateBrokerTest : public runtime_test::RealBrokerTest<> {
 protected:
  StreamsConfig config(const std::string& app, const std::string& state_dir,
                       int threads = 2) const {
    return StreamsConfig{
        {"application.id", app},       {"bootstrap.servers", bootstrap_},
        {"state.dir", state_dir},      {"num.stream.threads", std::to_string(threads)},
        {"commit.interval.ms", "500"}, {"poll.ms", "50"}};
  }
};

// `lines` lines of 1–9 words from a vocabulary of mixed case, digits and punctuation. Returns
// the direct count of the words as wordcount::splitWords sees them.
Counts produceLines(const std::string& bootstrap, const std::string& topic, int lines,
                    uint32_t seed) {
  static const char* kStems[] = {"Kafka",  "stream", "TABLE", "state",  "store", "topic",
                                 "offset", "commit", "task",  "thread", "key",   "value"};
  static const char* kGlue[] = {" ", ", ", "; ", " -- ", "! ", "? ", "'", "\t"};
  std::mt19937 rng(seed);
  Counts expected;
  SimpleProducer producer(bootstrap);
  std::string line;
  for (int i = 0; i < lines; ++i) {
    line.clear();
    const int words = 1 + static_cast<int>(rng() % 9);
    for (int w = 0; w < words; ++w) {
      line += kStems[rng() % 12];
      line += std::to_string(rng() % 200);  // 2,400 distinct words
      line += kGlue[rng() % 8];
    }
    producer.send(topic, std::nullopt, line);
    for (const std::string& word : wordcount::splitWords(line)) ++expected[word];
  }
  EXPECT_TRUE(producer.flush().ok());
  return expected;
}

int64_t sum(const Counts& c) {
  int64_t n = 0;
  for (const auto& [k, v] : c) n += v;
  return n;
}

TEST_F(StateBrokerTest, WordCount200kLinesTwoThreadsMatchesDirectCountAndChangelog) {
  const std::string s = uniqueSuffix();
  const std::string in = "wc-in-" + s, out = "wc-out-" + s, app = "wc-app-" + s;
  ASSERT_TRUE(createTopics(bootstrap_, {{in, 4}, {out, 4}}).ok());
  TempDir dir("kstreams-wc-broker");
  auto t0 = Clock::now();
  const Counts expected = produceLines(bootstrap_, in, 200000, 1);
  const double produce_s = secondsSince(t0);
  t0 = Clock::now();
  {
    KafkaStreams streams(wordcount::buildTopology(in, out), config(app, dir.str()));
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(50)));
    EXPECT_EQ(streams.numAliveStreamThreads(), 2);
    absl::StatusOr<Counts> counts = queryAll(streams);
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(counts->size(), expected.size());
    EXPECT_EQ(sum(*counts), sum(expected));
    EXPECT_TRUE(*counts == expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  std::cout << "[          ] 200000 lines (" << sum(expected) << " words): produced in "
            << produce_s << " s, counted (incl. group join) in " << secondsSince(t0) << " s\n";

  // The changelog: created by the application, compacted, holding the final counts (the last
  // value per key), as does the output topic.
  const std::string changelog = app + "-counts-changelog";
  absl::StatusOr<internal::KafkaAdmin> admin =
      internal::KafkaAdmin::create({{"bootstrap.servers", bootstrap_}});
  ASSERT_TRUE(admin.ok());
  absl::StatusOr<std::map<std::string, std::string>> configs =
      admin->describeTopicConfig(changelog);
  ASSERT_TRUE(configs.ok()) << configs.status();
  EXPECT_EQ(configs->at("cleanup.policy"), "compact");
  EXPECT_EQ(admin->partitionCount(changelog, absl::Seconds(10)).value_or(-1), 4);
  EXPECT_TRUE(lastValues(bootstrap_, changelog) == expected);
  EXPECT_TRUE(lastValues(bootstrap_, out) == expected);
}

TEST_F(StateBrokerTest, WordCountGracefulRestartMidwayAndDeletedStateDirGiveExactCounts) {
  const std::string s = uniqueSuffix();
  const std::string in = "wc-in-" + s, out = "wc-out-" + s, app = "wc-app-" + s;
  ASSERT_TRUE(createTopics(bootstrap_, {{in, 4}, {out, 4}}).ok());
  TempDir dir("kstreams-wc-broker");
  // Half the input before the first run and half after its close, so the close is always
  // midway through the input however fast the first run is (it once counted all of it before
  // the first query on a fast machine).
  Counts expected = produceLines(bootstrap_, in, 50000, 2);
  const int64_t first_half = sum(expected);
  auto listener = std::make_shared<RecordingRestoreListener>();
  int64_t counted_first = 0;
  {
    KafkaStreams first(wordcount::buildTopology(in, out), config(app, dir.str()));
    ASSERT_TRUE(first.start().ok());
    // Close once a part of the words is counted (visible to queries after a commit).
    ASSERT_TRUE(eventually(
        [&] {
          absl::StatusOr<Counts> c = queryAll(first);
          counted_first = c.ok() ? sum(*c) : 0;
          return counted_first >= first_half / 5;
        },
        seconds(40)));
    EXPECT_TRUE(first.close(seconds(30)));
  }
  for (const auto& [word, n] : produceLines(bootstrap_, in, 50000, 3)) expected[word] += n;
  std::cout << "[          ] first run closed after counting >= " << counted_first << " of "
            << sum(expected) << " words\n";
  {
    KafkaStreams second(wordcount::buildTopology(in, out), config(app, dir.str()));
    second.setGlobalStateRestoreListener(listener);
    ASSERT_TRUE(second.start().ok());
    ASSERT_TRUE(second.waitUntilCaughtUp(seconds(50)));
    EXPECT_TRUE(queryAll(second).value_or(Counts{}) == expected) << "after a graceful restart";
    EXPECT_TRUE(second.close(seconds(30)));
  }
  // The close checkpointed every store: nothing (or, after the group moved a task between the
  // threads, very little) was replayed.
  EXPECT_EQ(listener->totalRestored(), 0);

  listener->clear();
  std::filesystem::remove_all(dir.path());
  {
    KafkaStreams third(wordcount::buildTopology(in, out), config(app, dir.str()));
    third.setGlobalStateRestoreListener(listener);
    ASSERT_TRUE(third.start().ok());
    ASSERT_TRUE(third.waitUntilCaughtUp(seconds(50)));
    EXPECT_TRUE(queryAll(third).value_or(Counts{}) == expected) << "after deleting state";
    EXPECT_TRUE(third.close(seconds(30)));
  }
  EXPECT_EQ(listener->restorations().size(), 4u);
  EXPECT_GE(listener->totalRestored(), static_cast<int64_t>(expected.size()));
}

// Parses wordcount's "word count" lines.
Counts parseCounts(const std::string& text) {
  Counts out;
  std::istringstream in(text);
  std::string word;
  int64_t count;
  while (in >> word >> count) out[word] = count;
  return out;
}

TEST_F(StateBrokerTest, WordCountExampleSecondRunAddsAndDeletedStateIsRebuilt) {
  const std::string s = uniqueSuffix();
  TempDir dir("kstreams-wc-example");
  wordcount::Options o;
  o.input_file = KSTREAMS_WORDCOUNT_SAMPLE;
  o.bootstrap_servers = bootstrap_;
  o.state_dir = dir.str();
  o.application_id = "wc-example-" + s;
  o.input_topic = "wc-example-in-" + s;
  o.output_topic = "wc-example-out-" + s;
  Counts once;
  {
    std::ifstream f(o.input_file);
    for (std::string line; std::getline(f, line);) {
      for (const std::string& w : wordcount::splitWords(line)) ++once[w];
    }
  }
  auto times = [&](int k) {
    Counts c = once;
    for (auto& [w, n] : c) n *= k;
    return c;
  };
  for (int run = 1; run <= 3; ++run) {
    if (run == 3) std::filesystem::remove_all(dir.path());
    std::ostringstream out, err;
    ASSERT_EQ(wordcount::run(o, out, err), 0) << err.str();
    EXPECT_EQ(parseCounts(out.str()), times(run)) << "run " << run << "\n" << err.str();
    if (run == 3) {
      EXPECT_NE(err.str().find("restored"), std::string::npos) << err.str();
    }
  }
}

TEST_F(StateBrokerTest, QueryMetadataFindsOwnersThroughTheGroupCoordinator) {
  const std::string s = uniqueSuffix();
  const std::string in = "iq-in-" + s, out = "iq-out-" + s, app = "iq-app-" + s;
  ASSERT_TRUE(createTopics(bootstrap_, {{in, 4}, {out, 4}}).ok());
  TempDir dir_a("kstreams-iq-a"), dir_b("kstreams-iq-b");
  StreamsConfig ca = config(app, dir_a.str(), 1), cb = config(app, dir_b.str(), 1);
  ca.set("application.server", "host-a:1001");
  cb.set("application.server", "host-b:1002");
  KafkaStreams a(countingTopology(in, out, false, false), ca);
  KafkaStreams b(countingTopology(in, out, false, false), cb);
  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());
  ASSERT_TRUE(eventually(
      [&] {
        return a.state() == KafkaStreams::State::kRunning &&
               b.state() == KafkaStreams::State::kRunning &&
               a.store<std::string, int64_t>("counts").ok() &&
               b.store<std::string, int64_t>("counts").ok();
      },
      seconds(40)));
  const Counts expected = produceKeys(bootstrap_, in, 0, 2000, 40);
  ASSERT_TRUE(a.waitUntilCaughtUp(seconds(40)));
  auto store_a = a.store<std::string, int64_t>("counts");
  auto store_b = b.store<std::string, int64_t>("counts");
  ASSERT_TRUE(store_a.ok() && store_b.ok());
  int on_a = 0, on_b = 0;
  for (const auto& [key, count] : expected) {
    // Asked of the instance that does NOT hold the key, the answer comes from DescribeGroups.
    auto ma = a.queryMetadataForKey<std::string>("counts", key, Serdes::String());
    auto mb = b.queryMetadataForKey<std::string>("counts", key, Serdes::String());
    ASSERT_TRUE(ma.ok()) << ma.status();
    ASSERT_TRUE(mb.ok()) << mb.status();
    EXPECT_EQ(ma->active_host, mb->active_host) << key;
    EXPECT_EQ(ma->partition, internal::partitionForKey(key, 4));
    const bool a_owns = (ma->active_host == HostInfo{"host-a", 1001});
    (a_owns ? on_a : on_b)++;
    auto& owner = a_owns ? *store_a : *store_b;
    EXPECT_EQ(owner.get(key).value_or(std::nullopt), std::optional<int64_t>(count)) << key;
  }
  EXPECT_GT(on_a, 0);
  EXPECT_GT(on_b, 0);
  EXPECT_TRUE(a.close(seconds(30)));
  EXPECT_TRUE(b.close(seconds(30)));
}

}  // namespace
}  // namespace kstreams::state_test
