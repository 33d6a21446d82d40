#include "kstreams/logging.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

namespace kstreams {
namespace {

LogLevel levelFromEnv() {
  const char* env = std::getenv("KSTREAMS_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kWarn;
  std::string v(env);
  if (v == "debug") return LogLevel::kDebug;
  if (v == "info") return LogLevel::kInfo;
  if (v == "error") return LogLevel::kError;
  return LogLevel::kWarn;
}

std::atomic<int>& minLevel() {
  static std::atomic<int> level{static_cast<int>(levelFromEnv())};
  return level;
}

// The sink, swapped under a mutex and called outside it: setLogSink() may run while other
// threads log (librdkafka's threads route their lines here too).
std::mutex& sinkMutex() {
  static std::mutex mu;
  return mu;
}
std::shared_ptr<const LogSink>& sinkSlot() {
  static std::shared_ptr<const LogSink> s;
  return s;
}
std::shared_ptr<const LogSink> currentSink() {
  std::lock_guard<std::mutex> lock(sinkMutex());
  return sinkSlot();
}

void stderrSink(LogLevel level, std::string_view message) {
  static std::mutex mu;  // keeps lines from different threads whole
  static const char* names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()) % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
  std::lock_guard<std::mutex> lock(mu);
  std::fprintf(stderr, "%s.%03d %-5s kstreams: %.*s\n", stamp, static_cast<int>(ms.count()),
               names[static_cast<int>(level)], static_cast<int>(message.size()), message.data());
}

}  // namespace

void setLogSink(LogSink s) {
  auto next = s ? std::make_shared<const LogSink>(std::move(s)) : nullptr;
  std::lock_guard<std::mutex> lock(sinkMutex());
  sinkSlot() = std::move(next);
}
void setLogLevel(LogLevel level) { minLevel().store(static_cast<int>(level)); }

namespace internal {
bool logEnabled(LogLevel level) { return static_cast<int>(level) >= minLevel().load(); }
void logLine(LogLevel level, std::string_view message) {
  if (!logEnabled(level)) return;
  if (std::shared_ptr<const LogSink> s = currentSink()) {
    (*s)(level, message);
  } else {
    stderrSink(level, message);
  }
}
}  // namespace internal

}  // namespace kstreams
