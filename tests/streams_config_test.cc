// StreamsConfig::resolve(): every bad value fails naming its key; librdkafka properties are
// checked by librdkafka itself and routed by prefix.
#include "kstreams/streams_config.h"

#include <gtest/gtest.h>

#include "kstreams/errors.h"
#include "kstreams/serdes.h"

namespace kstreams {
namespace {

std::string failingKey(const StreamsConfig& c) {
  try {
    c.resolve();
  } catch (const ConfigException& e) {
    EXPECT_NE(std::string(e.what()).find(e.key()), std::string::npos) << e.what();
    return e.key();
  }
  return "<no error>";
}

StreamsConfig valid() {
  return StreamsConfig{{"application.id", "app"}, {"bootstrap.servers", "127.0.0.1:9092"}};
}

TEST(StreamsConfig, DefaultsMatchKafkaStreams) {
  auto r = valid().resolve();
  EXPECT_EQ(r.application_id, "app");
  EXPECT_EQ(r.num_stream_threads, 1);
  EXPECT_EQ(r.commit_interval_ms, 30000);
  EXPECT_EQ(r.cache_max_bytes, 10 * 1024 * 1024);
  EXPECT_EQ(r.client_id, "app");
  EXPECT_EQ(r.default_key_serde, nullptr);
  ASSERT_TRUE(r.deserialization_handler);
  EXPECT_EQ(r.deserialization_handler(ErrorContext{}, "x"), DeserializationHandlerResponse::kFail);
}

TEST(StreamsConfig, BadValuesNameTheirKey) {
  EXPECT_EQ(failingKey(StreamsConfig{{"bootstrap.servers", "x:1"}}), "application.id");
  EXPECT_EQ(failingKey(StreamsConfig{{"application.id", "a b"}, {"bootstrap.servers", "x:1"}}),
            "application.id");
  EXPECT_EQ(failingKey(StreamsConfig{{"application.id", "a"}}), "bootstrap.servers");
  EXPECT_EQ(failingKey(valid().set("num.stream.threads", "0")), "num.stream.threads");
  EXPECT_EQ(failingKey(valid().set("num.stream.threads", "two")), "num.stream.threads");
  EXPECT_EQ(failingKey(valid().set("commit.interval.ms", "-5")), "commit.interval.ms");
  EXPECT_EQ(failingKey(valid().set("processing.guarantee", "exactly_once_v2")),
            "processing.guarantee");
  EXPECT_EQ(failingKey(valid().set("processing.guarantee", "maybe")), "processing.guarantee");
  EXPECT_EQ(failingKey(valid().set("default.key.serde", "NoSuchSerde")), "default.key.serde");
  EXPECT_EQ(failingKey(valid().set("deserialization.exception.handler", "Retry")),
            "deserialization.exception.handler");
  EXPECT_EQ(failingKey(valid().set("processing.exception.handler", "Retry")),
            "processing.exception.handler");
  EXPECT_NO_THROW(valid().set("processing.exception.handler", "LogAndContinue").resolve());
  EXPECT_NO_THROW(valid()
                      .set("processing.exception.handler",
                           "org.apache.kafka.streams.errors.LogAndFailProcessingExceptionHandler")
                      .resolve());
  EXPECT_EQ(failingKey(valid().set("application.server", "nohostport")), "application.server");
  // Unknown keys go to librdkafka, which rejects what it does not know.
  EXPECT_EQ(failingKey(valid().set("no.such.property", "1")), "no.such.property");
  EXPECT_EQ(failingKey(valid().set("producer.linger.ms", "soon")), "producer.linger.ms");
}

TEST(StreamsConfig, ClientPropertiesAreRoutedByPrefix) {
  auto r = valid()
               .set("socket.nagle.disable", "true")
               .set("producer.linger.ms", "20")
               .set("consumer.fetch.wait.max.ms", "10")
               .set("linger.ms", "1")
               .resolve();
  EXPECT_EQ(r.producer_props.at("linger.ms"), "20");  // the prefixed value wins
  EXPECT_EQ(r.consumer_props.at("fetch.wait.max.ms"), "10");
  EXPECT_EQ(r.producer_props.count("fetch.wait.max.ms"), 0u);
  EXPECT_EQ(r.admin_props.at("socket.nagle.disable"), "true");
}

TEST(StreamsConfig, SerdesAndHandlersByJavaNames) {
  auto r = valid()
               .set("default.key.serde", "org.apache.kafka.common.serialization.Serdes$StringSerde")
               .set("default.value.serde", "Long")
               .set("deserialization.exception.handler",
                    "org.apache.kafka.streams.errors.LogAndContinueExceptionHandler")
               .resolve();
  EXPECT_EQ(r.default_key_serde->type(), typeid(std::string));
  EXPECT_EQ(r.default_value_serde->type(), typeid(int64_t));
  EXPECT_EQ(r.deserialization_handler(ErrorContext{}, "x"),
            DeserializationHandlerResponse::kContinue);
}

TEST(StreamsConfig, SerdeObjectsWinOverNames) {
  auto r = valid().set("default.key.serde", "Long").defaultKeySerde(Serdes::String()).resolve();
  EXPECT_EQ(r.default_key_serde->type(), typeid(std::string));
}

// The dump KafkaStreams logs at INFO: every key, secrets hidden however they are prefixed.
TEST(StreamsConfig, ToStringHidesEverySecret) {
  StreamsConfig c{{"application.id", "app"},
                  {"bootstrap.servers", "127.0.0.1:9092"},
                  {"sasl.username", "alice"},
                  {"sasl.password", "pw-1"},
                  {"ssl.key.password", "pw-2"},
                  {"producer.ssl.keystore.password", "pw-3"},
                  {"sasl.jaas.config", "ScramLoginModule required password=\"pw-4\";"},
                  {"sasl.oauthbearer.client.secret", "pw-5"},
                  {"ssl.key.pem", "-----BEGIN PRIVATE KEY----- pw-6"},
                  {"admin.ssl.truststore.password", "pw-7"}};
  const std::string dump = c.toString();
  for (const char* secret : {"pw-1", "pw-2", "pw-3", "pw-4", "pw-5", "pw-6", "pw-7"}) {
    EXPECT_EQ(dump.find(secret), std::string::npos) << secret << " in:\n" << dump;
  }
  EXPECT_NE(dump.find("\tsasl.password = [hidden]\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\tproducer.ssl.keystore.password = [hidden]\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\tsasl.username = alice\n"), std::string::npos) << dump;
  EXPECT_NE(dump.find("\tapplication.id = app\n"), std::string::npos) << dump;
  EXPECT_FALSE(StreamsConfig::isSensitive("ssl.key.location"));
  EXPECT_FALSE(StreamsConfig::isSensitive("ssl.ca.location"));
}

}  // namespace
}  // namespace kstreams
