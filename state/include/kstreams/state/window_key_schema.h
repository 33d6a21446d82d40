// File: kstreams/state/window_key_schema.h
//
// The binary keys of window and session stores, byte for byte Kafka Streams' (Java's
// state.internals.WindowKeySchema and SessionKeySchema). They are the keys of the stores *and*
// of their changelog topics, so a changelog written by kstreams restores in Kafka Streams and
// the other way round.
//
//   window store key   [key bytes][8 B big-endian window start][4 B big-endian sequence number]
//   session store key  [key bytes][8 B big-endian session end][8 B big-endian session start]
//
//   std::string k = kstreams::state::WindowKeySchema::toStoreKeyBinary("user-1", 60000, 0);
//   kstreams::state::WindowKeySchema::extractStoreTimestamp(k);   // 60000
//   kstreams::state::WindowKeySchema::extractStoreKeyBytes(k);    // "user-1"
//
// The sequence number is 0 except in stores that keep duplicates (stream-stream join stores),
// where each put takes the next one. The windowed *serdes* (TimeWindowedSerde: key + 8-byte
// start, no sequence number; SessionWindowedSerde: the session layout above) live in
// kstreams/windowed.h and are what sinks write for Windowed<K> keys.
//
// Preconditions: the extract functions take keys made by these layouts (window keys of at least
// 12 bytes, session keys of at least 16); shorter input gives empty keys / 0 and is rejected by
// the stores (validWindowKey / validSessionKey).
//
// Threads: pure functions, any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kstreams::state {

namespace key_schema_internal {
inline void appendInt64(std::string& out, int64_t v) {
  const auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}
inline void appendInt32(std::string& out, int32_t v) {
  const auto u = static_cast<uint32_t>(v);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}
inline int64_t readInt64(std::string_view b, size_t at) {
  uint64_t u = 0;
  for (size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<int64_t>(u);
}
inline int32_t readInt32(std::string_view b, size_t at) {
  uint32_t u = 0;
  for (size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(b[at + i]);
  return static_cast<int32_t>(u);
}
}  // namespace key_schema_internal

struct WindowKeySchema {
  static constexpr size_t kTimestampSize = 8;
  static constexpr size_t kSeqnumSize = 4;
  static constexpr size_t kSuffixSize = kTimestampSize + kSeqnumSize;

  static std::string toStoreKeyBinary(std::string_view key, int64_t window_start, int32_t seqnum) {
    std::string out;
    out.reserve(key.size() + kSuffixSize);
    out.append(key);
    key_schema_internal::appendInt64(out, window_start);
    key_schema_internal::appendInt32(out, seqnum);
    return out;
  }
  static bool validWindowKey(std::string_view store_key) { return store_key.size() >= kSuffixSize; }
  static std::string_view extractStoreKeyBytes(std::string_view store_key) {
    if (!validWindowKey(store_key)) return {};
    return store_key.substr(0, store_key.size() - kSuffixSize);
  }
  static int64_t extractStoreTimestamp(std::string_view store_key) {
    if (!validWindowKey(store_key)) return 0;
    return key_schema_internal::readInt64(store_key, store_key.size() - kSuffixSize);
  }
  static int32_t extractStoreSequence(std::string_view store_key) {
    if (!validWindowKey(store_key)) return 0;
    return key_schema_internal::readInt32(store_key, store_key.size() - kSeqnumSize);
  }
  // Java's TimeWindowedSerializer / WindowKeySchema.toBinary: key bytes + 8-byte start.
  static std::string toBinary(std::string_view key, int64_t window_start) {
    std::string out;
    out.reserve(key.size() + kTimestampSize);
    out.append(key);
    key_schema_internal::appendInt64(out, window_start);
    return out;
  }
};

struct SessionKeySchema {
  static constexpr size_t kTimestampSize = 8;
  static constexpr size_t kSuffixSize = 2 * kTimestampSize;

  static std::string toBinary(std::string_view key, int64_t start, int64_t end) {
    std::string out;
    out.reserve(key.size() + kSuffixSize);
    out.append(key);
    key_schema_internal::appendInt64(out, end);
    key_schema_internal::appendInt64(out, start);
    return out;
  }
  static bool validSessionKey(std::string_view binary) { return binary.size() >= kSuffixSize; }
  static std::string_view extractKeyBytes(std::string_view binary) {
    if (!validSessionKey(binary)) return {};
    return binary.substr(0, binary.size() - kSuffixSize);
  }
  static int64_t extractEndTimestamp(std::string_view binary) {
    if (!validSessionKey(binary)) return 0;
    return key_schema_internal::readInt64(binary, binary.size() - kSuffixSize);
  }
  static int64_t extractStartTimestamp(std::string_view binary) {
    if (!validSessionKey(binary)) return 0;
    return key_schema_internal::readInt64(binary, binary.size() - kTimestampSize);
  }
};

}  // namespace kstreams::state
