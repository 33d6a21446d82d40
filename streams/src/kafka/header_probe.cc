#include "kafka/header_probe.h"

#include <atomic>
#include <cstddef>

#include "kstreams/logging.h"

namespace kstreams::internal {
namespace {

constexpr uint32_t kVerifyEvery = 1024;

bool versionSupported() {
  const int v = rd_kafka_version();
  return v >= 0x02000000 && v < 0x03000000;
}

std::atomic<bool>& enabledFlag() {
  static std::atomic<bool> flag{versionSupported()};
  return flag;
}

}  // namespace

bool HeaderProbe::layoutSaysNoHeaders(const rd_kafka_message_t* message) {
  if (message->key == nullptr || message->payload == nullptr || message->key_len == 0 ||
      message->len == 0) {
    return false;
  }
  const char* key_end = static_cast<const char*>(message->key) + message->key_len;
  const char* value = static_cast<const char*>(message->payload);
  if (value <= key_end) return false;
  const std::ptrdiff_t gap = value - key_end;
  if (gap > 5 || gap == 4) return false;
  return value[message->len] == 0;
}

bool HeaderProbe::enabled() { return enabledFlag().load(std::memory_order_relaxed); }

bool HeaderProbe::hasNoHeaders(const rd_kafka_message_t* message, uint32_t& sample_counter) {
  if (!enabled() || !layoutSaysNoHeaders(message)) return false;
  if (++sample_counter % kVerifyEvery != 0) return true;
  rd_kafka_headers_t* headers = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_message_headers(message, &headers);
  if (err == RD_KAFKA_RESP_ERR__NOENT ||
      (err == RD_KAFKA_RESP_ERR_NO_ERROR && rd_kafka_header_cnt(headers) == 0)) {
    return true;
  }
  if (enabledFlag().exchange(false)) {
    internal::logLine(LogLevel::kError,
                      "kstreams: librdkafka's record layout is not the one the header probe "
                      "expects (a record it took for header-free has headers); reading every "
                      "record's headers through librdkafka from now on");
  }
  return false;
}

}  // namespace kstreams::internal
