// File: kstreams/wire_format.h
//
// The Confluent wire format that schema-registry serdes put around a payload, so that Java,
// Python and Go clients of Confluent's format (and Apicurio's in "Confluent" mode) read what
// kstreams writes and the other way round:
//
//   byte 0      magic byte 0x00
//   bytes 1..4  schema id, 32-bit big-endian (the id the registry gave the writer's schema)
//   bytes 5..   payload (Avro binary, JSON text, ...)
//
//   std::string out;
//   kstreams::wire::appendHeader(42, out);   // "\0\0\0\0\x2a"
//   out += avro_bytes;
//   kstreams::wire::Framed framed = kstreams::wire::parse(out);   // {42, avro_bytes}
//
// Header-only, stateless, safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "kstreams/serde.h"

namespace kstreams::wire {

inline constexpr unsigned char kMagicByte = 0x00;
inline constexpr std::size_t kHeaderSize = 5;

// Bytes that do not start with a valid Confluent header: too short, or a magic byte other than
// 0 (for example a record written by a plain serde, or by a format kstreams does not speak).
// A SerializationException, so at a source it goes to the deserialization exception handler.
class InvalidFramingException : public SerializationException {
 public:
  using SerializationException::SerializationException;
};

// Appends the 5-byte header for `schema_id` to `out`.
inline void appendHeader(int32_t schema_id, std::string& out) {
  const auto id = static_cast<uint32_t>(schema_id);
  const char header[kHeaderSize] = {static_cast<char>(kMagicByte), static_cast<char>(id >> 24),
                                    static_cast<char>(id >> 16), static_cast<char>(id >> 8),
                                    static_cast<char>(id)};
  out.append(header, kHeaderSize);
}

// A framed record: the writer's schema id and a view of the payload (into the parsed bytes).
struct Framed {
  int32_t schema_id = 0;
  std::string_view payload;
};

// Splits `data` into schema id and payload. Throws InvalidFramingException when it is shorter
// than the header or its first byte is not the magic byte.
inline Framed parse(std::string_view data) {
  if (data.size() < kHeaderSize) {
    throw InvalidFramingException("Confluent wire format: " + std::to_string(data.size()) +
                                  " bytes are too short for the 5-byte header (magic byte 0, "
                                  "4-byte schema id)");
  }
  const auto magic = static_cast<unsigned char>(data[0]);
  if (magic != kMagicByte) {
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02x", magic);
    throw InvalidFramingException(std::string("Confluent wire format: unknown magic byte ") + hex +
                                  " (expected 0x00): not written by a schema-registry serializer");
  }
  const auto b = [&](std::size_t i) {
    return static_cast<uint32_t>(static_cast<uint8_t>(data[i]));
  };
  Framed framed;
  framed.schema_id = static_cast<int32_t>(b(1) << 24 | b(2) << 16 | b(3) << 8 | b(4));
  framed.payload = data.substr(kHeaderSize);
  return framed;
}

}  // namespace kstreams::wire
