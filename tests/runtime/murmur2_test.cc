// Kafka's default partitioning, checked against the values of Kafka's own UtilsTest and
// against librdkafka's murmur2 partitioner.
#include "kafka/murmur2.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <string>

namespace kstreams::internal {
namespace {

TEST(Murmur2Test, MatchesKafkaUtilsTest) {
  EXPECT_EQ(murmur2("21"), -973932308);
  EXPECT_EQ(murmur2("foobar"), -790332482);
  EXPECT_EQ(murmur2("a-little-bit-long-string"), -985981536);
  EXPECT_EQ(murmur2("a-little-bit-longer-string"), -1486304829);
  EXPECT_EQ(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971);
  EXPECT_EQ(murmur2("abc"), 479470107);
}

TEST(Murmur2Test, ToPositiveClearsTheSignBit) {
  EXPECT_EQ(toPositive(-1), 0x7fffffff);
  EXPECT_EQ(toPositive(INT32_MIN), 0);
  EXPECT_EQ(toPositive(42), 42);
}

TEST(Murmur2Test, PartitionsLikeLibrdkafkasMurmur2Partitioner) {
  for (int i = 0; i < 2000; ++i) {
    const std::string key = "key-" + std::to_string(i * 7919) + std::string(i % 5, '\xff');
    for (int32_t n : {1, 3, 4, 12}) {
      EXPECT_EQ(partitionForKey(key, n), rd_kafka_msg_partitioner_murmur2(
                                             nullptr, key.data(), key.size(), n, nullptr, nullptr))
          << key << " over " << n;
    }
  }
}

}  // namespace
}  // namespace kstreams::internal
