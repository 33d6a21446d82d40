// A stream-stream left join through KafkaStreams on the embedded (mock) cluster: two input
// topics, inner results as partners arrive, the left-only result once stream time has passed
// the window end (and the once-per-second scan ran). Waits are condition-based.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "runtime_test_support.h"

namespace kstreams::runtime_test {
namespace {

using Serdes::String;
using std::chrono::seconds;
using namespace std::chrono_literals;

TEST(StreamJoinEmbeddedTest, LeftJoinOfTwoTopics) {
  EmbeddedKafkaCluster cluster{1};
  const std::string bootstrap = cluster.bootstrapServers();
  const std::string s = uniqueSuffix();
  const std::string l = "sj-l-" + s, r = "sj-r-" + s, out = "sj-out-" + s;
  ASSERT_TRUE(createTopics(bootstrap, {{l, 1}, {r, 1}, {out, 1}}).ok());

  StreamsBuilder builder;
  auto left = builder.stream(l, Consumed(String(), String()));
  auto right = builder.stream(r, Consumed(String(), String()));
  left.leftJoin(
          right,
          [](const std::string& a, const std::optional<std::string>& b) {
            return a + "|" + b.value_or("null");
          },
          JoinWindows::ofTimeDifferenceWithNoGrace(std::chrono::milliseconds(100)))
      .to(out, Produced(String(), String()));
  KafkaStreams streams(builder.build(), StreamsConfig{{"application.id", "sj-" + s},
                                                      {"bootstrap.servers", bootstrap},
                                                      {"commit.interval.ms", "200"},
                                                      {"poll.ms", "50"}});
  ASSERT_TRUE(streams.start().ok());
  {
    SimpleProducer producer(bootstrap);
    producer.send(l, "k1", "a", 1000, 0);
    producer.send(l, "k2", "b", 1000, 0);
    producer.send(r, "k1", "x", 1050, 0);
    ASSERT_TRUE(producer.flush().ok());
  }
  auto values = [&] {
    std::vector<std::string> seen;
    auto records = readTopic(bootstrap, out);
    if (records.ok()) {
      for (const auto& rec : *records) seen.push_back(rec.value.value_or("<null>"));
    }
    return seen;
  };
  auto has = [&](const std::string& v) {
    auto seen = values();
    return std::find(seen.begin(), seen.end(), v) != seen.end();
  };
  ASSERT_TRUE(eventually([&] { return has("a|x"); }, 30s));
  EXPECT_FALSE(has("b|null"));  // its window (1000 + 100) is still open
  // Move stream time past k2's window; the scan for closed windows runs at most once a second,
  // so keep advancing until it has.
  int64_t t = 2000;
  ASSERT_TRUE(eventually(
      [&] {
        SimpleProducer producer(bootstrap);
        producer.send(r, "tick", "t", t++, 0);
        EXPECT_TRUE(producer.flush().ok());
        return has("b|null");
      },
      30s));
  EXPECT_TRUE(streams.close(seconds(30)));
  auto seen = values();
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "b|null"), 1);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "a|null"), 0);  // a found x: never a|null
}

}  // namespace
}  // namespace kstreams::runtime_test
