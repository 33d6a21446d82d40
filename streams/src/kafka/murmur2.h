// Private to kstreams: Kafka's default partitioning, bit for bit.
//
// murmur2() is org.apache.kafka.common.utils.Utils#murmur2 (seed 0x9747b28c) and toPositive()
// Utils#toPositive, so partitionForKey() gives the partition Java's default partitioner (and
// librdkafka's "murmur2" / "murmur2_random" partitioners) picks for a non-null key.
#pragma once

#include <cstdint>
#include <string_view>

namespace kstreams::internal {

inline int32_t murmur2(std::string_view data) {
  const uint32_t length = static_cast<uint32_t>(data.size());
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = 0x9747b28cU ^ length;
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<uint8_t>(data[i])); };
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const size_t i4 = static_cast<size_t>(i) * 4;
    uint32_t k = byte(i4) + (byte(i4 + 1) << 8) + (byte(i4 + 2) << 16) + (byte(i4 + 3) << 24);
    k *= m;
    k ^= k >> r;  // Java's >>> on an int: logical shift
    k *= m;
    h *= m;
    h ^= k;
  }
  const size_t tail = length & ~3U;
  switch (length % 4) {
    case 3:
      h ^= byte(tail + 2) << 16;
      [[fallthrough]];
    case 2:
      h ^= byte(tail + 1) << 8;
      [[fallthrough]];
    case 1:
      h ^= byte(tail);
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

// Utils#toPositive: clears the sign bit (not abs()).
inline int32_t toPositive(int32_t n) { return n & 0x7fffffff; }

// The partition of a record with this serialized key among `num_partitions` (> 0).
inline int32_t partitionForKey(std::string_view key_bytes, int32_t num_partitions) {
  return toPositive(murmur2(key_bytes)) % num_partitions;
}

}  // namespace kstreams::internal
