#include "kafka/kafka_handles.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "kstreams/embedded_kafka_cluster.h"

namespace kstreams::internal {
namespace {

// ---- makeConf / makeHandle

TEST(MakeConfTest, AcceptsKnownProperties) {
  absl::StatusOr<RdKafkaConfPtr> conf =
      makeConf({{"bootstrap.servers", "127.0.0.1:9092"}, {"linger.ms", "5"}});
  ASSERT_TRUE(conf.ok()) << conf.status();
  char value[64];
  size_t size = sizeof value;
  ASSERT_EQ(rd_kafka_conf_get(conf->get(), "linger.ms", value, &size), RD_KAFKA_CONF_OK);
  EXPECT_STREQ(value, "5");
}

TEST(MakeConfTest, RejectsUnknownKeyByName) {
  absl::StatusOr<RdKafkaConfPtr> conf =
      makeConf({{"bootstrap.servers", "127.0.0.1:9092"}, {"no.such.property", "1"}});
  ASSERT_TRUE(absl::IsInvalidArgument(conf.status())) << conf.status();
  EXPECT_TRUE(absl::StrContains(conf.status().message(), "'no.such.property'")) << conf.status();
}

TEST(MakeConfTest, RejectsInvalidValueByName) {
  absl::StatusOr<RdKafkaConfPtr> conf = makeConf({{"linger.ms", "forever"}});
  ASSERT_TRUE(absl::IsInvalidArgument(conf.status())) << conf.status();
  EXPECT_TRUE(absl::StrContains(conf.status().message(), "'linger.ms'")) << conf.status();
}

TEST(MakeHandleTest, CreatesClientsAndRejectsBadConfig) {
  EXPECT_TRUE(
      makeHandle(RD_KAFKA_PRODUCER, {{"bootstrap.servers", "127.0.0.1:1"}, {"log_level", "0"}})
          .ok());
  EXPECT_TRUE(
      absl::IsInvalidArgument(makeHandle(RD_KAFKA_CONSUMER, {{"no.such.property", "x"}}).status()));
  // A config librdkafka only rejects as a whole: transactions need idempotence.
  absl::Status s =
      makeHandle(RD_KAFKA_PRODUCER, {{"transactional.id", "t"}, {"enable.idempotence", "false"}})
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(s)) << s;
}

// ---- toStatus

TEST(ToStatusTest, NoErrorIsOk) { EXPECT_TRUE(toStatus(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok()); }

TEST(ToStatusTest, MapsCanonicalCodes) {
  struct Case {
    rd_kafka_resp_err_t err;
    absl::StatusCode code;
  };
  const Case cases[] = {
      {RD_KAFKA_RESP_ERR__TIMED_OUT, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__TRANSPORT, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR_NOT_COORDINATOR, absl::StatusCode::kUnavailable},
      {RD_KAFKA_RESP_ERR__INVALID_ARG, absl::StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_INVALID_CONFIG, absl::StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_INVALID_PARTITIONS, absl::StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, absl::StatusCode::kInvalidArgument},
      {RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, absl::StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC, absl::StatusCode::kNotFound},
      {RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, absl::StatusCode::kAlreadyExists},
      {RD_KAFKA_RESP_ERR__FENCED, absl::StatusCode::kAborted},
      {RD_KAFKA_RESP_ERR_PRODUCER_FENCED, absl::StatusCode::kAborted},
      {RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, absl::StatusCode::kAborted},
      {RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION, absl::StatusCode::kAborted},
      {RD_KAFKA_RESP_ERR__STATE, absl::StatusCode::kFailedPrecondition},
      {RD_KAFKA_RESP_ERR_INVALID_TXN_STATE, absl::StatusCode::kFailedPrecondition},
      {RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, absl::StatusCode::kPermissionDenied},
      {RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED, absl::StatusCode::kUnauthenticated},
      {RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION, absl::StatusCode::kUnimplemented},
      {RD_KAFKA_RESP_ERR__QUEUE_FULL, absl::StatusCode::kResourceExhausted},
      {RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE, absl::StatusCode::kOutOfRange},
      {RD_KAFKA_RESP_ERR__PARTITION_EOF, absl::StatusCode::kOutOfRange},
      {RD_KAFKA_RESP_ERR__DESTROY, absl::StatusCode::kCancelled},
      {RD_KAFKA_RESP_ERR__FATAL, absl::StatusCode::kInternal},
      {RD_KAFKA_RESP_ERR_UNKNOWN, absl::StatusCode::kUnknown},
  };
  for (const Case& c : cases) {
    absl::Status s = toStatus(c.err, "doing it");
    EXPECT_EQ(s.code(), c.code) << rd_kafka_err2name(c.err) << " → " << s;
    EXPECT_EQ(rdKafkaErrorOf(s), c.err) << s;
  }
}

TEST(ToStatusTest, MessageNamesOperationAndError) {
  absl::Status s = toStatus(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "producing to 'x'");
  EXPECT_TRUE(absl::StartsWith(s.message(), "producing to 'x': ")) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "[UNKNOWN_TOPIC_OR_PART]")) << s;
}

TEST(ToStatusTest, ConvertsErrorObjects) {
  EXPECT_TRUE(toStatus(static_cast<const rd_kafka_error_t*>(nullptr), "x").ok());
  RdKafkaErrorPtr error(rd_kafka_error_new(RD_KAFKA_RESP_ERR__FENCED, "fenced by %s", "peer"));
  absl::Status s = toStatus(error.get(), "commit");
  EXPECT_TRUE(absl::IsAborted(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "fenced by peer")) << s;
  EXPECT_EQ(rdKafkaErrorOf(s), RD_KAFKA_RESP_ERR__FENCED);
}

TEST(ToStatusTest, NoCodeOnForeignStatus) {
  EXPECT_FALSE(rdKafkaErrorOf(absl::UnavailableError("x")).has_value());
  EXPECT_FALSE(rdKafkaErrorOf(absl::OkStatus()).has_value());
}

TEST(ToTimeoutMsTest, ClampsAndRoundsUp) {
  EXPECT_EQ(toTimeoutMs(absl::Milliseconds(-5)), 0);
  EXPECT_EQ(toTimeoutMs(absl::ZeroDuration()), 0);
  EXPECT_EQ(toTimeoutMs(absl::Microseconds(1)), 1);
  EXPECT_EQ(toTimeoutMs(absl::Milliseconds(250)), 250);
  EXPECT_EQ(toTimeoutMs(absl::InfiniteDuration()), 3'600'000);
  EXPECT_EQ(toTimeoutMs(absl::Hours(5), 1000), 1000);
}

// ---- mock registry

TEST(MockClusterRegistryTest, MatchesAnyBrokerAddressInAnySpelling) {
  EmbeddedKafkaCluster cluster(2);
  const std::string bootstrap = cluster.bootstrapServers();
  const std::string first = bootstrap.substr(0, bootstrap.find(','));
  const std::string port = first.substr(first.find(':') + 1);
  EXPECT_TRUE(MockClusterRegistry::contains(bootstrap));
  EXPECT_TRUE(MockClusterRegistry::contains(first));
  EXPECT_TRUE(MockClusterRegistry::contains(absl::StrCat(" localhost:", port, " ")));
  EXPECT_TRUE(MockClusterRegistry::contains(absl::StrCat("PLAINTEXT://127.0.0.1:", port)));
  EXPECT_TRUE(MockClusterRegistry::contains(absl::StrCat("10.1.1.1:9092,", first)));
  EXPECT_FALSE(MockClusterRegistry::contains("127.0.0.1:1"));
  EXPECT_FALSE(MockClusterRegistry::contains(""));
}

TEST(MockClusterRegistryTest, CreateTopicOnMockOnlyForEmbeddedClusters) {
  EXPECT_FALSE(createTopicOnMock("127.0.0.1:1", "t", 1).has_value());
  EmbeddedKafkaCluster cluster;
  std::optional<absl::Status> s = createTopicOnMock(cluster.bootstrapServers(), "t", 3);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->ok()) << *s;
  s = createTopicOnMock(cluster.bootstrapServers(), "t", 3);
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(absl::IsAlreadyExists(*s)) << *s;
}

// ---- KafkaAdmin on the embedded cluster

// One cluster for the suite: destroying one can take ~1 s. Each test uses its own topics.
class KafkaAdminMockTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new EmbeddedKafkaCluster(3); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  static KafkaAdmin makeAdmin() {
    absl::StatusOr<KafkaAdmin> admin =
        KafkaAdmin::create({{"bootstrap.servers", cluster_->bootstrapServers()}});
    EXPECT_TRUE(admin.ok()) << admin.status();
    return *std::move(admin);
  }

  static EmbeddedKafkaCluster* cluster_;
};

EmbeddedKafkaCluster* KafkaAdminMockTest::cluster_ = nullptr;

TEST_F(KafkaAdminMockTest, CreatesTopicsThroughTheRegistry) {
  KafkaAdmin admin = makeAdmin();
  EXPECT_TRUE(admin.isEmbeddedCluster());
  absl::Status s = admin.createTopics(
      {{"in", 8}, {"app-store-changelog", 3, 1, {{"cleanup.policy", "compact"}}}},
      absl::Seconds(10));
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(admin.partitionCount("in", absl::Seconds(5)).value_or(-1), 8);
  EXPECT_EQ(admin.partitionCount("app-store-changelog", absl::Seconds(5)).value_or(-1), 3);

  // Existing topics are fine; the cluster confirms they exist.
  EXPECT_TRUE(admin.createTopics({{"in", 8}}, absl::Seconds(10)).ok());
  EXPECT_TRUE(absl::IsAlreadyExists(cluster_->createTopic("in", 8)));
}

TEST_F(KafkaAdminMockTest, PartitionCountOfMissingTopicIsNotFoundAndDoesNotCreateIt) {
  KafkaAdmin admin = makeAdmin();
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<int> count = admin.partitionCount("missing", absl::Seconds(5));
    EXPECT_TRUE(absl::IsNotFound(count.status())) << count.status();
  }
  // Had the metadata request auto-created it, this would be AlreadyExists.
  EXPECT_TRUE(cluster_->createTopic("missing", 1).ok());
}

TEST_F(KafkaAdminMockTest, WaitForMissingTopicTimesOut) {
  KafkaAdmin admin = makeAdmin();
  absl::Status s = admin.waitForTopic("never-created", absl::Milliseconds(300));
  EXPECT_TRUE(absl::IsDeadlineExceeded(s)) << s;
  EXPECT_TRUE(absl::StrContains(s.message(), "never-created")) << s;
  ASSERT_TRUE(cluster_->createTopic("present", 2).ok());
  EXPECT_TRUE(admin.waitForTopic("present", absl::Seconds(5)).ok());
}

TEST_F(KafkaAdminMockTest, RejectsInvalidTopics) {
  KafkaAdmin admin = makeAdmin();
  EXPECT_TRUE(absl::IsInvalidArgument(admin.createTopics({{"bad", 0}}, absl::Seconds(5))));
  EXPECT_TRUE(admin.createTopics({}, absl::Seconds(5)).ok());
}

TEST_F(KafkaAdminMockTest, DescribeTopicConfigIsUnimplemented) {
  KafkaAdmin admin = makeAdmin();
  ASSERT_TRUE(cluster_->createTopic("described", 1).ok());
  EXPECT_TRUE(absl::IsUnimplemented(admin.describeTopicConfig("described").status()));
}

TEST(KafkaAdminTest, UnreachableClusterIsUnavailable) {
  absl::StatusOr<KafkaAdmin> admin =
      KafkaAdmin::create({{"bootstrap.servers", "127.0.0.1:1"}, {"log_level", "0"}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_FALSE(admin->isEmbeddedCluster());
  absl::StatusOr<int> count = admin->partitionCount("t", absl::Milliseconds(300));
  EXPECT_TRUE(absl::IsUnavailable(count.status())) << count.status();
}

TEST(KafkaAdminTest, BadPropertyIsInvalidArgument) {
  EXPECT_TRUE(absl::IsInvalidArgument(KafkaAdmin::create({{"no.such.property", "1"}}).status()));
}

// ---- KafkaAdmin on a real broker: runs only when KSTREAMS_BOOTSTRAP_SERVERS is set.

TEST(KafkaAdminRealBrokerTest, CreatesCompactedTopicAndDescribesIt) {
  const char* bootstrap = std::getenv("KSTREAMS_BOOTSTRAP_SERVERS");
  if (bootstrap == nullptr || *bootstrap == '\0') {
    GTEST_SKIP() << "set KSTREAMS_BOOTSTRAP_SERVERS to run against a real broker";
  }
  absl::StatusOr<KafkaAdmin> admin = KafkaAdmin::create({{"bootstrap.servers", bootstrap}});
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_FALSE(admin->isEmbeddedCluster());
  const std::string topic =
      absl::StrCat("kafka-handles-test-", absl::ToUnixMicros(absl::Now()), "-changelog");
  const std::vector<NewTopic> topics = {{topic, 4, -1, {{"cleanup.policy", "compact"}}}};
  ASSERT_TRUE(admin->createTopics(topics, absl::Seconds(30)).ok());
  EXPECT_TRUE(admin->createTopics(topics, absl::Seconds(30)).ok());  // already exists
  EXPECT_EQ(admin->partitionCount(topic, absl::Seconds(10)).value_or(-1), 4);

  absl::StatusOr<std::map<std::string, std::string>> configs =
      admin->describeTopicConfig(topic, absl::Seconds(10));
  ASSERT_TRUE(configs.ok()) << configs.status();
  EXPECT_EQ((*configs)["cleanup.policy"], "compact");

  EXPECT_TRUE(
      absl::IsNotFound(admin->describeTopicConfig(topic + "-missing", absl::Seconds(10)).status()));
  // Twice: had the first metadata request auto-created the topic, the second would find it.
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(
        absl::IsNotFound(admin->partitionCount(topic + "-missing", absl::Seconds(10)).status()));
  }
  EXPECT_TRUE(absl::IsInvalidArgument(admin->createTopics(
      {{topic + "-bad", 1, 1, {{"cleanup.policy", "sideways"}}}}, absl::Seconds(30))));
}

}  // namespace
}  // namespace kstreams::internal
