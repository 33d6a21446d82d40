// HeaderProbe against real librdkafka record batches: whatever it calls header-free must be
// header-free, records with headers must go to librdkafka, and the fast path must actually apply
// to ordinary keyed records (else the optimization silently never runs). Every compression
// codec, on the embedded cluster and (label broker) on the real broker.
#include "kafka/header_probe.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "kafka/kafka_handles.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/record.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

using internal::HeaderProbe;

struct Case {
  std::optional<std::string> key;
  std::optional<std::string> value;
  bool with_headers = false;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  for (int i = 0; i < 40; ++i) {
    const std::string key = "key-" + std::to_string(i);
    switch (i % 8) {
      case 0:
        out.push_back({key, std::string(100, 'v'), false});
        break;
      case 1:
        out.push_back({key, std::string(100, 'v'), true});
        break;
      case 2:
        out.push_back({std::nullopt, std::string(10, 'v'), false});
        break;
      case 3:
        out.push_back({key, std::string(), true});
        break;  // empty value
      case 4:
        out.push_back({std::string(), std::string("v"), true});
        break;  // empty key
      case 5:
        out.push_back({key, std::nullopt, true});
        break;  // tombstone
      case 6:
        out.push_back({key, std::string(20000, 'w'), false});
        break;  // 3-byte varint
      case 7:
        out.push_back({key, std::string(1, 'x'), true});
        break;
    }
  }
  return out;
}

void checkCodec(const std::string& bootstrap, const std::string& codec) {
  SCOPED_TRACE("compression.type=" + codec);
  const std::string topic = "probe-" + codec + "-" + uniqueSuffix();
  ASSERT_TRUE(createTopics(bootstrap, {{topic, 1}}).ok());
  const std::vector<Case> input = cases();
  {
    SimpleProducer producer(bootstrap, {{"compression.type", codec}, {"linger.ms", "50"}});
    for (const Case& c : input) {
      Headers headers;
      if (c.with_headers) headers.add("h", std::optional<std::string>("hv"));
      producer.send(topic, c.key ? std::optional<std::string_view>(*c.key) : std::nullopt,
                    c.value ? std::optional<std::string_view>(*c.value) : std::nullopt, 0, 0,
                    headers);
    }
    ASSERT_TRUE(producer.flush().ok());
  }
  auto consumer = internal::makeHandle(RD_KAFKA_CONSUMER, {{"bootstrap.servers", bootstrap},
                                                           {"group.id", topic},
                                                           {"enable.auto.commit", "false"},
                                                           {"auto.offset.reset", "earliest"}});
  ASSERT_TRUE(consumer.ok()) << consumer.status();
  internal::RdKafkaPartitionListPtr assignment(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(assignment.get(), topic.c_str(), 0)->offset =
      RD_KAFKA_OFFSET_BEGINNING;
  ASSERT_EQ(rd_kafka_assign(consumer->get(), assignment.get()), RD_KAFKA_RESP_ERR_NO_ERROR);

  size_t seen = 0, fast = 0;
  uint32_t samples = 0;
  for (int polls = 0; seen < input.size() && polls < 300; ++polls) {
    internal::RdKafkaMessagePtr m(rd_kafka_consumer_poll(consumer->get(), 100));
    if (m == nullptr || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    ASSERT_LT(static_cast<size_t>(m->offset), input.size());
    const Case& c = input[static_cast<size_t>(m->offset)];
    SCOPED_TRACE("offset " + std::to_string(m->offset));
    const bool layout = HeaderProbe::layoutSaysNoHeaders(m.get());
    const bool probe = HeaderProbe::hasNoHeaders(m.get(), samples);
    rd_kafka_headers_t* headers = nullptr;
    const bool has = rd_kafka_message_headers(m.get(), &headers) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                     rd_kafka_header_cnt(headers) > 0;
    EXPECT_EQ(has, c.with_headers);
    if (layout || probe) {
      EXPECT_FALSE(has) << "called header-free but has headers";
    }
    // Keyed, non-empty values without headers: the fast path must apply.
    if (!c.with_headers && c.key && !c.key->empty() && c.value && !c.value->empty()) {
      EXPECT_TRUE(layout) << "value of " << c.value->size() << " bytes";
    }
    fast += layout ? 1 : 0;
    ++seen;
  }
  EXPECT_EQ(seen, input.size());
  EXPECT_EQ(fast, 10u);  // cases 0 and 6
  EXPECT_TRUE(HeaderProbe::enabled());
  rd_kafka_consumer_close(consumer->get());
}

class HeaderProbeEmbeddedTest : public ::testing::TestWithParam<std::string> {};

TEST_P(HeaderProbeEmbeddedTest, AgreesWithLibrdkafka) {
  EmbeddedKafkaCluster cluster(1);
  checkCodec(cluster.bootstrapServers(), GetParam());
}

INSTANTIATE_TEST_SUITE_P(Codecs, HeaderProbeEmbeddedTest,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"));

class HeaderProbeBrokerTest : public RealBrokerTest<::testing::TestWithParam<std::string>> {};

TEST_P(HeaderProbeBrokerTest, AgreesWithLibrdkafka) { checkCodec(bootstrap_, GetParam()); }

INSTANTIATE_TEST_SUITE_P(Codecs, HeaderProbeBrokerTest,
                         ::testing::Values("none", "gzip", "snappy", "lz4", "zstd"));

}  // namespace
}  // namespace kstreams::runtime_test
