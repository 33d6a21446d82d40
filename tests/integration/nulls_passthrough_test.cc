// Kafka nulls through the real runtime, on the embedded cluster and (suite NullsBrokerTest,
// label broker) on a real broker: the sink, the record collector and librdkafka's partitioner
// run as in production. A String and a Bytes passthrough, directly
// and through a repartition topic, give back exactly what went in: tombstones stay tombstones,
// null keys stay null (not "", which Kafka would partition by murmur2("")), "" stays "", and
// headers (none, or several with null and empty values) arrive as they were sent. The "none"
// case is the one kstreams' patched librdkafka answers without parsing (see
// scripts/kafka-support/librdkafka-patches/).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "kafka/murmur2.h"
#include "kstreams/dsl_options.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "runtime_test_support.h"

namespace kstreams {
namespace {

using Bytes = std::optional<std::string>;
// Key, value, and the headers in a printable form ("" when there are none).
using KV = std::tuple<Bytes, Bytes, std::string>;
constexpr int kPartitions = 3;

std::string show(const Bytes& b) { return b ? "\"" + *b + "\"" : std::string("null"); }

std::string show(const Headers& headers) {
  std::string out;
  for (const Header& h : headers) out += h.key + "=" + show(h.value) + ";";
  return out;
}

std::vector<KV> sorted(std::vector<KV> v) {
  std::sort(v.begin(), v.end());
  return v;
}

SerdePtr<std::string> serdeFor(bool bytes) { return bytes ? Serdes::Bytes() : Serdes::String(); }

// Writes each shape into every partition of a fresh input topic, runs in.to(out) and
// in.repartition().to(out-repartitioned), and checks both outputs.
void expectPassthrough(const std::string& bootstrap, bool bytes) {
  const std::string suffix = runtime_test::uniqueSuffix();
  const std::string app = std::string(bytes ? "nulls-bytes-" : "nulls-string-") + suffix;
  const std::string in_topic = "nulls-in-" + suffix;
  const std::string out_topic = "nulls-out-" + suffix;
  const std::string out_repartitioned = "nulls-out-repartitioned-" + suffix;
  ASSERT_TRUE(createTopics(bootstrap, {{in_topic, kPartitions},
                                       {out_topic, kPartitions},
                                       {out_repartitioned, kPartitions}})
                  .ok());
  // Each shape in every input partition, so that every task sees each.
  const std::vector<std::tuple<Bytes, Bytes>> shapes = {
      {"k", std::nullopt}, {std::nullopt, "v"}, {"k", ""}, {"", "v"}, {std::nullopt, std::nullopt}};
  const std::vector<Headers> header_shapes = {
      {}, {{"h", "1"}, {"n", std::nullopt}, {"e", ""}, {"h", "2"}}};
  std::vector<KV> expected;
  SimpleProducer producer(bootstrap);
  for (int32_t p = 0; p < kPartitions; ++p) {
    for (const auto& [k, v] : shapes) {
      for (const Headers& headers : header_shapes) {
        producer.send(in_topic, k, v, 0, p, headers);
        expected.emplace_back(k, v, show(headers));
      }
    }
  }
  ASSERT_TRUE(producer.flush().ok());

  const SerdePtr<std::string> serde = serdeFor(bytes);
  StreamsBuilder builder;
  auto in = builder.stream(in_topic, Consumed(serde, serde));
  in.to(out_topic, Produced(serde, serde));
  in.repartition().to(out_repartitioned, Produced(serde, serde));
  KafkaStreams streams(builder.build(), StreamsConfig{{"application.id", app},
                                                      {"bootstrap.servers", bootstrap},
                                                      {"commit.interval.ms", "200"},
                                                      {"poll.ms", "50"}});
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(std::chrono::seconds(60)));
  EXPECT_TRUE(streams.close(std::chrono::seconds(30)));

  const int32_t empty_key_partition = internal::partitionForKey("", kPartitions);
  for (const std::string& topic : {out_topic, out_repartitioned}) {
    SCOPED_TRACE(topic);
    auto records = readTopic(bootstrap, topic);
    ASSERT_TRUE(records.ok()) << records.status();
    std::vector<KV> got;
    for (const auto& r : *records) {
      got.emplace_back(r.key, r.value, show(r.headers));
      // A real "" key is partitioned by its murmur2 like any key; a null key is not "".
      if (r.key && r.key->empty()) {
        EXPECT_EQ(r.partition, empty_key_partition) << show(r.key) << " " << show(r.value);
      }
    }
    EXPECT_EQ(sorted(got), sorted(expected));
  }
}

class NullsEmbeddedTest : public ::testing::TestWithParam<bool> {
 protected:
  EmbeddedKafkaCluster cluster_{1};
};

TEST_P(NullsEmbeddedTest, PassthroughKeepsNullsAndEmptyStrings) {
  expectPassthrough(cluster_.bootstrapServers(), GetParam());
}

class NullsBrokerTest : public runtime_test::RealBrokerTest<::testing::TestWithParam<bool>> {};

TEST_P(NullsBrokerTest, PassthroughKeepsNullsAndEmptyStrings) {
  expectPassthrough(bootstrap_, GetParam());
}

std::string serdeName(const ::testing::TestParamInfo<bool>& info) {
  return info.param ? "Bytes" : "String";
}
INSTANTIATE_TEST_SUITE_P(StringAndBytes, NullsEmbeddedTest, ::testing::Bool(), serdeName);
INSTANTIATE_TEST_SUITE_P(StringAndBytes, NullsBrokerTest, ::testing::Bool(), serdeName);

}  // namespace
}  // namespace kstreams
