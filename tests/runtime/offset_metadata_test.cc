// The partition time kstreams commits with input offsets, in Kafka Streams' format
// (TopicPartitionMetadata: Base64 of [version][8-byte big-endian partition time][processor
// metadata]), so that kstreams and Java applications read each other's.
#include <gtest/gtest.h>

#include "runtime/partition_group.h"

namespace kstreams::internal {
namespace {

TEST(OffsetMetadataTest, EncodesAsKafkaStreamsVersion2) {
  EXPECT_EQ(encodeOffsetMetadata(5000), "AgAAAAAAABOI");
  EXPECT_EQ(encodeOffsetMetadata(-1), "Av//////////");
}

TEST(OffsetMetadataTest, DecodesVersions1And2AndIgnoresTheRest) {
  EXPECT_EQ(decodeOffsetMetadata("AgAAAAAAABOI"), 5000);
  EXPECT_EQ(decodeOffsetMetadata("AQAAAAAAAAAq"), 42);  // version 1 (older Kafka Streams)
  EXPECT_EQ(decodeOffsetMetadata(encodeOffsetMetadata(1764000000000)), 1764000000000);
  EXPECT_EQ(decodeOffsetMetadata(""), -1);
  EXPECT_EQ(decodeOffsetMetadata("not base64!"), -1);
  EXPECT_EQ(decodeOffsetMetadata("AwAAAAAAABOI"), -1);  // version 3: unknown
  EXPECT_EQ(decodeOffsetMetadata("AgAA"), -1);          // too short
}

}  // namespace
}  // namespace kstreams::internal
