// File: kstreams/ktable.h
//
// The stateful DSL (Java's KGroupedStream, KTable, KGroupedTable and KStream's groupBy and
// KTable joins): aggregations into tables, tables read from topics, and joins.
//
//   kstreams::StreamsBuilder builder;
//   builder.stream("text", kstreams::Consumed(Serdes::String(), Serdes::String()))
//       .flatMapValues([](const std::string& line) { return words(line); })
//       .groupBy([](const std::string&, const std::string& word) { return word; })
//       .count(kstreams::Materialized<>::as("counts"))      // KTable<std::string, int64_t>
//       .toStream()                                          // KStream<std::string,
//       std::optional<int64_t>> .to("word-counts", kstreams::Produced(Serdes::String(),
//       Serdes::Int64()));
//
//   auto users = builder.table("users", kstreams::Consumed(Serdes::String(), Serdes::String()));
//   clicks.join(users, [](const Click& c, const std::string& region) { return c.with(region); });
//
// Tables. A KTable<K, V> is a changelog: each update of a key replaces its value, and a delete
// (tombstone) removes it. V is the value type of present keys; absence is std::optional<V>'s
// nullopt wherever a value may be missing: toStream() gives KStream<K, std::optional<V>> (nullopt
// = tombstone, written as a Kafka null), a table read from a topic takes a Kafka null value as a
// delete, and left/outer join functions receive std::optional for the side that may be missing.
// Between its processors a table forwards changes {new value, old value} (Change<V>), as Kafka
// Streams does; old values are only computed where a downstream operation needs them (groupBy
// with its subtractor, outer joins), and materialized stores are added where needed (a table
// read from a topic gets its store when something joins with or groups it).
//
// Stores and caching. Aggregations and materialized tables keep their state in
// TimestampedKeyValueStore<K, V> stores (named by Materialized, else generated — kstreams logs a
// warning for generated names, which shift when the topology changes and orphan the state),
// logged to "<application.id>-<store>-changelog" and, by default, cached: with
// statestore.cache.max.bytes > 0 an update goes downstream and to the changelog only when the
// cache flushes (on commit, or when it is full), the latest value per key; with 0, every update.
//
// Repartitioning. Aggregating by a new key (groupBy, or groupByKey after a key-changing
// operation) writes the records through the internal topic
// "<application.id>-<Grouped name or store name>-repartition", created by KafkaStreams, and
// aggregates in the sub-topology that reads it.
//
// Names, order of generated names and describe() are those of Kafka Streams 4.x for the same
// calls (KSTREAM-AGGREGATE-0000000003, KSTREAM-AGGREGATE-STATE-STORE-0000000002,
// KTABLE-SOURCE-…, KTABLE-TOSTREAM-…, KTABLE-SELECT-…, KTABLE-MERGE-…, KSTREAM-JOIN-…).
//
// Functions receive keys and unchanged values as const references; aggregates come as rvalues
// (take them by value to move from them). Like all DSL functions they are copied per task and run
// on stream threads.
//
// Threads and lifetime: KTable, KGroupedStream and KGroupedTable are cheap handles into their
// StreamsBuilder, used on the building thread while the builder lives and has not built.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/internal/change.h"
#include "kstreams/internal/ktable_nodes.h"
#include "kstreams/kstream.h"
#include "kstreams/serdes.h"
#include "kstreams/session_windows.h"
#include "kstreams/sliding_windows.h"
#include "kstreams/time_windows.h"
#include "kstreams/typed_key_value_store.h"

namespace kstreams {

// ---- What the stateful operators accept (Java's functional interfaces, as concepts) ----

// aggregate's initializer: VA().
template <typename F>
concept Initializer = std::is_invocable_v<F&> && !std::is_void_v<std::invoke_result_t<F&>>;

// aggregate's aggregator / adder / subtractor: VA(const K& key, const V& value, VA aggregate).
template <typename F, typename K, typename V, typename VA>
concept Aggregator = std::is_invocable_v<F&, const K&, const V&, VA&&> &&
    std::convertible_to<std::invoke_result_t<F&, const K&, const V&, VA&&>, VA>;

// reduce's reducer / adder / subtractor: V(V aggregate, const V& value).
template <typename F, typename V>
concept Reducer = std::is_invocable_v<F&, V&&, const V&> &&
    std::convertible_to<std::invoke_result_t<F&, V&&, const V&>, V>;

// KTable::groupBy: KeyValue<KR, VR>(const K& key, const V& value) (std::pair works too).
template <typename F, typename K, typename V>
concept KeyValueSelector = std::is_invocable_v<F&, const K&, const V&> && internal::KeyValueTraits<
    std::remove_cvref_t<std::invoke_result_t<F&, const K&, const V&>>>::kIsKeyValue;

// Table-table joins: VR(const V1& value, const V2& other_value), where V1/V2 are
// std::optional<...> for the side a left or outer join may miss.
template <typename F, typename V1, typename V2>
concept ValueJoiner = std::is_invocable_v<F&, const V1&, const V2&>;

namespace internal {
template <typename F, typename V1, typename V2>
using JoinResult = std::remove_cvref_t<std::invoke_result_t<F&, const V1&, const V2&>>;

template <typename F, typename K, typename V>
using SelectedKeyValue =
    internal::KeyValueTraits<std::remove_cvref_t<std::invoke_result_t<F&, const K&, const V&>>>;
}  // namespace internal

template <typename K, typename V>
class TimeWindowedKStream;  // kstreams/time_windowed_kstream.h
template <typename K, typename V>
class SessionWindowedKStream;  // kstreams/session_windowed_kstream.h
class Suppressed;              // kstreams/suppressed.h
template <typename K, typename V>
class SlidingWindowedKStream;  // kstreams/sliding_windowed_kstream.h

// A grouped stream, ready for an aggregation (Java's KGroupedStream). Made by
// KStream::groupByKey() / groupBy().
template <typename K, typename V>
class KGroupedStream {
 public:
  // The number of records per key (KSTREAM-AGGREGATE-, store KSTREAM-AGGREGATE-STATE-STORE- or
  // `materialized`'s name; values Serdes::Int64() unless `materialized` says otherwise).
  KTable<K, int64_t> count() const { return doCount(Named(), countMaterialized()); }
  KTable<K, int64_t> count(const Named& named) const { return doCount(named, countMaterialized()); }
  KTable<K, int64_t> count(const Materialized<K, int64_t>& materialized) const {
    return count(Named(), materialized);
  }
  KTable<K, int64_t> count(const Named& named, const Materialized<K, int64_t>& materialized) const {
    // Java burns a store name here "for compatibility" when the Materialized has none.
    if (!materialized.spec().store_name && !materialized.spec().supplier) {
      builder_->newStoreName("KSTREAM-AGGREGATE-");
    }
    return doCount(named, materialized);
  }

  // Combines the values of a key: the first value as is, then reducer(aggregate, value)
  // (KSTREAM-REDUCE-, store KSTREAM-REDUCE-STATE-STORE-). Serdes: `materialized`'s, else the
  // grouped stream's.
  template <typename F>
  requires Reducer<F, V> KTable<K, V> reduce(F reducer)
  const { return reduce(std::move(reducer), Named(), Materialized<K, V>()); }
  template <typename F>
  requires Reducer<F, V> KTable<K, V> reduce(F reducer, const Materialized<K, V>& materialized)
  const { return reduce(std::move(reducer), Named(), materialized); }
  template <typename F>
  requires Reducer<F, V> KTable<K, V> reduce(F reducer, const Named& named,
                                             const Materialized<K, V>& materialized)
  const;

  // Folds the values of a key into an aggregate: initializer() for a new key, then
  // aggregator(key, value, aggregate) (KSTREAM-AGGREGATE-). The aggregate's serde comes from
  // `materialized` or the config default.
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<K, VA> aggregate(I initializer,
                                                                             A aggregator)
  const {
    return aggregate(std::move(initializer), std::move(aggregator), Named(), Materialized<K, VA>());
  }
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<K, VA> aggregate(
      I initializer, A aggregator, const std::type_identity_t<Materialized<K, VA>>& materialized)
  const { return aggregate(std::move(initializer), std::move(aggregator), Named(), materialized); }
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<K, VA> aggregate(
      I initializer, A aggregator, const Named& named,
      const std::type_identity_t<Materialized<K, VA>>& materialized)
  const;

  // Aggregations per key and fixed-size time window (kstreams/time_windowed_kstream.h).
  TimeWindowedKStream<K, V> windowedBy(const TimeWindows& windows) const;
  // Aggregations per key and session (kstreams/session_windowed_kstream.h).
  SessionWindowedKStream<K, V> windowedBy(const SessionWindows& windows) const;
  // Aggregations per key and sliding window (kstreams/sliding_windowed_kstream.h).
  SlidingWindowedKStream<K, V> windowedBy(const SlidingWindows& windows) const;

  // ---- Introspection ----
  const std::string& name() const { return name_; }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  bool repartitionRequired() const { return repartition_required_; }

 private:
  template <typename, typename>
  friend class KStream;
  friend class TimeWindowedKStream<K, V>;
  friend class SessionWindowedKStream<K, V>;
  friend class SlidingWindowedKStream<K, V>;

  // Shared by copies of one grouped stream: the repartition made for a named Grouped, which
  // later aggregations of the same grouped stream reuse (as Java does).
  struct Shared {
    std::optional<std::string> repartition_source;
  };

  KGroupedStream(internal::InternalStreamsBuilder* builder, std::string name, SerdePtr<K> key_serde,
                 SerdePtr<V> value_serde, bool repartition_required,
                 std::optional<std::string> grouped_name)
      : builder_(builder),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        repartition_required_(repartition_required),
        grouped_name_(std::move(grouped_name)),
        shared_(std::make_shared<Shared>()) {}

  Materialized<K, int64_t> countMaterialized() const {
    return Materialized<K, int64_t>(key_serde_, Serdes::Int64());
  }
  KTable<K, int64_t> doCount(const Named& named,
                             const Materialized<K, int64_t>& materialized) const;

  // GroupedStreamAggregateBuilder#build: the repartition if needed, then the aggregation node
  // made by `maker(parent, table_spec)`, then its store.
  template <typename VA, typename Maker>
  KTable<K, VA> doAggregate(const std::string& name, internal::MaterializedInternal<K, VA> mi,
                            Maker maker) const;
  // The node an aggregation reads from: this stream, or the repartition topic's source when the
  // key changed (made here, or reused for a named Grouped).
  std::string aggregationParent(const std::string& store_name) const;

  internal::InternalStreamsBuilder* builder_;
  std::string name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  bool repartition_required_;
  std::optional<std::string> grouped_name_;
  std::shared_ptr<Shared> shared_;
};

// A changelog stream: the latest value per key (Java's KTable). Made by StreamsBuilder::table(),
// aggregations, and the operators below.
template <typename K, typename V>
class KTable {
 public:
  using KeyType = K;
  using ValueType = V;

  // Keeps the keys whose value satisfies `predicate(key, value)`; for the others the result
  // table has no value, and downstream sees a delete (KTABLE-FILTER-). Materialized only with a
  // named `materialized`.
  template <typename F>
  requires Predicate<F, K, V> KTable filter(F predicate, const Named& named = Named())
  const { return doFilter(std::move(predicate), named, nullptr, false); }
  template <typename F>
  requires Predicate<F, K, V> KTable filter(F predicate, const Materialized<K, V>& materialized)
  const { return doFilter(std::move(predicate), Named(), &materialized, false); }
  template <typename F>
  requires Predicate<F, K, V> KTable filter(F predicate, const Named& named,
                                            const Materialized<K, V>& materialized)
  const { return doFilter(std::move(predicate), named, &materialized, false); }
  // Keeps the keys whose value does not satisfy `predicate` (KTABLE-FILTER-, as in Java).
  template <typename F>
  requires Predicate<F, K, V> KTable filterNot(F predicate, const Named& named = Named())
  const { return doFilter(std::move(predicate), named, nullptr, true); }
  template <typename F>
  requires Predicate<F, K, V> KTable filterNot(F predicate, const Materialized<K, V>& materialized)
  const { return doFilter(std::move(predicate), Named(), &materialized, true); }
  template <typename F>
  requires Predicate<F, K, V> KTable filterNot(F predicate, const Named& named,
                                               const Materialized<K, V>& materialized)
  const { return doFilter(std::move(predicate), named, &materialized, true); }

  // Maps each value (KTABLE-MAPVALUES-); `mapper` takes (value) or (key, value). The value
  // serde is forgotten unless `materialized` gives one.
  template <typename F, typename VR = std::remove_cvref_t<internal::ValueMapperResult<F, K, V>>>
  requires ValueMapper<F, K, V> KTable<K, VR> mapValues(F mapper, const Named& named = Named())
  const { return doMapValues<VR>(std::move(mapper), named, nullptr); }
  template <typename F, typename VR = std::remove_cvref_t<internal::ValueMapperResult<F, K, V>>>
  requires ValueMapper<F, K, V> KTable<K, VR> mapValues(
      F mapper, const std::type_identity_t<Materialized<K, VR>>& materialized)
  const { return doMapValues<VR>(std::move(mapper), Named(), &materialized); }
  template <typename F, typename VR = std::remove_cvref_t<internal::ValueMapperResult<F, K, V>>>
  requires ValueMapper<F, K, V> KTable<K, VR> mapValues(
      F mapper, const Named& named, const std::type_identity_t<Materialized<K, VR>>& materialized)
  const { return doMapValues<VR>(std::move(mapper), named, &materialized); }

  // The table's updates as a stream (KTABLE-TOSTREAM-): one record per update, nullopt for a
  // delete. to() on the result accepts a Produced of the plain value type and writes deletes as
  // Kafka nulls.
  KStream<K, std::optional<V>> toStream(const Named& named = Named()) const;

  // Holds back updates in a buffer and forwards a key's latest update later: once its window
  // has closed (Suppressed::untilWindowCloses, windowed tables only) or once a time limit has
  // passed (Suppressed::untilTimeLimit). KTABLE-SUPPRESS- with store
  // KTABLE-SUPPRESS-STATE-STORE-, or withName(n) and "n-store". See kstreams/suppressed.h.
  KTable suppress(const Suppressed& suppressed) const;

  // Re-groups the table by `selector(key, value)` → KeyValue<KR, VR> (KTABLE-SELECT-), for an
  // aggregation with an adder and a subtractor: when a key's value changes, the subtractor
  // removes the old value from its old group and the adder adds the new value to its new group
  // (one repartition record when the group is the same, two otherwise). Serdes of the
  // repartition topic: `grouped`'s, else the config defaults.
  template <typename F, typename KR = typename internal::SelectedKeyValue<F, K, V>::Key,
            typename VR = typename internal::SelectedKeyValue<F, K, V>::Value>
  requires KeyValueSelector<F, K, V> KGroupedTable<KR, VR> groupBy(
      F selector, const std::type_identity_t<Grouped<KR, VR>>& grouped = Grouped<KR, VR>())
  const;

  // Table-table joins on the key (KTABLE-MERGE- with KTABLE-JOINTHIS-/-JOINOTHER-, or
  // "<name>-join-this"/"-join-other"). The result changes whenever either side does:
  //   join:      joiner(const V&, const VO&), only keys present on both sides;
  //   leftJoin:  joiner(const V&, const std::optional<VO>&), keys present on this side;
  //   outerJoin: joiner(const std::optional<V>&, const std::optional<VO>&), keys on either side.
  // A key that leaves the result is a delete downstream. Materialized only with `materialized`.
  template <typename VO, typename F, typename VR = internal::JoinResult<F, V, VO>>
  requires ValueJoiner<F, V, VO> KTable<K, VR> join(const KTable<K, VO>& other, F joiner,
                                                    const Named& named = Named())
  const { return doJoin<internal::JoinKind::kInner, VR>(other, std::move(joiner), named, nullptr); }
  template <typename VO, typename F, typename VR = internal::JoinResult<F, V, VO>>
  requires ValueJoiner<F, V, VO> KTable<K, VR> join(
      const KTable<K, VO>& other, F joiner, const Named& named,
      const std::type_identity_t<Materialized<K, VR>>& materialized)
  const {
    return doJoin<internal::JoinKind::kInner, VR>(other, std::move(joiner), named, &materialized);
  }
  template <typename VO, typename F, typename VR = internal::JoinResult<F, V, std::optional<VO>>>
  requires ValueJoiner<F, V, std::optional<VO>> KTable<K, VR> leftJoin(const KTable<K, VO>& other,
                                                                       F joiner,
                                                                       const Named& named = Named())
  const { return doJoin<internal::JoinKind::kLeft, VR>(other, std::move(joiner), named, nullptr); }
  template <typename VO, typename F, typename VR = internal::JoinResult<F, V, std::optional<VO>>>
  requires ValueJoiner<F, V, std::optional<VO>> KTable<K, VR> leftJoin(
      const KTable<K, VO>& other, F joiner, const Named& named,
      const std::type_identity_t<Materialized<K, VR>>& materialized)
  const {
    return doJoin<internal::JoinKind::kLeft, VR>(other, std::move(joiner), named, &materialized);
  }
  template <typename VO, typename F,
            typename VR = internal::JoinResult<F, std::optional<V>, std::optional<VO>>>
  requires ValueJoiner<F, std::optional<V>, std::optional<VO>> KTable<K, VR> outerJoin(
      const KTable<K, VO>& other, F joiner, const Named& named = Named())
  const { return doJoin<internal::JoinKind::kOuter, VR>(other, std::move(joiner), named, nullptr); }
  template <typename VO, typename F,
            typename VR = internal::JoinResult<F, std::optional<V>, std::optional<VO>>>
  requires ValueJoiner<F, std::optional<V>, std::optional<VO>> KTable<K, VR> outerJoin(
      const KTable<K, VO>& other, F joiner, const Named& named,
      const std::type_identity_t<Materialized<K, VR>>& materialized)
  const {
    return doJoin<internal::JoinKind::kOuter, VR>(other, std::move(joiner), named, &materialized);
  }

  // ---- Introspection ----
  // The name of the processor whose output this table is.
  const std::string& name() const { return name_; }
  // The store to query, when the table is materialized under a user-given name.
  const std::optional<std::string>& queryableStoreName() const { return queryable_store_; }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }

 private:
  template <typename, typename>
  friend class KTable;
  template <typename, typename>
  friend class KStream;
  template <typename, typename>
  friend class KGroupedStream;
  template <typename, typename>
  friend class KGroupedTable;
  template <typename, typename>
  friend class TimeWindowedKStream;
  template <typename, typename>
  friend class SessionWindowedKStream;
  template <typename, typename>
  friend class SlidingWindowedKStream;
  friend class StreamsBuilder;

  KTable(internal::InternalStreamsBuilder* builder, std::string name, SerdePtr<K> key_serde,
         SerdePtr<V> value_serde, internal::TableSpecPtr<K, V> spec,
         std::optional<std::string> queryable_store)
      : builder_(builder),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        spec_(std::move(spec)),
        queryable_store_(std::move(queryable_store)) {}

  // StreamsBuilder::table (Java's InternalStreamsBuilder#table).
  static KTable fromTopic(internal::InternalStreamsBuilder& builder, const std::string& topic,
                          const Consumed<K, V>& consumed, const Materialized<K, V>& materialized);

  template <typename F>
  KTable doFilter(F predicate, const Named& named, const Materialized<K, V>* materialized,
                  bool negate) const;
  template <typename VR, typename F>
  KTable<K, VR> doMapValues(F mapper, const Named& named,
                            const Materialized<K, VR>* materialized) const;
  template <internal::JoinKind kKind, typename VR, typename VO, typename F>
  KTable<K, VR> doJoin(const KTable<K, VO>& other, F joiner, const Named& named,
                       const Materialized<K, VR>* materialized) const;
  // KStream::join/leftJoin with this table (Java's KStreamImpl#doStreamTableJoin).
  template <bool kLeft, typename VR, typename VS, typename F>
  KStream<K, VR> joinStream(const KStream<K, VS>& stream, F joiner,
                            const Joined<K, VS, V>& joined) const;

  internal::InternalStreamsBuilder& builder() const { return *builder_; }

  internal::InternalStreamsBuilder* builder_;
  std::string name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  internal::TableSpecPtr<K, V> spec_;
  std::optional<std::string> queryable_store_;
};

// A re-grouped table, ready for an aggregation with adder and subtractor (Java's
// KGroupedTable). Made by KTable::groupBy(). The aggregation reads the repartition topic
// "<Grouped name or store name>-repartition" (sink and source KSTREAM-SINK-/KSTREAM-SOURCE-, or
// "<Named>-sink"/"-source").
template <typename K, typename V>
class KGroupedTable {
 public:
  // The number of table keys per group (KTABLE-AGGREGATE-, store KTABLE-AGGREGATE-STATE-STORE-):
  // +1 when a key joins the group, -1 when it leaves (a count can reach 0, as in Java).
  KTable<K, int64_t> count(const Named& named = Named()) const {
    return count(named, Materialized<K, int64_t>(key_serde_, Serdes::Int64()));
  }
  KTable<K, int64_t> count(const Materialized<K, int64_t>& materialized) const {
    return count(Named(), materialized);
  }
  KTable<K, int64_t> count(const Named& named, const Materialized<K, int64_t>& materialized) const;

  // adder(aggregate, new value) / subtractor(aggregate, old value); the first value of a group
  // is its aggregate (KTABLE-REDUCE-, store KTABLE-AGGREGATE-STATE-STORE-).
  template <typename FA, typename FS>
  requires Reducer<FA, V> && Reducer<FS, V> KTable<K, V> reduce(FA adder, FS subtractor)
  const { return reduce(std::move(adder), std::move(subtractor), Named(), Materialized<K, V>()); }
  template <typename FA, typename FS>
  requires Reducer<FA, V> && Reducer<FS, V> KTable<K, V> reduce(
      FA adder, FS subtractor, const Materialized<K, V>& materialized)
  const { return reduce(std::move(adder), std::move(subtractor), Named(), materialized); }
  template <typename FA, typename FS>
  requires Reducer<FA, V> && Reducer<FS, V> KTable<K, V> reduce(
      FA adder, FS subtractor, const Named& named, const Materialized<K, V>& materialized)
  const;

  // initializer() for a new group, adder(key, new value, aggregate) and
  // subtractor(key, old value, aggregate) (KTABLE-AGGREGATE-).
  template <typename I, typename FA, typename FS,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<FA, K, V, VA> && Aggregator<FS, K, V, VA> KTable<K, VA>
  aggregate(I initializer, FA adder, FS subtractor)
  const {
    return aggregate(std::move(initializer), std::move(adder), std::move(subtractor), Named(),
                     Materialized<K, VA>());
  }
  template <typename I, typename FA, typename FS,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<FA, K, V, VA> && Aggregator<FS, K, V, VA> KTable<K, VA>
  aggregate(I initializer, FA adder, FS subtractor,
            const std::type_identity_t<Materialized<K, VA>>& materialized)
  const {
    return aggregate(std::move(initializer), std::move(adder), std::move(subtractor), Named(),
                     materialized);
  }
  template <typename I, typename FA, typename FS,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<FA, K, V, VA> && Aggregator<FS, K, V, VA> KTable<K, VA>
  aggregate(I initializer, FA adder, FS subtractor, const Named& named,
            const std::type_identity_t<Materialized<K, VA>>& materialized)
  const;

  const std::string& name() const { return name_; }

 private:
  template <typename, typename>
  friend class KTable;

  struct Shared {
    std::optional<std::string> repartition_source;
  };

  KGroupedTable(internal::InternalStreamsBuilder* builder, std::string name, SerdePtr<K> key_serde,
                SerdePtr<V> value_serde, std::optional<std::string> grouped_name)
      : builder_(builder),
        name_(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        grouped_name_(std::move(grouped_name)),
        shared_(std::make_shared<Shared>()) {}

  // KGroupedTableImpl#doAggregate.
  template <typename VA, typename Maker>
  KTable<K, VA> doAggregate(const Named& named, std::string_view function_prefix,
                            internal::MaterializedInternal<K, VA> mi, Maker maker) const;

  internal::InternalStreamsBuilder* builder_;
  std::string name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::optional<std::string> grouped_name_;
  std::shared_ptr<Shared> shared_;
};

// ======================= Definitions =======================

// ---- KStream ----

template <typename K, typename V>
KGroupedStream<K, V> KStream<K, V>::groupByKey(const Grouped<K, V>& grouped) const {
  if (grouped.name()) internal::validateName(*grouped.name());
  builder().topology();  // throws once built
  return KGroupedStream<K, V>(builder_, name_, grouped.keySerde() ? grouped.keySerde() : key_serde_,
                              grouped.valueSerde() ? grouped.valueSerde() : value_serde_,
                              repartition_required_, grouped.name());
}

template <typename K, typename V>
template <typename F, typename KR>
requires KeySelector<F, K, V> KGroupedStream<KR, V> KStream<K, V>::groupBy(
    F selector, const std::type_identity_t<Grouped<KR, V>>& grouped)
const {
  requireCopyable<F>();
  // Java names the key-select processor after the Grouped (KStreamImpl#internalSelectKey).
  const std::string name = builder().nameOrGenerate(grouped.name(), "KSTREAM-KEY-SELECT-");
  internal::addDslNode<K, V, KR, V>(builder().topology(), name, {name_},
                                    internal::SelectKeyOp<F>{std::move(selector)});
  return KGroupedStream<KR, V>(builder_, name, grouped.keySerde(),
                               grouped.valueSerde() ? grouped.valueSerde() : value_serde_, true,
                               grouped.name());
}

template <typename K, typename V>
KStream<K, V> KStream<K, V>::repartitionForJoin(const std::string& name, SerdePtr<K> key_serde,
                                                SerdePtr<V> value_serde) const {
  internal::InternalStreamsBuilder& b = builder();
  SerdePtr<K> ks = key_serde ? key_serde : key_serde_;
  SerdePtr<V> vs = value_serde ? value_serde : value_serde_;
  // Java builds the repartitioned source every time (burning three names) but reuses the
  // stream's earlier repartition node when the join is unnamed.
  const std::optional<std::string> existing = b.joinRepartitionSource(name_);
  const bool reuse = existing.has_value() && name == name_;
  auto names = internal::addRepartition<K, V>(b, name, name_, ks, vs, !reuse);
  if (!reuse) b.setJoinRepartitionSource(name_, names.source);
  return KStream(builder_, reuse ? *existing : names.source, ks, vs, false);
}

template <typename K, typename V>
template <typename VO, typename F, typename VR>
requires StreamTableJoiner<F, K, V, VO> KStream<K, VR> KStream<K, V>::join(
    const KTable<K, VO>& table, F joiner, const std::type_identity_t<Joined<K, V, VO>>& joined)
const {
  requireCopyable<F>();
  return table.template joinStream<false, VR>(*this, std::move(joiner), joined);
}

template <typename K, typename V>
template <typename VO, typename F, typename VR>
requires StreamTableJoiner<F, K, V, std::optional<VO>> KStream<K, VR> KStream<K, V>::leftJoin(
    const KTable<K, VO>& table, F joiner, const std::type_identity_t<Joined<K, V, VO>>& joined)
const {
  requireCopyable<F>();
  return table.template joinStream<true, VR>(*this, std::move(joiner), joined);
}

template <typename K, typename V>
KTable<K, internal::TableValue<V>> KStream<K, V>::toTable(
    const Named& named, const Materialized<K, internal::TableValue<V>>& materialized) const {
  using TV = internal::TableValue<V>;
  internal::InternalStreamsBuilder& b = builder();
  const std::string name = b.nameOrGenerate(named.name(), "KSTREAM-TOTABLE-");
  auto mi = internal::materializedInternal(b, materialized, "KSTREAM-TOTABLE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  if constexpr (std::is_same_v<TV, V>) {
    if (!mi.value_serde) mi.value_serde = value_serde_;
  }
  std::string parent = name_;
  if (repartition_required_) {
    parent = internal::addRepartition<K, V>(b, name, name_, mi.key_serde, value_serde_).source;
  }
  auto spec = std::make_shared<internal::SourceTableSpec<K, TV>>(
      mi.store_name,
      [builder = builder_, mi, name] { internal::addDslStore(builder->topology(), mi, name); });
  internal::addStatefulNode<K, V, K, internal::Change<TV>>(
      b.topology(), name, {parent},
      [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::KTableSourceNode<K, TV, V>>(n, *spec);
      });
  if (mi.queryable) spec->materialize();
  return KTable<K, TV>(builder_, name, mi.key_serde, mi.value_serde, spec,
                       mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
}

// ---- KGroupedStream ----

template <typename K, typename V>
KTable<K, int64_t> KGroupedStream<K, V>::doCount(
    const Named& named, const Materialized<K, int64_t>& materialized) const {
  auto mi = internal::materializedInternal(*builder_, materialized, "KSTREAM-AGGREGATE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  if (!mi.value_serde) mi.value_serde = Serdes::Int64();
  const std::string name = builder_->nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
  auto init = [] { return int64_t{0}; };
  auto add = [](const K&, const V&, int64_t count) { return count + 1; };
  return doAggregate<int64_t>(
      name, std::move(mi), [&](const std::string& parent, const auto& table) {
        using Node = internal::StreamAggregateNode<K, V, int64_t, decltype(init), decltype(add)>;
        typename Node::Spec spec{table->storeName(), init, add, table};
        internal::addStatefulNode<K, V, K, internal::Change<int64_t>>(
            builder_->topology(), name, {parent},
            [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
              return std::make_unique<Node>(n, spec);
            });
      });
}

template <typename K, typename V>
template <typename F>
requires Reducer<F, V> KTable<K, V> KGroupedStream<K, V>::reduce(
    F reducer, const Named& named, const Materialized<K, V>& materialized)
const {
  static_assert(std::is_copy_constructible_v<F>,
                "DSL functions must be copyable: every task runs its own copy");
  auto mi = internal::materializedInternal(*builder_, materialized, "KSTREAM-REDUCE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  if (!mi.value_serde) mi.value_serde = value_serde_;
  const std::string name = builder_->nameOrGenerate(named.name(), "KSTREAM-REDUCE-");
  return doAggregate<V>(name, std::move(mi), [&](const std::string& parent, const auto& table) {
    using Node = internal::StreamReduceNode<K, V, F>;
    typename Node::Spec spec{table->storeName(), std::move(reducer), table};
    internal::addStatefulNode<K, V, K, internal::Change<V>>(
        builder_->topology(), name, {parent},
        [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<Node>(n, spec);
        });
  });
}

template <typename K, typename V>
template <typename I, typename A, typename VA>
requires Initializer<I> && Aggregator<A, K, V, VA> KTable<K, VA> KGroupedStream<K, V>::aggregate(
    I initializer, A aggregator, const Named& named,
    const std::type_identity_t<Materialized<K, VA>>& materialized)
const {
  static_assert(std::is_copy_constructible_v<I> && std::is_copy_constructible_v<A>,
                "DSL functions must be copyable: every task runs its own copy");
  auto mi = internal::materializedInternal(*builder_, materialized, "KSTREAM-AGGREGATE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  const std::string name = builder_->nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
  return doAggregate<VA>(name, std::move(mi), [&](const std::string& parent, const auto& table) {
    using Node = internal::StreamAggregateNode<K, V, VA, I, A>;
    typename Node::Spec spec{table->storeName(), std::move(initializer), std::move(aggregator),
                             table};
    internal::addStatefulNode<K, V, K, internal::Change<VA>>(
        builder_->topology(), name, {parent},
        [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<Node>(n, spec);
        });
  });
}

template <typename K, typename V>
template <typename VA, typename Maker>
KTable<K, VA> KGroupedStream<K, V>::doAggregate(const std::string& name,
                                                internal::MaterializedInternal<K, VA> mi,
                                                Maker maker) const {
  internal::InternalStreamsBuilder& b = *builder_;
  const std::string parent = aggregationParent(mi.store_name);
  auto table = std::make_shared<internal::AggregateTableSpec<K, VA>>(mi.store_name);
  maker(parent, table);
  internal::addDslStore(b.topology(), mi, name);
  return KTable<K, VA>(builder_, name, mi.key_serde, mi.value_serde, table,
                       mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
}

template <typename K, typename V>
std::string KGroupedStream<K, V>::aggregationParent(const std::string& store_name) const {
  if (!repartition_required_) return name_;
  const std::string prefix = grouped_name_ ? *grouped_name_ : store_name;
  const bool reuse = grouped_name_ && shared_->repartition_source;
  auto names =
      internal::addRepartition<K, V>(*builder_, prefix, name_, key_serde_, value_serde_, !reuse);
  if (!reuse && grouped_name_) shared_->repartition_source = names.source;
  return reuse ? *shared_->repartition_source : names.source;
}

// ---- KTable ----

template <typename K, typename V>
KTable<K, V> KTable<K, V>::fromTopic(internal::InternalStreamsBuilder& b, const std::string& topic,
                                     const Consumed<K, V>& consumed,
                                     const Materialized<K, V>& materialized) {
  if (topic.empty()) throw TopologyException("the topic of table() must not be empty");
  auto mi = internal::materializedInternal(b, materialized, topic + "-");
  if (consumed.keySerde()) mi.key_serde = consumed.keySerde();
  if (consumed.valueSerde()) mi.value_serde = consumed.valueSerde();
  if (consumed.name()) internal::validateName(*consumed.name());
  const std::string source_name =
      internal::suffixWithOrElseGet(b, consumed.name(), "-source", "KSTREAM-SOURCE-");
  const std::string table_name = b.nameOrGenerate(consumed.name(), "KTABLE-SOURCE-");
  Topology& topology = b.topology();

  internal::NodeDef def;
  def.name = source_name;
  def.kind = internal::NodeDef::Kind::kSource;
  def.topics = {topic};
  def.timestamp_extractor = consumed.timestampExtractor();
  def.out_key = typeid(K);
  def.out_value = typeid(std::optional<V>);
  def.factory = internal::makeNodeFactory(
      [ks = mi.key_serde,
       vs = mi.value_serde](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableSourceNode<K, V>>(n, ks, vs);
      });
  topology.addNode(std::move(def));

  auto spec = std::make_shared<internal::SourceTableSpec<K, V>>(
      mi.store_name, [builder = &b, mi, table_name] {
        internal::addDslStore(builder->topology(), mi, table_name);
      });
  internal::addStatefulNode<K, std::optional<V>, K, internal::Change<V>>(
      topology, table_name, {source_name},
      [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::KTableSourceNode<K, V>>(n, *spec);
      });
  if (mi.queryable) spec->materialize();
  return KTable(&b, table_name, mi.key_serde, mi.value_serde, spec,
                mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
}

template <typename K, typename V>
template <typename F>
KTable<K, V> KTable<K, V>::doFilter(F predicate, const Named& named,
                                    const Materialized<K, V>* materialized, bool negate) const {
  static_assert(std::is_copy_constructible_v<F>,
                "DSL functions must be copyable: every task runs its own copy");
  internal::InternalStreamsBuilder& b = builder();
  SerdePtr<K> ks = key_serde_;
  SerdePtr<V> vs = value_serde_;
  std::optional<internal::MaterializedInternal<K, V>> mi;
  std::optional<std::string> queryable;
  if (materialized != nullptr) {
    mi = internal::materializedInternal(b, *materialized, std::nullopt);
    // Java burns a store name before the processor name when none is given.
    if (!mi->queryable) b.newStoreName("KTABLE-FILTER-");
    if (mi->key_serde) ks = mi->key_serde;
    if (mi->value_serde) vs = mi->value_serde;
    if (mi->queryable) queryable = mi->store_name;
  }
  const std::string name = b.nameOrGenerate(named.name(), "KTABLE-FILTER-");
  auto spec = std::make_shared<internal::FilterTableSpec<K, V, F>>(spec_, std::move(predicate),
                                                                   negate, queryable);
  internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<V>>(
      b.topology(), name, {name_},
      [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableFilterNode<K, V, F>>(n, *spec);
      });
  if (queryable) {
    mi->key_serde = ks;
    mi->value_serde = vs;
    internal::addDslStore(b.topology(), *mi, name);
  }
  return KTable(builder_, name, ks, vs, spec, queryable);
}

template <typename K, typename V>
template <typename VR, typename F>
KTable<K, VR> KTable<K, V>::doMapValues(F mapper, const Named& named,
                                        const Materialized<K, VR>* materialized) const {
  static_assert(std::is_copy_constructible_v<F>,
                "DSL functions must be copyable: every task runs its own copy");
  internal::InternalStreamsBuilder& b = builder();
  SerdePtr<K> ks = key_serde_;
  SerdePtr<VR> vs;
  std::optional<internal::MaterializedInternal<K, VR>> mi;
  std::optional<std::string> queryable;
  if (materialized != nullptr) {
    mi = internal::materializedInternal(b, *materialized, std::nullopt);
    if (!mi->queryable) b.newStoreName("KTABLE-MAPVALUES-");
    if (mi->key_serde) ks = mi->key_serde;
    vs = mi->value_serde;
    if (mi->queryable) queryable = mi->store_name;
  }
  const std::string name = b.nameOrGenerate(named.name(), "KTABLE-MAPVALUES-");
  auto spec = std::make_shared<internal::MapValuesTableSpec<K, V, VR, F>>(spec_, std::move(mapper),
                                                                          queryable);
  internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<VR>>(
      b.topology(), name, {name_},
      [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableMapValuesNode<K, V, VR, F>>(n, *spec);
      });
  if (queryable) {
    mi->key_serde = ks;
    internal::addDslStore(b.topology(), *mi, name);
  }
  return KTable<K, VR>(builder_, name, ks, vs, spec, queryable);
}

template <typename K, typename V>
KStream<K, std::optional<V>> KTable<K, V>::toStream(const Named& named) const {
  internal::InternalStreamsBuilder& b = builder();
  const std::string name = b.nameOrGenerate(named.name(), "KTABLE-TOSTREAM-");
  internal::addDslNode<K, internal::Change<V>, K, std::optional<V>>(b.topology(), name, {name_},
                                                                    internal::ToStreamOp{});
  return KStream<K, std::optional<V>>(
      builder_, name, key_serde_, value_serde_ ? Serdes::Optional(value_serde_) : nullptr, false);
}

template <typename K, typename V>
template <typename F, typename KR, typename VR>
requires KeyValueSelector<F, K, V> KGroupedTable<KR, VR> KTable<K, V>::groupBy(
    F selector, const std::type_identity_t<Grouped<KR, VR>>& grouped)
const {
  static_assert(std::is_copy_constructible_v<F>,
                "DSL functions must be copyable: every task runs its own copy");
  internal::InternalStreamsBuilder& b = builder();
  const std::string name = b.nameOrGenerate(grouped.name(), "KTABLE-SELECT-");
  internal::addDslNode<K, internal::Change<V>, KR, internal::Change<VR>>(
      b.topology(), name, {name_}, internal::TableSelectOp<K, V, KR, VR, F>{std::move(selector)});
  // The subtractor needs the old values.
  spec_->enableSendingOldValues(true);
  return KGroupedTable<KR, VR>(builder_, name, grouped.keySerde(), grouped.valueSerde(),
                               grouped.name());
}

template <typename K, typename V>
template <internal::JoinKind kKind, typename VR, typename VO, typename F>
KTable<K, VR> KTable<K, V>::doJoin(const KTable<K, VO>& other, F joiner, const Named& named,
                                   const Materialized<K, VR>* materialized) const {
  static_assert(std::is_copy_constructible_v<F>,
                "DSL functions must be copyable: every task runs its own copy");
  using internal::JoinKind;
  if (other.builder_ != builder_) {
    throw TopologyException("cannot join tables of two different StreamsBuilders");
  }
  internal::InternalStreamsBuilder& b = builder();
  std::optional<internal::MaterializedInternal<K, VR>> mi;
  if (materialized != nullptr) {
    mi = internal::materializedInternal(b, *materialized, "KTABLE-MERGE-");
  }
  const std::string merge_name = b.nameOrGenerate(named.name(), "KTABLE-MERGE-");
  if (kKind != JoinKind::kInner) spec_->enableSendingOldValues(true);
  if (kKind == JoinKind::kOuter) other.spec_->enableSendingOldValues(true);
  using ThisSide = internal::JoinSideSpec<K, V, VO, VR, kKind, true, F>;
  using OtherSide = internal::JoinSideSpec<K, VO, V, VR, kKind, false, F>;
  auto join_this =
      std::make_shared<ThisSide>(spec_, other.spec_, internal::TableJoiner<kKind, F>{joiner});
  auto join_other = std::make_shared<OtherSide>(other.spec_, spec_,
                                                internal::TableJoiner<kKind, F>{std::move(joiner)});
  const std::string this_name =
      internal::suffixWithOrElseGet(b, named.name(), "-join-this", "KTABLE-JOINTHIS-");
  const std::string other_name =
      internal::suffixWithOrElseGet(b, named.name(), "-join-other", "KTABLE-JOINOTHER-");

  SerdePtr<K> ks = key_serde_;
  SerdePtr<VR> vs;
  std::optional<std::string> store;
  if (mi) {
    if (!mi->key_serde) mi->key_serde = key_serde_;
    ks = mi->key_serde;
    vs = mi->value_serde;
    store = mi->store_name;  // Java materializes a join given a Materialized, named or not
  }
  auto merger = std::make_shared<internal::MergerTableSpec<K, VR>>(join_this, join_other, store);

  Topology& topology = b.topology();
  const auto& other_stores = join_this->otherGetter().store_names;
  const auto& this_stores = join_this->thisGetter().store_names;
  internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<VR>>(
      topology, this_name, {name_},
      [join_this](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableJoinNode<K, V, VO, VR, kKind, true, F>>(n,
                                                                                       join_this);
      },
      std::set<std::string>(other_stores.begin(), other_stores.end()));
  internal::addStatefulNode<K, internal::Change<VO>, K, internal::Change<VR>>(
      topology, other_name, {other.name_},
      [join_other](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableJoinNode<K, VO, V, VR, kKind, false, F>>(n,
                                                                                        join_other);
      },
      std::set<std::string>(this_stores.begin(), this_stores.end()));
  internal::addStatefulNode<K, internal::Change<VR>, K, internal::Change<VR>>(
      topology, merge_name, {this_name, other_name},
      [merger](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::TableMergeNode<K, VR>>(n, *merger);
      });
  if (mi) internal::addDslStore(topology, *mi, merge_name);
  return KTable<K, VR>(builder_, merge_name, ks, vs, merger,
                       mi && mi->queryable ? store : std::nullopt);
}

template <typename K, typename V>
template <bool kLeft, typename VR, typename VS, typename F>
KStream<K, VR> KTable<K, V>::joinStream(const KStream<K, VS>& stream, F joiner,
                                        const Joined<K, VS, V>& joined) const {
  if (stream.builder_ != builder_) {
    throw TopologyException("cannot join a stream and a table of two different StreamsBuilders");
  }
  internal::InternalStreamsBuilder& b = builder();
  if (joined.name()) internal::validateName(*joined.name());
  KStream<K, VS> input = stream;
  if (stream.repartition_required_) {
    input = stream.repartitionForJoin(joined.name() ? *joined.name() : stream.name_,
                                      joined.keySerde(), joined.valueSerde());
  }
  const std::string name =
      b.nameOrGenerate(joined.name(), kLeft ? "KSTREAM-LEFTJOIN-" : "KSTREAM-JOIN-");
  internal::ValueGetterSupplier<K, V> getter = spec_->valueGetterSupplier();
  internal::addStatefulNode<K, VS, K, VR>(
      b.topology(), name, {input.name_},
      [joiner = std::move(joiner),
       make = getter.make](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::StreamTableJoinNode<K, VS, V, VR, kLeft, F>>(n, joiner,
                                                                                       make);
      },
      std::set<std::string>(getter.store_names.begin(), getter.store_names.end()));
  return KStream<K, VR>(builder_, name, joined.keySerde() ? joined.keySerde() : input.key_serde_,
                        nullptr, false);
}

// ---- KGroupedTable ----

template <typename K, typename V>
KTable<K, int64_t> KGroupedTable<K, V>::count(const Named& named,
                                              const Materialized<K, int64_t>& materialized) const {
  auto mi = internal::materializedInternal(*builder_, materialized, "KTABLE-AGGREGATE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  if (!mi.value_serde) mi.value_serde = Serdes::Int64();
  auto init = [] { return int64_t{0}; };
  auto add = [](const K&, const V&, int64_t count) { return count + 1; };
  auto sub = [](const K&, const V&, int64_t count) { return count - 1; };
  return doAggregate<int64_t>(
      named, "KTABLE-AGGREGATE-", std::move(mi),
      [&](const std::string& name, const std::string& parent, const auto& table) {
        using Fold =
            internal::AggregateFold<K, V, int64_t, decltype(init), decltype(add), decltype(sub)>;
        using Node = internal::TableFoldNode<K, V, int64_t, Fold>;
        typename Node::Spec spec{table->storeName(), Fold{init, add, sub}, table};
        internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<int64_t>>(
            builder_->topology(), name, {parent},
            [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
              return std::make_unique<Node>(n, spec);
            });
      });
}

template <typename K, typename V>
template <typename FA, typename FS>
requires Reducer<FA, V> && Reducer<FS, V> KTable<K, V> KGroupedTable<K, V>::reduce(
    FA adder, FS subtractor, const Named& named, const Materialized<K, V>& materialized)
const {
  static_assert(std::is_copy_constructible_v<FA> && std::is_copy_constructible_v<FS>,
                "DSL functions must be copyable: every task runs its own copy");
  auto mi = internal::materializedInternal(*builder_, materialized, "KTABLE-AGGREGATE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  if (!mi.value_serde) mi.value_serde = value_serde_;
  return doAggregate<V>(
      named, "KTABLE-REDUCE-", std::move(mi),
      [&](const std::string& name, const std::string& parent, const auto& table) {
        using Fold = internal::ReduceFold<K, V, FA, FS>;
        using Node = internal::TableFoldNode<K, V, V, Fold>;
        typename Node::Spec spec{table->storeName(), Fold{std::move(adder), std::move(subtractor)},
                                 table};
        internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<V>>(
            builder_->topology(), name, {parent},
            [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
              return std::make_unique<Node>(n, spec);
            });
      });
}

template <typename K, typename V>
template <typename I, typename FA, typename FS, typename VA>
requires Initializer<I> && Aggregator<FA, K, V, VA> && Aggregator<FS, K, V, VA> KTable<K, VA>
KGroupedTable<K, V>::aggregate(I initializer, FA adder, FS subtractor, const Named& named,
                               const std::type_identity_t<Materialized<K, VA>>& materialized)
const {
  static_assert(std::is_copy_constructible_v<I> && std::is_copy_constructible_v<FA> &&
                    std::is_copy_constructible_v<FS>,
                "DSL functions must be copyable: every task runs its own copy");
  auto mi = internal::materializedInternal(*builder_, materialized, "KTABLE-AGGREGATE-");
  if (!mi.key_serde) mi.key_serde = key_serde_;
  return doAggregate<VA>(
      named, "KTABLE-AGGREGATE-", std::move(mi),
      [&](const std::string& name, const std::string& parent, const auto& table) {
        using Fold = internal::AggregateFold<K, V, VA, I, FA, FS>;
        using Node = internal::TableFoldNode<K, V, VA, Fold>;
        typename Node::Spec spec{
            table->storeName(),
            Fold{std::move(initializer), std::move(adder), std::move(subtractor)}, table};
        internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<VA>>(
            builder_->topology(), name, {parent},
            [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
              return std::make_unique<Node>(n, spec);
            });
      });
}

template <typename K, typename V>
template <typename VA, typename Maker>
KTable<K, VA> KGroupedTable<K, V>::doAggregate(const Named& named, std::string_view function_prefix,
                                               internal::MaterializedInternal<K, VA> mi,
                                               Maker maker) const {
  internal::InternalStreamsBuilder& b = *builder_;
  const std::string sink = internal::suffixWithOrElseGet(b, named.name(), "-sink", "KSTREAM-SINK-");
  const std::string source =
      internal::suffixWithOrElseGet(b, named.name(), "-source", "KSTREAM-SOURCE-");
  const std::string name = b.nameOrGenerate(named.name(), function_prefix);
  const std::string topic = (grouped_name_ ? *grouped_name_ : mi.store_name) + "-repartition";
  Topology& topology = b.topology();
  // Java reuses the repartition of a named Grouped for later aggregations of the same grouping.
  const bool reuse = grouped_name_ && shared_->repartition_source;
  if (!reuse) {
    // No filter here: Java's GroupedTableOperationRepartitionNode is a sink and a source.
    topology.addInternalTopic(internal::InternalTopicDef{topic, -1, {}});
    topology.template addSinkNode<K, internal::Change<V>>(sink, topic, /*internal_topic=*/true,
                                                          {name_}, key_serde_,
                                                          internal::changeSerde(value_serde_));
    internal::addSourceNode<K, internal::Change<V>>(topology, source, {topic},
                                                    /*internal_topic=*/true, key_serde_,
                                                    internal::changeSerde(value_serde_));
    if (grouped_name_) shared_->repartition_source = source;
  }
  auto table = std::make_shared<internal::AggregateTableSpec<K, VA>>(mi.store_name);
  maker(name, reuse ? *shared_->repartition_source : source, table);
  internal::addDslStore(topology, mi, name);
  return KTable<K, VA>(builder_, name, mi.key_serde, mi.value_serde, table,
                       mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
}

}  // namespace kstreams

#include "kstreams/session_windowed_kstream.h"  // IWYU pragma: export
#include "kstreams/sliding_windowed_kstream.h"  // IWYU pragma: export
#include "kstreams/suppressed.h"                // IWYU pragma: export
#include "kstreams/time_windowed_kstream.h"     // IWYU pragma: export
