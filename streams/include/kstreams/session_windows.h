// File: kstreams/session_windows.h
//
// Session windows for windowed aggregations (Java's kstream.SessionWindows): a session of a key
// is a run of its records with gaps no longer than the inactivity gap; a record within the gap
// of one or more sessions merges them.
//
//   auto sessions = kstreams::SessionWindows::ofInactivityGapAndGrace(std::chrono::minutes(5),
//                                                                     std::chrono::hours(24));
//   stream.groupByKey().windowedBy(sessions).count();
//
// A record is too late, and dropped, when the session it would make or extend ends before stream
// time - grace.
//
// Errors: std::invalid_argument (Java's IllegalArgumentException) for a gap <= 0 or a negative
// grace. Immutable value; any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>

namespace kstreams {

class SessionWindows {
 public:
  static SessionWindows ofInactivityGapWithNoGrace(std::chrono::milliseconds gap) {
    return ofInactivityGapAndGrace(gap, std::chrono::milliseconds(0));
  }
  static SessionWindows ofInactivityGapAndGrace(std::chrono::milliseconds gap,
                                                std::chrono::milliseconds after_window_end) {
    if (gap.count() <= 0) {
      throw std::invalid_argument("Gap time cannot be zero or negative.");
    }
    if (after_window_end.count() < 0) {
      throw std::invalid_argument("Grace period must not be negative.");
    }
    return SessionWindows(gap.count(), after_window_end.count());
  }

  int64_t inactivityGap() const { return gap_; }
  int64_t gracePeriodMs() const { return grace_; }
  bool operator==(const SessionWindows&) const = default;

 private:
  SessionWindows(int64_t gap, int64_t grace) : gap_(gap), grace_(grace) {}
  int64_t gap_;
  int64_t grace_;
};

}  // namespace kstreams
