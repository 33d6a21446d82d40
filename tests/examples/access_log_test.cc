// The access-log example's parser and serde: Common and Combined Log Format, "-" bytes, and the
// reasons given for malformed lines (they end up in the dead-letter topic's headers).
#include "access_log.h"

#include <gtest/gtest.h>

#include "kstreams/serde.h"

namespace {

TEST(AccessLogParser, CommonLogFormat) {
  std::string error;
  auto j = access_log::parseLine(
      R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326)",
      &error);
  ASSERT_TRUE(j) << error;
  EXPECT_EQ((*j)["ip"], "127.0.0.1");
  EXPECT_EQ((*j)["user"], "frank");
  EXPECT_EQ((*j)["time"], "10/Oct/2000:13:55:36 -0700");
  EXPECT_EQ((*j)["method"], "GET");
  EXPECT_EQ((*j)["path"], "/apache_pb.gif");
  EXPECT_EQ((*j)["protocol"], "HTTP/1.0");
  EXPECT_TRUE((*j)["status"].is_number_integer());
  EXPECT_EQ((*j)["status"], 200);
  EXPECT_EQ((*j)["bytes"], 2326);
  EXPECT_FALSE(j->contains("user_agent"));
}

TEST(AccessLogParser, CombinedLogFormatWithDashBytesAndEscapes) {
  std::string error;
  auto j = access_log::parseLine(
      R"(10.0.0.1 - - [25/Nov/2026:10:00:00 +0000] "POST /api?q=\"x\" HTTP/1.1" 503 - )"
      R"("https://example.com/" "curl/8.5.0")",
      &error);
  ASSERT_TRUE(j) << error;
  EXPECT_EQ((*j)["status"], 503);
  EXPECT_EQ((*j)["bytes"], 0);
  EXPECT_EQ((*j)["path"], "/api?q=\"x\"");
  EXPECT_EQ((*j)["referer"], "https://example.com/");
  EXPECT_EQ((*j)["user_agent"], "curl/8.5.0");
}

TEST(AccessLogParser, MalformedLinesSayWhy) {
  struct Case {
    const char* line;
    const char* reason;
  } cases[] = {
      {"", "empty line"},
      {"this is not an access log line", "missing [date] field"},
      {R"(1.2.3.4 - - [d] "GET / HTTP/1.1" 2OO 5)", "status is not an HTTP status code"},
      {R"(1.2.3.4 - - [d] "GET / HTTP/1.1" 200 many)", "bytes is neither a number nor '-'"},
      {R"(1.2.3.4 - - [d] "\x16\x03" 400 -)", "request is not 'METHOD PATH PROTOCOL'"},
      {R"(1.2.3.4 - - [d] "GET / HTTP/1.1" 200 5 "ref")",
       "combined format: missing quoted referer"},
  };
  for (const auto& c : cases) {
    std::string error;
    EXPECT_FALSE(access_log::parseLine(c.line, &error)) << c.line;
    EXPECT_EQ(error, c.reason) << c.line;
  }
}

TEST(AccessLogSerde, ThrowsSerializationExceptionWithReason) {
  access_log::AccessLogLineSerde serde;
  EXPECT_EQ(
      serde.deserialize("t", std::string_view(R"(h - - [d] "GET / HTTP/1.1" 500 1)"))["status"],
      500);
  try {
    serde.deserialize("t", std::string_view("garbage"));
    FAIL() << "expected an exception";
  } catch (const kstreams::SerializationException& e) {
    EXPECT_STREQ(e.what(), "malformed access-log line: missing client address");
  }
  EXPECT_THROW(serde.deserialize("t", std::nullopt), kstreams::SerializationException);
}

}  // namespace
