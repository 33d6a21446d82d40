// The runtime's guarantees against the embedded cluster, where a test can make the group
// coordinator misbehave (rd_kafka_mock_push_request_errors).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "kafka/kafka_handles.h"
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

// Kafka's Heartbeat request (API key 12).
constexpr int16_t kHeartbeatApiKey = 12;

// Blocks the first restored batch until the client is shutting down, so the restoration is
// interrupted after it.
class InterruptingRestoreListener : public RecordingRestoreListener {
 public:
  explicit InterruptingRestoreListener(const KafkaStreams& streams) : streams_(streams) {}
  void onBatchRestored(const TopicPartition& tp, const std::string& store, int64_t batch_end,
                       int64_t n) override {
    RecordingRestoreListener::onBatchRestored(tp, store, batch_end, n);
    if (in_restore.exchange(true)) return;
    eventually([&] { return streams_.state() == State::kPendingShutdown; }, seconds(60));
  }
  std::atomic<bool> in_restore{false};

 private:
  const KafkaStreams& streams_;
};

// A task whose partitions were lost (no commit, no checkpoint) and came back is restored from
// its changelog; a shutdown interrupts that restoration. The acknowledgements of the changelog
// records its earlier ownership wrote lie beyond what was restored: they must not become the
// store's checkpoint, or the next run skips the rest of the restoration and its counts are wrong.
TEST(GuaranteesEmbeddedTest, ShutdownDuringRestoreNeverCheckpointsPastTheRestoredOffset) {
  EmbeddedKafkaCluster cluster(1);
  const std::string bootstrap = cluster.bootstrapServers();
  const std::string s = uniqueSuffix();
  const std::string in = "gt-in-" + s, out = "gt-out-" + s, app = "gt-app-" + s;
  ASSERT_TRUE(createTopics(bootstrap, {{in, 1}, {out, 1}}).ok());
  constexpr int64_t kRecords = 30000;  // three restore batches at least
  Counts once = produceKeys(bootstrap, in, 0, kRecords, 1000);
  TempDir dir("kstreams-guarantees");
  StreamsConfig config{{"application.id", app},
                       {"bootstrap.servers", bootstrap},
                       {"state.dir", dir.path().string()},
                       {"commit.interval.ms", "600000"},  // no commit before the loss
                       {"poll.ms", "50"},
                       {"consumer.session.timeout.ms", "3500"},
                       {"consumer.heartbeat.interval.ms", "300"}};
  {
    KafkaStreams streams(countingTopology(in, out, /*timestamped=*/false, /*caching=*/false),
                         config);
    auto listener = std::make_shared<InterruptingRestoreListener>(streams);
    streams.setGlobalStateRestoreListener(listener);
    ASSERT_TRUE(streams.start().ok());
    ASSERT_TRUE(eventually(
        [&] {
          absl::StatusOr<std::vector<ConsumedRecord>> records = readTopic(bootstrap, out);
          return records.ok() && static_cast<int64_t>(records->size()) == kRecords;
        },
        seconds(60)));
    // The coordinator forgets the member: its partitions are lost (closed without a commit)
    // and assigned again after it re-joins, which restores the store from its changelog.
    ASSERT_TRUE(
        internal::MockClusterRegistry::withCluster(bootstrap, [](rd_kafka_mock_cluster_t* c) {
          rd_kafka_mock_push_request_errors(c, kHeartbeatApiKey, 1,
                                            RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID);
        }));
    ASSERT_TRUE(eventually([&] { return listener->in_restore.load(); }, seconds(60)));
    EXPECT_TRUE(streams.close(seconds(60)));
    auto restorations = listener->restorations();
    ASSERT_EQ(restorations.size(), 1u);
    const auto& r = restorations.begin()->second;
    EXPECT_EQ(r.start, 0);
    EXPECT_EQ(r.end, kRecords);
    EXPECT_LT(r.last_batch_end, kRecords - 1) << "the restoration was not interrupted";
  }
  // Nothing was committed: the next run restores the rest of the changelog and counts every
  // input record once more.
  config.set("commit.interval.ms", "500");
  KafkaStreams streams(countingTopology(in, out, false, false), config);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60)));
  absl::StatusOr<Counts> counts = queryAll(streams);
  ASSERT_TRUE(counts.ok()) << counts.status();
  Counts twice = once;
  for (auto& [key, n] : twice) n *= 2;
  EXPECT_EQ(*counts, twice);
  EXPECT_TRUE(streams.close(seconds(30)));
}

}  // namespace
}  // namespace kstreams::state_test
