// The runtime's guarantees that only a real broker can show (label broker; skipped unless
// KSTREAMS_BOOTSTRAP_SERVERS is set): static membership (checked through DescribeGroups, which
// the embedded mock does not answer).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "kafka/kafka_handles.h"
#include "kstreams/kafka_streams.h"
#include "runtime/group_membership.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

using std::chrono::seconds;

class GuaranteesBrokerTest : public RealBrokerTest<> {};

// Static membership: every stream thread's consumer is its own member, "<group.instance.id>-<n>"
// as in Java. With one id for all, the group can never hold both threads at once (the second
// join fences the first).
TEST_F(GuaranteesBrokerTest, GroupInstanceIdGetsTheThreadIndex) {
  const std::string suffix = uniqueSuffix();
  const std::string input = "rt-in-" + suffix, output = "rt-out-" + suffix;
  const std::string app = "rt-static-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap_, {{input, 4}, {output, 4}}).ok());
  KeyValueCounts expected = produceInput(bootstrap_, input, 0, 1000);

  StreamsConfig config{{"application.id", app},
                       {"bootstrap.servers", bootstrap_},
                       {"num.stream.threads", "2"},
                       {"group.instance.id", "instance-a"},
                       {"poll.ms", "50"}};
  KafkaStreams streams(filterMapTopology(input, output), config);
  StateRecorder recorder;
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

}  // namespace
}  // namespace kstreams::runtime_test
