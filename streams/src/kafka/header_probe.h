// Private: tells, without librdkafka's per-record allocation, that a consumed record has no
// headers.
//
// Why: kstreams must read every record's headers (they are forwarded to the output, as in Kafka
// Streams), and librdkafka 2.x's rd_kafka_message_headers() allocates and frees a parse buffer
// for every record of the v2 format, even to find a header count of zero: 14% of the
// instructions of a stateless topology (bench/side_by_side/README.md).
//
// How: librdkafka hands consumed records out zero-copy, pointing into the record batch. In the
// v2 format a record is [key length varint][key][value length varint][value][header count
// varint][headers], so when the value starts 1, 2, 3 or 5 bytes after the key ends (a varint
// length; never 4 for values under 1 MiB), the record is v2 and its header count is the byte
// right after the value, inside the record: 0 means no headers. Anything else (null or empty key
// or value, v0/v1 records with their 4-byte lengths, huge values, buffers that are not laid out
// like that) is left to rd_kafka_message_headers(). Only trusted for librdkafka 2.x (checked at
// run time; the layout is the same from 2.0.2 to 2.15), and verified: every 1024th record the
// probe calls "header-free" is also asked of librdkafka, and a single disagreement turns the
// probe off for the process (with an error log line).
//
// Thread-safe (the verdict is one atomic flag).

#ifndef KSTREAMS_STREAMS_SRC_KAFKA_HEADER_PROBE_H_
#define KSTREAMS_STREAMS_SRC_KAFKA_HEADER_PROBE_H_

#include <librdkafka/rdkafka.h>

#include <cstdint>

namespace kstreams::internal {

class HeaderProbe {
 public:
  // True only when `message` surely has no headers; false means "ask librdkafka".
  // `sample_counter` is the caller's (per thread) count for the periodic verification.
  static bool hasNoHeaders(const rd_kafka_message_t* message, uint32_t& sample_counter);

  // The layout check alone, without the verification or the version gate (for tests).
  static bool layoutSaysNoHeaders(const rd_kafka_message_t* message);

  // False once a verification failed or on a librdkafka other than 2.x.
  static bool enabled();
};

}  // namespace kstreams::internal

#endif  // KSTREAMS_STREAMS_SRC_KAFKA_HEADER_PROBE_H_
