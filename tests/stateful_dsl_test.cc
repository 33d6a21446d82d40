// Tests of the stateful DSL (KGroupedStream, KTable, KGroupedTable, joins) through the
// TopologyTestDriver, and of describe() for stateful topologies.
//
// Expected describe() strings are Apache Kafka's own (the test or doc they come from is named
// above each). Expected records follow Kafka Streams 4.x semantics (old values, tombstones,
// timestamps, what a cache flush forwards); where a case is subtle, the comment says which Java
// code path decides it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka_describe_strings.h"
#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/ktable.h"
#include "kstreams/logging.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"

namespace kstreams {
namespace {

using Str = std::string;
using OptStr = std::optional<std::string>;
const auto S = [] { return Serdes::String(); };
const auto L = [] { return Serdes::Int64(); };

// Java's value.toLowerCase().split("\\W+").
std::vector<Str> words(const Str& line) {
  std::vector<Str> out;
  Str word;
  for (char c : line) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '_') {
      word.push_back(static_cast<char>(std::tolower(u)));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

StreamsConfig stringDefaults(std::map<std::string, std::string> extra = {}) {
  StreamsConfig config{{"application.id", "app"},
                       {"default.key.serde", "String"},
                       {"default.value.serde", "String"}};
  for (auto& [k, v] : extra) config.set(k, v);
  return config;
}

// Captures kstreams' log lines while alive.
class LogCapture {
 public:
  LogCapture() {
    setLogSink([this](LogLevel, std::string_view line) { lines.emplace_back(line); });
  }
  ~LogCapture() { setLogSink(nullptr); }
  bool contains(std::string_view text) const {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(text) != std::string::npos; });
  }
  std::vector<std::string> lines;
};

template <typename V>
using KVs = std::vector<KeyValue<Str, V>>;

// The driver's TimestampedKeyValueStore<Str, V> `name` (macro-friendly: one template argument).
template <typename V>
TimestampedKeyValueStore<Str, V>* tkv(TopologyTestDriver& driver, const std::string& name) {
  return driver.getTimestampedKeyValueStore<Str, V>(name);
}

// ---------------------------------------------------------------------------------------------
// (1) describe() against Kafka Streams' strings.

void buildWordCount(StreamsBuilder& builder) {
  KStream<Str, Str> source = builder.stream<Str, Str>("streams-wordcount-input");
  source.flatMapValues([](const Str& value) { return words(value); })
      .groupBy([](const Str&, const Str& value) { return value; })
      .count(Materialized<>::as("counts-store"))
      .toStream()
      .to("streams-wordcount-output", Produced(Serdes::String(), Serdes::Int64()));
}

// docs/streams/tutorial.html ("Writing a Streams Application", WordCount), as printed by
// Kafka Streams 4.x (the page of the Kafka site repository for 4.x).
TEST(StatefulDescribe, WordCountMatchesKafkaTutorial) {
  StreamsBuilder builder;
  buildWordCount(builder);
  Topology topology = builder.build();
  EXPECT_EQ(topology.describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [streams-wordcount-input])\n"
            "      --> KSTREAM-FLATMAPVALUES-0000000001\n"
            "    Processor: KSTREAM-FLATMAPVALUES-0000000001 (stores: [])\n"
            "      --> KSTREAM-KEY-SELECT-0000000002\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-KEY-SELECT-0000000002 (stores: [])\n"
            "      --> counts-store-repartition-filter\n"
            "      <-- KSTREAM-FLATMAPVALUES-0000000001\n"
            "    Processor: counts-store-repartition-filter (stores: [])\n"
            "      --> counts-store-repartition-sink\n"
            "      <-- KSTREAM-KEY-SELECT-0000000002\n"
            "    Sink: counts-store-repartition-sink (topic: counts-store-repartition)\n"
            "      <-- counts-store-repartition-filter\n"
            "\n"
            "  Sub-topology: 1\n"
            "    Source: counts-store-repartition-source (topics: [counts-store-repartition])\n"
            "      --> KSTREAM-AGGREGATE-0000000003\n"
            "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: [counts-store])\n"
            "      --> KTABLE-TOSTREAM-0000000007\n"
            "      <-- counts-store-repartition-source\n"
            "    Processor: KTABLE-TOSTREAM-0000000007 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000008\n"
            "      <-- KSTREAM-AGGREGATE-0000000003\n"
            "    Sink: KSTREAM-SINK-0000000008 (topic: streams-wordcount-output)\n"
            "      <-- KTABLE-TOSTREAM-0000000007\n"
            "\n");
  // Internal topics KafkaStreams creates: the repartition topic and the compacted changelog.
  ASSERT_EQ(topology.internalTopics().size(), 2u);
  EXPECT_EQ(topology.internalTopics()[0].name, "counts-store-repartition");
  EXPECT_EQ(topology.internalTopics()[0].partitions, -1);
  EXPECT_EQ(topology.internalTopics()[1].name, "counts-store-changelog");
  EXPECT_EQ(topology.internalTopics()[1].configs,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
}

// TopologyTest#kGroupedStreamZeroArgCountShouldPreserveTopologyStructure.
TEST(StatefulDescribe, GroupedStreamZeroArgCount) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input-topic").groupByKey().count();
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input-topic])\n"
            "      --> KSTREAM-AGGREGATE-0000000002\n"
            "    Processor: KSTREAM-AGGREGATE-0000000002 (stores: "
            "[KSTREAM-AGGREGATE-STATE-STORE-0000000001])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000000\n\n");
}

// TopologyTest#kGroupedStreamNamedMaterializedCountShouldPreserveTopologyStructure.
TEST(StatefulDescribe, GroupedStreamNamedMaterializedCount) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input-topic")
      .groupByKey()
      .count(Materialized<Str, int64_t>::as("count-store").withStoreType(StoreType::kInMemory));
  Topology topology = builder.build();
  EXPECT_EQ(topology.describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input-topic])\n"
            "      --> KSTREAM-AGGREGATE-0000000001\n"
            "    Processor: KSTREAM-AGGREGATE-0000000001 (stores: [count-store])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000000\n\n");
  TopologyTestDriver driver(topology, stringDefaults());
  EXPECT_FALSE(tkv<int64_t>(driver, "count-store")->persistent());
}

// TopologyTest#kGroupedStreamAnonymousMaterializedCountShouldPreserveTopologyStructure: an
// unnamed Materialized burns one more name (Java keeps that for compatibility).
TEST(StatefulDescribe, GroupedStreamAnonymousMaterializedCount) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("input-topic")
      .groupByKey()
      .count(
          Materialized<Str, int64_t>(nullptr, Serdes::Int64()).withStoreType(StoreType::kRocksDb));
  Topology topology = builder.build();
  EXPECT_EQ(topology.describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input-topic])\n"
            "      --> KSTREAM-AGGREGATE-0000000003\n"
            "    Processor: KSTREAM-AGGREGATE-0000000003 (stores: "
            "[KSTREAM-AGGREGATE-STATE-STORE-0000000002])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000000\n\n");
  TopologyTestDriver driver(topology, stringDefaults());
  EXPECT_TRUE(tkv<int64_t>(driver, "KSTREAM-AGGREGATE-STATE-STORE-0000000002")->persistent());
}

// TopologyTest#tableZeroArgCountShouldPreserveTopologyStructure: the table's store exists
// because groupBy needs old values; the grouped table's repartition has no filter.
TEST(StatefulDescribe, TableGroupByZeroArgCount) {
  StreamsBuilder builder;
  builder.table<Str, Str>("input-topic")
      .groupBy([](const Str& k, const Str& v) {
        return KeyValue{v, k};
      })
      .count();
  EXPECT_EQ(
      builder.build().describe().toString(),
      "Topologies:\n"
      "   Sub-topology: 0\n"
      "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
      "      --> KTABLE-SOURCE-0000000002\n"
      "    Processor: KTABLE-SOURCE-0000000002 (stores: [input-topic-STATE-STORE-0000000000])\n"
      "      --> KTABLE-SELECT-0000000003\n"
      "      <-- KSTREAM-SOURCE-0000000001\n"
      "    Processor: KTABLE-SELECT-0000000003 (stores: [])\n"
      "      --> KSTREAM-SINK-0000000005\n"
      "      <-- KTABLE-SOURCE-0000000002\n"
      "    Sink: KSTREAM-SINK-0000000005 (topic: "
      "KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition)\n"
      "      <-- KTABLE-SELECT-0000000003\n"
      "\n"
      "  Sub-topology: 1\n"
      "    Source: KSTREAM-SOURCE-0000000006 (topics: "
      "[KTABLE-AGGREGATE-STATE-STORE-0000000004-repartition])\n"
      "      --> KTABLE-AGGREGATE-0000000007\n"
      "    Processor: KTABLE-AGGREGATE-0000000007 (stores: "
      "[KTABLE-AGGREGATE-STATE-STORE-0000000004])\n"
      "      --> none\n"
      "      <-- KSTREAM-SOURCE-0000000006\n"
      "\n");
}

// The same topology runs with the default serdes: the repartition topic's Change values are
// written with the default value serde inside Kafka's Change format.
TEST(StatefulDescribe, TableGroupByRunsWithDefaultSerdes) {
  StreamsBuilder builder;
  builder.table<Str, Str>("input-topic")
      .groupBy([](const Str& k, const Str& v) {
        return KeyValue{v, k};
      })
      .count(Materialized<Str, int64_t>::as("per-value"));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, stringDefaults());
  auto in = driver.createInputTopic<Str, Str>("input-topic", S(), S());
  in.pipeInput("k1", "v", 0);
  in.pipeInput("k2", "v", 0);
  in.pipeInput("k1", "w", 0);
  EXPECT_EQ(tkv<int64_t>(driver, "per-value")->get("v")->value, 1);
  EXPECT_EQ(tkv<int64_t>(driver, "per-value")->get("w")->value, 1);
  auto repartition = driver.createOutputTopic<Str, Str>("app-per-value-repartition", S(), S());
  auto first = repartition.readRecord();
  EXPECT_EQ(first.key, "v");
  EXPECT_EQ(first.value, std::string("k1\x01", 3));  // new value only: flag 1
}

// TopologyTest#tableNamedMaterializedCountShouldPreserveTopologyStructure.
TEST(StatefulDescribe, TableGroupByNamedMaterializedCount) {
  StreamsBuilder builder;
  builder.table<Str, Str>("input-topic")
      .groupBy([](const Str& k, const Str& v) {
        return KeyValue{v, k};
      })
      .count(Materialized<>::as("count-store").withStoreType(StoreType::kInMemory));
  EXPECT_EQ(
      builder.build().describe().toString(),
      "Topologies:\n"
      "   Sub-topology: 0\n"
      "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
      "      --> KTABLE-SOURCE-0000000002\n"
      "    Processor: KTABLE-SOURCE-0000000002 (stores: [input-topic-STATE-STORE-0000000000])\n"
      "      --> KTABLE-SELECT-0000000003\n"
      "      <-- KSTREAM-SOURCE-0000000001\n"
      "    Processor: KTABLE-SELECT-0000000003 (stores: [])\n"
      "      --> KSTREAM-SINK-0000000004\n"
      "      <-- KTABLE-SOURCE-0000000002\n"
      "    Sink: KSTREAM-SINK-0000000004 (topic: count-store-repartition)\n"
      "      <-- KTABLE-SELECT-0000000003\n"
      "\n"
      "  Sub-topology: 1\n"
      "    Source: KSTREAM-SOURCE-0000000005 (topics: [count-store-repartition])\n"
      "      --> KTABLE-AGGREGATE-0000000006\n"
      "    Processor: KTABLE-AGGREGATE-0000000006 (stores: [count-store])\n"
      "      --> none\n"
      "      <-- KSTREAM-SOURCE-0000000005\n"
      "\n");
}

// TopologyTest#kTableNonMaterializedFilter / kTableAnonymousMaterializedFilter /
// kTableNamedMaterializedFilterShouldPreserveTopologyStructure.
TEST(StatefulDescribe, TableFilterMaterializedOnlyWhenNamed) {
  auto pred = [](const Str&, const Str&) { return false; };
  {
    StreamsBuilder builder;
    builder.table<Str, Str>("input-topic").filter(pred);
    EXPECT_EQ(builder.build().describe().toString(),
              "Topologies:\n"
              "   Sub-topology: 0\n"
              "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
              "      --> KTABLE-SOURCE-0000000002\n"
              "    Processor: KTABLE-SOURCE-0000000002 (stores: [])\n"
              "      --> KTABLE-FILTER-0000000003\n"
              "      <-- KSTREAM-SOURCE-0000000001\n"
              "    Processor: KTABLE-FILTER-0000000003 (stores: [])\n"
              "      --> none\n"
              "      <-- KTABLE-SOURCE-0000000002\n\n");
  }
  {
    StreamsBuilder builder;
    builder.table<Str, Str>("input-topic").filter(pred, Materialized<Str, Str>(nullptr, nullptr));
    EXPECT_EQ(builder.build().describe().toString(),
              "Topologies:\n"
              "   Sub-topology: 0\n"
              "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
              "      --> KTABLE-SOURCE-0000000002\n"
              "    Processor: KTABLE-SOURCE-0000000002 (stores: [])\n"
              "      --> KTABLE-FILTER-0000000004\n"
              "      <-- KSTREAM-SOURCE-0000000001\n"
              "    Processor: KTABLE-FILTER-0000000004 (stores: [])\n"
              "      --> none\n"
              "      <-- KTABLE-SOURCE-0000000002\n"
              "\n");
  }
  {
    StreamsBuilder builder;
    builder.table<Str, Str>("input-topic").filter(pred, Materialized<>::as("store-name"));
    EXPECT_EQ(builder.build().describe().toString(),
              "Topologies:\n"
              "   Sub-topology: 0\n"
              "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
              "      --> KTABLE-SOURCE-0000000002\n"
              "    Processor: KTABLE-SOURCE-0000000002 (stores: [])\n"
              "      --> KTABLE-FILTER-0000000003\n"
              "      <-- KSTREAM-SOURCE-0000000001\n"
              "    Processor: KTABLE-FILTER-0000000003 (stores: [store-name])\n"
              "      --> none\n"
              "      <-- KTABLE-SOURCE-0000000002\n"
              "\n");
  }
}

// TopologyTest#kTableAnonymousMaterializedMapValues / kTableNamedMaterializedMapValues.
TEST(StatefulDescribe, TableMapValuesMaterializedOnlyWhenNamed) {
  auto mapper = [](const Str&, const Str& v) { return v; };
  {
    StreamsBuilder builder;
    builder.table<Str, Str>("input-topic")
        .mapValues(mapper,
                   Materialized<Str, Str>(nullptr, nullptr).withStoreType(StoreType::kInMemory));
    EXPECT_EQ(builder.build().describe().toString(),
              "Topologies:\n"
              "   Sub-topology: 0\n"
              "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
              "      --> KTABLE-SOURCE-0000000002\n"
              "    Processor: KTABLE-SOURCE-0000000002 (stores: [])\n"
              "      --> KTABLE-MAPVALUES-0000000004\n"
              "      <-- KSTREAM-SOURCE-0000000001\n"
              "    Processor: KTABLE-MAPVALUES-0000000004 (stores: [])\n"
              "      --> none\n"
              "      <-- KTABLE-SOURCE-0000000002\n"
              "\n");
  }
  {
    StreamsBuilder builder;
    builder.table<Str, Str>("input-topic").mapValues(mapper, Materialized<>::as("store-name"));
    EXPECT_EQ(builder.build().describe().toString(),
              "Topologies:\n"
              "   Sub-topology: 0\n"
              "    Source: KSTREAM-SOURCE-0000000001 (topics: [input-topic])\n"
              "      --> KTABLE-SOURCE-0000000002\n"
              "    Processor: KTABLE-SOURCE-0000000002 (stores: [])\n"
              "      --> KTABLE-MAPVALUES-0000000003\n"
              "      <-- KSTREAM-SOURCE-0000000001\n"
              "    Processor: KTABLE-MAPVALUES-0000000003 (stores: [store-name])\n"
              "      --> none\n"
              "      <-- KTABLE-SOURCE-0000000002\n"
              "\n");
  }
}

// KStreamImplTest#shouldSupportTableTableJoinWithKStreamToKTable (describe and records).
TEST(StatefulDescribe, TableTableJoinOfStreamsToTable) {
  StreamsBuilder builder;
  const auto consumed = Consumed(S(), S());
  KTable<Str, Str> table1 = builder.stream("left", consumed).toTable();
  KTable<Str, Str> table2 = builder.stream("right", consumed).toTable();
  table1.join(table2, [](const Str& l, const Str& r) { return l + "+" + r; })
      .toStream()
      .to("output", Produced(S(), S()));
  Topology topology = builder.build();
  EXPECT_EQ(topology.describe().toString(), testing_strings::kTableTableJoinDescription);

  TopologyTestDriver driver(topology);
  auto left = driver.createInputTopic<Str, Str>("left", S(), S());
  auto right = driver.createInputTopic<Str, Str>("right", S(), S());
  auto output = driver.createOutputTopic<Str, Str>("output", S(), S());
  right.pipeInput("lhs1", "rhsValue1");
  right.pipeInput("rhs2", "rhsValue2");
  right.pipeInput("lhs3", "rhsValue3");
  EXPECT_TRUE(output.readKeyValuesToMap().empty());
  left.pipeInput("lhs1", "lhsValue1");
  left.pipeInput("lhs2", "lhsValue2");
  EXPECT_EQ(output.readKeyValuesToMap(), (std::map<Str, Str>{{"lhs1", "lhsValue1+rhsValue1"}}));
  left.pipeInput("lhs3", "lhsValue3");
  EXPECT_EQ(output.readKeyValuesToMap(), (std::map<Str, Str>{{"lhs3", "lhsValue3+rhsValue3"}}));
  left.pipeInput("lhs1", "lhsValue4");
  EXPECT_EQ(output.readKeyValuesToMap(), (std::map<Str, Str>{{"lhs1", "lhsValue4+rhsValue1"}}));
}

KTable<Str, Str> tableOf(StreamsBuilder& builder, const Str& topic) {
  return builder.table(topic, Consumed(S(), S()));
}

// KStreamKTableJoinTest#shouldReuseRepartitionTopicWithGeneratedName.
TEST(StatefulDescribe, StreamTableJoinsReuseTheUnnamedRepartition) {
  StreamsBuilder builder;
  auto streamA = builder.stream("topic", Consumed(S(), S()));
  auto tableB = tableOf(builder, "topic2");
  auto tableC = tableOf(builder, "topic3");
  auto rekeyed = streamA.map([](Str k, Str v) { return KeyValue{v, k}; });
  rekeyed.join(tableB, [](const Str& v1, const Str& v2) { return v1 + v2; }).to("out-one");
  rekeyed.join(tableC, [](const Str& v1, const Str& v2) { return v1 + v2; }).to("out-two");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [topic])\n"
            "      --> KSTREAM-MAP-0000000007\n"
            "    Processor: KSTREAM-MAP-0000000007 (stores: [])\n"
            "      --> KSTREAM-FILTER-0000000009\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-FILTER-0000000009 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000008\n"
            "      <-- KSTREAM-MAP-0000000007\n"
            "    Sink: KSTREAM-SINK-0000000008 (topic: KSTREAM-MAP-0000000007-repartition)\n"
            "      <-- KSTREAM-FILTER-0000000009\n"
            "\n"
            "  Sub-topology: 1\n"
            "    Source: KSTREAM-SOURCE-0000000010 (topics: [KSTREAM-MAP-0000000007-repartition])\n"
            "      --> KSTREAM-JOIN-0000000011, KSTREAM-JOIN-0000000016\n"
            "    Processor: KSTREAM-JOIN-0000000011 (stores: [topic2-STATE-STORE-0000000001])\n"
            "      --> KSTREAM-SINK-0000000012\n"
            "      <-- KSTREAM-SOURCE-0000000010\n"
            "    Processor: KSTREAM-JOIN-0000000016 (stores: [topic3-STATE-STORE-0000000004])\n"
            "      --> KSTREAM-SINK-0000000017\n"
            "      <-- KSTREAM-SOURCE-0000000010\n"
            "    Source: KSTREAM-SOURCE-0000000002 (topics: [topic2])\n"
            "      --> KTABLE-SOURCE-0000000003\n"
            "    Source: KSTREAM-SOURCE-0000000005 (topics: [topic3])\n"
            "      --> KTABLE-SOURCE-0000000006\n"
            "    Sink: KSTREAM-SINK-0000000012 (topic: out-one)\n"
            "      <-- KSTREAM-JOIN-0000000011\n"
            "    Sink: KSTREAM-SINK-0000000017 (topic: out-two)\n"
            "      <-- KSTREAM-JOIN-0000000016\n"
            "    Processor: KTABLE-SOURCE-0000000003 (stores: [topic2-STATE-STORE-0000000001])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000002\n"
            "    Processor: KTABLE-SOURCE-0000000006 (stores: [topic3-STATE-STORE-0000000004])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000005\n\n");
}

// KStreamKTableJoinTest#shouldCreateRepartitionTopicsWithUserProvidedName.
TEST(StatefulDescribe, StreamTableJoinsWithNamedRepartitions) {
  StreamsBuilder builder;
  auto streamA = builder.stream("topic", Consumed(S(), S()));
  auto tableB = tableOf(builder, "topic2");
  auto tableC = tableOf(builder, "topic3");
  auto rekeyed = streamA.map([](Str k, Str v) { return KeyValue{v, k}; });
  rekeyed
      .join(
          tableB, [](const Str& v1, const Str& v2) { return v1 + v2; },
          Joined(S(), S(), S()).withName("first-join"))
      .to("out-one");
  rekeyed
      .join(
          tableC, [](const Str& v1, const Str& v2) { return v1 + v2; },
          Joined(S(), S(), S()).withName("second-join"))
      .to("out-two");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [topic])\n"
            "      --> KSTREAM-MAP-0000000007\n"
            "    Processor: KSTREAM-MAP-0000000007 (stores: [])\n"
            "      --> first-join-repartition-filter, second-join-repartition-filter\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: first-join-repartition-filter (stores: [])\n"
            "      --> first-join-repartition-sink\n"
            "      <-- KSTREAM-MAP-0000000007\n"
            "    Processor: second-join-repartition-filter (stores: [])\n"
            "      --> second-join-repartition-sink\n"
            "      <-- KSTREAM-MAP-0000000007\n"
            "    Sink: first-join-repartition-sink (topic: first-join-repartition)\n"
            "      <-- first-join-repartition-filter\n"
            "    Sink: second-join-repartition-sink (topic: second-join-repartition)\n"
            "      <-- second-join-repartition-filter\n"
            "\n"
            "  Sub-topology: 1\n"
            "    Source: first-join-repartition-source (topics: [first-join-repartition])\n"
            "      --> first-join\n"
            "    Source: KSTREAM-SOURCE-0000000002 (topics: [topic2])\n"
            "      --> KTABLE-SOURCE-0000000003\n"
            "    Processor: first-join (stores: [topic2-STATE-STORE-0000000001])\n"
            "      --> KSTREAM-SINK-0000000012\n"
            "      <-- first-join-repartition-source\n"
            "    Sink: KSTREAM-SINK-0000000012 (topic: out-one)\n"
            "      <-- first-join\n"
            "    Processor: KTABLE-SOURCE-0000000003 (stores: [topic2-STATE-STORE-0000000001])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000002\n"
            "\n"
            "  Sub-topology: 2\n"
            "    Source: second-join-repartition-source (topics: [second-join-repartition])\n"
            "      --> second-join\n"
            "    Source: KSTREAM-SOURCE-0000000005 (topics: [topic3])\n"
            "      --> KTABLE-SOURCE-0000000006\n"
            "    Processor: second-join (stores: [topic3-STATE-STORE-0000000004])\n"
            "      --> KSTREAM-SINK-0000000017\n"
            "      <-- second-join-repartition-source\n"
            "    Sink: KSTREAM-SINK-0000000017 (topic: out-two)\n"
            "      <-- second-join\n"
            "    Processor: KTABLE-SOURCE-0000000006 (stores: [topic3-STATE-STORE-0000000004])\n"
            "      --> none\n"
            "      <-- KSTREAM-SOURCE-0000000005\n\n");
}

// ---------------------------------------------------------------------------------------------
// (2) Aggregations.

// The tutorial's run: "A book is a narcotic" gives a 1, book 1, is 1, a 2, narcotic 1. Through
// the driver (a commit after every record, including those read back from the repartition
// topic) the output is the same with and without the record cache.
TEST(Aggregations, WordCountCountsEveryWord) {
  for (const char* cache : {"0", "10485760"}) {
    StreamsBuilder builder;
    buildWordCount(builder);
    Topology topology = builder.build();
    TopologyTestDriver driver(topology, stringDefaults({{"statestore.cache.max.bytes", cache}}));
    auto in = driver.createInputTopic<Str, Str>("streams-wordcount-input", S(), S());
    auto out = driver.createOutputTopic<Str, int64_t>("streams-wordcount-output", S(), L());
    in.pipeInput("A book is a narcotic");
    EXPECT_EQ(out.readKeyValuesToList(),
              (KVs<int64_t>{{"a", 1}, {"book", 1}, {"is", 1}, {"a", 2}, {"narcotic", 1}}))
        << "cache " << cache;
    // The words went through the repartition topic, keyed by word.
    auto repartition = driver.createOutputTopic<Str, Str>("app-counts-store-repartition", S(), S());
    EXPECT_EQ(repartition.readKeyValuesToList().size(), 5u);
    auto* store = tkv<int64_t>(driver, "counts-store");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->get("a")->value, 2);
  }
}

// One input record updating one key several times: without a cache every update goes
// downstream; with one, the commit after the record sends the last value only.
TEST(Aggregations, CacheDeduplicatesUpdatesBetweenCommits) {
  auto build = [] {
    StreamsBuilder builder;
    builder.stream("in", Consumed(S(), S()))
        .flatMapValues([](const Str& v) { return words(v); })
        .groupByKey()
        .count(Materialized<>::as("counts"))
        .toStream()
        .to("out", Produced(S(), L()));
    return builder.build();
  };
  Topology uncached = build();
  TopologyTestDriver plain(uncached, stringDefaults({{"statestore.cache.max.bytes", "0"}}));
  plain.createInputTopic<Str, Str>("in", S(), S()).pipeInput("k", "x y z", 5);
  auto out = plain.createOutputTopic<Str, int64_t>("out", S(), L());
  EXPECT_EQ(out.readValuesToList(), (std::vector<int64_t>{1, 2, 3}));
  auto changelog = plain.createOutputTopic<Str, int64_t>("app-counts-changelog", S(), L());
  EXPECT_EQ(changelog.readValuesToList(), (std::vector<int64_t>{1, 2, 3}));

  Topology cached = build();
  TopologyTestDriver driver(cached, stringDefaults());
  driver.createInputTopic<Str, Str>("in", S(), S()).pipeInput("k", "x y z", 5);
  auto out2 = driver.createOutputTopic<Str, int64_t>("out", S(), L());
  auto records = out2.readRecordsToList();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].value, 3);
  EXPECT_EQ(records[0].timestamp, 5);
  auto changelog2 = driver.createOutputTopic<Str, int64_t>("app-counts-changelog", S(), L());
  EXPECT_EQ(changelog2.readValuesToList(), (std::vector<int64_t>{3}));

  // Caching disabled on the store itself: every update, whatever the cache size.
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .flatMapValues([](const Str& v) { return words(v); })
      .groupByKey()
      .count(Materialized<>::as("counts").withCachingDisabled())
      .toStream()
      .to("out", Produced(S(), L()));
  Topology off = builder.build();
  TopologyTestDriver driver3(off, stringDefaults());
  driver3.createInputTopic<Str, Str>("in", S(), S()).pipeInput("k", "x y z", 5);
  EXPECT_EQ((driver3.createOutputTopic<Str, int64_t>("out", S(), L()).readValuesToList()),
            (std::vector<int64_t>{1, 2, 3}));
}

TEST(Aggregations, ReduceKeepsTheLatestTimestamp) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), L()))
      .groupByKey()
      .reduce([](int64_t agg, int64_t v) { return agg + v; },
              Materialized<>::as("sums").withCachingDisabled())
      .toStream()
      .to("out", Produced(S(), L()));
  Topology topology = builder.build();
  EXPECT_NE(topology.describe().toString().find("KSTREAM-REDUCE-0000000001 (stores: [sums])"),
            std::string::npos);
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, int64_t>("in", S(), L());
  auto out = driver.createOutputTopic<Str, int64_t>("out", S(), L());
  in.pipeInput("a", 1, 100);
  in.pipeInput("a", 2, 50);  // older: the aggregate keeps timestamp 100
  in.pipeInput("b", 5, 70);
  in.pipeInput("a", 3, 200);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].value, 1);
  EXPECT_EQ(records[1].value, 3);
  EXPECT_EQ(records[1].timestamp, 100);
  EXPECT_EQ(records[2].key, "b");
  EXPECT_EQ(records[3].value, 6);
  EXPECT_EQ(records[3].timestamp, 200);
  auto* store = tkv<int64_t>(driver, "sums");
  EXPECT_EQ(store->get("a"), (ValueAndTimestamp<int64_t>{6, 200}));
}

TEST(Aggregations, GeneratedReduceStoreNameAndWarning) {
  LogCapture log;
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), L())).groupByKey().reduce([](int64_t a, int64_t b) {
    return a + b;
  });
  Topology topology = builder.build();
  EXPECT_NE(topology.describe().toString().find(
                "KSTREAM-REDUCE-0000000002 (stores: [KSTREAM-REDUCE-STATE-STORE-0000000001])"),
            std::string::npos);
  EXPECT_TRUE(
      log.contains("KSTREAM-REDUCE-STATE-STORE-0000000001 of KSTREAM-REDUCE-0000000002 "
                   "has a generated name"));
}

TEST(Aggregations, AggregateIntoAnInMemoryStoreWithItsOwnSerde) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), L()))
      .groupByKey()
      .aggregate([] { return Str("<"); },
                 [](const Str&, int64_t v, Str agg) { return agg + std::to_string(v); },
                 Materialized<>::as(Stores::inMemoryKeyValueStore("agg")))
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"default.value.serde", "String"}});
  auto in = driver.createInputTopic<Str, int64_t>("in", S(), L());
  in.pipeInput("a", 1, 1);
  in.pipeInput("a", 2, 2);
  in.pipeInput("b", 3, 3);
  EXPECT_EQ((driver.createOutputTopic<Str, Str>("out", S(), S()).readKeyValuesToList()),
            (KVs<Str>{{"a", "<1"}, {"a", "<12"}, {"b", "<3"}}));
  auto* store = tkv<Str>(driver, "agg");
  ASSERT_NE(store, nullptr);
  EXPECT_FALSE(store->persistent());
  EXPECT_EQ(store->get("a")->value, "<12");
}

TEST(Aggregations, GroupByKeyRepartitionsOnlyAfterAKeyChange) {
  StreamsBuilder builder;
  auto input = builder.stream("in", Consumed(S(), S()));
  input.groupByKey().count(Materialized<>::as("by-key"));
  input.selectKey([](const Str&, const Str& v) { return v; })
      .groupByKey(Grouped<>::as("by-value"))
      .count(Materialized<>::as("by-value-counts"));
  Topology topology = builder.build();
  std::vector<std::string> internal;
  for (const auto& t : topology.internalTopics()) internal.push_back(t.name);
  EXPECT_EQ(internal, (std::vector<std::string>{"by-key-changelog", "by-value-repartition",
                                                "by-value-counts-changelog"}));
  // The new key has no serde but the default.
  TopologyTestDriver driver(topology, stringDefaults());
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  in.pipeInput("k1", "v", 0);
  in.pipeInput("k2", "v", 0);
  EXPECT_EQ(tkv<int64_t>(driver, "by-key")->get("k1")->value, 1);
  EXPECT_EQ(tkv<int64_t>(driver, "by-value-counts")->get("v")->value, 2);
}

// A named Grouped: the key-select processor and the repartition topic take its name, and a
// second aggregation of the same grouped stream reuses the repartition (as in Java).
TEST(Aggregations, NamedGroupedIsSharedByAggregations) {
  StreamsBuilder builder;
  auto grouped = builder.stream("in", Consumed(S(), S()))
                     .groupBy([](const Str&, const Str& v) { return v; },
                              Grouped(S(), S()).withName("by-word"));
  grouped.count(Materialized<>::as("count"));
  grouped.reduce([](Str a, const Str& b) { return a + b; }, Materialized<>::as("concat"));
  Topology topology = builder.build();
  EXPECT_TRUE(topology.hasNode("by-word"));
  EXPECT_TRUE(topology.hasNode("by-word-repartition-source"));
  int repartitions = 0;
  for (const auto& t : topology.internalTopics()) repartitions += t.name == "by-word-repartition";
  EXPECT_EQ(repartitions, 1);
  EXPECT_EQ(topology.node("by-word-repartition-source").children.size(), 2u);

  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  in.pipeInput("k1", "w", 0);
  in.pipeInput("k2", "w", 0);
  EXPECT_EQ(tkv<int64_t>(driver, "count")->get("w")->value, 2);
  EXPECT_EQ(tkv<Str>(driver, "concat")->get("w")->value, "ww");
  auto repartition =
      driver.createOutputTopic<Str, Str>("topology-test-driver-by-word-repartition", S(), S());
  EXPECT_EQ(repartition.readKeyValuesToList(), (KVs<Str>{{"w", "w"}, {"w", "w"}}));
}

// ---------------------------------------------------------------------------------------------
// (3) Tables.

TEST(Tables, UpdatesAndTombstonesFromATopic) {
  StreamsBuilder builder;
  builder.table("t", Consumed(S(), S()), Materialized<>::as("t-store"))
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, stringDefaults({{"statestore.cache.max.bytes", "0"}}));
  auto in = driver.createInputTopic<Str, Str>("t", S(), S());
  auto out = driver.createOutputTopic<Str, OptStr>("out", S(), Serdes::Optional(S()));
  in.pipeInput("k1", "a", 1);
  in.pipeInput("k2", "b", 2);
  in.pipeInput("k1", "c", 3);
  in.pipeTombstone("k1", 4);
  in.pipeInput("x");  // a null key: dropped
  EXPECT_EQ(out.readKeyValuesToList(),
            (KVs<OptStr>{{"k1", "a"}, {"k2", "b"}, {"k1", "c"}, {"k1", std::nullopt}}));
  auto* store = tkv<Str>(driver, "t-store");
  EXPECT_EQ(store->get("k1"), std::nullopt);
  EXPECT_EQ(store->get("k2"), (ValueAndTimestamp<Str>{"b", 2}));
  // The table's changelog: plain values, and a tombstone for the delete.
  auto changelog =
      driver.createOutputTopic<Str, OptStr>("app-t-store-changelog", S(), Serdes::Optional(S()));
  EXPECT_EQ(changelog.readKeyValuesToList(),
            (KVs<OptStr>{{"k1", "a"}, {"k2", "b"}, {"k1", "c"}, {"k1", std::nullopt}}));
}

// A stream of optional values as a table: nullopt deletes (Java's toTable with null values).
TEST(Tables, StreamOfOptionalsToTable) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), Serdes::Optional(S())))
      .toTable(Materialized<Str, Str>::as("latest").withValueSerde(S()))
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, OptStr>("in", S(), Serdes::Optional(S()));
  in.pipeInput("k", "a", 1);
  in.pipeInput("k", std::nullopt, 2);
  EXPECT_EQ(tkv<Str>(driver, "latest")->get("k"), std::nullopt);
  EXPECT_EQ((driver.createOutputTopic<Str, OptStr>("out", S(), Serdes::Optional(S()))
                 .readKeyValuesToList()),
            (KVs<OptStr>{{"k", "a"}, {"k", std::nullopt}}));
}

// Java's KTableFilter: without old values (an unmaterialized source) every filtered-out update
// is a tombstone downstream; with them (a materialized source) only keys that leave the table.
TEST(Tables, FilterTombstonesDependOnOldValues) {
  auto run = [](bool materialize_source) {
    StreamsBuilder builder;
    auto table = materialize_source
                     ? builder.table("t", Consumed(S(), S()), Materialized<>::as("src"))
                     : builder.table("t", Consumed(S(), S()));
    table.filter([](const Str&, const Str& v) { return v.size() > 1; })
        .toStream()
        .to("out", Produced(S(), S()));
    Topology topology = builder.build();
    TopologyTestDriver driver(topology);
    auto in = driver.createInputTopic<Str, Str>("t", S(), S());
    in.pipeInput("k1", "aa", 0);
    in.pipeInput("k2", "b", 0);
    in.pipeInput("k1", "c", 0);
    return driver.createOutputTopic<Str, OptStr>("out", S(), Serdes::Optional(S()))
        .readKeyValuesToList();
  };
  EXPECT_EQ(run(false), (KVs<OptStr>{{"k1", "aa"}, {"k2", std::nullopt}, {"k1", std::nullopt}}));
  EXPECT_EQ(run(true), (KVs<OptStr>{{"k1", "aa"}, {"k1", std::nullopt}}));
}

TEST(Tables, MapValuesAndFilterNotMaterialized) {
  StreamsBuilder builder;
  auto lengths = builder.table("t", Consumed(S(), S()))
                     .mapValues([](const Str& v) { return static_cast<int64_t>(v.size()); },
                                Materialized<Str, int64_t>::as("lengths").withValueSerde(L()));
  lengths.filterNot([](const Str&, int64_t n) { return n > 2; }, Materialized<>::as("short"))
      .toStream()
      .to("out", Produced(S(), L()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, Str>("t", S(), S());
  in.pipeInput("a", "xy", 0);
  in.pipeInput("b", "xyz", 0);
  EXPECT_EQ(tkv<int64_t>(driver, "lengths")->get("b")->value, 3);
  EXPECT_EQ(tkv<int64_t>(driver, "short")->get("a")->value, 2);
  EXPECT_EQ(tkv<int64_t>(driver, "short")->get("b"), std::nullopt);
  // Both stores send old values (they are materialized): b never was in "short", so nothing.
  EXPECT_EQ((driver.createOutputTopic<Str, int64_t>("out", S(), L()).readKeyValuesToList()),
            (KVs<int64_t>{{"a", 2}}));
}

// KGroupedTable: a key moving between groups is subtracted from its old group and added to the
// new one (two records through the repartition topic); a change within a group is one record.
TEST(Tables, GroupedTableSubtractsFromTheOldGroup) {
  for (const char* cache : {"0", "10485760"}) {
    StreamsBuilder builder;
    auto by_region = builder.table("users", Consumed(S(), S()))
                         .groupBy(
                             [](const Str& user, const Str& region) {
                               return KeyValue{region, user};
                             },
                             Grouped(S(), S()).withName("by-region"));
    by_region.count(Materialized<>::as("users-per-region"))
        .toStream()
        .to("counts", Produced(S(), L()));
    by_region
        .reduce([](Str agg, const Str& user) { return agg + "+" + user; },
                [](Str agg, const Str& user) {
                  const auto pos = agg.find(user);
                  if (pos != Str::npos) agg.erase(pos, user.size());
                  return agg;
                },
                Materialized<>::as("members"))
        .toStream()
        .to("members", Produced(S(), S()));
    Topology topology = builder.build();
    TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", cache}});
    auto users = driver.createInputTopic<Str, Str>("users", S(), S());
    auto counts = driver.createOutputTopic<Str, int64_t>("counts", S(), L());
    auto repartition =
        driver.createOutputTopic<Str, Str>("topology-test-driver-by-region-repartition", S(), S());
    users.pipeInput("alice", "eu", 1);
    users.pipeInput("bob", "eu", 2);
    EXPECT_EQ(counts.readKeyValuesToList(), (KVs<int64_t>{{"eu", 1}, {"eu", 2}}));
    users.pipeInput("alice", "us", 3);  // eu -1, us +1
    EXPECT_EQ(counts.readKeyValuesToList(), (KVs<int64_t>{{"eu", 1}, {"us", 1}}));
    users.pipeTombstone("alice", 4);  // us -1 (a count can reach 0, as in Java)
    EXPECT_EQ(counts.readKeyValuesToList(), (KVs<int64_t>{{"us", 0}}));
    users.pipeInput("bob", "eu", 5);  // same group: one record with old and new
    EXPECT_EQ(counts.readKeyValuesToList(), (KVs<int64_t>{{"eu", 1}}));
    EXPECT_EQ(repartition.getQueueSize(), 6u) << "cache " << cache;

    auto members = driver.createOutputTopic<Str, OptStr>("members", S(), Serdes::Optional(S()));
    EXPECT_EQ(members.readKeyValuesToList(), (KVs<OptStr>{{"eu", "alice"},
                                                          {"eu", "alice+bob"},
                                                          {"eu", "+bob"},
                                                          {"us", "alice"},
                                                          {"us", ""},
                                                          {"eu", "++bob"}}))
        << "cache " << cache;
  }
}

// KGroupedTable::aggregate with a custom initializer, adder and subtractor.
TEST(Tables, GroupedTableAggregate) {
  StreamsBuilder builder;
  builder.table("scores", Consumed(S(), L()))
      .groupBy(
          [](const Str& player, int64_t score) {
            return KeyValue{player.substr(0, 1), score};
          },
          Grouped(S(), L()))
      .aggregate([] { return int64_t{0}; },
                 [](const Str&, int64_t v, int64_t total) { return total + v; },
                 [](const Str&, int64_t v, int64_t total) { return total - v; },
                 Materialized<Str, int64_t>::as("team-totals").withValueSerde(L()))
      .toStream()
      .to("totals", Produced(S(), L()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  auto scores = driver.createInputTopic<Str, int64_t>("scores", S(), L());
  scores.pipeInput("a1", 10, 0);
  scores.pipeInput("a2", 5, 0);
  scores.pipeInput("a1", 7, 0);  // 15 - 10 + 7
  scores.pipeInput("b1", 1, 0);
  EXPECT_EQ((driver.createOutputTopic<Str, int64_t>("totals", S(), L()).readKeyValuesToList()),
            (KVs<int64_t>{{"a", 10}, {"a", 15}, {"a", 12}, {"b", 1}}));
}

// ---------------------------------------------------------------------------------------------
// (4) Joins.

struct JoinDriver {
  explicit JoinDriver(Topology& topology)
      : driver(topology),
        left(driver.createInputTopic<Str, Str>("left", S(), S())),
        right(driver.createInputTopic<Str, Str>("right", S(), S())),
        out(driver.createOutputTopic<Str, OptStr>("out", S(), Serdes::Optional(S()))) {}
  TopologyTestDriver driver;
  TestInputTopic<Str, Str> left;
  TestInputTopic<Str, Str> right;
  TestOutputTopic<Str, OptStr> out;
};

Str show(const OptStr& v) { return v.value_or("null"); }

TEST(Joins, TableTableInnerJoin) {
  StreamsBuilder builder;
  tableOf(builder, "left")
      .join(tableOf(builder, "right"), [](const Str& l, const Str& r) { return l + "+" + r; })
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  JoinDriver d(topology);
  d.right.pipeInput("k1", "r1", 1);
  d.left.pipeInput("k1", "l1", 2);
  d.left.pipeInput("k1", "l2", 3);
  d.right.pipeTombstone("k1", 4);  // the key leaves the result
  d.left.pipeInput("k2", "x", 5);  // no right value: nothing
  d.left.pipeTombstone("k1", 6);   // not in the result any more: nothing
  auto records = d.out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].value, "l1+r1");
  EXPECT_EQ(records[0].timestamp, 2);
  EXPECT_EQ(records[1].value, "l2+r1");
  EXPECT_EQ(records[2].key, "k1");
  EXPECT_EQ(records[2].value, std::nullopt);
  EXPECT_EQ(records[2].timestamp, 4);
}

TEST(Joins, TableTableLeftJoin) {
  StreamsBuilder builder;
  tableOf(builder, "left")
      .leftJoin(tableOf(builder, "right"),
                [](const Str& l, const OptStr& r) { return l + "+" + show(r); })
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  JoinDriver d(topology);
  d.right.pipeInput("k1", "r1", 0);  // no left value: nothing
  d.left.pipeInput("k1", "l1", 0);
  d.left.pipeInput("k2", "l2", 0);
  d.right.pipeInput("k2", "r2", 0);
  d.right.pipeTombstone("k2", 0);  // the left value stays, joined with null
  d.left.pipeTombstone("k1", 0);
  d.left.pipeTombstone("k3", 0);  // never existed: nothing
  EXPECT_EQ(d.out.readKeyValuesToList(), (KVs<OptStr>{{"k1", "l1+r1"},
                                                      {"k2", "l2+null"},
                                                      {"k2", "l2+r2"},
                                                      {"k2", "l2+null"},
                                                      {"k1", std::nullopt}}));
}

TEST(Joins, TableTableOuterJoinMaterialized) {
  StreamsBuilder builder;
  tableOf(builder, "left")
      .outerJoin(
          tableOf(builder, "right"),
          [](const OptStr& l, const OptStr& r) { return show(l) + "+" + show(r); },
          Named::as("outer"), Materialized<Str, Str>::as("joined").withValueSerde(S()))
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  EXPECT_TRUE(topology.hasNode("outer-join-this"));
  EXPECT_TRUE(topology.hasNode("outer-join-other"));
  EXPECT_EQ(topology.node("outer").stores, (std::set<std::string>{"joined"}));
  JoinDriver d(topology);
  d.left.pipeInput("k1", "l1", 0);
  d.right.pipeInput("k1", "r1", 0);
  d.right.pipeInput("k2", "r2", 0);
  d.left.pipeTombstone("k1", 0);
  d.right.pipeTombstone("k1", 0);
  d.right.pipeTombstone("k2", 0);
  EXPECT_EQ(d.out.readKeyValuesToList(), (KVs<OptStr>{{"k1", "l1+null"},
                                                      {"k1", "l1+r1"},
                                                      {"k2", "null+r2"},
                                                      {"k1", "null+r1"},
                                                      {"k1", std::nullopt},
                                                      {"k2", std::nullopt}}));
  EXPECT_FALSE(tkv<Str>(d.driver, "joined")->all().hasNext());
}

// A join of a join: the second join reads the first one's value through both source stores
// (Java's value getters), the first not being materialized.
// StreamsBuilderTest#shouldAllowJoinUnmaterializedJoinedKTable for the names and stores.
TEST(Joins, StreamJoinsAnUnmaterializedTableJoin) {
  StreamsBuilder builder;
  auto left = tableOf(builder, "left");
  auto right = tableOf(builder, "right");
  auto clicks = builder.stream("clicks", Consumed(S(), S()));
  clicks
      .join(left.join(right, [](const Str& l, const Str& r) { return l + "+" + r; }),
            [](const Str& click, const Str& both) { return click + "@" + both; })
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  EXPECT_EQ(topology.node("KSTREAM-JOIN-0000000010").stores,
            (std::set<std::string>{"left-STATE-STORE-0000000000", "right-STATE-STORE-0000000003"}));
  EXPECT_TRUE(topology.node("KTABLE-MERGE-0000000007").stores.empty());
  JoinDriver d(topology);
  auto click_input = d.driver.createInputTopic<Str, Str>("clicks", S(), S());
  d.left.pipeInput("k", "l", 0);
  click_input.pipeInput("k", "c1", 0);  // no right value yet: no join result
  d.right.pipeInput("k", "r", 0);
  click_input.pipeInput("k", "c2", 0);
  EXPECT_EQ(d.out.readKeyValuesToList(), (KVs<OptStr>{{"k", "c2@l+r"}}));
}

TEST(Joins, StreamTableJoinAndLeftJoin) {
  StreamsBuilder builder;
  auto users = builder.table("users", Consumed(S(), S()));
  auto clicks = builder.stream("clicks", Consumed(S(), S()));
  clicks.join(users, [](const Str& page, const Str& region) { return page + "@" + region; })
      .to("joined", Produced(S(), S()));
  clicks
      .leftJoin(users, [](const Str& user, const Str& page,
                          const OptStr& region) { return user + ":" + page + "@" + show(region); })
      .to("left-joined", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  auto u = driver.createInputTopic<Str, Str>("users", S(), S());
  auto c = driver.createInputTopic<Str, Str>("clicks", S(), S());
  c.pipeInput("alice", "p1", 10);
  u.pipeInput("alice", "eu", 20);  // table updates do not trigger output
  c.pipeInput("alice", "p2", 15);
  u.pipeTombstone("alice", 30);
  c.pipeInput("alice", "p3", 40);
  auto joined = driver.createOutputTopic<Str, Str>("joined", S(), S()).readRecordsToList();
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].value, "p2@eu");
  EXPECT_EQ(joined[0].timestamp, 15);  // the stream record's
  EXPECT_EQ((driver.createOutputTopic<Str, Str>("left-joined", S(), S()).readValuesToList()),
            (std::vector<Str>{"alice:p1@null", "alice:p2@eu", "alice:p3@null"}));
}

// ---------------------------------------------------------------------------------------------
// (5) Stores of the DSL: names, kinds, logging, warnings.

TEST(DslStores, RocksDbAndInMemoryStoresBothWork) {
  for (StoreType type : {StoreType::kRocksDb, StoreType::kInMemory}) {
    StreamsBuilder builder;
    builder.stream("in", Consumed(S(), S()))
        .groupByKey()
        .count(Materialized<>::as("counts").withStoreType(type));
    Topology topology = builder.build();
    TopologyTestDriver driver(topology);
    auto in = driver.createInputTopic<Str, Str>("in", S(), S());
    in.pipeInput("a", "x", 1);
    in.pipeInput("a", "x", 2);
    auto* store = tkv<int64_t>(driver, "counts");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->persistent(), type == StoreType::kRocksDb);
    EXPECT_EQ(store->get("a"), (ValueAndTimestamp<int64_t>{2, 2}));
  }
}

TEST(DslStores, LoggingDisabledMeansNoChangelogTopic) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .groupByKey()
      .count(Materialized<>::as("counts").withLoggingDisabled());
  Topology topology = builder.build();
  EXPECT_TRUE(topology.internalTopics().empty());
  TopologyTestDriver driver(topology);
  driver.createInputTopic<Str, Str>("in", S(), S()).pipeInput("a", "x", 1);
  EXPECT_TRUE(driver.producedTopicNames().empty());
}

TEST(DslStores, ChangelogTopicConfigsComeFromMaterialized) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .groupByKey()
      .count(Materialized<>::as("counts").withLoggingEnabled({{"min.insync.replicas", "2"}}));
  Topology topology = builder.build();
  ASSERT_EQ(topology.internalTopics().size(), 1u);
  EXPECT_EQ(topology.internalTopics()[0].configs,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"},
                                                {"min.insync.replicas", "2"}}));
}

TEST(DslStores, WarnsOnlyForGeneratedStoreNames) {
  {
    LogCapture log;
    StreamsBuilder builder;
    builder.stream("in", Consumed(S(), S())).groupByKey().count();
    EXPECT_TRUE(
        log.contains("state store KSTREAM-AGGREGATE-STATE-STORE-0000000001 of "
                     "KSTREAM-AGGREGATE-0000000002 has a generated name"));
  }
  {
    LogCapture log;
    StreamsBuilder builder;
    builder.stream("in", Consumed(S(), S())).groupByKey().count(Materialized<>::as("named"));
    // An unmaterialized table source creates no store: no warning either.
    builder.table("t", Consumed(S(), S())).toStream().to("out");
    EXPECT_TRUE(log.lines.empty());
  }
}

TEST(DslStores, IllegalStoreNameIsRejected) {
  StreamsBuilder builder;
  auto grouped = builder.stream("in", Consumed(S(), S())).groupByKey();
  EXPECT_THROW(grouped.count(Materialized<>::as("bad name")), TopologyException);
}

}  // namespace
}  // namespace kstreams
