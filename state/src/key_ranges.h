// Byte-order helpers shared by the stores (private). Keys compare as unsigned bytes, shorter
// prefix first: RocksDB's BytewiseComparator and std::string's operator<.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kstreams::state::internal {

// The smallest key greater than every key that starts with `prefix`, or nullopt when there is
// none (empty prefix, or all bytes 0xff): the exclusive upper bound of a prefix scan.
inline std::optional<std::string> prefixUpperBound(std::string_view prefix) {
  std::string bound(prefix);
  while (!bound.empty()) {
    unsigned char last = static_cast<unsigned char>(bound.back());
    if (last != 0xff) {
      bound.back() = static_cast<char>(last + 1);
      return bound;
    }
    bound.pop_back();
  }
  return std::nullopt;
}

// The smallest key greater than `key` (key + '\0'): turns an inclusive upper bound into an
// exclusive one.
inline std::string successor(std::string_view key) {
  std::string s(key);
  s.push_back('\0');
  return s;
}

// Bytewise comparison, as RocksDB's default comparator.
inline int compareBytes(std::string_view a, std::string_view b) { return a.compare(b); }

}  // namespace kstreams::state::internal
