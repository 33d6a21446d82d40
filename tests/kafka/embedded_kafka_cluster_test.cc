#include "kstreams/embedded_kafka_cluster.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <atomic>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "kafka/kafka_handles.h"

namespace kstreams {
namespace {

using internal::ClientProperties;
using internal::makeHandle;
using internal::MockClusterRegistry;
using internal::RdKafkaPtr;

// Client properties for talking to `cluster`, with the settings the mock needs.
ClientProperties clientProps(const EmbeddedKafkaCluster& cluster) {
  ClientProperties props = EmbeddedKafkaCluster::recommendedClientConfig();
  props["bootstrap.servers"] = cluster.bootstrapServers();
  return props;
}

TEST(EmbeddedKafkaClusterTest, ListsOneAddressPerBroker) {
  EmbeddedKafkaCluster cluster(3);
  EXPECT_EQ(cluster.numBrokers(), 3);
  std::vector<std::string> addresses = absl::StrSplit(cluster.bootstrapServers(), ',');
  ASSERT_EQ(addresses.size(), 3u) << cluster.bootstrapServers();
  for (const std::string& a : addresses) EXPECT_TRUE(absl::StartsWith(a, "127.0.0.1:")) << a;
}

TEST(EmbeddedKafkaClusterTest, RejectsZeroBrokers) {
  EXPECT_THROW(EmbeddedKafkaCluster(0), std::invalid_argument);
}

TEST(EmbeddedKafkaClusterTest, CreateTopicValidatesAndReportsExisting) {
  EmbeddedKafkaCluster cluster;
  EXPECT_TRUE(cluster.createTopic("t", 2).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(cluster.createTopic("t", 2)));
  EXPECT_TRUE(absl::IsInvalidArgument(cluster.createTopic("", 2)));
  EXPECT_TRUE(absl::IsInvalidArgument(cluster.createTopic("u", 0)));
  EXPECT_TRUE(absl::IsInvalidArgument(cluster.createTopic("u", 1, 0)));
  // Replication factors above the broker count are capped by the mock.
  EXPECT_TRUE(cluster.createTopic("v", 1, 3).ok());
}

TEST(EmbeddedKafkaClusterTest, RegisteredWhileAlive) {
  std::string bootstrap;
  {
    EmbeddedKafkaCluster cluster(2);
    bootstrap = cluster.bootstrapServers();
    EXPECT_TRUE(MockClusterRegistry::contains(bootstrap));
  }
  EXPECT_FALSE(MockClusterRegistry::contains(bootstrap));
}

TEST(EmbeddedKafkaClusterTest, RecommendedConfigIsAcceptedByLibrdkafka) {
  ClientProperties props = EmbeddedKafkaCluster::recommendedClientConfig();
  EXPECT_EQ(props["fetch.wait.max.ms"], "10");
  EXPECT_EQ(props["session.timeout.ms"], "6000");
  EXPECT_TRUE(internal::makeConf(props).ok());
}

// Counts delivery reports; errors are counted separately.
struct DeliveryCounter {
  std::atomic<int> delivered{0};
  std::atomic<int> failed{0};
};

void onDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* counter = static_cast<DeliveryCounter*>(opaque);
  (message->err == RD_KAFKA_RESP_ERR_NO_ERROR ? counter->delivered : counter->failed)++;
}

TEST(EmbeddedKafkaClusterTest, ProducesAndConsumesThroughAllPartitions) {
  constexpr int kPartitions = 8;
  constexpr int kMessages = 1000;
  EmbeddedKafkaCluster cluster(3);
  ASSERT_TRUE(cluster.createTopic("numbers", kPartitions).ok());

  // Produce with a plain librdkafka producer; keys spread records over the partitions.
  DeliveryCounter counter;
  {
    ClientProperties props = {{"bootstrap.servers", cluster.bootstrapServers()},
                              {"linger.ms", "5"}};
    absl::StatusOr<internal::RdKafkaConfPtr> conf = internal::makeConf(props);
    ASSERT_TRUE(conf.ok()) << conf.status();
    rd_kafka_conf_set_dr_msg_cb(conf->get(), onDelivery);
    rd_kafka_conf_set_opaque(conf->get(), &counter);
    char errstr[512];
    RdKafkaPtr producer(rd_kafka_new(RD_KAFKA_PRODUCER, conf->get(), errstr, sizeof errstr));
    ASSERT_NE(producer, nullptr) << errstr;
    conf->release();
    for (int i = 0; i < kMessages; ++i) {
      std::string key = absl::StrCat("key-", i);
      std::string value = absl::StrCat(i);
      rd_kafka_resp_err_t err = rd_kafka_producev(
          producer.get(), RD_KAFKA_V_TOPIC("numbers"), RD_KAFKA_V_KEY(key.data(), key.size()),
          RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END);
      ASSERT_EQ(err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_err2str(err);
      rd_kafka_poll(producer.get(), 0);
    }
    ASSERT_EQ(rd_kafka_flush(producer.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  EXPECT_EQ(counter.delivered, kMessages);
  EXPECT_EQ(counter.failed, 0);

  // Consume back by assigning every partition (no group join: it costs ~3 s on the mock).
  ClientProperties props = clientProps(cluster);
  props["group.id"] = "embedded-cluster-test";
  props["enable.auto.commit"] = "false";
  absl::StatusOr<RdKafkaPtr> consumer = makeHandle(RD_KAFKA_CONSUMER, props);
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  internal::RdKafkaPartitionListPtr assignment(rd_kafka_topic_partition_list_new(kPartitions));
  for (int p = 0; p < kPartitions; ++p) {
    rd_kafka_topic_partition_list_add(assignment.get(), "numbers", p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  ASSERT_EQ(rd_kafka_assign(consumer->get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);

  std::set<int> values;
  std::set<int32_t> partitions;
  int received = 0;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (received < kMessages && absl::Now() < deadline) {
    internal::RdKafkaMessagePtr message(rd_kafka_consumer_poll(consumer->get(), 100));
    if (message == nullptr) continue;
    ASSERT_EQ(message->err, RD_KAFKA_RESP_ERR_NO_ERROR) << rd_kafka_message_errstr(message.get());
    ++received;
    values.insert(std::stoi(std::string(static_cast<const char*>(message->payload), message->len)));
    partitions.insert(message->partition);
  }
  EXPECT_EQ(received, kMessages);
  EXPECT_EQ(values.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(*values.begin(), 0);
  EXPECT_EQ(*values.rbegin(), kMessages - 1);
  EXPECT_EQ(partitions.size(), static_cast<size_t>(kPartitions));
  rd_kafka_consumer_close(consumer->get());
}

}  // namespace
}  // namespace kstreams
