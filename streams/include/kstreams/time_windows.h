// File: kstreams/time_windows.h
//
// Fixed-size time windows for windowed aggregations (Java's kstream.TimeWindows): tumbling
// (advance = size) or hopping (advance < size), with a grace period after a window's end during
// which out-of-order records are still added to it.
//
//   auto tumbling = kstreams::TimeWindows::ofSizeWithNoGrace(std::chrono::minutes(1));
//   auto hopping = kstreams::TimeWindows::ofSizeAndGrace(std::chrono::minutes(5),
//                                                        std::chrono::hours(24))
//                      .advanceBy(std::chrono::minutes(1));
//   stream.groupByKey().windowedBy(tumbling).count();
//
// Windows are aligned to the epoch: a record at time t belongs to every window [start,
// start + size) with start a multiple of the advance, start <= t < start + size, start >= 0
// (Java's windowsFor). A record is too late for a window, and dropped for it, once the window's
// end <= stream time - grace.
//
// Errors: std::invalid_argument (Java's IllegalArgumentException) for a size <= 0, a negative
// grace, or an advance <= 0 or > size. Immutable value; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "kstreams/windowed.h"

namespace kstreams {

class TimeWindows {
 public:
  // Tumbling windows of `size` with no grace period.
  static TimeWindows ofSizeWithNoGrace(std::chrono::milliseconds size) {
    return ofSizeAndGrace(size, std::chrono::milliseconds(0));
  }
  // Tumbling windows of `size` that accept records until `after_window_end` past their end.
  static TimeWindows ofSizeAndGrace(std::chrono::milliseconds size,
                                    std::chrono::milliseconds after_window_end) {
    if (size.count() <= 0) {
      throw std::invalid_argument("Window size (sizeMs) must be larger than zero.");
    }
    if (after_window_end.count() < 0) {
      throw std::invalid_argument("Grace period must not be negative.");
    }
    return TimeWindows(size.count(), size.count(), after_window_end.count());
  }
  // Hopping windows: a new window every `advance` (0 < advance <= size).
  TimeWindows advanceBy(std::chrono::milliseconds advance) const {
    if (advance.count() <= 0 || advance.count() > size_) {
      throw std::invalid_argument(
          "Window advancement interval should be more than zero and less than window duration "
          "which is " +
          std::to_string(size_) +
          " ms, but given advancement interval is: " + std::to_string(advance.count()) + " ms");
    }
    return TimeWindows(size_, advance.count(), grace_);
  }

  int64_t size() const { return size_; }
  int64_t advanceMs() const { return advance_; }
  int64_t gracePeriodMs() const { return grace_; }

  // The windows a record at `timestamp` belongs to, by start.
  std::map<int64_t, TimeWindow> windowsFor(int64_t timestamp) const {
    int64_t start = timestamp - size_ + advance_;
    if (start < 0) start = 0;
    start -= start % advance_;
    std::map<int64_t, TimeWindow> out;
    for (; start <= timestamp; start += advance_) {
      out.emplace(start, TimeWindow(start, internal::windowEndForSize(start, size_)));
    }
    return out;
  }

  bool operator==(const TimeWindows&) const = default;

 private:
  TimeWindows(int64_t size, int64_t advance, int64_t grace)
      : size_(size), advance_(advance), grace_(grace) {}

  int64_t size_;
  int64_t advance_;
  int64_t grace_;
};

}  // namespace kstreams
