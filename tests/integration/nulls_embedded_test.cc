// Kafka nulls through the real runtime on the embedded cluster: the sink, the record collector
// and librdkafka's partitioner run as in production. A String and a Bytes passthrough, directly
// and through a repartition topic, give back exactly what went in: tombstones stay tombstones,
// null keys stay null (not "", which Kafka would partition by murmur2("")), "" stays "".
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

namespace kstreams {
namespace {

using Bytes = std::optional<std::string>;
using KV = std::tuple<Bytes, Bytes>;
constexpr int kPartitions = 3;

std::string show(const Bytes& b) { return b ? "\"" + *b + "\"" : std::string("null"); }

std::vector<KV> sorted(std::vector<KV> v) {
  std::sort(v.begin(), v.end());
  return v;
}

class NullsEmbeddedTest : public ::testing::TestWithParam<bool> {
 protected:
  SerdePtr<std::string> serde() const { return GetParam() ? Serdes::Bytes() : Serdes::String(); }
  std::string bootstrap() const { return cluster_.bootstrapServers(); }

  EmbeddedKafkaCluster cluster_{1};
};

TEST_P(NullsEmbeddedTest, PassthroughKeepsNullsAndEmptyStrings) {
  const std::string app = GetParam() ? "nulls-bytes" : "nulls-string";
  ASSERT_TRUE(
      createTopics(bootstrap(),
                   {{"in", kPartitions}, {"out", kPartitions}, {"out-repartitioned", kPartitions}})
          .ok());
  // Each shape in every input partition, so that every task sees each.
  const std::vector<KV> shapes = {
      {"k", std::nullopt}, {std::nullopt, "v"}, {"k", ""}, {"", "v"}, {std::nullopt, std::nullopt}};
  std::vector<KV> expected;
  SimpleProducer producer(bootstrap());
  for (int32_t p = 0; p < kPartitions; ++p) {
    for (const auto& [k, v] : shapes) {
      producer.send("in", k, v, 0, p);
      expected.emplace_back(k, v);
    }
  }
  ASSERT_TRUE(producer.flush().ok());

  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(serde(), serde()));
  in.to("out", Produced(serde(), serde()));
  in.repartition().to("out-repartitioned", Produced(serde(), serde()));
  KafkaStreams streams(builder.build(), StreamsConfig{{"application.id", app},
                                                      {"bootstrap.servers", bootstrap()},
                                                      {"commit.interval.ms", "200"},
                                                      {"poll.ms", "50"}});
  ASSERT_TRUE(streams.start().ok());
  ASSERT_TRUE(streams.waitUntilCaughtUp(std::chrono::seconds(60)));
  EXPECT_TRUE(streams.close(std::chrono::seconds(30)));

  const int32_t empty_key_partition = internal::partitionForKey("", kPartitions);
  for (const std::string topic : {"out", "out-repartitioned"}) {
    SCOPED_TRACE(topic);
    auto records = readTopic(bootstrap(), topic);
    ASSERT_TRUE(records.ok()) << records.status();
    std::vector<KV> got;
    for (const auto& r : *records) {
      got.emplace_back(r.key, r.value);
      // A real "" key is partitioned by its murmur2 like any key; a null key is not "".
      if (r.key && r.key->empty()) {
        EXPECT_EQ(r.partition, empty_key_partition) << show(r.key) << " " << show(r.value);
      }
    }
    EXPECT_EQ(sorted(got), sorted(expected));
  }
}

INSTANTIATE_TEST_SUITE_P(StringAndBytes, NullsEmbeddedTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? std::string("Bytes") : std::string("String");
                         });

}  // namespace
}  // namespace kstreams
