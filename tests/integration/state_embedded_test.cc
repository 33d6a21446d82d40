// State on the runtime side, against the embedded cluster: restoration from changelogs (only the
// tail past the checkpoint; everything after the state directory was deleted or a store was
// corrupted), checkpoints on commit and close, and interactive queries across two instances.
// The mock does not compact, so a changelog keeps every update; each KafkaStreams start pays a
// group join (~3 s on the mock).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "kafka/murmur2.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "runtime_test_support.h"
#include "state_test_support.h"

namespace kstreams::state_test {
namespace {

using runtime_test::eventually;
using runtime_test::uniqueSuffix;
using std::chrono::seconds;
using State = KafkaStreams::State;

class StateEmbeddedTest : public ::testing::Test {
 protected:
  std::string bootstrap() const { return cluster_.bootstrapServers(); }

  StreamsConfig config(const std::string& app, const std::string& state_dir) const {
    return StreamsConfig{{"application.id", app},
                         {"bootstrap.servers", bootstrap()},
                         {"state.dir", state_dir},
                         {"commit.interval.ms", "500"},
                         {"poll.ms", "50"},
                         {"consumer.session.timeout.ms", "3500"},
                         {"consumer.heartbeat.interval.ms", "300"}};
  }

  // Starts `streams`, waits until everything written so far is processed.
  void runUntilCaughtUp(KafkaStreams& streams) {
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
  }

  EmbeddedKafkaCluster cluster_{1};
};

TEST_F(StateEmbeddedTest, RestartReplaysOnlyTheTailAndDeletedStateIsRebuilt) {
  const std::string s = uniqueSuffix();
  const std::string in = "st-in-" + s, out = "st-out-" + s, app = "st-app-" + s;
  const std::string changelog = app + "-counts-changelog";
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 4}, {out, 4}}).ok());
  TempDir dir("kstreams-state-test");
  auto listener = std::make_shared<RecordingRestoreListener>();

  // Run 1: a new application; nothing to restore.
  Counts expected = produceKeys(bootstrap(), in, 0, 2000, 50);
  {
    KafkaStreams streams(countingTopology(in, out, false, false), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    runUntilCaughtUp(streams);
    absl::StatusOr<Counts> counts = queryAll(streams);
    ASSERT_TRUE(counts.ok()) << counts.status();
    EXPECT_EQ(*counts, expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EXPECT_TRUE(listener->restorations().empty());
  absl::StatusOr<std::map<int32_t, int64_t>> ends = endOffsets(bootstrap(), changelog);
  ASSERT_TRUE(ends.ok()) << ends.status();
  ASSERT_EQ(ends->size(), 4u);  // created by start() with the input's partition count
  int64_t changelog_records = 0;
  for (const auto& [p, end] : *ends) changelog_records += end;
  EXPECT_EQ(changelog_records, 2000);  // no cache: one update per record

  // Run 2, same state dir: the close checkpointed every store at its changelog's end.
  expected = produceKeys(bootstrap(), in, 2000, 1000, 50, expected);
  {
    KafkaStreams streams(countingTopology(in, out, false, false), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    runUntilCaughtUp(streams);
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EXPECT_TRUE(listener->restorations().empty()) << "a restart with checkpoints restored";

  // Someone else wrote to one changelog partition meanwhile: run 3 replays exactly that tail.
  const int32_t p = internal::partitionForKey("extra", 4);
  ends = endOffsets(bootstrap(), changelog);
  ASSERT_TRUE(ends.ok());
  const int64_t tail_start = ends->at(p);
  {
    SimpleProducer producer(bootstrap());
    std::string v;
    Serdes::Int64()->serialize(changelog, 42, v);
    producer.send(changelog, "extra", v, 0, p);
    ASSERT_TRUE(producer.flush().ok());
  }
  expected["extra"] = 42;
  {
    KafkaStreams streams(countingTopology(in, out, false, false), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    runUntilCaughtUp(streams);
    auto store = streams.store<std::string, int64_t>("counts");
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_EQ(store->get("extra").value_or(std::nullopt), std::optional<int64_t>(42));
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  {
    auto r = listener->restorations();
    ASSERT_EQ(r.size(), 1u);
    const auto& only = r.begin()->second;
    EXPECT_EQ(only.changelog, (TopicPartition{changelog, p}));
    EXPECT_EQ(only.store, "counts");
    EXPECT_EQ(only.start, tail_start);
    EXPECT_EQ(only.end, tail_start + 1);
    EXPECT_EQ(only.total, 1);
    EXPECT_EQ(only.last_batch_end, tail_start);
  }

  // Run 4 after deleting the state directory: every store is rebuilt from its whole changelog.
  listener->clear();
  std::filesystem::remove_all(dir.path());
  {
    KafkaStreams streams(countingTopology(in, out, false, false), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    runUntilCaughtUp(streams);
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  auto r = listener->restorations();
  EXPECT_EQ(r.size(), 4u);
  for (const auto& [tp, restoration] : r) {
    EXPECT_EQ(restoration.start, 0) << tp;
    EXPECT_EQ(restoration.total, restoration.end) << tp;  // no compaction on the mock
    EXPECT_EQ(restoration.batch_records, restoration.total) << tp;
  }
  EXPECT_EQ(listener->totalRestored(), 3001);
}

// A timestamped store behind the record cache, as the DSL makes them: the changelog holds plain
// values (timestamps in the records), a restore puts the timestamps back; a store directory
// that RocksDB cannot open is wiped and rebuilt.
TEST_F(StateEmbeddedTest, CorruptTimestampedCachedStoreIsWipedAndRestored) {
  const std::string s = uniqueSuffix();
  const std::string in = "st-in-" + s, out = "st-out-" + s, app = "st-app-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 2}, {out, 2}}).ok());
  TempDir dir("kstreams-state-test");
  Counts expected = produceKeys(bootstrap(), in, 0, 3000, 20);
  {
    KafkaStreams streams(countingTopology(in, out, true, true), config(app, dir.str()));
    runUntilCaughtUp(streams);
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    auto with_ts = streams.store<std::string, ValueAndTimestamp<int64_t>>("counts");
    ASSERT_TRUE(with_ts.ok()) << with_ts.status();
    auto w0 = with_ts->get("w0");
    ASSERT_TRUE(w0.ok() && w0->has_value());
    EXPECT_EQ((*w0)->value, expected["w0"]);
    EXPECT_GT((*w0)->timestamp, 0);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  // The cache deduplicated updates: the changelog has fewer records than the input, and its
  // last value per key is the count, as a plain Int64.
  EXPECT_EQ(lastValues(bootstrap(), app + "-counts-changelog"), expected);

  // Corrupt every store: RocksDB files without CURRENT.
  int corrupted = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir.path())) {
    if (entry.path().filename() == "CURRENT") {
      std::filesystem::remove(entry.path());
      ++corrupted;
    }
  }
  ASSERT_EQ(corrupted, 2);
  auto listener = std::make_shared<RecordingRestoreListener>();
  expected = produceKeys(bootstrap(), in, 3000, 500, 20, expected);
  {
    KafkaStreams streams(countingTopology(in, out, true, true), config(app, dir.str()));
    streams.setGlobalStateRestoreListener(listener);
    runUntilCaughtUp(streams);
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    auto with_ts = streams.store<std::string, ValueAndTimestamp<int64_t>>("counts");
    ASSERT_TRUE(with_ts.ok());
    auto w1 = with_ts->get("w1");
    ASSERT_TRUE(w1.ok() && w1->has_value());
    EXPECT_GT((*w1)->timestamp, 0);  // restored from the changelog record's timestamp
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EXPECT_EQ(listener->restorations().size(), 2u);
  for (const auto& [tp, r] : listener->restorations()) EXPECT_EQ(r.start, 0) << tp;
}

// A state directory whose checkpoints point past the end of the changelog (the changelog was
// deleted and re-created; here: a new cluster) must not keep its old counts: the stores are
// cleared and rebuilt from what the changelog has.
TEST_F(StateEmbeddedTest, CheckpointPastTheChangelogEndClearsTheStore) {
  const std::string s = uniqueSuffix();
  const std::string in = "st-in-" + s, out = "st-out-" + s, app = "st-app-" + s;
  TempDir dir("kstreams-state-test");
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 2}, {out, 2}}).ok());
  produceKeys(bootstrap(), in, 0, 1000, 10);
  {
    KafkaStreams streams(countingTopology(in, out, false, false), config(app, dir.str()));
    runUntilCaughtUp(streams);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
  EmbeddedKafkaCluster fresh(1);
  StreamsConfig c = config(app, dir.str());
  c.set("bootstrap.servers", fresh.bootstrapServers());
  ASSERT_TRUE(createTopics(fresh.bootstrapServers(), {{in, 2}, {out, 2}}).ok());
  const Counts expected = produceKeys(fresh.bootstrapServers(), in, 0, 30, 10);
  {
    KafkaStreams streams(countingTopology(in, out, false, false), c);
    runUntilCaughtUp(streams);
    EXPECT_EQ(queryAll(streams).value_or(Counts{}), expected);
    EXPECT_TRUE(streams.close(seconds(30)));
  }
}

// Two instances of one application in this process, each with its own state dir and
// application.server: metadata says who holds a key, that instance's store has it, the other
// does not, and their stores together hold everything. Queries run all along from another
// thread while the instances process.
TEST_F(StateEmbeddedTest, InteractiveQueriesAcrossTwoInstances) {
  const std::string s = uniqueSuffix();
  const std::string in = "st-in-" + s, out = "st-out-" + s, app = "st-iq-" + s;
  ASSERT_TRUE(createTopics(bootstrap(), {{in, 4}, {out, 4}}).ok());
  TempDir dir_a("kstreams-iq-a"), dir_b("kstreams-iq-b");
  StreamsConfig ca = config(app, dir_a.str()), cb = config(app, dir_b.str());
  ca.set("application.server", "host-a:1001");
  cb.set("application.server", "host-b:1002");
  KafkaStreams a(countingTopology(in, out, false, false), ca);
  KafkaStreams b(countingTopology(in, out, false, false), cb);

  // Before start: the store is unavailable, metadata too.
  EXPECT_TRUE(absl::IsUnavailable(a.store<std::string, int64_t>("counts").status()));
  EXPECT_TRUE(absl::IsNotFound(a.store<std::string, int64_t>("nope").status()));
  EXPECT_FALSE(a.queryMetadataForKey<std::string>("counts", "w1", Serdes::String()).ok());

  ASSERT_TRUE(a.start().ok());
  ASSERT_TRUE(b.start().ok());
  std::atomic<bool> done{false};
  std::atomic<int64_t> queries{0}, errors{0};
  std::thread reader([&] {
    while (!done.load()) {
      for (KafkaStreams* k : {&a, &b}) {
        absl::StatusOr<Counts> c = queryAll(*k);
        ++queries;
        if (!c.ok() && !absl::IsUnavailable(c.status())) ++errors;
        auto store = k->store<std::string, int64_t>("counts");
        if (store.ok()) (void)store->get("w7");
      }
    }
  });
  // Both instances own partitions (the second join causes a rebalance).
  ASSERT_TRUE(eventually(
      [&] {
        return a.state() == State::kRunning && b.state() == State::kRunning &&
               a.store<std::string, int64_t>("counts").ok() &&
               b.store<std::string, int64_t>("counts").ok();
      },
      seconds(60)));
  Counts expected = produceKeys(bootstrap(), in, 0, 4000, 40);
  ASSERT_TRUE(a.waitUntilCaughtUp(seconds(60)));
  done = true;
  reader.join();
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(errors.load(), 0);

  absl::StatusOr<Counts> in_a = queryAll(a), in_b = queryAll(b);
  ASSERT_TRUE(in_a.ok() && in_b.ok());
  EXPECT_FALSE(in_a->empty());
  EXPECT_FALSE(in_b->empty());
  Counts merged = *in_a;
  for (const auto& [k, v] : *in_b) EXPECT_TRUE(merged.emplace(k, v).second) << "both have " << k;
  EXPECT_EQ(merged, expected);

  auto store_a = a.store<std::string, int64_t>("counts");
  auto store_b = b.store<std::string, int64_t>("counts");
  ASSERT_TRUE(store_a.ok() && store_b.ok());
  for (const auto& [key, count] : expected) {
    auto ma = a.queryMetadataForKey<std::string>("counts", key, Serdes::String());
    auto mb = b.queryMetadataForKey<std::string>("counts", key, Serdes::String());
    ASSERT_TRUE(ma.ok()) << ma.status();
    ASSERT_TRUE(mb.ok()) << mb.status();
    EXPECT_EQ(ma->active_host, mb->active_host) << key;
    EXPECT_EQ(ma->partition, internal::partitionForKey(key, 4)) << key;
    const bool on_a = (ma->active_host == HostInfo{"host-a", 1001});
    EXPECT_TRUE(on_a || (ma->active_host == HostInfo{"host-b", 1002}))
        << ma->active_host.toString();
    auto& owner = on_a ? *store_a : *store_b;
    auto& other = on_a ? *store_b : *store_a;
    EXPECT_EQ(owner.get(key).value_or(std::nullopt), std::optional<int64_t>(count)) << key;
    EXPECT_EQ(other.get(key).value_or(std::optional<int64_t>(-1)), std::nullopt) << key;
  }
  // Ranges merge the instance's tasks in key order.
  auto range = store_a->range("w1", "w2");
  ASSERT_TRUE(range.ok());
  std::string previous;
  while (range->hasNext()) {
    std::string key = range->next().key;
    EXPECT_LT(previous, key);
    EXPECT_TRUE(key >= "w1" && key <= "w2") << key;
    previous = key;
  }
  EXPECT_TRUE(a.close(seconds(30)));
  // A closed instance's views answer Unavailable.
  EXPECT_TRUE(absl::IsUnavailable(store_a->get("w1").status()));
  EXPECT_TRUE(b.close(seconds(30)));
}

}  // namespace
}  // namespace kstreams::state_test
