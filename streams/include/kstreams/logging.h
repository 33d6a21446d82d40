// File: kstreams/logging.h
//
// Where kstreams writes its log lines (state changes, skipped records, rebalances). By default
// they go to stderr, WARN and above; an application routes them into its own logger with
// setLogSink(). The sink may be called from any stream thread at once, so it must be
// thread-safe; it must not call back into kstreams.
#pragma once

#include <functional>
#include <string_view>

namespace kstreams {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogSink = std::function<void(LogLevel level, std::string_view message)>;

// Replaces the sink (nullptr restores the stderr default). Safe while other threads log: a line
// being written may still go to the previous sink.
void setLogSink(LogSink sink);
// Lines below this level are dropped before formatting. Default: kWarn, or the value of the
// environment variable KSTREAMS_LOG_LEVEL (debug, info, warn, error).
void setLogLevel(LogLevel level);

namespace internal {
bool logEnabled(LogLevel level);
void logLine(LogLevel level, std::string_view message);
}  // namespace internal

}  // namespace kstreams
