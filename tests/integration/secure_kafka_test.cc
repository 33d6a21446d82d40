// kstreams against a broker secured with SASL (SCRAM-SHA-256) over TLS, client certificates and
// ACLs: `scripts/kafka start --secure` (see its header for the users and ACLs). ctest runs these
// through tests/install/with_secure_broker.sh, which starts such a broker beside the plain one
// and points KSTREAMS_SECURE_CLIENT_CONFIG at `scripts/kafka client-config` for user kstreams.
// Without that variable every test here is skipped.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/logging.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "runtime_test_support.h"

namespace kstreams {
namespace {

using State = KafkaStreams::State;
using std::chrono::seconds;

// Every log line of the process while alive (kstreams' own and librdkafka's, which kstreams
// routes through the same sink), at debug level.
class LogCapture {
 public:
  LogCapture() {
    setLogLevel(LogLevel::kDebug);
    setLogSink([this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    });
  }
  ~LogCapture() {
    setLogSink(nullptr);
    setLogLevel(LogLevel::kWarn);
  }
  std::vector<std::string> lines() const {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

class SecureKafkaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* path = std::getenv("KSTREAMS_SECURE_CLIENT_CONFIG");
    if (path == nullptr || *path == '\0') {
      GTEST_SKIP() << "KSTREAMS_SECURE_CLIENT_CONFIG not set (tests/install/with_secure_broker.sh)";
    }
    std::ifstream in(path);
    ASSERT_TRUE(in) << path;
    for (std::string line; std::getline(in, line);) {
      const size_t eq = line.find('=');
      if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
      client_[line.substr(0, eq)] = line.substr(eq + 1);
    }
    ASSERT_TRUE(client_.count("bootstrap.servers")) << path;
    bootstrap_ = client_["bootstrap.servers"];
    client_.erase("bootstrap.servers");
    suffix_ = runtime_test::uniqueSuffix();
  }

  StreamsConfig config(const std::string& app,
                       const std::map<std::string, std::string>& overrides = {}) const {
    StreamsConfig c{{"application.id", app},
                    {"bootstrap.servers", bootstrap_},
                    {"commit.interval.ms", "200"},
                    {"poll.ms", "50"}};
    for (const auto& [k, v] : client_) c.set(k, v);
    for (const auto& [k, v] : overrides) c.set(k, v);
    return c;
  }

  // `count` records key-i → value-i into `topic` as user kstreams (the topic is auto-created,
  // which its ACLs allow for sec- topics).
  void produce(const std::string& topic, int count) {
    SimpleProducer producer(bootstrap_, client_);
    for (int i = 0; i < count; ++i) {
      producer.send(topic, "key-" + std::to_string(i), "value-" + std::to_string(i));
    }
    ASSERT_TRUE(producer.flush().ok());
  }

  static Topology upperCase(const std::string& in, const std::string& out) {
    StreamsBuilder builder;
    builder.stream(in, Consumed(Serdes::String(), Serdes::String()))
        .mapValues([](const std::string& v) {
          std::string u = v;
          for (char& c : u) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          return u;
        })
        .to(out, Produced(Serdes::String(), Serdes::String()));
    return builder.build();
  }

  // Starts `streams` with a handler that records the failure and shuts the client down, and
  // waits for ERROR; returns the failure's message and how long it took.
  static std::pair<std::string, double> runUntilError(KafkaStreams& streams,
                                                      runtime_test::StateRecorder& recorder) {
    auto message = std::make_shared<std::string>();
    auto mu = std::make_shared<std::mutex>();
    streams.setUncaughtExceptionHandler([message, mu](const std::exception_ptr& e) {
      std::lock_guard<std::mutex> lock(*mu);
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        *message = x.what();
      }
      return StreamThreadExceptionResponse::kShutdownClient;
    });
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(streams.start().ok());
    EXPECT_TRUE(
        runtime_test::eventually([&] { return streams.state() == State::kError; }, seconds(60)))
        << recorder.describe();
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard<std::mutex> lock(*mu);
    return {*message, took};
  }

  std::string bootstrap_;
  std::map<std::string, std::string> client_;  // librdkafka security settings, user kstreams
  std::string suffix_;
};

// The right credentials: everything processed and read back over SASL_SSL; and, with
// librdkafka's security and configuration debug logs on, no secret in any log line (kstreams'
// StreamsConfig dump hides them).
TEST_F(SecureKafkaTest, RightCredentialsProcessEveryRecordAndNoSecretIsLogged) {
  const std::string in = "sec-in-" + suffix_, out = "sec-out-" + suffix_;
  produce(in, 200);
  LogCapture logs;
  {
    KafkaStreams streams(upperCase(in, out),
                         config("sec-app-" + suffix_, {{"debug", "security,broker,conf"}}));
    runtime_test::StateRecorder recorder;
    recorder.attach(streams);
    const absl::Status started = streams.start();
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_TRUE(streams.waitUntilCaughtUp(seconds(90))) << recorder.describe();
    EXPECT_TRUE(streams.close(seconds(30)));
    EXPECT_FALSE(recorder.saw(State::kError)) << recorder.describe();
  }
  // readTopic joins no group, but librdkafka wants a group id, and the ACLs only allow sec-.
  std::map<std::string, std::string> reader = client_;
  reader["group.id"] = "sec-reader-" + suffix_;
  absl::StatusOr<std::vector<ConsumedRecord>> records = readTopic(bootstrap_, out, {}, reader);
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(records->size(), 200u);
  std::map<std::string, std::string> got;
  for (const ConsumedRecord& r : *records) got[r.key.value_or("null")] = r.value.value_or("null");
  for (int i = 0; i < 200; ++i) {
    EXPECT_EQ(got["key-" + std::to_string(i)], "VALUE-" + std::to_string(i));
  }

  const std::vector<std::string> lines = logs.lines();
  bool saw_dump = false, saw_sasl = false;
  for (const std::string& line : lines) {
    if (line.find("StreamsConfig values:") != std::string::npos) {
      saw_dump = true;
      EXPECT_NE(line.find("sasl.password = [hidden]"), std::string::npos) << line;
      EXPECT_NE(line.find("ssl.key.password = [hidden]"), std::string::npos) << line;
    }
    if (line.find("SASL") != std::string::npos || line.find("sasl") != std::string::npos) {
      saw_sasl = true;
    }
    for (const char* key : {"sasl.password", "ssl.key.password"}) {
      EXPECT_EQ(line.find(client_.at(key)), std::string::npos) << key << " in: " << line;
    }
  }
  EXPECT_TRUE(saw_dump) << lines.size() << " lines";
  // The check above means something only if librdkafka's security debug lines were captured.
  EXPECT_TRUE(saw_sasl) << lines.size() << " lines";
}

// A wrong password fails start() within seconds, with librdkafka's reason, instead of
// retrying for ever (start() asks the cluster for the source topics' partitions first, so that
// is where the credentials are first used).
TEST_F(SecureKafkaTest, WrongPasswordFailsFastNamingTheCause) {
  const std::string in = "sec-in-" + suffix_, out = "sec-out-" + suffix_;
  produce(in, 10);
  KafkaStreams streams(upperCase(in, out),
                       config("sec-wrong-" + suffix_, {{"sasl.password", "not-the-password"}}));
  const auto t0 = std::chrono::steady_clock::now();
  const absl::Status started = streams.start();
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_FALSE(started.ok());
  const std::string message(started.message());
  EXPECT_TRUE(absl::IsUnauthenticated(started)) << started;
  EXPECT_NE(message.find("_AUTHENTICATION"), std::string::npos) << message;
  EXPECT_NE(message.find("Authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find("not retried"), std::string::npos) << message;
  EXPECT_EQ(message.find("not-the-password"), std::string::npos) << message;
  EXPECT_LT(took, 20.0) << message;
}

// A sink topic the principal may create and read but not write (prefix readonly-): the task
// fails with the authorization error; the production handler, which would skip the record,
// is never asked (as in Java, authorization errors are fatal).
TEST_F(SecureKafkaTest, ATopicThePrincipalMayNotWriteFailsTheTask) {
  const std::string in = "sec-in-" + suffix_, out = "readonly-out-" + suffix_;
  produce(in, 10);
  std::atomic<int> handler_calls{0};
  StreamsConfig cfg = config("sec-acl-" + suffix_);
  cfg.productionExceptionHandler([&handler_calls](const ProductionErrorContext&) {
    ++handler_calls;
    return ProductionHandlerResponse::kContinue;
  });
  KafkaStreams streams(upperCase(in, out), cfg);
  runtime_test::StateRecorder recorder;
  recorder.attach(streams);
  auto [message, took] = runUntilError(streams, recorder);
  EXPECT_NE(message.find("TOPIC_AUTHORIZATION_FAILED"), std::string::npos) << message;
  EXPECT_NE(message.find(out), std::string::npos) << message;
  EXPECT_EQ(handler_calls.load(), 0);
  EXPECT_LT(took, 60.0) << message;
}

}  // namespace
}  // namespace kstreams
