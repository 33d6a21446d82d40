// File: kstreams/kstream.h
//
// KStream<K, V>: a record stream of the DSL (Java's org.apache.kafka.streams.kstream.KStream).
// Operators return new streams whose key and value types are deduced from the functions given
// to them, so a Java topology ports line by line and a type mismatch is a compile error:
//
//   kstreams::StreamsBuilder builder;
//   auto lines = builder.stream("text", kstreams::Consumed(Serdes::String(), Serdes::String()));
//   lines.flatMapValues([](const std::string& line) { return splitWords(line); })
//       .filter([](const std::string&, const std::string& word) { return !word.empty(); })
//       .selectKey([](const std::string&, const std::string& word) { return word; })
//       .to("words");
//   auto parsed = lines.mapValues([](std::string v) { return nlohmann::json::parse(v); });
//   // parsed is a KStream<std::string, nlohmann::json>
//
// Each operator adds one processor to the builder's topology (split() and repartition() add
// several), named as Kafka Streams names it — KSTREAM-FILTER-0000000001 and so on, from one
// counter per builder — or by the Named given to it. Functions receive the key as `const K&`;
// the value as `const V&` where the record goes on unchanged (filter, peek, foreach,
// selectKey, split) and as an rvalue where the old value is discarded (mapValues, flatMapValues,
// and the key too for map and flatMap), so a function taking its argument by value gets it
// moved in. Parameters may be values, const references, rvalue references or `auto`, not
// non-const lvalue references.
//
// Kafka nulls (see kstreams/record.h): a record whose key or value is a Kafka null keeps it
// through every operator that passes records on (filter, peek, split, merge, repartition, to,
// and the key through mapValues, flatMapValues and processValues), and to() writes a Kafka null
// again. Functions see a null of a non-optional type as K{} / V{} ("" for Serdes::String(), 0 for
// numbers), where Java's functions see null; what they return is a real key or value, never a
// null. So `mapValues(v -> v)` turns a Java tombstone into a tombstone but a kstreams null into
// "", and `selectKey((k, v) -> k)` or `groupBy((k, v) -> k)` turn a null key into "" (Java keeps
// null, so its aggregation then skips the record). To see and return nulls, read the stream with
// Serdes::Optional(...) (then functions get and may return std::nullopt), or use process() /
// processValues(), whose records say keyIsNull() / valueIsNull() and offer withNullKey() /
// withNullValue(). Stateful operators treat nulls as Java's processors do: aggregations skip a
// null key or value, toTable() skips a null key and deletes on a null value, stream-table joins
// skip a null value and (inner join) a null key, print() writes "null".
//
// Serdes: a stream remembers the serdes it knows (from Consumed, Repartitioned) until an
// operator changes what they describe, exactly as Java: key-changing operators (selectKey, map,
// flatMap, process) forget the key serde, value-changing ones (mapValues, flatMapValues,
// processValues, map, flatMap, process) the value serde, and merge forgets both. to() and
// repartition() use the serdes given to them, else the remembered ones, else the config
// defaults. Key-changing operators also mark the stream "repartition required", which a later
// grouping or join uses to insert a repartition topic.
//
// Functions run on the stream threads, one copy per task (so they must be copyable; a `mutable`
// lambda keeps one state per task), and may throw: the exception stops the task like an
// exception from a Processor. Nothing is allocated per record beyond what the functions do and
// what copying a record needs when it goes to several children or becomes several records
// (flatMap copies the headers, flatMapValues the key and headers, into all outputs but the
// last).
//
// Stateful operators — groupByKey()/groupBy() into aggregations, toTable(), and joins with a
// KTable — are declared here and defined in kstreams/ktable.h (included at the end), which also
// documents tables, stores, caching and repartition topics.
//
// Threads and lifetime: a KStream is a cheap handle {builder, processor name, serdes}; copy it
// freely and use it on the building thread only. It points into its StreamsBuilder, which must
// outlive it; once the builder has built, operators throw TopologyException.
#pragma once

#include <concepts>
#include <map>
#include <memory>
#include <ranges>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/internal/dsl_nodes.h"
#include "kstreams/internal/internal_streams_builder.h"
#include "kstreams/join_windows.h"
#include "kstreams/processor.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/topology.h"

namespace kstreams {

// ---- What the operators accept (Java's functional interfaces, as concepts). ----

// filter, filterNot, split().branch(): bool(const K& key, const V& value).
template <typename F, typename K, typename V>
concept Predicate = std::is_invocable_v<F&, const K&, const V&> &&
                    std::convertible_to < std::invoke_result_t<F&, const K&, const V&>,
bool > ;

// peek, foreach: (const K& key, const V& value), result ignored.
template <typename F, typename K, typename V>
concept ForeachAction = std::is_invocable_v<F&, const K&, const V&>;

// selectKey: NewKey(const K& key, const V& value).
template <typename F, typename K, typename V>
concept KeySelector = std::is_invocable_v<F&, const K&, const V&> &&
    !std::is_void_v<std::invoke_result_t<F&, const K&, const V&>>;

// mapValues: NewValue(V value) or NewValue(const K& key, V value).
template <typename F, typename K, typename V>
concept ValueMapper = (std::is_invocable_v<F&, V&&> &&
                       !std::is_void_v<std::invoke_result_t<F&, V&&>>) ||
                      (!std::is_invocable_v<F&, V&&> && std::is_invocable_v<F&, const K&, V&&> &&
                       !std::is_void_v<std::invoke_result_t<F&, const K&, V&&>>);

// map: KeyValue<K2, V2>(K key, V value) (std::pair<K2, V2> works too).
template <typename F, typename K, typename V>
concept KeyValueMapper = std::is_invocable_v<F&, K&&, V&&> &&
    internal::KeyValueTraits<std::remove_cvref_t<std::invoke_result_t<F&, K&&, V&&>>>::kIsKeyValue;

// flatMap: a range of KeyValue<K2, V2> (or std::pair) from (K key, V value); any container or
// view, empty for no output.
template <typename F, typename K, typename V>
concept FlatKeyValueMapper = std::is_invocable_v<F&, K&&, V&&> &&
    std::ranges::input_range<std::invoke_result_t<F&, K&&, V&&>> && internal::KeyValueTraits<
        std::ranges::range_value_t<std::invoke_result_t<F&, K&&, V&&>>>::kIsKeyValue;

// flatMapValues: a range of new values from (V value) or (const K& key, V value).
template <typename F, typename K, typename V>
concept FlatValueMapper = (std::is_invocable_v<F&, V&&> &&
                           std::ranges::input_range<std::invoke_result_t<F&, V&&>>) ||
                          (!std::is_invocable_v<F&, V&&> &&
                           std::is_invocable_v<F&, const K&, V&&> &&
                           std::ranges::input_range<std::invoke_result_t<F&, const K&, V&&>>);

namespace internal {

template <typename F, typename K, typename V>
constexpr bool kMapperTakesKey = !std::is_invocable_v<F&, V&&>;

// The (decayed) result type of a mapValues/flatMapValues function, whichever form it has.
template <typename F, typename K, typename V>
auto valueMapperResult() {
  if constexpr (kMapperTakesKey<F, K, V>) {
    return std::type_identity<std::invoke_result_t<F&, const K&, V&&>>{};
  } else {
    return std::type_identity<std::invoke_result_t<F&, V&&>>{};
  }
}
template <typename F, typename K, typename V>
using ValueMapperResult = typename decltype(valueMapperResult<F, K, V>())::type;

}  // namespace internal

namespace internal {

// The (decayed) result of a KStream-KTable joiner, called as (value, table value) or
// (key, value, table value); T is the table's value type, or std::optional of it for leftJoin.
template <typename F, typename K, typename V, typename T>
auto streamJoinResult() {
  if constexpr (std::is_invocable_v<F&, const K&, const V&, const T&>) {
    return std::type_identity<std::invoke_result_t<F&, const K&, const V&, const T&>>{};
  } else {
    return std::type_identity<std::invoke_result_t<F&, const V&, const T&>>{};
  }
}
template <typename F, typename K, typename V, typename T>
using StreamJoinResult =
    std::remove_cvref_t<typename decltype(streamJoinResult<F, K, V, T>())::type>;

template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};

// The value type of the table a stream of V becomes: std::optional<U> streams make U tables
// (nullopt deletes).
template <typename V>
struct TableValueOf {
  using Type = V;
};
template <typename U>
struct TableValueOf<std::optional<U>> {
  using Type = U;
};
template <typename V>
using TableValue = typename TableValueOf<V>::Type;

}  // namespace internal

namespace internal {

// The (decayed) result of a stream-stream outerJoin joiner: (optional value, optional other
// value), or with the key first.
template <typename F, typename K, typename V, typename VO>
auto outerJoinResult() {
  if constexpr (std::is_invocable_v<F&, const K&, const std::optional<V>&,
                                    const std::optional<VO>&>) {
    return std::type_identity<
        std::invoke_result_t<F&, const K&, const std::optional<V>&, const std::optional<VO>&>>{};
  } else {
    return std::type_identity<
        std::invoke_result_t<F&, const std::optional<V>&, const std::optional<VO>&>>{};
  }
}
template <typename F, typename K, typename V, typename VO>
using OuterJoinResult =
    std::remove_cvref_t<typename decltype(outerJoinResult<F, K, V, VO>())::type>;

}  // namespace internal

// KStream-KTable join: VR(const V& value, const VO& table_value), or with the key first.
template <typename F, typename K, typename V, typename VO>
concept StreamTableJoiner = std::is_invocable_v<F&, const V&, const VO&> ||
    std::is_invocable_v<F&, const K&, const V&, const VO&>;

template <typename K, typename V>
class BranchedKStream;
template <typename K, typename V>
class KTable;
template <typename K, typename V>
class KGroupedStream;
template <typename K, typename V>
class KGroupedTable;
class StreamsBuilder;

template <typename K, typename V>
class KStream {
 public:
  using KeyType = K;
  using ValueType = V;

  // Keeps the records for which `predicate` is true (KSTREAM-FILTER-).
  template <typename F>
  requires Predicate<F, K, V> KStream filter(F predicate, const Named& named = Named())
  const { return addFilter(std::move(predicate), named, /*negate=*/false); }
  // Keeps the records for which `predicate` is false (KSTREAM-FILTER-, as in Java).
  template <typename F>
  requires Predicate<F, K, V> KStream filterNot(F predicate, const Named& named = Named())
  const { return addFilter(std::move(predicate), named, /*negate=*/true); }

  // Replaces the key (KSTREAM-KEY-SELECT-). Forgets the key serde; marks the stream
  // repartition-required.
  template <typename F>
  requires KeySelector<F, K, V>
  auto selectKey(F mapper, const Named& named = Named()) const {
    using KR = std::remove_cvref_t<std::invoke_result_t<F&, const K&, const V&>>;
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-KEY-SELECT-");
    internal::addDslNode<K, V, KR, V>(builder().topology(), name, {name_},
                                      internal::SelectKeyOp<F>{std::move(mapper)});
    return KStream<KR, V>(builder_, name, nullptr, value_serde_, true);
  }

  // Replaces key and value (KSTREAM-MAP-). Forgets both serdes; marks the stream
  // repartition-required.
  template <typename F>
  requires KeyValueMapper<F, K, V>
  auto map(F mapper, const Named& named = Named()) const {
    using Traits =
        internal::KeyValueTraits<std::remove_cvref_t<std::invoke_result_t<F&, K&&, V&&>>>;
    using KR = typename Traits::Key;
    using VR = typename Traits::Value;
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-MAP-");
    internal::addDslNode<K, V, KR, VR>(builder().topology(), name, {name_},
                                       internal::MapOp<F>{std::move(mapper)});
    return KStream<KR, VR>(builder_, name, nullptr, nullptr, true);
  }

  // Replaces the value (KSTREAM-MAPVALUES-); `mapper` takes (value) or (key, value). Forgets the
  // value serde.
  template <typename F>
  requires ValueMapper<F, K, V>
  auto mapValues(F mapper, const Named& named = Named()) const {
    using VR = std::remove_cvref_t<internal::ValueMapperResult<F, K, V>>;
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-MAPVALUES-");
    internal::addDslNode<K, V, K, VR>(
        builder().topology(), name, {name_},
        internal::MapValuesOp<F, internal::kMapperTakesKey<F, K, V>>{std::move(mapper)});
    return KStream<K, VR>(builder_, name, key_serde_, nullptr, repartition_required_);
  }

  // Zero or more records per record, each with the input's timestamp and headers
  // (KSTREAM-FLATMAP-). Forgets both serdes; marks the stream repartition-required.
  template <typename F>
  requires FlatKeyValueMapper<F, K, V>
  auto flatMap(F mapper, const Named& named = Named()) const {
    using Traits =
        internal::KeyValueTraits<std::ranges::range_value_t<std::invoke_result_t<F&, K&&, V&&>>>;
    using KR = std::remove_cv_t<typename Traits::Key>;
    using VR = std::remove_cv_t<typename Traits::Value>;
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-FLATMAP-");
    internal::addDslNode<K, V, KR, VR>(builder().topology(), name, {name_},
                                       internal::FlatMapOp<F>{std::move(mapper)});
    return KStream<KR, VR>(builder_, name, nullptr, nullptr, true);
  }

  // Zero or more values per record, each with the input's key, timestamp and headers
  // (KSTREAM-FLATMAPVALUES-); `mapper` takes (value) or (key, value). Forgets the value serde.
  template <typename F>
  requires FlatValueMapper<F, K, V>
  auto flatMapValues(F mapper, const Named& named = Named()) const {
    using VR = std::remove_cv_t<std::ranges::range_value_t<internal::ValueMapperResult<F, K, V>>>;
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-FLATMAPVALUES-");
    internal::addDslNode<K, V, K, VR>(
        builder().topology(), name, {name_},
        internal::FlatMapValuesOp<F, internal::kMapperTakesKey<F, K, V>>{std::move(mapper)});
    return KStream<K, VR>(builder_, name, key_serde_, nullptr, repartition_required_);
  }

  // Calls `action` for each record and passes the record on unchanged (KSTREAM-PEEK-).
  template <typename F>
  requires ForeachAction<F, K, V> KStream peek(F action, const Named& named = Named())
  const {
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-PEEK-");
    internal::addDslNode<K, V, K, V>(builder().topology(), name, {name_},
                                     internal::PeekOp<F>{std::move(action)});
    return KStream(builder_, name, key_serde_, value_serde_, repartition_required_);
  }

  // Calls `action` for each record; terminal (KSTREAM-FOREACH-).
  template <typename F>
  requires ForeachAction<F, K, V>
  void foreach (F action, const Named& named = Named()) const {
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-FOREACH-");
    internal::addDslNode<K, V, Void, Void>(builder().topology(), name, {name_},
                                           internal::ForeachOp<F>{std::move(action)});
  }

  // Prints each record (KSTREAM-PRINTER-): `Printed<K, V>::toSysOut()` or `toFile(path)`.
  void print(const Printed<K, V>& printed) const {
    const std::string name = builder().nameOrGenerate(printed.name(), "KSTREAM-PRINTER-");
    internal::addDslNode<K, V, Void, Void>(
        builder().topology(), name, {name_},
        internal::PrintOp<K, V>{printed.sink(), printed.label().value_or(name_), printed.mapper()});
  }

  // Splits the stream by predicates (KSTREAM-BRANCH-, Java's split()); see BranchedKStream.
  BranchedKStream<K, V> split(const Named& named = Named()) const;

  // One stream with the records of both (KSTREAM-MERGE-), in the order they arrive. Forgets both
  // serdes (Java cannot tell which one would describe both); repartition-required if either is.
  // Throws TopologyException for a stream of another builder.
  KStream merge(const KStream& other, const Named& named = Named()) const {
    if (other.builder_ != builder_) {
      throw TopologyException("cannot merge streams of two different StreamsBuilders");
    }
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-MERGE-");
    std::vector<std::string> parents{name_};
    if (other.name_ != name_) parents.push_back(other.name_);
    internal::addDslNode<K, V, K, V>(builder().topology(), name, std::move(parents),
                                     internal::PassThroughOp{});
    return KStream(builder_, name, nullptr, nullptr,
                   repartition_required_ || other.repartition_required_);
  }

  // Writes the stream to `topic` (KSTREAM-SINK-, or produced.withName). Serdes: those of
  // `produced`, else the stream's, else the config defaults. Throws TopologyException for an
  // empty topic name.
  void to(const std::string& topic, const Produced<K, V>& produced = Produced<K, V>()) const {
    if (topic.empty()) throw TopologyException("the topic of to() must not be empty");
    const std::string name = builder().nameOrGenerate(produced.name(), "KSTREAM-SINK-");
    builder().topology().template addSinkNode<K, V>(
        name, topic, /*internal_topic=*/false, {name_},
        produced.keySerde() ? produced.keySerde() : key_serde_,
        produced.valueSerde() ? produced.valueSerde() : value_serde_);
  }

  // Writes a stream of optional values (as KTable::toStream() makes) with a serde of the inner
  // type: nullopt becomes a Kafka null, a tombstone. `produced`'s value serde is wrapped in
  // Serdes::Optional; without one, the stream's serde or the default applies.
  template <typename U = V>
  requires internal::IsOptional<U>::value void to(
      const std::string& topic, const Produced<K, typename U::value_type>& produced) const {
    Produced<K, V> p(produced.keySerde(),
                     produced.valueSerde() ? Serdes::Optional(produced.valueSerde()) : nullptr);
    if (produced.name()) p = p.withName(*produced.name());
    to(topic, p);
  }

  // ---- Stateful operations (defined in kstreams/ktable.h) ----

  // Groups by the current key, for an aggregation (Java's groupByKey). If a key-changing
  // operator ran before (repartitionRequired()), the aggregation first writes the records to a
  // repartition topic named after `grouped` or, without a name, after the aggregation's store.
  // Serdes: `grouped`'s, else the stream's.
  KGroupedStream<K, V> groupByKey(const Grouped<K, V>& grouped = Grouped<K, V>()) const;

  // Groups by a new key, `selector(key, value)` (Java's groupBy): adds a KSTREAM-KEY-SELECT-
  // processor (named `grouped`'s name if it has one), and the aggregation writes the records to
  // a repartition topic ("<grouped name or store name>-repartition"). Serdes: `grouped`'s key
  // serde (else the default: the key is new), `grouped`'s value serde, else the stream's.
  template <typename F,
            typename KR = std::remove_cvref_t<std::invoke_result_t<F&, const K&, const V&>>>
  requires KeySelector<F, K, V> KGroupedStream<KR, V> groupBy(
      F selector, const std::type_identity_t<Grouped<KR, V>>& grouped = Grouped<KR, V>())
  const;

  // Joins each record with the table's current value for its key (Java's KStream#join(KTable)):
  // a record without a table value is dropped. `joiner(value, table_value)` or
  // `joiner(key, value, table_value)` gives the output value (KSTREAM-JOIN-, or `joined`'s
  // name). Only stream records trigger output; table updates do not. If the stream's key was
  // changed, it is repartitioned first ("<joined name or this processor's name>-repartition").
  // The stream and the table must be co-partitioned.
  template <typename VO, typename F, typename VR = internal::StreamJoinResult<F, K, V, VO>>
  requires StreamTableJoiner<F, K, V, VO> KStream<K, VR> join(
      const KTable<K, VO>& table, F joiner,
      const std::type_identity_t<Joined<K, V, VO>>& joined = Joined<K, V, VO>())
  const;
  // As join(), but a record without a table value is joined with std::nullopt
  // (KSTREAM-LEFTJOIN-): `joiner(value, const std::optional<VO>&)`, or with the key first.
  template <typename VO, typename F,
            typename VR = internal::StreamJoinResult<F, K, V, std::optional<VO>>>
  requires StreamTableJoiner<F, K, V, std::optional<VO>> KStream<K, VR> leftJoin(
      const KTable<K, VO>& table, F joiner,
      const std::type_identity_t<Joined<K, V, VO>>& joined = Joined<K, V, VO>())
  const;

  // ---- Stream-stream joins (kstreams/stream_stream_join.h has the details) ----
  // Joins each record with every record of `other` with the same key whose timestamp lies
  // within `windows` of its own (Java's KStream#join(KStream, ValueJoiner, JoinWindows,
  // StreamJoined)): `joiner(value, other_value)` or `joiner(key, value, other_value)`; the
  // result has the larger of the two timestamps. Records with a null key or value are dropped.
  template <typename VO, typename F, typename VR = internal::StreamJoinResult<F, K, V, VO>>
  requires StreamTableJoiner<F, K, V, VO> KStream<K, VR> join(
      const KStream<K, VO>& other, F joiner, const JoinWindows& windows,
      const std::type_identity_t<StreamJoined<K, V, VO>>& joined = StreamJoined<K, V, VO>())
  const { return doStreamJoin<0, VO, VR>(other, std::move(joiner), windows, joined); }
  // As join(), and a record of this stream that finds no partner before its window closes
  // (window end + grace passed by stream time) is forwarded once as joiner(value, nullopt) with
  // its own timestamp — no spurious early results, as Kafka Streams 4.
  template <typename VO, typename F,
            typename VR = internal::StreamJoinResult<F, K, V, std::optional<VO>>>
  requires StreamTableJoiner<F, K, V, std::optional<VO>> KStream<K, VR> leftJoin(
      const KStream<K, VO>& other, F joiner, const JoinWindows& windows,
      const std::type_identity_t<StreamJoined<K, V, VO>>& joined = StreamJoined<K, V, VO>())
  const { return doStreamJoin<1, VO, VR>(other, std::move(joiner), windows, joined); }
  // As leftJoin(), for records of either side: `joiner(const std::optional<V>&,
  // const std::optional<VO>&)` (or with the key first).
  template <typename VO, typename F, typename VR = internal::OuterJoinResult<F, K, V, VO>>
  KStream<K, VR> outerJoin(
      const KStream<K, VO>& other, F joiner, const JoinWindows& windows,
      const std::type_identity_t<StreamJoined<K, V, VO>>& joined = StreamJoined<K, V, VO>()) const {
    return doStreamJoin<2, VO, VR>(other, std::move(joiner), windows, joined);
  }

  // The stream as a table (KSTREAM-TOTABLE-, Java's toTable): each record sets its key's value;
  // a null value deletes the key (nullopt in a stream of std::optional<U> values, which makes a
  // KTable<K, U>, or a Kafka null read with a plain serde), a null key is skipped (logged). If
  // the key was changed, the records are repartitioned first ("<name>-repartition"). The table
  // gets a store (`materialized`'s name, else KSTREAM-TOTABLE-STATE-STORE-NNNNNNNNNN) when it
  // is queryable or a later operation needs its values.
  KTable<K, internal::TableValue<V>> toTable(const Named& named = Named()) const {
    return toTable(named, Materialized<K, internal::TableValue<V>>());
  }
  KTable<K, internal::TableValue<V>> toTable(
      const Materialized<K, internal::TableValue<V>>& materialized) const {
    return toTable(Named(), materialized);
  }
  KTable<K, internal::TableValue<V>> toTable(
      const Named& named, const Materialized<K, internal::TableValue<V>>& materialized) const;

  // Writes the stream to an internal topic and reads it back, so that records are partitioned
  // by their current key (Java's repartition()). Adds a pass-through processor, a sink and a
  // source; names and topic as in Java: for a generated KSTREAM-REPARTITION-NNNNNNNNNN the
  // topic is "KSTREAM-REPARTITION-NNNNNNNNNN-repartition" and the three nodes get generated
  // names too (KSTREAM-FILTER-, KSTREAM-SINK-, KSTREAM-SOURCE-); for a user name "x" they are
  // x-repartition-filter, x-repartition-sink and x-repartition-source around topic
  // x-repartition. The returned stream starts a new sub-topology, keeps the serdes
  // (`repartitioned`'s, else the stream's) and is no longer repartition-required.
  KStream repartition(const Repartitioned<K, V>& repartitioned = Repartitioned<K, V>()) const {
    internal::InternalStreamsBuilder& b = builder();
    Topology& topology = b.topology();
    std::string name;
    if (repartitioned.name()) {
      internal::validateName(*repartitioned.name());
      name = *repartitioned.name();
    } else {
      name = b.newProcessorName("KSTREAM-REPARTITION-");
    }
    // Java hands only an explicitly given key serde to the repartition sink and source
    // (createRepartitionedSource gets repartitionedInternal.keySerde()) but the resolved value
    // serde; both are resolved here, so that a stream read with a String key serde does not
    // silently fall back to default.key.serde.
    SerdePtr<K> key_serde = repartitioned.keySerde() ? repartitioned.keySerde() : key_serde_;
    SerdePtr<V> value_serde =
        repartitioned.valueSerde() ? repartitioned.valueSerde() : value_serde_;
    const auto names = b.newRepartitionNames(name);
    topology.addInternalTopic(
        internal::InternalTopicDef{names.topic, repartitioned.partitions().value_or(-1), {}});
    internal::addDslNode<K, V, K, V>(topology, names.filter, {name_}, internal::PassThroughOp{});
    topology.addSinkNode<K, V>(names.sink, names.topic, /*internal_topic=*/true, {names.filter},
                               key_serde, value_serde);
    internal::addSourceNode<K, V>(topology, names.source, {names.topic}, /*internal_topic=*/true,
                                  key_serde, value_serde);
    return KStream(builder_, names.source, key_serde, value_serde, false);
  }

  // Runs a user Processor on the stream (Java's process()): `supplier` returns a
  // std::unique_ptr<P>, P a Processor<K, V, KOut, VOut>, and is called once per task. Named
  // KSTREAM-PROCESSOR- unless `named` names it (then, as in Java, the counter does not advance).
  // `store_names` connects state stores. Returns the KStream<KOut, VOut> of what it forwards;
  // forgets both serdes and marks the stream repartition-required.
  template <typename Supplier>
  auto process(Supplier supplier, const Named& named = Named(),
               std::vector<std::string> store_names = {}) const {
    using P = typename std::invoke_result_t<const Supplier&>::element_type;
    static_assert(std::is_same_v<typename P::KeyIn, K> && std::is_same_v<typename P::ValueIn, V>,
                  "process(): the processor's input types must be the stream's key and value");
    using KOut = typename P::KeyOut;
    using VOut = typename P::ValueOut;
    const std::string name =
        named.name() ? *named.name() : builder().newProcessorName("KSTREAM-PROCESSOR-");
    builder().topology().addProcessor(name, std::move(supplier), {name_}, std::move(store_names));
    return KStream<KOut, VOut>(builder_, name, nullptr, nullptr, true);
  }

  // Runs a user FixedKeyProcessor on the stream (Java's processValues()): like process(), but
  // the processor cannot change keys, so the stream keeps its key serde and repartition flag.
  // Named KSTREAM-PROCESSVALUES- unless `named` names it. Returns KStream<K, VOut>.
  template <typename Supplier>
  auto processValues(Supplier supplier, const Named& named = Named(),
                     std::vector<std::string> store_names = {}) const {
    using P = typename std::invoke_result_t<const Supplier&>::element_type;
    static_assert(std::is_same_v<typename P::KeyIn, K> && std::is_same_v<typename P::ValueIn, V>,
                  "processValues(): the processor's input types must be the stream's key and "
                  "value");
    using VOut = typename P::ValueOut;
    const std::string name =
        named.name() ? *named.name() : builder().newProcessorName("KSTREAM-PROCESSVALUES-");
    internal::NodeDef def;
    def.name = name;
    def.kind = internal::NodeDef::Kind::kProcessor;
    def.parents = {name_};
    def.stores.insert(store_names.begin(), store_names.end());
    def.in_key = typeid(K);
    def.in_value = typeid(V);
    def.out_key = typeid(K);
    def.out_value = typeid(VOut);
    def.factory = internal::makeNodeFactory(
        [supplier =
             std::move(supplier)](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          std::unique_ptr<FixedKeyProcessor<K, V, VOut>> p = supplier();
          return std::make_unique<internal::FixedKeyProcessorNode<K, V, VOut>>(n, std::move(p));
        });
    builder().topology().addNode(std::move(def));
    return KStream<K, VOut>(builder_, name, key_serde_, nullptr, repartition_required_);
  }

  // ---- Introspection (for tests and for DSL code built on top). ----
  // The name of the processor whose output this stream is.
  const std::string& name() const { return name_; }
  // Null when unknown (the config default applies).
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  // Whether a key-changing operator ran since the last repartition.
  bool repartitionRequired() const { return repartition_required_; }

 private:
  template <typename, typename>
  friend class KStream;
  template <typename, typename>
  friend class BranchedKStream;
  template <typename, typename>
  friend class KTable;
  template <typename, typename>
  friend class KGroupedStream;
  friend class StreamsBuilder;

  // KStreamImpl#doJoin + KStreamImplJoin#join (kstreams/stream_stream_join.h). kKind: 0 inner,
  // 1 left, 2 outer.
  template <int kKind, typename VO, typename VR, typename F>
  KStream<K, VR> doStreamJoin(const KStream<K, VO>& other, F joiner, const JoinWindows& windows,
                              const StreamJoined<K, V, VO>& joined) const;

  // The stream as read back from a repartition topic before a join (Java's repartitionForJoin).
  KStream repartitionForJoin(const std::string& name, SerdePtr<K> key_serde,
                             SerdePtr<V> value_serde) const;

  KStream(internal::InternalStreamsBuilder* builder, std::string name, SerdePtr<K> key_serde,
          SerdePtr<V> value_serde, bool repartition_required)
      : builder_(builder),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        repartition_required_(repartition_required) {}

  internal::InternalStreamsBuilder& builder() const { return *builder_; }

  template <typename F>
  static constexpr void requireCopyable() {
    static_assert(std::is_copy_constructible_v<F>,
                  "DSL functions must be copyable: every task runs its own copy");
  }

  template <typename F>
  KStream addFilter(F predicate, const Named& named, bool negate) const {
    requireCopyable<F>();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-FILTER-");
    internal::addDslNode<K, V, K, V>(builder().topology(), name, {name_},
                                     internal::FilterOp<F>{std::move(predicate), negate});
    return KStream(builder_, name, key_serde_, value_serde_, repartition_required_);
  }

  internal::InternalStreamsBuilder* builder_;
  std::string name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  bool repartition_required_;
};

// The result of KStream::split() (Java's BranchedKStream): add branches in order with branch(),
// then finish with defaultBranch() or noDefaultBranch(), which return the branches by name:
//
//   auto branches = orders.split(kstreams::Named::as("orders-"))
//                       .branch(isLarge, kstreams::Branched<K, V>::as("large"))
//                       .branch(isSmall)                      // "orders-2"
//                       .defaultBranch();                     // "orders-0"
//   branches.at("orders-large").to("large-orders");
//
// A record goes to the first branch whose predicate is true, else to the default branch, else
// nowhere. Each branch is a pass-through processor named "<split name><branch name or n>"
// (n = 1, 2, … in order; 0 for the default branch), as in Java; the map has no operator[] use
// (KStream has no empty state): use at() or find().
//
// Use on the building thread, before the builder builds; branch() after defaultBranch() throws
// TopologyException.
template <typename K, typename V>
class BranchedKStream {
 public:
  template <typename F>
  requires Predicate<F, K, V> BranchedKStream& branch(
      F predicate, const Branched<K, V>& branched = Branched<K, V>()) {
    static_assert(std::is_copy_constructible_v<F>,
                  "DSL functions must be copyable: every task runs its own copy");
    if (spec_->has_default) {
      throw TopologyException("split " + splitter_name_ +
                              ": branch() cannot follow defaultBranch()");
    }
    spec_->predicates.emplace_back(std::move(predicate));
    createBranch(branched, spec_->predicates.size());
    return *this;
  }

  std::map<std::string, KStream<K, V>> defaultBranch(
      const Branched<K, V>& branched = Branched<K, V>()) {
    if (!spec_->has_default) {
      spec_->has_default = true;
      createBranch(branched, 0);
    }
    return outputs_;
  }

  std::map<std::string, KStream<K, V>> noDefaultBranch() { return outputs_; }

 private:
  friend class KStream<K, V>;

  BranchedKStream(KStream<K, V> source, std::string splitter_name,
                  std::shared_ptr<internal::BranchSpec<K, V>> spec)
      : source_(std::move(source)),
        splitter_name_(std::move(splitter_name)),
        spec_(std::move(spec)) {}

  // BranchedKStreamImpl#createBranch.
  void createBranch(const Branched<K, V>& branched, size_t index) {
    internal::InternalStreamsBuilder& b = source_.builder();
    const std::string child =
        splitter_name_ + (branched.name() ? *branched.name() : std::to_string(index));
    spec_->child_names.push_back(child);
    b.newProcessorName(child);  // Java advances the counter here (the result is unused)
    internal::addDslNode<K, V, K, V>(b.topology(), child, {splitter_name_},
                                     internal::PassThroughOp{});
    KStream<K, V> branch(source_.builder_, child, source_.key_serde_, source_.value_serde_,
                         source_.repartition_required_);
    if (branched.chainFunction()) {
      outputs_.insert_or_assign(child, branched.chainFunction()(branch));
    } else if (branched.chainConsumer()) {
      branched.chainConsumer()(branch);
    } else {
      outputs_.insert_or_assign(child, branch);
    }
  }

  KStream<K, V> source_;
  std::string splitter_name_;
  std::shared_ptr<internal::BranchSpec<K, V>> spec_;
  std::map<std::string, KStream<K, V>> outputs_;
};

template <typename K, typename V>
BranchedKStream<K, V> KStream<K, V>::split(const Named& named) const {
  const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-BRANCH-");
  auto spec = std::make_shared<internal::BranchSpec<K, V>>();
  internal::NodeDef def;
  def.name = name;
  def.kind = internal::NodeDef::Kind::kProcessor;
  def.parents = {name_};
  def.in_key = def.out_key = typeid(K);
  def.in_value = def.out_value = typeid(V);
  // The spec is complete when tasks create their nodes: branches are added before build().
  def.factory = internal::makeNodeFactory(
      [spec = std::shared_ptr<const internal::BranchSpec<K, V>>(spec)](
          const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::BranchNode<K, V>>(n, *spec);
      });
  builder().topology().addNode(std::move(def));
  return BranchedKStream<K, V>(*this, name, std::move(spec));
}

}  // namespace kstreams

// The stateful operators (groupBy, joins) and KTable.
#include "kstreams/ktable.h"  // IWYU pragma: export
// Stream-stream joins.
#include "kstreams/stream_stream_join.h"  // IWYU pragma: export
