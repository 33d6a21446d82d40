// The runtime's guarantees that only a real broker can show (label broker; skipped unless
// KSTREAMS_BOOTSTRAP_SERVERS is set): static membership (checked through DescribeGroups, which
// the embedded mock does not answer) and transaction markers (which the mock never writes).
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "kafka/kafka_handles.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "runtime/group_membership.h"
#include "runtime_test_support.h"
#include "state_test_support.h"

namespace kstreams::runtime_test {
namespace {

using std::chrono::seconds;

class GuaranteesBrokerTest : public RealBrokerTest<> {};

// Writes `records` to `topic`-`partition` in one committed transaction, so that the partition's
// last offset is the commit marker.
void produceInOneTransaction(const std::string& bootstrap, const std::string& topic,
                             int32_t partition,
                             const std::vector<std::pair<std::string, std::string>>& records) {
  absl::StatusOr<internal::RdKafkaPtr> rk = internal::makeHandle(
      RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap},
                          {"transactional.id", "kstreams-test-txn-" + uniqueSuffix()}});
  ASSERT_TRUE(rk.ok()) << rk.status();
  auto check = [](rd_kafka_error_t* error, const char* what) {
    if (error == nullptr) return true;
    ADD_FAILURE() << what << ": " << rd_kafka_error_string(error);
    rd_kafka_error_destroy(error);
    return false;
  };
  ASSERT_TRUE(check(rd_kafka_init_transactions(rk->get(), 60000), "init_transactions"));
  ASSERT_TRUE(check(rd_kafka_begin_transaction(rk->get()), "begin_transaction"));
  for (const auto& [key, value] : records) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk->get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(const_cast<char*>(key.data()), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()), RD_KAFKA_V_END);
    ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
  }
  ASSERT_TRUE(check(rd_kafka_commit_transaction(rk->get(), 60000), "commit_transaction"));
}

// Static membership: every stream thread's consumer is its own member, "<group.instance.id>-<n>"
// as in Java. With one id for all, the group can never hold both threads at once (the second
// join fences the first).
TEST_F(GuaranteesBrokerTest, GroupInstanceIdGetsTheThreadIndex) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  const std::string app = "rt-static-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap_, {{input, 4}, {output, 4}}).ok());
  KeyValueCounts expected = produceInput(bootstrap_, input, 0, 1000);

  StreamsConfig config{{"application.id", app},       {"bootstrap.servers", bootstrap_},
                       {"num.stream.threads", "2"},   {"group.instance.id", "instance-a"},
                       {"commit.interval.ms", "500"}, {"poll.ms", "50"}};
  StateRecorder recorder;
  KafkaStreams streams(filterMapTopology(input, output), config);
  recorder.attach(streams);
  ASSERT_TRUE(streams.start().ok());

  absl::StatusOr<internal::RdKafkaPtr> admin =
      internal::makeHandle(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap_}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  std::vector<std::string> ids;
  const bool two_members = eventually(
      [&] {
        absl::StatusOr<std::vector<internal::GroupMember>> members =
            internal::describeGroup(admin->get(), app, absl::Seconds(10));
        if (!members.ok()) return false;
        ids.clear();
        for (const internal::GroupMember& m : *members) ids.push_back(m.group_instance_id);
        std::sort(ids.begin(), ids.end());
        return ids.size() == 2;
      },
      seconds(60));
  ASSERT_TRUE(two_members) << recorder.describe();
  EXPECT_EQ(ids, (std::vector<std::string>{"instance-a-1", "instance-a-2"}));
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60))) << recorder.describe();
  EXPECT_EQ(streams.numAliveStreamThreads(), 2);
  EXPECT_TRUE(streams.close(seconds(30)));
  EXPECT_FALSE(recorder.saw(KafkaStreams::State::kError)) << recorder.describe();
  Comparison c = compare(expected, readOutput(bootstrap_, output));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

// Input written by a transactional producer ends in a commit marker, which the consumer steps
// over without handing it out. The committed offset must step over it too (the consumer's
// position), or the lag stays 1 and waitUntilCaughtUp() never returns.
TEST_F(GuaranteesBrokerTest, InputEndingInATransactionMarkerIsFullyCommitted) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap_, {{input, 1}, {output, 1}}).ok());
  std::vector<std::pair<std::string, std::string>> records;
  KeyValueCounts expected;
  for (int64_t i = 0; i < 10; ++i) {
    records.emplace_back(keyOf(i), int64Bytes(i));
    if (keep(i)) ++expected[{keyOf(i), mapped(i)}];
  }
  produceInOneTransaction(bootstrap_, input, 0, records);
  // 10 records and the marker. The broker may answer the first query before its high
  // watermark has moved past the batch (seen with other tests loading the machine).
  absl::StatusOr<std::map<int32_t, int64_t>> end;
  const bool at_end = eventually(
      [&] {
        end = endOffsets(bootstrap_, input);
        return end.ok() && end->at(0) == 11;
      },
      seconds(30));
  ASSERT_TRUE(at_end) << (end.ok() ? std::to_string(end->at(0)) : end.status().ToString());

  StreamsConfig config{{"application.id", "rt-marker-" + suffix},
                       {"bootstrap.servers", bootstrap_},
                       {"commit.interval.ms", "200"},
                       {"poll.ms", "50"}};
  StateRecorder recorder;
  KafkaStreams streams(filterMapTopology(input, output), config);
  recorder.attach(streams);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(60))) << recorder.describe();
  absl::StatusOr<std::vector<PartitionLag>> lag = streams.sourceLag();
  ASSERT_TRUE(lag.ok()) << lag.status();
  ASSERT_EQ(lag->size(), 1u);
  EXPECT_EQ(lag->front().committed_offset, 11);
  EXPECT_TRUE(streams.close(seconds(30)));
  Comparison c = compare(expected, readOutput(bootstrap_, output));
  EXPECT_EQ(c.missing, 0) << c;
  EXPECT_EQ(c.unexpected, 0) << c;
}

// A changelog whose last offset is a transaction marker: restoration ends at the consumer's
// position (past the marker), not at a record that never comes.
TEST_F(GuaranteesBrokerTest, RestoreOfAChangelogEndingInATransactionMarkerCompletes) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  const std::string app = "rt-restore-marker-" + suffix;
  const std::string changelog = app + "-counts-changelog";
  ASSERT_TRUE(createTopics(bootstrap_, {{input, 1}, {output, 1}, {changelog, 1}}).ok());
  produceInOneTransaction(bootstrap_, changelog, 0, {{"a", int64Bytes(5)}, {"b", int64Bytes(7)}});

  state_test::TempDir dir("kstreams-restore-marker");
  StreamsConfig config{{"application.id", app},
                       {"bootstrap.servers", bootstrap_},
                       {"state.dir", dir.path().string()},
                       {"commit.interval.ms", "200"},
                       {"poll.ms", "50"}};
  KafkaStreams streams(state_test::countingTopology(input, output, /*timestamped=*/false,
                                                    /*caching=*/false),
                       config);
  auto restored = std::make_shared<state_test::RecordingRestoreListener>();
  streams.setGlobalStateRestoreListener(restored);
  StateRecorder recorder;
  recorder.attach(streams);
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(
      eventually([&] { return streams.state() == KafkaStreams::State::kRunning; }, seconds(60)))
      << recorder.describe();
  EXPECT_EQ(restored->totalRestored(), 2);
  absl::StatusOr<state_test::Counts> counts = state_test::queryAll(streams);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, (state_test::Counts{{"a", 5}, {"b", 7}}));
  EXPECT_TRUE(streams.close(seconds(30)));
  EXPECT_FALSE(recorder.saw(KafkaStreams::State::kError)) << recorder.describe();
}

}  // namespace
}  // namespace kstreams::runtime_test
