// File: kstreams/sliding_windows.h
//
// Sliding windows for windowed aggregations (Java's kstream.SlidingWindows): a window of
// `timeDifference` ends at every record (its left window [t - timeDifference, t]) and starts
// just after it (its right window [t + 1, t + 1 + timeDifference], made only when a later
// record falls into it), so every distinct set of records within timeDifference of each other
// has exactly one window. Both ends are inclusive, as in Java.
//
//   auto sliding = kstreams::SlidingWindows::ofTimeDifferenceAndGrace(std::chrono::minutes(5),
//                                                                     std::chrono::minutes(1));
//   stream.groupByKey().windowedBy(sliding).count();
//
// Errors: std::invalid_argument (Java's IllegalArgumentException) for a negative time
// difference or grace. Immutable value; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace kstreams {

class SlidingWindows {
 public:
  // Windows of `time_difference` with no grace period: a record is dropped once stream time
  // has passed the end of the right window it would create.
  static SlidingWindows ofTimeDifferenceWithNoGrace(std::chrono::milliseconds time_difference) {
    return ofTimeDifferenceAndGrace(time_difference, std::chrono::milliseconds(0));
  }
  // Windows of `time_difference` that accept records until `after_window_end` past their end.
  static SlidingWindows ofTimeDifferenceAndGrace(std::chrono::milliseconds time_difference,
                                                 std::chrono::milliseconds after_window_end) {
    if (time_difference.count() < 0) {
      throw std::invalid_argument("Window time difference must not be negative.");
    }
    if (after_window_end.count() < 0) {
      throw std::invalid_argument("Window grace period must not be negative.");
    }
    return SlidingWindows(time_difference.count(), after_window_end.count());
  }

  int64_t timeDifferenceMs() const { return time_difference_; }
  int64_t gracePeriodMs() const { return grace_; }

  bool operator==(const SlidingWindows&) const = default;

 private:
  SlidingWindows(int64_t time_difference, int64_t grace)
      : time_difference_(time_difference), grace_(grace) {}

  int64_t time_difference_;
  int64_t grace_;
};

}  // namespace kstreams
