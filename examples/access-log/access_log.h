// Parsing of HTTP access-log lines (Common and Combined Log Format) into JSON, and the serde that
// lets a kstreams source read such lines as parsed entries. A line that does not parse makes the
// serde throw SerializationException with the reason, so the runtime's deserialization handler
// (here: log-and-continue with a dead-letter topic) parks it with that reason in a header.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "kstreams/serde.h"

namespace access_log {

// Parses one line:
//   Common:   host ident authuser [date] "request" status bytes
//   Combined: Common + "referer" "user-agent"
// Returns an object with ip, ident, user, time, method, path, protocol, status (number),
// bytes (number; "-" means 0) and, for Combined lines, referer and user_agent. On failure
// returns nullopt and sets `*error` to the reason.
std::optional<nlohmann::json> parseLine(std::string_view line, std::string* error);

// Serde<nlohmann::json> over raw log lines: deserialize parses (throws on a malformed line, and
// on a null one, which deserializesNull() makes sources hand to it rather than read as a null
// value), serialize writes the JSON text.
class AccessLogLineSerde final : public kstreams::Serde<nlohmann::json> {
 public:
  bool serialize(std::string_view topic, const nlohmann::json& value,
                 std::string& out) const override;
  nlohmann::json deserialize(std::string_view topic,
                             std::optional<std::string_view> data) const override;
  bool deserializesNull() const override { return true; }
  std::string name() const override { return "AccessLogLineSerde"; }
};

}  // namespace access_log
