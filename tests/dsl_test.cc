// Tests of the stateless DSL (StreamsBuilder, KStream, BranchedKStream), of Topology::describe()
// and of the Processor API's topology checks.
//
// Expected describe() strings come from Apache Kafka's own tests and docs where one exists for
// the same graph (the source is named above each); the others were produced by running Kafka's
// describe algorithm (InternalTopologyBuilder#describe, java.util.HashMap/TreeSet) on the same
// graph and names.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "kafka_describe_strings.h"
#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/json_serde.h"
#include "kstreams/kstream.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"
#include "nlohmann/json.hpp"

namespace kstreams {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Str = std::string;

const auto S = [] { return Serdes::String(); };

// Node names of a topology in the order they were added.
std::vector<std::string> nodeNames(const Topology& t) {
  std::vector<std::string> out;
  for (const auto& n : t.nodes()) out.push_back(n.name);
  return out;
}

template <typename K, typename V>
class PassThrough : public ContextualProcessor<K, V, K, V> {
 public:
  void process(Record<K, V> r) override { this->context().forward(std::move(r)); }
};
template <typename K, typename V>
auto passThrough() {
  return [] { return std::make_unique<PassThrough<K, V>>(); };
}

// A stand-in for a stateful DSL operator (count, toStream…) when reproducing Java topologies.
template <typename K, typename VIn, typename VOut>
class ToValue : public ContextualProcessor<K, VIn, K, VOut> {
 public:
  void process(Record<K, VIn> r) override {
    this->context().forward(std::move(r).withValue(VOut{}));
  }
};

// ---------------------------------------------------------------------------------------------
// (1) describe() of DSL topologies against Kafka Streams' strings.

// docs/streams/developer-guide/dsl-topology-naming.html, first example (the HTML indents with
// tabs; the spacing here is InternalTopologyBuilder.TopologyDescription#toString's).
TEST(DslDescribe, KafkaDocsNamingExampleWithGeneratedNames) {
  StreamsBuilder builder;
  KStream<Str, Str> stream = builder.stream<Str, Str>("input");
  stream.filter([](const Str&, const Str& v) { return v != "invalid_txn"; })
      .mapValues([](const Str& v) { return v.substr(0, 5); })
      .to("output");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> KSTREAM-FILTER-0000000001\n"
            "    Processor: KSTREAM-FILTER-0000000001 (stores: [])\n"
            "      --> KSTREAM-MAPVALUES-0000000002\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000003\n"
            "      <-- KSTREAM-FILTER-0000000001\n"
            "    Sink: KSTREAM-SINK-0000000003 (topic: output)\n"
            "      <-- KSTREAM-MAPVALUES-0000000002\n"
            "\n");
}

// The same page, second example: every processor named.
TEST(DslDescribe, KafkaDocsNamingExampleWithNames) {
  StreamsBuilder builder;
  auto stream =
      builder.stream("input", Consumed<Str, Str>::as("Customer_transactions_input_topic"));
  stream
      .filter([](const Str&, const Str& v) { return v != "invalid_txn"; },
              Named::as("filter_out_invalid_txns"))
      .mapValues([](const Str& v) { return v.substr(0, 5); },
                 Named::as("Map_values_to_first_6_characters"))
      .to("output", Produced<Str, Str>::as("Mapped_transactions_output_topic"));
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: Customer_transactions_input_topic (topics: [input])\n"
            "      --> filter_out_invalid_txns\n"
            "    Processor: filter_out_invalid_txns (stores: [])\n"
            "      --> Map_values_to_first_6_characters\n"
            "      <-- Customer_transactions_input_topic\n"
            "    Processor: Map_values_to_first_6_characters (stores: [])\n"
            "      --> Mapped_transactions_output_topic\n"
            "      <-- filter_out_invalid_txns\n"
            "    Sink: Mapped_transactions_output_topic (topic: output)\n"
            "      <-- Map_values_to_first_6_characters\n"
            "\n");
}

// StreamsGraphTest#shouldOptimizeSeveralMergeNodesWithCommonKeyChangingParent
// (expectedMergeOptimizedTopology; nothing to optimize without a grouping). Note the order of
// "<-- KSTREAM-MERGE-0000000005, KSTREAM-MAPVALUES-0000000004": both have the same sub-graph
// size, and Java's TreeSet keeps the order its sizes had while it was being filled.
TEST(DslDescribe, KafkaMergeOfThreeBranchesAfterSelectKey) {
  StreamsBuilder builder;
  auto parent = builder.stream("input_topic", Consumed(Serdes::Int32(), Serdes::Int32()))
                    .selectKey([](int32_t k, int32_t v) { return k + v; });
  auto child1 = parent.mapValues([](int32_t v) { return v + 1; });
  auto child2 = parent.mapValues([](int32_t v) { return v + 2; });
  auto child3 = parent.mapValues([](int32_t v) { return v + 3; });
  child1.merge(child2).merge(child3).to("output_topic");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input_topic])\n"
            "      --> KSTREAM-KEY-SELECT-0000000001\n"
            "    Processor: KSTREAM-KEY-SELECT-0000000001 (stores: [])\n"
            "      --> KSTREAM-MAPVALUES-0000000002, KSTREAM-MAPVALUES-0000000003, "
            "KSTREAM-MAPVALUES-0000000004\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-MAPVALUES-0000000002 (stores: [])\n"
            "      --> KSTREAM-MERGE-0000000005\n"
            "      <-- KSTREAM-KEY-SELECT-0000000001\n"
            "    Processor: KSTREAM-MAPVALUES-0000000003 (stores: [])\n"
            "      --> KSTREAM-MERGE-0000000005\n"
            "      <-- KSTREAM-KEY-SELECT-0000000001\n"
            "    Processor: KSTREAM-MAPVALUES-0000000004 (stores: [])\n"
            "      --> KSTREAM-MERGE-0000000006\n"
            "      <-- KSTREAM-KEY-SELECT-0000000001\n"
            "    Processor: KSTREAM-MERGE-0000000005 (stores: [])\n"
            "      --> KSTREAM-MERGE-0000000006\n"
            "      <-- KSTREAM-MAPVALUES-0000000002, KSTREAM-MAPVALUES-0000000003\n"
            "    Processor: KSTREAM-MERGE-0000000006 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000007\n"
            "      <-- KSTREAM-MERGE-0000000005, KSTREAM-MAPVALUES-0000000004\n"
            "    Sink: KSTREAM-SINK-0000000007 (topic: output_topic)\n"
            "      <-- KSTREAM-MERGE-0000000006\n"
            "\n");
}

class Length : public ContextualFixedKeyProcessor<Str, Str, int32_t> {
 public:
  void process(FixedKeyRecord<Str, Str> r) override {
    const auto n = static_cast<int32_t>(r.value().size());
    context().forward(std::move(r).withValue(n));
  }
};

// KStreamImplTest#shouldProcessValues: a named processValues() does not advance the counter.
TEST(DslDescribe, KafkaNamedProcessValues) {
  StreamsBuilder builder;
  builder.stream("input", Consumed(S(), S()))
      .processValues([] { return std::make_unique<Length>(); }, Named::as("fkp"))
      .to("output", Produced<Str, int32_t>::valueSerde(Serdes::Int32()));
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> fkp\n"
            "    Processor: fkp (stores: [])\n"
            "      --> KSTREAM-SINK-0000000001\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Sink: KSTREAM-SINK-0000000001 (topic: output)\n"
            "      <-- fkp\n"
            "\n");
}

// KStreamImplTest#shouldBindStateWithOldProcessor (the describe() part): the same for process().
TEST(DslDescribe, KafkaNamedProcess) {
  StreamsBuilder builder;
  builder.stream("input", Consumed(S(), S()))
      .process([] { return std::make_unique<ToValue<Str, Str, int32_t>>(); }, Named::as("p"))
      .to("output", Produced<Str, int32_t>::valueSerde(Serdes::Int32()));
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> p\n"
            "    Processor: p (stores: [])\n"
            "      --> KSTREAM-SINK-0000000001\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Sink: KSTREAM-SINK-0000000001 (topic: output)\n"
            "      <-- p\n"
            "\n");
}

// RepartitionWithMergeOptimizingTest's EXPECTED_UNOPTIMIZED_TOPOLOGY: two named sources, maps
// and a merge feeding two named repartitions, three sub-topologies. Java gets the repartitions
// from groupByKey(Grouped.as(…)); repartition(Repartitioned::as(…)) builds the same nodes and
// topics, and process() with the same names and stores stands in for count() and toStream().
TEST(DslDescribe, KafkaNamedRepartitionsMakeThreeSubtopologies) {
  StreamsBuilder builder;
  auto a = builder.stream("inputA", Consumed(S(), S()).withName("sourceAStream"));
  auto b = builder.stream("inputB", Consumed(S(), S()).withName("sourceBStream"));
  auto key = [](const Str&, const Str& v) {
    return KeyValue<Str, Str>{v.substr(0, v.find(':')), v};
  };
  auto mappedA = a.map(key, Named::as("mappedAStream"));
  auto mappedB = b.map(key, Named::as("mappedBStream"));
  auto merged = mappedA.merge(mappedB, Named::as("mergedStream"));

  auto count = [] { return std::make_unique<ToValue<Str, Str, int64_t>>(); };
  auto toStream = [] { return std::make_unique<PassThrough<Str, int64_t>>(); };
  merged.repartition(Repartitioned<Str, Str>::as("long-groupByKey"))
      .process(count, Named::as("long-count"), {"long-store"})
      .process(toStream, Named::as("long-toStream"))
      .to("outputTopic_0", Produced(S(), Serdes::Int64()).withName("long-to"));
  merged.repartition(Repartitioned<Str, Str>::as("string-groupByKey"))
      .process(count, Named::as("string-count"), {"string-store"})
      .process(toStream, Named::as("string-toStream"))
      .mapValues([](int64_t v) { return std::to_string(v); }, Named::as("string-mapValues"))
      .to("outputTopic_1", Produced(S(), S()).withName("string-to"));

  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: sourceAStream (topics: [inputA])\n"
            "      --> mappedAStream\n"
            "    Source: sourceBStream (topics: [inputB])\n"
            "      --> mappedBStream\n"
            "    Processor: mappedAStream (stores: [])\n"
            "      --> mergedStream\n"
            "      <-- sourceAStream\n"
            "    Processor: mappedBStream (stores: [])\n"
            "      --> mergedStream\n"
            "      <-- sourceBStream\n"
            "    Processor: mergedStream (stores: [])\n"
            "      --> long-groupByKey-repartition-filter, string-groupByKey-repartition-filter\n"
            "      <-- mappedAStream, mappedBStream\n"
            "    Processor: long-groupByKey-repartition-filter (stores: [])\n"
            "      --> long-groupByKey-repartition-sink\n"
            "      <-- mergedStream\n"
            "    Processor: string-groupByKey-repartition-filter (stores: [])\n"
            "      --> string-groupByKey-repartition-sink\n"
            "      <-- mergedStream\n"
            "    Sink: long-groupByKey-repartition-sink (topic: long-groupByKey-repartition)\n"
            "      <-- long-groupByKey-repartition-filter\n"
            "    Sink: string-groupByKey-repartition-sink (topic: string-groupByKey-repartition)\n"
            "      <-- string-groupByKey-repartition-filter\n"
            "\n"
            "  Sub-topology: 1\n"
            "    Source: long-groupByKey-repartition-source (topics: "
            "[long-groupByKey-repartition])\n"
            "      --> long-count\n"
            "    Processor: long-count (stores: [long-store])\n"
            "      --> long-toStream\n"
            "      <-- long-groupByKey-repartition-source\n"
            "    Processor: long-toStream (stores: [])\n"
            "      --> long-to\n"
            "      <-- long-count\n"
            "    Sink: long-to (topic: outputTopic_0)\n"
            "      <-- long-toStream\n"
            "\n"
            "  Sub-topology: 2\n"
            "    Source: string-groupByKey-repartition-source (topics: "
            "[string-groupByKey-repartition])\n"
            "      --> string-count\n"
            "    Processor: string-count (stores: [string-store])\n"
            "      --> string-toStream\n"
            "      <-- string-groupByKey-repartition-source\n"
            "    Processor: string-toStream (stores: [])\n"
            "      --> string-mapValues\n"
            "      <-- string-count\n"
            "    Processor: string-mapValues (stores: [])\n"
            "      --> string-to\n"
            "      <-- string-toStream\n"
            "    Sink: string-to (topic: outputTopic_1)\n"
            "      <-- string-mapValues\n"
            "\n");
}

// A generated repartition: KSTREAM-REPARTITION-0000000001 names the topic, and the filter, sink
// and source take the next three numbers in Java's order (sink, filter, source), as the
// KSTREAM-FILTER-0000000005 --> KSTREAM-SINK-0000000004 pattern of KStreamImplTest#
// shouldSupportKeyChangeKTableFromKStream shows for toTable()'s repartition.
TEST(DslDescribe, GeneratedRepartitionNames) {
  StreamsBuilder builder;
  builder.stream("input", Consumed(S(), S())).repartition().to("output");
  Topology t = builder.build();
  EXPECT_EQ(
      t.describe().toString(),
      "Topologies:\n"
      "   Sub-topology: 0\n"
      "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
      "      --> KSTREAM-FILTER-0000000003\n"
      "    Processor: KSTREAM-FILTER-0000000003 (stores: [])\n"
      "      --> KSTREAM-SINK-0000000002\n"
      "      <-- KSTREAM-SOURCE-0000000000\n"
      "    Sink: KSTREAM-SINK-0000000002 (topic: KSTREAM-REPARTITION-0000000001-repartition)\n"
      "      <-- KSTREAM-FILTER-0000000003\n"
      "\n"
      "  Sub-topology: 1\n"
      "    Source: KSTREAM-SOURCE-0000000004 (topics: "
      "[KSTREAM-REPARTITION-0000000001-repartition])\n"
      "      --> KSTREAM-SINK-0000000005\n"
      "    Sink: KSTREAM-SINK-0000000005 (topic: output)\n"
      "      <-- KSTREAM-SOURCE-0000000004\n"
      "\n");
  ASSERT_EQ(t.internalTopics().size(), 1u);
  EXPECT_EQ(t.internalTopics()[0].name, "KSTREAM-REPARTITION-0000000001-repartition");
  EXPECT_EQ(t.internalTopics()[0].partitions, -1);
  EXPECT_TRUE(t.node("KSTREAM-SINK-0000000002").internal_topic);
  EXPECT_TRUE(t.node("KSTREAM-SOURCE-0000000004").internal_topic);
  EXPECT_FALSE(t.node("KSTREAM-SINK-0000000005").internal_topic);
}

// split(): the branch processors are "<split name><n>" (n from 1, 0 for the default branch, as
// StreamsGraphTest's "KSTREAM-BRANCH-0000000027 --> KSTREAM-BRANCH-00000000270,
// KSTREAM-BRANCH-00000000271" shows); each branch advances the counter. The successor order
// of the split processor is Java's (sizes while its TreeSet was filled), not by final size.
TEST(DslDescribe, SplitWithDefaultBranch) {
  StreamsBuilder builder;
  auto branches = builder.stream("input", Consumed(S(), S()))
                      .split()
                      .branch([](const Str& k, const Str&) { return k == "a"; })
                      .branch([](const Str& k, const Str&) { return k == "b"; })
                      .defaultBranch();
  branches.at("KSTREAM-BRANCH-00000000011").to("a");
  branches.at("KSTREAM-BRANCH-00000000012").mapValues([](const Str& v) { return v; }).to("b");
  branches.at("KSTREAM-BRANCH-00000000010").to("other");
  EXPECT_EQ(builder.build().describe().toString(),
            "Topologies:\n"
            "   Sub-topology: 0\n"
            "    Source: KSTREAM-SOURCE-0000000000 (topics: [input])\n"
            "      --> KSTREAM-BRANCH-0000000001\n"
            "    Processor: KSTREAM-BRANCH-0000000001 (stores: [])\n"
            "      --> KSTREAM-BRANCH-00000000012, KSTREAM-BRANCH-00000000010, "
            "KSTREAM-BRANCH-00000000011\n"
            "      <-- KSTREAM-SOURCE-0000000000\n"
            "    Processor: KSTREAM-BRANCH-00000000012 (stores: [])\n"
            "      --> KSTREAM-MAPVALUES-0000000006\n"
            "      <-- KSTREAM-BRANCH-0000000001\n"
            "    Processor: KSTREAM-BRANCH-00000000010 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000008\n"
            "      <-- KSTREAM-BRANCH-0000000001\n"
            "    Processor: KSTREAM-BRANCH-00000000011 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000005\n"
            "      <-- KSTREAM-BRANCH-0000000001\n"
            "    Processor: KSTREAM-MAPVALUES-0000000006 (stores: [])\n"
            "      --> KSTREAM-SINK-0000000007\n"
            "      <-- KSTREAM-BRANCH-00000000012\n"
            "    Sink: KSTREAM-SINK-0000000005 (topic: a)\n"
            "      <-- KSTREAM-BRANCH-00000000011\n"
            "    Sink: KSTREAM-SINK-0000000007 (topic: b)\n"
            "      <-- KSTREAM-MAPVALUES-0000000006\n"
            "    Sink: KSTREAM-SINK-0000000008 (topic: other)\n"
            "      <-- KSTREAM-BRANCH-00000000010\n"
            "\n");
}

// StreamsBuilderTest#shouldUseSpecifiedNameForSplitOperation.
TEST(DslNaming, KafkaSplitNames) {
  StreamsBuilder builder;
  builder.stream<Str, Str>("stream-topic")
      .split(Named::as("branch-processor"))
      .branch([](const Str&, const Str&) { return true; }, Branched<Str, Str>::as("-1"))
      .branch([](const Str&, const Str&) { return false; }, Branched<Str, Str>::as("-2"));
  EXPECT_THAT(nodeNames(builder.build()),
              ElementsAre("KSTREAM-SOURCE-0000000000", "branch-processor", "branch-processor-1",
                          "branch-processor-2"));
}

// StreamsBuilderTest#shouldUseSpecifiedNameForStreamSourceProcessor: a named operator still
// advances the counter.
TEST(DslNaming, KafkaNamedSourceAdvancesCounter) {
  StreamsBuilder builder;
  builder.stream("stream-topic", Consumed<Str, Str>::as("source-node"));
  builder.stream<Str, Str>("stream-topic-two");
  EXPECT_THAT(nodeNames(builder.build()), ElementsAre("source-node", "KSTREAM-SOURCE-0000000001"));
}

// StreamsBuilderTest#shouldUseSpecifiedNameForSinkProcessor.
TEST(DslNaming, KafkaNamedSinkAdvancesCounter) {
  StreamsBuilder builder;
  auto stream = builder.stream<Str, Str>("stream-topic");
  stream.to("stream-topic-two", Produced<Str, Str>::as("sink-processor"));
  stream.to("stream-topic-two");
  EXPECT_THAT(nodeNames(builder.build()), ElementsAre("KSTREAM-SOURCE-0000000000", "sink-processor",
                                                      "KSTREAM-SINK-0000000002"));
}

// StreamsBuilderTest#shouldUseSpecifiedNameForMergeOperation, …ForPrintOperation and the other
// shouldUseSpecifiedNameFor… tests, and the generated prefix of every operator.
TEST(DslNaming, EveryOperatorsGeneratedPrefix) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  auto other = builder.stream("in2", Consumed(S(), S()));
  in.filter([](const Str&, const Str&) { return true; })        // 2
      .filterNot([](const Str&, const Str&) { return false; })  // 3
      .map([](const Str& k, const Str& v) {
        return KeyValue<Str, Str>{k, v};
      })                                                      // 4
      .mapValues([](const Str& v) { return v; })              // 5
      .mapValues([](const Str&, const Str& v) { return v; })  // 6
      .flatMap([](const Str& k, const Str& v) {               // 7
        return std::vector<KeyValue<Str, Str>>{{k, v}};
      })
      .flatMapValues([](const Str& v) { return std::vector<Str>{v}; })  // 8
      .selectKey([](const Str& k, const Str&) { return k; })            // 9
      .peek([](const Str&, const Str&) {})                              // 10
      .merge(other)                                                     // 11
      .process(passThrough<Str, Str>())                                 // 12
      .processValues([] {                                               // 13
        return std::make_unique<Length>();
      })
      .repartition()                          // 14, then sink 15, filter 16, source 17
      .foreach ([](const Str&, int32_t) {});  // 18
  in.print(Printed<Str, Str>::toSysOut().withName("print-processor"));  // 19
  in.split().defaultBranch();                                           // 20, 21
  in.to("out");                                                         // 22
  EXPECT_THAT(nodeNames(builder.build()),
              ElementsAre("KSTREAM-SOURCE-0000000000", "KSTREAM-SOURCE-0000000001",
                          "KSTREAM-FILTER-0000000002", "KSTREAM-FILTER-0000000003",
                          "KSTREAM-MAP-0000000004", "KSTREAM-MAPVALUES-0000000005",
                          "KSTREAM-MAPVALUES-0000000006", "KSTREAM-FLATMAP-0000000007",
                          "KSTREAM-FLATMAPVALUES-0000000008", "KSTREAM-KEY-SELECT-0000000009",
                          "KSTREAM-PEEK-0000000010", "KSTREAM-MERGE-0000000011",
                          "KSTREAM-PROCESSOR-0000000012", "KSTREAM-PROCESSVALUES-0000000013",
                          "KSTREAM-FILTER-0000000016", "KSTREAM-SINK-0000000015",
                          "KSTREAM-SOURCE-0000000017", "KSTREAM-FOREACH-0000000018",
                          "print-processor", "KSTREAM-BRANCH-0000000020",
                          "KSTREAM-BRANCH-00000000200", "KSTREAM-SINK-0000000022"));
}

TEST(DslNaming, NamedRepartitionTopicAndNodes) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .repartition(Repartitioned<Str, Str>::as("by-user").withNumberOfPartitions(4))
      .to("out");
  Topology t = builder.build();
  // The repartition's three generated names (1, 2, 3) are burnt: the sink is number 4.
  EXPECT_THAT(nodeNames(t), ElementsAre("KSTREAM-SOURCE-0000000000", "by-user-repartition-filter",
                                        "by-user-repartition-sink", "by-user-repartition-source",
                                        "KSTREAM-SINK-0000000004"));
  ASSERT_EQ(t.internalTopics().size(), 1u);
  EXPECT_EQ(t.internalTopics()[0].name, "by-user-repartition");
  EXPECT_EQ(t.internalTopics()[0].partitions, 4);
}

TEST(DslNaming, IllegalNamesThrow) {
  EXPECT_THROW(Named::as(""), TopologyException);
  EXPECT_THROW(Named::as(".."), TopologyException);
  EXPECT_THROW(Named::as("has space"), TopologyException);
  EXPECT_THROW(Named::as(std::string(250, 'x')), TopologyException);
  EXPECT_NO_THROW(Named::as("ok.name_-1"));
  StreamsBuilder builder;
  EXPECT_THROW(builder.stream("in", Consumed<Str, Str>::as("bad/name")), TopologyException);
}

TEST(DslNaming, DuplicateNameThrows) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.peek([](const Str&, const Str&) {}, Named::as("x"));
  EXPECT_THROW(in.peek([](const Str&, const Str&) {}, Named::as("x")), TopologyException);
}

// ---------------------------------------------------------------------------------------------
// Builder semantics: sources, serdes, repartition flags, build once, type deduction.

// StreamsBuilderTest#shouldAllowStreamsFromSameTopic and
// #shouldNotAllowReadingFromOverlappingAndUnequalCollectionOfTopics.
TEST(DslBuilder, SameTopicsShareOneSourceOverlappingTopicsThrow) {
  StreamsBuilder builder;
  auto first = builder.stream<Str, Str>({"topic1", "topic2"});
  auto second = builder.stream<Str, Str>({"topic2", "topic1"});
  EXPECT_EQ(first.name(), "KSTREAM-SOURCE-0000000000");
  EXPECT_EQ(second.name(), "KSTREAM-SOURCE-0000000000");
  EXPECT_THROW((builder.stream<Str, Str>("topic1")), TopologyException);
  // Same topics with other types cannot share a typed source.
  EXPECT_THROW((builder.stream<Str, int64_t>({"topic1", "topic2"})), TopologyException);
  first.to("out1");
  second.to("out2");
  Topology t = builder.build();
  EXPECT_EQ(t.node("KSTREAM-SOURCE-0000000000").children.size(), 2u);
}

TEST(DslBuilder, SerdesAndRepartitionFlagsFollowJava) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), Serdes::Int64()));
  EXPECT_EQ(in.keySerde(), Serdes::String());
  EXPECT_EQ(in.valueSerde(), Serdes::Int64());
  EXPECT_FALSE(in.repartitionRequired());

  auto filtered = in.filter([](const Str&, int64_t) { return true; });
  EXPECT_EQ(filtered.keySerde(), Serdes::String());
  EXPECT_EQ(filtered.valueSerde(), Serdes::Int64());

  auto values = in.mapValues([](int64_t v) { return v * 2; });
  EXPECT_EQ(values.keySerde(), Serdes::String());
  EXPECT_EQ(values.valueSerde(), nullptr);
  EXPECT_FALSE(values.repartitionRequired());

  auto rekeyed = in.selectKey([](const Str&, int64_t v) { return v; });
  EXPECT_EQ(rekeyed.keySerde(), nullptr);
  EXPECT_EQ(rekeyed.valueSerde(), Serdes::Int64());
  EXPECT_TRUE(rekeyed.repartitionRequired());
  EXPECT_TRUE(rekeyed.peek([](int64_t, int64_t) {}).repartitionRequired());
  EXPECT_TRUE(rekeyed.mapValues([](int64_t v) { return v; }).repartitionRequired());

  auto mapped = in.map([](const Str& k, int64_t v) { return KeyValue<Str, int64_t>{k, v}; });
  EXPECT_EQ(mapped.keySerde(), nullptr);
  EXPECT_EQ(mapped.valueSerde(), nullptr);
  EXPECT_TRUE(mapped.repartitionRequired());
  EXPECT_TRUE(in.flatMap([](const Str&, int64_t) {
                  return std::vector<KeyValue<int, int>>{};
                }).repartitionRequired());
  EXPECT_TRUE(in.process(passThrough<Str, int64_t>()).repartitionRequired());
  EXPECT_FALSE(in.flatMapValues([](int64_t) { return std::vector<int>{}; }).repartitionRequired());

  auto merged = in.merge(rekeyed.selectKey([](int64_t, int64_t) { return Str(); }));
  EXPECT_EQ(merged.keySerde(), nullptr);
  EXPECT_EQ(merged.valueSerde(), nullptr);
  EXPECT_TRUE(merged.repartitionRequired());

  auto repartitioned =
      rekeyed.repartition(Repartitioned<int64_t, int64_t>::with(Serdes::Int64(), nullptr));
  EXPECT_EQ(repartitioned.keySerde(), Serdes::Int64());
  EXPECT_EQ(repartitioned.valueSerde(), Serdes::Int64());
  EXPECT_FALSE(repartitioned.repartitionRequired());
}

TEST(DslBuilder, BuildsOnce) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.to("out");
  Topology t = builder.build();
  EXPECT_EQ(t.nodes().size(), 2u);
  EXPECT_THROW(builder.build(), TopologyException);
  EXPECT_THROW(in.to("again"), TopologyException);
  EXPECT_THROW(builder.stream("other", Consumed(S(), S())), TopologyException);
}

TEST(DslBuilder, MergeAcrossBuildersThrows) {
  StreamsBuilder b1, b2;
  auto s1 = b1.stream("a", Consumed(S(), S()));
  auto s2 = b2.stream("b", Consumed(S(), S()));
  EXPECT_THROW(s1.merge(s2), TopologyException);
}

TEST(DslBuilder, ResultTypesAreDeduced) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  static_assert(std::is_same_v<decltype(in), KStream<Str, Str>>);
  static_assert(std::is_same_v<decltype(Consumed(S(), Serdes::Int64())), Consumed<Str, int64_t>>);
  auto json = in.mapValues([](const Str& v) { return nlohmann::json::parse(v); });
  static_assert(std::is_same_v<decltype(json), KStream<Str, nlohmann::json>>);
  auto withKey = in.mapValues([](const Str& k, Str v) { return k.size() + v.size(); });
  static_assert(std::is_same_v<decltype(withKey), KStream<Str, size_t>>);
  auto mapped = in.map([](Str k, Str v) { return KeyValue{static_cast<int32_t>(k.size()), v}; });
  static_assert(std::is_same_v<decltype(mapped), KStream<int32_t, Str>>);
  auto paired = in.map([](Str, Str) { return std::pair<int64_t, double>(0, 0.5); });
  static_assert(std::is_same_v<decltype(paired), KStream<int64_t, double>>);
  auto flat = in.flatMap([](const Str&, const Str& v) {
    return std::vector<KeyValue<Str, int32_t>>{{v, 1}};
  });
  static_assert(std::is_same_v<decltype(flat), KStream<Str, int32_t>>);
  auto words = in.flatMapValues([](const Str& v) { return std::vector<std::string_view>{v}; });
  static_assert(std::is_same_v<decltype(words), KStream<Str, std::string_view>>);
  auto keyed = in.selectKey([](const Str&, const Str& v) { return v.size(); });
  static_assert(std::is_same_v<decltype(keyed), KStream<size_t, Str>>);
  auto lengths = in.processValues([] { return std::make_unique<Length>(); });
  static_assert(std::is_same_v<decltype(lengths), KStream<Str, int32_t>>);
  // Not invocable with the stream's types: the operators are not viable (a compile error).
  auto wrongMapper = [](int64_t v) { return v; };
  static_assert(!ValueMapper<decltype(wrongMapper), Str, Str>);
  static_assert(!Predicate<decltype(wrongMapper), Str, Str>);
  auto notKeyValue = [](const Str&, const Str&) { return 1; };
  static_assert(!KeyValueMapper<decltype(notKeyValue), Str, Str>);
  static_assert(!FlatKeyValueMapper<decltype(notKeyValue), Str, Str>);
}

// ---------------------------------------------------------------------------------------------
// (2) The Processor API: hand-built topologies.

// TopologyTest#streamStreamJoinTopologyWithDefaultStoresNames, built node by node with the names
// and stores the DSL join creates there (shared stores join the two inputs into one
// sub-topology; the merge's predecessors print in Java's insertion-dependent order).
TEST(ProcessorApiDescribe, KafkaStreamStreamJoinShape) {
  using P = PassThrough<int32_t, Str>;
  auto pass = [] { return std::make_unique<P>(); };
  Topology t;
  t.addSource<int32_t, Str>("KSTREAM-SOURCE-0000000000", {"input-topic1"})
      .addSource<int32_t, Str>("KSTREAM-SOURCE-0000000001", {"input-topic2"})
      .addProcessor("KSTREAM-WINDOWED-0000000002", pass, {"KSTREAM-SOURCE-0000000000"},
                    {"KSTREAM-JOINTHIS-0000000004-store"})
      .addProcessor("KSTREAM-WINDOWED-0000000003", pass, {"KSTREAM-SOURCE-0000000001"},
                    {"KSTREAM-JOINOTHER-0000000005-store"})
      .addProcessor("KSTREAM-JOINTHIS-0000000004", pass, {"KSTREAM-WINDOWED-0000000002"},
                    {"KSTREAM-JOINOTHER-0000000005-store"})
      .addProcessor("KSTREAM-JOINOTHER-0000000005", pass, {"KSTREAM-WINDOWED-0000000003"},
                    {"KSTREAM-JOINTHIS-0000000004-store"})
      .addProcessor("KSTREAM-MERGE-0000000006", pass,
                    {"KSTREAM-JOINTHIS-0000000004", "KSTREAM-JOINOTHER-0000000005"});
  EXPECT_EQ(t.describe().toString(), testing_strings::kStreamStreamJoinDescription);
}

// KStreamImplTest#shouldSupportTableTableJoinWithKStreamToKTable, node by node.
TEST(ProcessorApiDescribe, KafkaTableTableJoinShape) {
  auto pass = passThrough<Str, Str>();
  Topology t;
  t.addSource<Str, Str>("KSTREAM-SOURCE-0000000000", {"left"})
      .addProcessor("KSTREAM-TOTABLE-0000000001", pass, {"KSTREAM-SOURCE-0000000000"},
                    {"KSTREAM-TOTABLE-STATE-STORE-0000000002"})
      .addSource<Str, Str>("KSTREAM-SOURCE-0000000003", {"right"})
      .addProcessor("KSTREAM-TOTABLE-0000000004", pass, {"KSTREAM-SOURCE-0000000003"},
                    {"KSTREAM-TOTABLE-STATE-STORE-0000000005"})
      .addProcessor("KTABLE-JOINTHIS-0000000007", pass, {"KSTREAM-TOTABLE-0000000001"},
                    {"KSTREAM-TOTABLE-STATE-STORE-0000000005"})
      .addProcessor("KTABLE-JOINOTHER-0000000008", pass, {"KSTREAM-TOTABLE-0000000004"},
                    {"KSTREAM-TOTABLE-STATE-STORE-0000000002"})
      .addProcessor("KTABLE-MERGE-0000000006", pass,
                    {"KTABLE-JOINTHIS-0000000007", "KTABLE-JOINOTHER-0000000008"})
      .addProcessor("KTABLE-TOSTREAM-0000000009", pass, {"KTABLE-MERGE-0000000006"})
      .addSink<Str, Str>("KSTREAM-SINK-0000000010", "output", {"KTABLE-TOSTREAM-0000000009"});
  EXPECT_EQ(t.describe().toString(), testing_strings::kTableTableJoinDescription);
}

TEST(ProcessorApiDescribe, SourceWithSeveralTopicsPrintsJavasHashSetOrder) {
  // Java prints a source's topics as a java.util.HashSet: in hash-bucket order, neither sorted
  // nor as given ("topic-9" before "topic-10").
  Topology t;
  t.addSource<Str, Str>("src", {"c", "a", "b"});
  t.addSource<Str, Str>("src2", {"topic-9", "topic-10"});
  const std::string text = t.describe().toString();
  EXPECT_THAT(text, HasSubstr("Source: src (topics: [a, b, c])"));
  EXPECT_THAT(text, HasSubstr("Source: src2 (topics: [topic-9, topic-10])"));
}

TEST(ProcessorApiTopology, ChildWithOtherTypesThrows) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"}, S(), S());
  EXPECT_THROW(t.addProcessor("p", passThrough<int64_t, Str>(), {"src"}), TopologyException);
  EXPECT_THROW((t.addSink<Str, int64_t>("sink", "out", {"src"})), TopologyException);
  EXPECT_NO_THROW(t.addProcessor("ok", passThrough<Str, Str>(), {"src"}));
}

TEST(ProcessorApiTopology, UnknownParentThrows) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"});
  EXPECT_THROW(t.addProcessor("p", passThrough<Str, Str>(), {"nope"}), TopologyException);
  EXPECT_THROW((t.addSink<Str, Str>("sink", "out", {"nope"})), TopologyException);
  EXPECT_THROW(t.addProcessor("orphan", passThrough<Str, Str>(), {}), TopologyException);
}

TEST(ProcessorApiTopology, DuplicateNamesAndParentsThrow) {
  Topology t;
  t.addSource<Str, Str>("src", {"in"});
  EXPECT_THROW((t.addSource<Str, Str>("src", {"in2"})), TopologyException);
  t.addProcessor("p", passThrough<Str, Str>(), {"src"});
  EXPECT_THROW(t.addProcessor("p", passThrough<Str, Str>(), {"src"}), TopologyException);
  EXPECT_THROW(t.addProcessor("q", passThrough<Str, Str>(), {"src", "src"}), TopologyException);
  EXPECT_THROW((t.addSource<Str, Str>("src3", {"in"})), TopologyException);  // topic read twice
  t.addSink<Str, Str>("sink", "out", {"p"});
  EXPECT_THROW(t.addProcessor("after-sink", passThrough<Str, Str>(), {"sink"}), TopologyException);
}

// ---------------------------------------------------------------------------------------------
// (3) Every operator through the TopologyTestDriver.

// String default serdes, for streams whose serdes an operator forgot (as in Java).
StreamsConfig stringDefaults() {
  return StreamsConfig{{"default.key.serde", "String"}, {"default.value.serde", "String"}};
}

struct Io {
  explicit Io(const Topology& topology) : driver(topology, stringDefaults()) {}
  TopologyTestDriver driver;
  TestInputTopic<Str, Str> in = driver.createInputTopic<Str, Str>("in", S(), S());
  TestOutputTopic<Str, Str> out = driver.createOutputTopic<Str, Str>("out", S(), S());
};

TEST(DslDriver, FilterAndFilterNot) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.filter([](const Str& k, const Str&) { return k.starts_with("keep"); }).to("out");
  in.filterNot([](const Str& k, const Str&) { return k.starts_with("keep"); }).to("dropped");
  Topology t = builder.build();
  Io io(t);
  auto dropped = io.driver.createOutputTopic<Str, Str>("dropped", S(), S());
  io.in.pipeInput("keep-1", "a", 10);
  io.in.pipeInput("other", "b", 20);
  io.in.pipeInput("keep-2", "c", 30);
  EXPECT_THAT(io.out.readKeyValuesToList(),
              ElementsAre(KeyValue<Str, Str>{"keep-1", "a"}, KeyValue<Str, Str>{"keep-2", "c"}));
  EXPECT_THAT(dropped.readKeyValuesToList(), ElementsAre(KeyValue<Str, Str>{"other", "b"}));
}

TEST(DslDriver, MapMapValuesSelectKeyKeepTimestampsAndHeaders) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.map([](Str k, Str v) { return KeyValue{v, k}; }).to("swapped");
  in.mapValues([](Str v) { return v + "!"; }).to("bang");
  in.mapValues([](const Str& k, const Str& v) { return k + "=" + v; }).to("joined");
  in.selectKey([](const Str&, const Str& v) {
      return static_cast<int64_t>(v.size());
    }).to("by-length", Produced<int64_t, Str>::keySerde(Serdes::Int64()));
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto input = driver.createInputTopic<Str, Str>("in", S(), S());
  input.pipeInput(TestRecord<Str, Str>{"k", "value", 1234, Headers{{"h", "1"}}});

  auto swapped = driver.createOutputTopic<Str, Str>("swapped", S(), S()).readRecord();
  EXPECT_EQ(swapped, (TestRecord<Str, Str>{"value", "k", 1234, Headers{{"h", "1"}}}));
  auto bang = driver.createOutputTopic<Str, Str>("bang", S(), S()).readRecord();
  EXPECT_EQ(bang, (TestRecord<Str, Str>{"k", "value!", 1234, Headers{{"h", "1"}}}));
  EXPECT_EQ((driver.createOutputTopic<Str, Str>("joined", S(), S()).readValue()), "k=value");
  auto byLength = driver.createOutputTopic<int64_t, Str>("by-length", Serdes::Int64(), S());
  EXPECT_EQ(byLength.readRecord(),
            (TestRecord<int64_t, Str>{5, "value", 1234, Headers{{"h", "1"}}}));
}

TEST(DslDriver, FlatMapProducesZeroToManyRecords) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .flatMap([](const Str& k, const Str& v) {
        std::vector<KeyValue<Str, int32_t>> out;
        for (size_t i = 0; i < v.size(); ++i) {
          out.push_back({k + std::to_string(i), static_cast<int32_t>(i)});
        }
        return out;
      })
      .to("out", Produced(S(), Serdes::Int32()));
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  auto out = driver.createOutputTopic<Str, int32_t>("out", S(), Serdes::Int32());
  in.pipeInput(TestRecord<Str, Str>{"none", "", 5, Headers{}});
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput(TestRecord<Str, Str>{"one", "x", 6, Headers{{"h", "v"}}});
  EXPECT_EQ(out.readRecord(), (TestRecord<Str, int32_t>{"one0", 0, 6, Headers{{"h", "v"}}}));
  EXPECT_TRUE(out.isEmpty());
  in.pipeInput(TestRecord<Str, Str>{"three", "xyz", 7, Headers{{"h", "v"}}});
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i],
              (TestRecord<Str, int32_t>{"three" + std::to_string(i), i, 7, Headers{{"h", "v"}}}));
  }
}

TEST(DslDriver, FlatMapValuesWithAndWithoutKey) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.flatMapValues([](const Str& line) {
      std::vector<Str> words;
      std::istringstream is(line);
      for (Str w; is >> w;) words.push_back(w);
      return words;
    }).to("words");
  in.flatMapValues([](const Str& k, const Str& v) { return std::vector<Str>{k, v}; }).to("both");
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto input = driver.createInputTopic<Str, Str>("in", S(), S());
  input.pipeInput(TestRecord<Str, Str>{"k", "hello kafka streams", 42, Headers{{"h", "1"}}});
  input.pipeInput("empty", "", 43);
  auto words = driver.createOutputTopic<Str, Str>("words", S(), S()).readRecordsToList();
  ASSERT_EQ(words.size(), 3u);
  EXPECT_EQ(words[0], (TestRecord<Str, Str>{"k", "hello", 42, Headers{{"h", "1"}}}));
  EXPECT_EQ(words[2], (TestRecord<Str, Str>{"k", "streams", 42, Headers{{"h", "1"}}}));
  EXPECT_THAT((driver.createOutputTopic<Str, Str>("both", S(), S()).readValuesToList()),
              ElementsAre("k", "hello kafka streams", "empty", ""));
}

TEST(DslDriver, PeekAndForeachSeeEveryRecordAndPeekPassesItOnUnchanged) {
  auto peeked = std::make_shared<std::vector<Str>>();
  auto seen = std::make_shared<std::vector<Str>>();
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.peek([peeked](const Str& k, const Str& v) { peeked->push_back(k + ":" + v); }).to("out");
  in.foreach ([seen](const Str& k, const Str&) { seen->push_back(k); });
  Topology t = builder.build();
  Io io(t);
  io.in.pipeInput(
      TestRecord<Str, Str>{"a", "1", 100, Headers{{"trace", "x"}, {"n", std::nullopt}}});
  io.in.pipeInput("b", "2", 200);
  EXPECT_THAT(*peeked, ElementsAre("a:1", "b:2"));
  EXPECT_THAT(*seen, ElementsAre("a", "b"));
  EXPECT_EQ(io.out.readRecord(),
            (TestRecord<Str, Str>{"a", "1", 100, Headers{{"trace", "x"}, {"n", std::nullopt}}}));
  EXPECT_EQ(io.out.readRecord(), (TestRecord<Str, Str>{"b", "2", 200, Headers{}}));
}

TEST(DslDriver, SplitSendsEachRecordToTheFirstMatchingBranchElseDefault) {
  auto consumed = std::make_shared<std::vector<Str>>();
  StreamsBuilder builder;
  auto branches =
      builder.stream("in", Consumed(S(), S()))
          .split(Named::as("route-"))
          .branch([](const Str& k, const Str&) { return k.starts_with("a"); },
                  Branched<Str, Str>::as("a"))
          .branch([](const Str& k, const Str&) { return k.starts_with("ab"); })  // never: "a" wins
          .branch([](const Str& k, const Str&) { return k.starts_with("b"); },
                  Branched<Str, Str>::withFunction(
                      [](KStream<Str, Str> s) {
                        return s.mapValues([](const Str& v) { return v + "+b"; });
                      },
                      "b"))
          .branch([](const Str& k, const Str&) { return k.starts_with("c"); },
                  Branched<Str, Str>::withConsumer([consumed](KStream<Str, Str> s) {
                    s.foreach ([consumed](const Str& k, const Str&) { consumed->push_back(k); });
                  }))
          .defaultBranch(Branched<Str, Str>::as("rest"));
  ASSERT_EQ(branches.size(), 4u);  // the consumer's branch is not in the map
  EXPECT_EQ(branches.count("route-a"), 1u);
  EXPECT_EQ(branches.count("route-2"), 1u);
  EXPECT_EQ(branches.count("route-rest"), 1u);
  // The branch's number is burnt before its chain function runs.
  EXPECT_EQ(branches.at("route-b").name(), "KSTREAM-MAPVALUES-0000000005");
  branches.at("route-a").to("a");
  branches.at("route-2").to("ab");
  branches.at("route-b").to("b");
  branches.at("route-rest").to("rest");
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  for (const char* k : {"abc", "b1", "c1", "zzz", "a2"}) in.pipeInput(k, "v", 1);
  auto keys = [&](const char* topic) {
    std::vector<Str> out;
    for (auto& kv : driver.createOutputTopic<Str, Str>(topic, S(), S()).readKeyValuesToList()) {
      out.push_back(kv.key + "/" + kv.value);
    }
    return out;
  };
  EXPECT_THAT(keys("a"), ElementsAre("abc/v", "a2/v"));
  EXPECT_THAT(keys("ab"), ElementsAre());
  EXPECT_THAT(keys("b"), ElementsAre("b1/v+b"));
  EXPECT_THAT(keys("rest"), ElementsAre("zzz/v"));
  EXPECT_THAT(*consumed, ElementsAre("c1"));
}

TEST(DslDriver, SplitWithoutDefaultBranchDropsUnmatched) {
  StreamsBuilder builder;
  auto branches = builder.stream("in", Consumed(S(), S()))
                      .split()
                      .branch([](const Str& k, const Str&) { return k == "x"; })
                      .noDefaultBranch();
  ASSERT_EQ(branches.size(), 1u);
  branches.begin()->second.to("out");
  Topology t = builder.build();
  Io io(t);
  io.in.pipeInput("y", "1", 1);
  io.in.pipeInput("x", "2", 2);
  EXPECT_THAT(io.out.readKeyValuesToList(), ElementsAre(KeyValue<Str, Str>{"x", "2"}));
}

TEST(DslDriver, MergeOfTwoStreamsKeepsArrivalOrder) {
  // StreamsBuilderTest#shouldMergeStreams.
  StreamsBuilder builder;
  auto s1 = builder.stream("topic-1", Consumed(S(), S()));
  auto s2 = builder.stream("topic-2", Consumed(S(), S()));
  s1.merge(s2).to("out", Produced(S(), S()));
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto in1 = driver.createInputTopic<Str, Str>("topic-1", S(), S());
  auto in2 = driver.createInputTopic<Str, Str>("topic-2", S(), S());
  auto out = driver.createOutputTopic<Str, Str>("out", S(), S());
  in1.pipeInput("A", "aa", 0);
  in2.pipeInput("B", "bb", 0);
  in2.pipeInput("C", "cc", 0);
  in1.pipeInput("D", "dd", 0);
  EXPECT_THAT(out.readKeyValuesToList(),
              ElementsAre(KeyValue<Str, Str>{"A", "aa"}, KeyValue<Str, Str>{"B", "bb"},
                          KeyValue<Str, Str>{"C", "cc"}, KeyValue<Str, Str>{"D", "dd"}));
}

TEST(DslDriver, RepartitionRoundTripThroughTheInternalTopic) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .selectKey([](const Str&, const Str& v) { return static_cast<int64_t>(v.size()); })
      .repartition(Repartitioned(Serdes::Int64(), S()))
      .mapValues([](const int64_t& k, const Str& v) { return v + "@" + std::to_string(k); })
      .to("out");
  Topology t = builder.build();
  ASSERT_EQ(t.subtopologies().size(), 2u);
  TopologyTestDriver driver(t, stringDefaults());
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  auto out = driver.createOutputTopic<int64_t, Str>("out", Serdes::Int64(), S());
  in.pipeInput(TestRecord<Str, Str>{"k", "four", 77, Headers{{"h", "x"}}});
  EXPECT_EQ(out.readRecord(), (TestRecord<int64_t, Str>{4, "four@4", 77, Headers{{"h", "x"}}}));
  // The repartition topic is internal: the application id prefixes it.
  auto repartition = driver.createOutputTopic<int64_t, Str>(
      "topology-test-driver-KSTREAM-REPARTITION-0000000002-repartition", Serdes::Int64(), S());
  EXPECT_EQ(repartition.readKeyValue(), (KeyValue<int64_t, Str>{4, "four"}));
}

class Stamp : public ContextualProcessor<Str, Str, Str, int64_t> {
 public:
  void process(Record<Str, Str> r) override {
    // Reads the metadata and headers, forwards a record with another type, timestamp and header.
    Headers h = r.headers();
    h.add("topic", context().recordMetadata()->topic);
    context().forward(Record<Str, int64_t>(r.key() + "!", static_cast<int64_t>(r.value().size()),
                                           r.timestamp() + 1, std::move(h)));
  }
};

class Suffix : public ContextualFixedKeyProcessor<Str, Str, Str> {
 public:
  void process(FixedKeyRecord<Str, Str> r) override {
    Str v = r.value() + "-" + std::to_string(r.timestamp());
    context().forward(std::move(r).withValue(std::move(v)).withTimestamp(r.timestamp() * 2));
  }
};

TEST(DslDriver, ProcessAndProcessValuesPlugUserProcessorsIn) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.process([] {
      return std::make_unique<Stamp>();
    }).to("stamped", Produced(S(), Serdes::Int64()));
  in.processValues([] { return std::make_unique<Suffix>(); }).to("suffixed");
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  auto input = driver.createInputTopic<Str, Str>("in", S(), S());
  input.pipeInput(TestRecord<Str, Str>{"k", "abc", 10, Headers{{"a", "1"}}});
  EXPECT_EQ((driver.createOutputTopic<Str, int64_t>("stamped", S(), Serdes::Int64()).readRecord()),
            (TestRecord<Str, int64_t>{"k!", 3, 11, Headers{{"a", "1"}, {"topic", "in"}}}));
  EXPECT_EQ((driver.createOutputTopic<Str, Str>("suffixed", S(), S()).readRecord()),
            (TestRecord<Str, Str>{"k", "abc-10", 20, Headers{{"a", "1"}}}));
}

TEST(DslDriver, JsonValuesFromMapValues) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .mapValues([](const Str& v) {
        return nlohmann::json{{"text", v}, {"len", v.size()}};
      })
      .to("out", Produced<Str, nlohmann::json>::valueSerde(Serdes::Json<nlohmann::json>()));
  Topology t = builder.build();
  TopologyTestDriver driver(t, stringDefaults());
  driver.createInputTopic<Str, Str>("in", S(), S()).pipeInput("k", "hey", 1);
  EXPECT_EQ((driver.createOutputTopic<Str, Str>("out", S(), S()).readValue()),
            R"({"len":3,"text":"hey"})");
}

TEST(DslDriver, StatefulLambdasHaveOneCopyPerTask) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .mapValues([n = 0](const Str& v) mutable { return v + std::to_string(++n); })
      .to("out");
  Topology t = builder.build();
  {
    Io io(t);
    io.in.pipeInput("k", "a", 1);
    io.in.pipeInput("k", "b", 2);
    EXPECT_THAT(io.out.readValuesToList(), ElementsAre("a1", "b2"));
  }
  Io fresh(t);  // a new task starts from the topology's copy again
  fresh.in.pipeInput("k", "c", 3);
  EXPECT_EQ(fresh.out.readValue(), "c1");
}

TEST(DslDriver, ExceptionFromALambdaStopsProcessing) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .peek([](const Str& k, const Str&) {
        if (k == "bad") throw std::runtime_error("boom");
      })
      .to("out");
  Topology t = builder.build();
  Io io(t);
  try {
    io.in.pipeInput("bad", "v", 1);
    FAIL() << "expected an exception";
  } catch (const StreamsException& e) {
    EXPECT_THAT(e.what(), HasSubstr("boom"));
  }
}

TEST(DslDriver, PrintWritesJavasFormat) {
  const std::string path = ::testing::TempDir() + "/kstreams_dsl_print.txt";
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), Serdes::Int64()));
  in.print(Printed<Str, int64_t>::toFile(path));
  in.print(Printed<Str, int64_t>::toFile(path + ".2")
               .withLabel("lbl")
               .withKeyValueMapper(
                   [](const Str& k, const int64_t& v) { return k + "->" + std::to_string(v); }));
  Topology t = builder.build();
  {
    TopologyTestDriver driver(t, stringDefaults());
    auto input = driver.createInputTopic<Str, int64_t>("in", S(), Serdes::Int64());
    input.pipeInput("a", 1, 1);
    input.pipeInput("b", 2, 2);
  }
  auto slurp = [](const std::string& p) {
    std::ifstream f(p);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  EXPECT_EQ(slurp(path), "[KSTREAM-SOURCE-0000000000]: a, 1\n[KSTREAM-SOURCE-0000000000]: b, 2\n");
  EXPECT_EQ(slurp(path + ".2"), "[lbl]: a->1\n[lbl]: b->2\n");
}

TEST(DslDescribe, DotOutputSanity) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .filter([](const Str&, const Str&) { return true; })
      .repartition(Repartitioned<Str, Str>::as("r"))
      .to("out");
  const std::string dot = builder.build().describe().toDot();
  EXPECT_TRUE(dot.starts_with("digraph topology {"));
  EXPECT_TRUE(dot.ends_with("}\n"));
  EXPECT_THAT(dot, HasSubstr("subgraph cluster_0"));
  EXPECT_THAT(dot, HasSubstr("subgraph cluster_1"));
  EXPECT_THAT(dot, HasSubstr("\"topic:in\" -> \"KSTREAM-SOURCE-0000000000\""));
  EXPECT_THAT(dot, HasSubstr("\"KSTREAM-SOURCE-0000000000\" -> \"KSTREAM-FILTER-0000000001\""));
  EXPECT_THAT(dot, HasSubstr("\"r-repartition-sink\" -> \"topic:r-repartition\""));
  EXPECT_THAT(dot, HasSubstr("\"topic:r-repartition\" -> \"r-repartition-source\""));
  EXPECT_THAT(dot, HasSubstr("\"KSTREAM-SINK-0000000005\" -> \"topic:out\""));
  // Balanced braces: the output parses as one graph.
  EXPECT_EQ(std::count(dot.begin(), dot.end(), '{'), std::count(dot.begin(), dot.end(), '}'));
}

}  // namespace
}  // namespace kstreams
