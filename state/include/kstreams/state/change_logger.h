// File: kstreams/state/change_logger.h
//
// The one hook through which a store's changes reach Kafka. The runtime implements it (sending
// to the compacted topic `<application.id>-<store>-changelog`, partition = the task's
// partition, with the timestamp of the record being processed); state/ only calls it:
//
//   class TopicChangeLogger : public kstreams::state::ChangeLogger {
//     absl::Status logChange(std::string_view key,
//                            std::optional<std::string_view> value) override {
//       return collector_.send(changelog_topic_, partition_, key, value, ts());
//     }
//   };
//
// Threads: called on the store's owning stream thread, in the order the writes happen.
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace kstreams::state {

class ChangeLogger {
 public:
  virtual ~ChangeLogger() = default;

  // Sends one change: `value` std::nullopt is a delete (a tombstone, null value in Kafka). The
  // views are valid only during the call: copy what is kept. A non-OK status fails the store
  // write that caused it (the store itself was already written).
  virtual absl::Status logChange(std::string_view key, std::optional<std::string_view> value) = 0;
};

}  // namespace kstreams::state
