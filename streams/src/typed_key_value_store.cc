// Non-template helpers of the typed state stores (kstreams/typed_key_value_store.h).
#include "kstreams/typed_key_value_store.h"

#include <cstdint>
#include <string>

namespace kstreams::internal {
namespace {

void appendLength(std::string& out, size_t n) {
  const auto u = static_cast<uint32_t>(n);
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
}

bool readLength(std::string_view& in, size_t& n) {
  if (in.size() < 4) return false;
  uint32_t u = 0;
  for (size_t i = 0; i < 4; ++i) u = (u << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(4);
  n = u;
  return n <= in.size();
}

}  // namespace

void throwStoreError(const std::string& store, const char* operation, const absl::Status& status) {
  throw ProcessorStateException("state store " + store + ": " + operation +
                                " failed: " + status.ToString());
}

// Per header: key length (4 bytes big-endian), key, 1 byte "has value", value length, value.
std::string encodeHeaders(const Headers& headers) {
  std::string out;
  for (const Header& h : headers) {
    appendLength(out, h.key.size());
    out += h.key;
    out.push_back(h.value ? '\1' : '\0');
    if (h.value) {
      appendLength(out, h.value->size());
      out += *h.value;
    }
  }
  return out;
}

Headers decodeHeaders(std::string_view bytes) {
  Headers headers;
  while (!bytes.empty()) {
    size_t n = 0;
    if (!readLength(bytes, n)) break;
    std::string key(bytes.substr(0, n));
    bytes.remove_prefix(n);
    if (bytes.empty()) break;
    const bool has_value = bytes[0] != '\0';
    bytes.remove_prefix(1);
    std::optional<std::string> value;
    if (has_value) {
      if (!readLength(bytes, n)) break;
      value.emplace(bytes.substr(0, n));
      bytes.remove_prefix(n);
    }
    headers.add(std::move(key), std::move(value));
  }
  return headers;
}

}  // namespace kstreams::internal
