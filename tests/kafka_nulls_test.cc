// Kafka nulls through every operator, with Java Kafka Streams 4.x's output as the reference: a
// null key or value never becomes an empty byte string, "" never becomes null, and stateful
// operators skip what Java's processors skip (KStreamAggregate, KStreamReduce, KTableSource,
// KStreamKTableJoinProcessor, KTableRepartitionMap). Records go through the TopologyTestDriver;
// the raw side (driver.pipeRaw / readRaw) checks the bytes the sinks write.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/ktable.h"
#include "kstreams/processor.h"
#include "kstreams/record.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"

namespace kstreams {
namespace {

using Str = std::string;
using OptStr = std::optional<std::string>;
using Raw = std::optional<std::string>;
const auto S = [] { return Serdes::String(); };

// What a sink wrote: key and value bytes, nullopt for a Kafka null.
struct RawKV {
  Raw key;
  Raw value;
  int64_t timestamp = 0;
  bool operator==(const RawKV&) const = default;
};
std::ostream& operator<<(std::ostream& os, const RawKV& r) {
  auto show = [&](const Raw& b) -> std::ostream& {
    return b ? (os << '"' << *b << '"') : (os << "null");
  };
  os << '(';
  show(r.key) << ", ";
  return show(r.value) << ")@" << r.timestamp;
}

std::vector<RawKV> readAllRaw(TopologyTestDriver& driver, const std::string& topic) {
  std::vector<RawKV> out;
  while (auto r = driver.readRaw(topic)) out.push_back({r->key, r->value, r->timestamp});
  return out;
}

// The three records of the issue, and the empty-key twin of the null-key one.
const std::vector<RawKV> kPassthroughInput = {
    {"k", std::nullopt, 1}, {std::nullopt, "v", 2}, {"k", "", 3}, {"", "v", 4}};

void pipeAll(TopologyTestDriver& driver, const std::string& topic,
             const std::vector<RawKV>& records) {
  for (const auto& r : records) driver.pipeRaw(topic, r.key, r.value, r.timestamp, {});
}

// ---- Record

TEST(RecordNulls, MarksFollowWhatChanges) {
  Record<Str, Str> r("k", "v", 1);
  EXPECT_FALSE(r.keyIsNull());
  EXPECT_FALSE(r.valueIsNull());
  Record<Str, Str> tombstone = r.withNullValue();
  EXPECT_TRUE(tombstone.valueIsNull());
  EXPECT_EQ(tombstone.value(), "");
  EXPECT_FALSE(tombstone.keyIsNull());
  EXPECT_NE(tombstone, r.withValue(Str()));  // null is not ""

  Record<Str, Str> both = Record<Str, Str>("k", "v", 1).withNullKey().withNullValue();
  // Timestamps and headers keep both marks; a new key or value clears only its own.
  EXPECT_TRUE(both.withTimestamp(5).keyIsNull());
  EXPECT_TRUE(both.withHeaders({{"h", "x"}}).valueIsNull());
  auto rekeyed = both.withKey(int64_t{7});
  EXPECT_FALSE(rekeyed.keyIsNull());
  EXPECT_TRUE(rekeyed.valueIsNull());
  auto revalued = std::move(both).withValue(Str("x"));
  EXPECT_TRUE(revalued.keyIsNull());
  EXPECT_FALSE(revalued.valueIsNull());

  // std::optional types are null when empty, marked or not.
  Record<OptStr, OptStr> opt(std::nullopt, "v", 1);
  EXPECT_TRUE(opt.keyIsNull());
  EXPECT_FALSE(opt.valueIsNull());
}

// ---- Serdes: only a missing payload is null.

TEST(SerdeNulls, EmptyStaysEmptyAndOnlyNullableSerdesReadNulls) {
  EXPECT_EQ(Serdes::String()->deserialize("t", std::string_view()), "");
  EXPECT_EQ(Serdes::Bytes()->deserialize("t", std::string_view()), "");
  EXPECT_FALSE(Serdes::String()->deserializesNull());
  EXPECT_FALSE(Serdes::Bytes()->deserializesNull());
  EXPECT_FALSE(Serdes::Int64()->deserializesNull());
  EXPECT_TRUE(Serdes::Optional(Serdes::String())->deserializesNull());
  auto own = Serdes::from<Str>(
      [](const Str& v, std::string& out) { out += v; },
      [](std::optional<std::string_view> d) { return d ? Str(*d) : Str("<null>"); }, "OwnNull");
  EXPECT_TRUE(own->deserializesNull());
  auto plain = Serdes::from<Str>([](const Str& v, std::string& out) { out += v; },
                                 [](std::string_view d) { return Str(d); }, "Plain");
  EXPECT_FALSE(plain->deserializesNull());
}

// ---- Pass-through: (k, null) stays a tombstone, (null, v) keeps its null key, "" stays "".

void expectPassthrough(const SerdePtr<Str>& serde) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(serde, serde)).to("out", Produced(serde, serde));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  pipeAll(driver, "in", kPassthroughInput);
  EXPECT_EQ(readAllRaw(driver, "out"), kPassthroughInput);
}

TEST(NullPassthrough, StringTopologyKeepsNullsAndEmptyStrings) {
  expectPassthrough(Serdes::String());
}

TEST(NullPassthrough, BytesTopologyKeepsNullsAndEmptyStrings) {
  expectPassthrough(Serdes::Bytes());
}

TEST(NullPassthrough, NumericValueTombstoneIsNotADeserializationError) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), Serdes::Int64())).to("out", Produced(S(), Serdes::Int64()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  driver.pipeRaw("in", "k", std::nullopt, 1, {});
  EXPECT_EQ(readAllRaw(driver, "out"), (std::vector<RawKV>{{"k", std::nullopt, 1}}));
}

// Every operator that passes a record on keeps its marks: filter, filterNot, peek, split,
// merge, repartition (through the repartition topic and back), processValues and process.
class Identity final : public FixedKeyProcessor<Str, Str, Str> {
 public:
  void init(FixedKeyProcessorContext<Str, Str>& context) override { context_ = &context; }
  void process(FixedKeyRecord<Str, Str> record) override { context_->forward(std::move(record)); }

 private:
  FixedKeyProcessorContext<Str, Str>* context_ = nullptr;
};
class Forward final : public ContextualProcessor<Str, Str, Str, Str> {
 public:
  void process(Record<Str, Str> record) override { context().forward(std::move(record)); }
};

TEST(NullPassthrough, PassThroughOperatorsKeepTheMarks) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  auto branches =
      in.filter([](const Str&, const Str&) { return true; })
          .filterNot([](const Str&, const Str&) { return false; })
          .peek([](const Str&, const Str&) {})
          .split(Named::as("split-"))
          .branch([](const Str& k, const Str&) { return k == "k"; }, Branched<Str, Str>::as("k"))
          .defaultBranch(Branched<Str, Str>::as("rest"));
  branches.at("split-k")
      .merge(branches.at("split-rest"))
      .repartition(Repartitioned<Str, Str>::with(S(), S()))  // merge() forgot the serdes
      .processValues([] { return std::make_unique<Identity>(); })
      .process([] { return std::make_unique<Forward>(); })
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  pipeAll(driver, "in", kPassthroughInput);
  EXPECT_EQ(readAllRaw(driver, "out"), kPassthroughInput);
}

// A computed key or value is not null; the part that goes on unchanged keeps its mark. Java's
// functions get a null here; C++ functions get "" (documented in kstream.h).
TEST(NullPassthrough, MappersClearOnlyWhatTheyCompute) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.mapValues([](const Str& v) { return "<" + v + ">"; }).to("map-values", Produced(S(), S()));
  in.selectKey([](const Str& k, const Str&) {
      return "[" + k + "]";
    }).to("select-key", Produced(S(), S()));
  in.flatMapValues([](const Str& v) {
      return std::vector<Str>{v + "1", v + "2"};
    }).to("flat-map-values", Produced(S(), S()));
  in.map([](Str k, Str v) {
      return KeyValue<Str, Str>{k + "!", v + "!"};
    }).to("map", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  pipeAll(driver, "in", {{"k", std::nullopt, 1}, {std::nullopt, "v", 2}});
  EXPECT_EQ(readAllRaw(driver, "map-values"),
            (std::vector<RawKV>{{"k", "<>", 1}, {std::nullopt, "<v>", 2}}));
  EXPECT_EQ(readAllRaw(driver, "select-key"),
            (std::vector<RawKV>{{"[k]", std::nullopt, 1}, {"[]", "v", 2}}));
  EXPECT_EQ(readAllRaw(driver, "flat-map-values"),
            (std::vector<RawKV>{
                {"k", "1", 1}, {"k", "2", 1}, {std::nullopt, "v1", 2}, {std::nullopt, "v2", 2}}));
  EXPECT_EQ(readAllRaw(driver, "map"), (std::vector<RawKV>{{"k!", "!", 1}, {"!", "v!", 2}}));
}

// A processor can write nulls itself (Java's withKey(null) / withValue(null)).
class NullOut final : public ContextualProcessor<Str, Str, Str, Str> {
 public:
  void process(Record<Str, Str> record) override {
    if (record.value() == "drop-key") {
      context().forward(std::move(record).withNullKey());
    } else {
      context().forward(std::move(record).withNullValue());
    }
  }
};

TEST(NullPassthrough, ProcessorWritesNulls) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .process([] { return std::make_unique<NullOut>(); })
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  pipeAll(driver, "in", {{"k", "drop-key", 1}, {"k", "x", 2}});
  EXPECT_EQ(readAllRaw(driver, "out"),
            (std::vector<RawKV>{{std::nullopt, "drop-key", 1}, {"k", std::nullopt, 2}}));
}

// Java's PrintForeachAction formats a null as "null".
TEST(NullPassthrough, PrintShowsNullNotEmpty) {
  const std::string path = ::testing::TempDir() + "/kstreams_nulls_print.txt";
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S())).print(Printed<Str, Str>::toFile(path).withLabel("p"));
  Topology topology = builder.build();
  {
    TopologyTestDriver driver(topology);
    pipeAll(driver, "in", kPassthroughInput);
  }
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), "[p]: k, null\n[p]: null, v\n[p]: k, \n[p]: , v\n");
}

// ---- The test driver tells nulls apart.

TEST(TestDriverNulls, ReadRecordAndPipeInputCarryNulls) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S())).to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<Str, Str>("in", S(), S());
  auto out = driver.createOutputTopic<Str, Str>("out", S(), S());
  in.pipeTombstone("k", 1);
  in.pipeInput("v");  // null key
  in.pipeInput("k", "", 3);
  TestRecord<Str, Str> both{"ignored",
                            "ignored",
                            4,
                            {},
                            /*key_is_null=*/true,
                            /*value_is_null=*/true};
  in.pipeInput(both);
  auto records = out.readRecordsToList();
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0], (TestRecord<Str, Str>{"k", "", 1, {}, false, true}));
  EXPECT_EQ(records[1], (TestRecord<Str, Str>{"", "v", 0, {}, true, false}));
  EXPECT_EQ(records[2], (TestRecord<Str, Str>{"k", "", 3, {}, false, false}));
  EXPECT_EQ(records[3], (TestRecord<Str, Str>{"", "", 4, {}, true, true}));

  // An std::optional serde reads nulls as nullopt.
  in.pipeTombstone("k", 5);
  auto opt = driver.createOutputTopic<Str, OptStr>("out", S(), Serdes::Optional(S()));
  EXPECT_EQ(opt.readRecord(), (TestRecord<Str, OptStr>{"k", std::nullopt, 5, {}}));
}

// ---- Aggregations skip null keys and values (KStreamAggregate, KStreamReduce).

// The issue's first example: a→"x"@1, a→null@2, a→"y"@3.
TEST(AggregationNulls, GroupByKeySkipsNullValues) {
  StreamsBuilder builder;
  auto grouped = builder.stream("in", Consumed(S(), S())).groupByKey();
  grouped.count().toStream().to("count", Produced(S(), Serdes::Int64()));
  grouped.reduce([](const Str& agg, const Str& v) { return agg + "|" + v; })
      .toStream()
      .to("reduce", Produced(S(), S()));
  grouped
      .aggregate([] { return Str("init"); },
                 [](const Str&, const Str& v, const Str& agg) { return agg + "+" + v; },
                 Materialized<Str, Str>::with(S(), S()))
      .toStream()
      .to("aggregate", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  pipeAll(driver, "in", {{"a", "x", 1}, {"a", std::nullopt, 2}, {"a", "y", 3}});
  auto count = driver.createOutputTopic<Str, int64_t>("count", S(), Serdes::Int64());
  EXPECT_EQ(count.readRecordsToList(),
            (std::vector<TestRecord<Str, int64_t>>{{"a", 1, 1, {}}, {"a", 2, 3, {}}}));
  auto reduce = driver.createOutputTopic<Str, Str>("reduce", S(), S());
  EXPECT_EQ(reduce.readRecordsToList(),
            (std::vector<TestRecord<Str, Str>>{{"a", "x", 1, {}}, {"a", "x|y", 3, {}}}));
  auto aggregate = driver.createOutputTopic<Str, Str>("aggregate", S(), S());
  EXPECT_EQ(aggregate.readRecordsToList(),
            (std::vector<TestRecord<Str, Str>>{{"a", "init+x", 1, {}}, {"a", "init+x+y", 3, {}}}));
}

// A key's first value null: kstreams used to fail there; Java skips it.
TEST(AggregationNulls, FirstValueNullIsSkippedNotAFailure) {
  StreamsBuilder builder;
  builder.stream("in", Consumed(S(), S()))
      .groupByKey()
      .reduce([](const Str& agg, const Str& v) { return agg + "|" + v; })
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  pipeAll(driver, "in", {{"a", std::nullopt, 1}, {"a", "x", 2}});
  EXPECT_EQ(readAllRaw(driver, "out"), (std::vector<RawKV>{{"a", "x", 2}}));
}

// Null keys read through a String serde: skipped by groupByKey's aggregation, directly and after
// a repartition topic (which carries them as Kafka nulls); "" is a key like any other.
TEST(AggregationNulls, NullKeysAreSkippedEmptyKeysCounted) {
  for (bool through_repartition : {false, true}) {
    SCOPED_TRACE(through_repartition ? "through a repartition topic" : "direct");
    StreamsBuilder builder;
    auto stream = builder.stream("in", Consumed(S(), S()));
    // process() marks the stream repartition-required without touching keys.
    if (through_repartition) stream = stream.process([] { return std::make_unique<Forward>(); });
    stream.groupByKey(Grouped<Str, Str>::with(S(), S()))
        .count()
        .toStream()
        .to("out", Produced(S(), Serdes::Int64()));
    Topology topology = builder.build();
    TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
    pipeAll(driver, "in", {{std::nullopt, "v", 1}, {"", "v", 2}, {std::nullopt, "w", 3}});
    auto out = driver.createOutputTopic<Str, int64_t>("out", S(), Serdes::Int64());
    EXPECT_EQ(out.readRecordsToList(), (std::vector<TestRecord<Str, int64_t>>{{"", 1, 2, {}}}));
  }
}

// groupBy computes a new key from the (null-keyed) record: Java counts it, and so does kstreams.
// A selector that returns an empty std::optional key has its record skipped by the aggregation.
TEST(AggregationNulls, GroupBySelectorKeys) {
  StreamsBuilder builder;
  auto in = builder.stream("in", Consumed(S(), S()));
  in.groupBy([](const Str&, const Str& v) { return v; }, Grouped<Str, Str>::with(S(), S()))
      .count()
      .toStream()
      .to("by-value", Produced(S(), Serdes::Int64()));
  in.groupBy([](const Str&, const Str& v) { return v == "none" ? OptStr() : OptStr(v); },
             Grouped<OptStr, Str>::with(Serdes::Optional(S()), S()).withName("opt"))
      .count(Materialized<OptStr, int64_t>::with(Serdes::Optional(S()), Serdes::Int64()))
      .toStream()
      .to("by-optional", Produced(Serdes::Optional(S()), Serdes::Int64()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  pipeAll(driver, "in", {{std::nullopt, "x", 1}, {"k", "none", 2}, {std::nullopt, "x", 3}});
  EXPECT_EQ((driver.createOutputTopic<Str, int64_t>("by-value", S(), Serdes::Int64())
                 .readRecordsToList()),
            (std::vector<TestRecord<Str, int64_t>>{
                {"x", 1, 1, {}}, {"none", 1, 2, {}}, {"x", 2, 3, {}}}));
  EXPECT_EQ(readAllRaw(driver, "by-optional"),
            (std::vector<RawKV>{{"x", Raw(std::string("\0\0\0\0\0\0\0\1", 8)), 1},
                                {"x", Raw(std::string("\0\0\0\0\0\0\0\2", 8)), 3}}));
}

// ---- Tables: a null key is skipped, a null value deletes, "" is a value (KTableSource).

TEST(TableNulls, TableSourceAndToTable) {
  for (bool to_table : {false, true}) {
    SCOPED_TRACE(to_table ? "KStream::toTable" : "StreamsBuilder::table");
    StreamsBuilder builder;
    auto table =
        to_table
            ? builder.stream("in", Consumed(S(), S()))
                  .toTable(
                      Materialized<Str, Str>::as("store").withKeySerde(S()).withValueSerde(S()))
            : builder.table(
                  "in", Consumed(S(), S()),
                  Materialized<Str, Str>::as("store").withKeySerde(S()).withValueSerde(S()));
    table.toStream().to("out", Produced(S(), S()));
    Topology topology = builder.build();
    TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
    pipeAll(driver, "in",
            {{"k", "a", 1}, {std::nullopt, "v", 2}, {"k", std::nullopt, 3}, {"e", "", 4}});
    EXPECT_EQ(readAllRaw(driver, "out"),
              (std::vector<RawKV>{{"k", "a", 1}, {"k", std::nullopt, 3}, {"e", "", 4}}));
    auto* store = driver.getTimestampedKeyValueStore<Str, Str>("store");
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->get("k"), std::nullopt);
    EXPECT_EQ(store->get(""), std::nullopt);  // the null key did not become ""
    EXPECT_EQ(store->get("e"), (ValueAndTimestamp<Str>{"", 4}));
  }
}

// KTableRepartitionMap: a selected pair with a null key is not forwarded.
TEST(TableNulls, TableGroupBySkipsNullSelectedKeys) {
  StreamsBuilder builder;
  builder.table("in", Consumed(S(), S()))
      .groupBy(
          [](const Str& k, const Str& v) {
            return KeyValue<OptStr, Str>{v == "none" ? OptStr() : OptStr(v), k};
          },
          Grouped<OptStr, Str>::with(Serdes::Optional(S()), S()))
      .count(Materialized<OptStr, int64_t>::with(Serdes::Optional(S()), Serdes::Int64()))
      .toStream()
      .to("out", Produced(Serdes::Optional(S()), Serdes::Int64()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  pipeAll(driver, "in", {{"a", "g", 1}, {"b", "none", 2}, {"a", "none", 3}});
  // a joins g (1), b selects a null group (nothing), a leaves g for a null group (g drops to 0).
  EXPECT_EQ(readAllRaw(driver, "out"),
            (std::vector<RawKV>{{"g", Raw(std::string("\0\0\0\0\0\0\0\1", 8)), 1},
                                {"g", Raw(std::string("\0\0\0\0\0\0\0\0", 8)), 3}}));
}

// ---- Stream-table joins drop null values, and null keys unless a left join has a value
// (KStreamKTableJoinProcessor#maybeDropRecord).

// The issue's second example: table a→"t"@1; stream a→null@2, b→null@3, a→"s"@4.
TEST(JoinNulls, StreamTableJoinsDropNullValues) {
  StreamsBuilder builder;
  auto table = builder.table("table", Consumed(S(), S()));
  auto stream = builder.stream("stream", Consumed(S(), S()));
  stream.join(table, [](const Str& v, const Str& t) { return "L:" + v + "|R:" + t; })
      .to("join", Produced(S(), S()));
  stream
      .leftJoin(table,
                [](const Str& v, const OptStr& t) { return "L:" + v + "|R:" + t.value_or("null"); })
      .to("left-join", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology);
  driver.pipeRaw("table", "a", "t", 1, {});
  pipeAll(driver, "stream", {{"a", std::nullopt, 2}, {"b", std::nullopt, 3}, {"a", "s", 4}});
  const std::vector<RawKV> expected = {{"a", "L:s|R:t", 4}};
  EXPECT_EQ(readAllRaw(driver, "join"), expected);
  EXPECT_EQ(readAllRaw(driver, "left-join"), expected);

  // A null key: dropped by the inner join; the left join joins its value with no table value
  // (not with the table's "" key) and keeps the null key.
  driver.pipeRaw("table", "", "empty-key", 5, {});
  driver.pipeRaw("stream", std::nullopt, "v", 6, {});
  driver.pipeRaw("stream", "", "w", 7, {});
  EXPECT_EQ(readAllRaw(driver, "join"), (std::vector<RawKV>{{"", "L:w|R:empty-key", 7}}));
  EXPECT_EQ(readAllRaw(driver, "left-join"),
            (std::vector<RawKV>{{std::nullopt, "L:v|R:null", 6}, {"", "L:w|R:empty-key", 7}}));
}

// KTableKTableJoin over String tables: a Kafka null value deletes, so the join forwards a
// tombstone; a null key never reaches the join (KTableSource skips it), "" is a key.
TEST(JoinNulls, TableTableJoinSeesTombstonesNotEmptyValues) {
  StreamsBuilder builder;
  auto left = builder.table("left", Consumed(S(), S()));
  auto right = builder.stream("right", Consumed(S(), S())).toTable();
  left.join(right, [](const Str& l, const Str& r) { return l + "+" + r; })
      .toStream()
      .to("out", Produced(S(), S()));
  Topology topology = builder.build();
  TopologyTestDriver driver(topology, StreamsConfig{{"statestore.cache.max.bytes", "0"}});
  driver.pipeRaw("left", "a", "l", 1, {});
  driver.pipeRaw("right", "a", "r", 2, {});
  driver.pipeRaw("right", std::nullopt, "x", 3, {});
  driver.pipeRaw("right", "a", std::nullopt, 4, {});
  driver.pipeRaw("left", "", "e", 5, {});
  driver.pipeRaw("right", "", "", 6, {});
  EXPECT_EQ(readAllRaw(driver, "out"),
            (std::vector<RawKV>{{"a", "l+r", 2}, {"a", std::nullopt, 4}, {"", "e+", 6}}));
}

}  // namespace
}  // namespace kstreams
