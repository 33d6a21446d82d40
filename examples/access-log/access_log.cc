#include "access_log.h"

#include <charconv>

namespace access_log {
namespace {

// A cursor over the line; each reader consumes one field and the single space after it.
class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  bool done() const { return pos_ >= s_.size(); }

  // A run of non-space characters.
  std::optional<std::string_view> token() {
    size_t end = s_.find(' ', pos_);
    if (end == pos_) return std::nullopt;
    if (end == std::string_view::npos) end = s_.size();
    auto out = s_.substr(pos_, end - pos_);
    pos_ = end;
    return out;
  }
  // Text between `open` and `close`; inside quotes, \" and \\ are escapes (Apache writes them).
  std::optional<std::string> delimited(char open, char close) {
    if (pos_ >= s_.size() || s_[pos_] != open) return std::nullopt;
    std::string out;
    for (size_t i = pos_ + 1; i < s_.size(); ++i) {
      char c = s_[i];
      if (c == '\\' && open == '"' && i + 1 < s_.size()) {
        out += s_[++i];
      } else if (c == close) {
        pos_ = i + 1;
        return out;
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }
  bool space() {
    if (pos_ < s_.size() && s_[pos_] == ' ') {
      ++pos_;
      return true;
    }
    return false;
  }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool parseNumber(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<nlohmann::json> parseLine(std::string_view line, std::string* error) {
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  auto fail = [&](std::string reason) -> std::optional<nlohmann::json> {
    *error = std::move(reason);
    return std::nullopt;
  };
  if (line.empty()) return fail("empty line");
  Cursor c(line);
  auto ip = c.token();
  if (!ip || !c.space()) return fail("missing client address");
  auto ident = c.token();
  if (!ident || !c.space()) return fail("missing ident field");
  auto user = c.token();
  if (!user || !c.space()) return fail("missing authuser field");
  auto time = c.delimited('[', ']');
  if (!time || !c.space()) return fail("missing [date] field");
  auto request = c.delimited('"', '"');
  if (!request || !c.space()) return fail("missing quoted request");
  auto status_text = c.token();
  int64_t status = 0;
  if (!status_text || !parseNumber(*status_text, &status) || status < 100 || status > 599) {
    return fail("status is not an HTTP status code");
  }
  if (!c.space()) return fail("missing bytes field");
  auto bytes_text = c.token();
  int64_t bytes = 0;
  if (!bytes_text || (*bytes_text != "-" && (!parseNumber(*bytes_text, &bytes) || bytes < 0))) {
    return fail("bytes is neither a number nor '-'");
  }

  // "GET /path HTTP/1.1"; Apache logs "-" for a request line it could not read.
  std::string method, path, protocol;
  {
    std::string_view r = *request;
    size_t a = r.find(' ');
    size_t b = a == std::string_view::npos ? a : r.find(' ', a + 1);
    if (a == std::string_view::npos || b == std::string_view::npos) {
      return fail("request is not 'METHOD PATH PROTOCOL'");
    }
    method = std::string(r.substr(0, a));
    path = std::string(r.substr(a + 1, b - a - 1));
    protocol = std::string(r.substr(b + 1));
  }

  nlohmann::json out = {{"ip", std::string(*ip)},
                        {"ident", std::string(*ident)},
                        {"user", std::string(*user)},
                        {"time", *time},
                        {"method", method},
                        {"path", path},
                        {"protocol", protocol},
                        {"status", status},
                        {"bytes", bytes}};
  if (!c.done()) {
    if (!c.space()) return fail("unexpected text after bytes");
    auto referer = c.delimited('"', '"');
    if (!referer || !c.space()) return fail("combined format: missing quoted referer");
    auto agent = c.delimited('"', '"');
    if (!agent) return fail("combined format: missing quoted user agent");
    if (!c.done()) return fail("unexpected text after user agent");
    out["referer"] = *referer;
    out["user_agent"] = *agent;
  }
  return out;
}

bool AccessLogLineSerde::serialize(std::string_view, const nlohmann::json& value,
                                   std::string& out) const {
  out += value.dump();
  return true;
}

nlohmann::json AccessLogLineSerde::deserialize(std::string_view,
                                               std::optional<std::string_view> data) const {
  if (!data) throw kstreams::SerializationException("null line");
  std::string error;
  auto parsed = parseLine(*data, &error);
  if (!parsed) throw kstreams::SerializationException("malformed access-log line: " + error);
  return std::move(*parsed);
}

}  // namespace access_log
