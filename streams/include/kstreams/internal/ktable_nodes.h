// File: kstreams/internal/ktable_nodes.h — NOT part of the public API; may change at any time.
//
// The stateful DSL's machinery (Java's kstream.internals KStreamAggregate, KStreamReduce,
// KTableSource, KTableFilter, KTableMapValues, KTableRepartitionMap, KTableAggregate,
// KTableReduce, KTableKTable*Join, KTableKTableJoinMerger, KStreamKTableJoin, value getters and
// TimestampedTupleForwarder), in three parts:
//
//  1. Table specs (TableSpec<K, V>): what a KTable handle shares with the processors of its
//     node — whether old values are sent, whether a source table is materialized, how to read
//     the table's current value for a key (value getters). Kafka decides these while the rest of
//     the topology is built (a later join materializes a source table, a later groupBy makes its
//     parent send old values); here too: the specs are shared, mutable while building, and read
//     by each task when it creates its nodes, after build().
//  2. Value getters: per task, typed lookups of a table's current value (a store, or computed
//     through filter/mapValues/join from upstream stores), for joins.
//  3. The processor nodes. Records between KTable processors are Record<K, Change<V>>; a table's
//     store is a TimestampedKeyValueStore<K, V>; with the store's record cache enabled, updates
//     go downstream when the cache flushes (TupleForwarder), not when they happen.
//
// Everything here follows Kafka Streams 4.x line by line where results are observable (old
// values, tombstones, timestamps, what a cache flush forwards), so that the same DSL calls give
// the same output records. Node instances belong to one task and its stream thread.
#pragma once

#include <algorithm>
#include <concepts>
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
#include "kstreams/internal/dsl_nodes.h"
#include "kstreams/internal/internal_streams_builder.h"
#include "kstreams/internal/node.h"
#include "kstreams/logging.h"
#include "kstreams/record.h"
#include "kstreams/stores.h"
#include "kstreams/topology.h"
#include "kstreams/typed_key_value_store.h"

namespace kstreams::internal {

// Java's RecordQueue.UNKNOWN timestamp.
inline constexpr int64_t kUnknownTimestamp = -1;

// ---- 2. Value getters ----

template <typename K, typename V>
class ValueGetter {
 public:
  virtual ~ValueGetter() = default;
  // Looks up the stores it reads, as processor `processor` (which must be connected to them).
  virtual void init(TaskContext& task, const std::string& processor) = 0;
  // The table's current value of `key` and the timestamp of its last update, or nullopt.
  virtual std::optional<ValueAndTimestamp<V>> get(const K& key) = 0;
};

// How to make a table's value getter in a task, and the stores it reads (which the processor
// using it must be connected to).
template <typename K, typename V>
struct ValueGetterSupplier {
  std::function<std::unique_ptr<ValueGetter<K, V>>()> make;
  std::vector<std::string> store_names;
};

template <typename K, typename V>
TimestampedKeyValueStore<K, V>& tableStore(TaskContext& task, const std::string& processor,
                                           const std::string& store) {
  auto* typed = dynamic_cast<TimestampedKeyValueStore<K, V>*>(&task.stateStore(processor, store));
  if (typed == nullptr) {
    throw TopologyException("state store " + store + " of " + processor +
                            " is not a timestamped store of the table's types");
  }
  return *typed;
}

template <typename K, typename V>
class StoreValueGetter final : public ValueGetter<K, V> {
 public:
  explicit StoreValueGetter(std::string store) : store_name_(std::move(store)) {}
  void init(TaskContext& task, const std::string& processor) override {
    store_ = &tableStore<K, V>(task, processor, store_name_);
  }
  std::optional<ValueAndTimestamp<V>> get(const K& key) override { return store_->get(key); }

 private:
  std::string store_name_;
  TimestampedKeyValueStore<K, V>* store_ = nullptr;
};

template <typename K, typename V>
ValueGetterSupplier<K, V> storeGetterSupplier(const std::string& store) {
  return {[store] { return std::make_unique<StoreValueGetter<K, V>>(store); }, {store}};
}

// ---- 1. Table specs ----

template <typename K, typename V>
class TableSpec {
 public:
  virtual ~TableSpec() = default;
  // Java's KTableImpl#enableSendingOldValues: asks the table's processor to forward old values
  // too (which may force upstream tables to be materialized, when `force_materialization`).
  // Returns whether it will.
  virtual bool enableSendingOldValues(bool force_materialization) = 0;
  // Java's KTableImpl#valueGetterSupplier (materializes a source table).
  virtual ValueGetterSupplier<K, V> valueGetterSupplier() = 0;
  // The grace after which the windows of this table close (Java's
  // GraphGraceSearchUtil#findAndVerifyWindowGrace: a windowed aggregation's grace, plus the
  // inactivity gap for sessions, found through filters and mapValues); nullopt when the table
  // does not come from a windowed aggregation. KTable::suppress(untilWindowCloses) needs it.
  virtual std::optional<int64_t> windowCloseGraceMs() const { return std::nullopt; }
  bool sendOldValues() const { return send_old_values_; }

 protected:
  bool send_old_values_ = false;
};

template <typename K, typename V>
using TableSpecPtr = std::shared_ptr<TableSpec<K, V>>;

// A table read from a topic (Java's KTableSource): materialized only when it is queryable
// (Materialized::as) or when something downstream needs its values.
template <typename K, typename V>
class SourceTableSpec final : public TableSpec<K, V> {
 public:
  // `add_store` adds the store to the topology and connects it to the KTABLE-SOURCE processor;
  // called once, when the table gets materialized (by materialize(), or when a downstream
  // operation needs the table's values).
  SourceTableSpec(std::string store_name, std::function<void()> add_store)
      : store_name_(std::move(store_name)), add_store_(std::move(add_store)) {}
  bool enableSendingOldValues(bool force_materialization) override {
    if (!force_materialization && !materialized_) return false;
    this->send_old_values_ = true;
    materialize();
    return true;
  }
  ValueGetterSupplier<K, V> valueGetterSupplier() override {
    materialize();
    return storeGetterSupplier<K, V>(store_name_);
  }
  void materialize() {
    if (materialized_) return;
    materialized_ = true;
    add_store_();
  }
  bool materialized() const { return materialized_; }
  const std::string& storeName() const { return store_name_; }

 private:
  std::string store_name_;
  std::function<void()> add_store_;
  bool materialized_ = false;
};

// The result of an aggregation (KStreamAggregate, KStreamReduce, KTableAggregate, KTableReduce):
// always in its store.
template <typename K, typename V>
class AggregateTableSpec final : public TableSpec<K, V> {
 public:
  explicit AggregateTableSpec(std::string store_name) : store_name_(std::move(store_name)) {}
  bool enableSendingOldValues(bool) override {
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<K, V> valueGetterSupplier() override {
    return storeGetterSupplier<K, V>(store_name_);
  }
  const std::string& storeName() const { return store_name_; }

 private:
  std::string store_name_;
};

// KTable::filter / filterNot (Java's KTableFilter).
template <typename K, typename V, typename Pred>
class FilterTableSpec final : public TableSpec<K, V> {
 public:
  FilterTableSpec(TableSpecPtr<K, V> parent, Pred predicate, bool negate,
                  std::optional<std::string> queryable_store)
      : parent_(std::move(parent)),
        predicate_(std::move(predicate)),
        negate_(negate),
        queryable_store_(std::move(queryable_store)) {
    // If upstream is already materialized, send old values: it saves tombstones downstream.
    this->send_old_values_ = parent_->enableSendingOldValues(false);
  }
  bool enableSendingOldValues(bool force_materialization) override {
    if (queryable_store_) {
      this->send_old_values_ = true;
      return true;
    }
    if (parent_->enableSendingOldValues(force_materialization)) this->send_old_values_ = true;
    return this->send_old_values_;
  }
  ValueGetterSupplier<K, V> valueGetterSupplier() override;

  const Pred& predicate() const { return predicate_; }
  bool negate() const { return negate_; }
  const std::optional<std::string>& queryableStore() const { return queryable_store_; }

  std::optional<int64_t> windowCloseGraceMs() const override {
    return parent_->windowCloseGraceMs();
  }

 private:
  TableSpecPtr<K, V> parent_;
  Pred predicate_;
  bool negate_;
  std::optional<std::string> queryable_store_;
};

// Whether KTable::filter keeps `value` (each node and getter has its own copy of the predicate,
// as every DSL function is copied per task).
template <typename Pred, typename K, typename V>
bool filterKeeps(Pred& predicate, bool negate, const K& key, const V& value) {
  return static_cast<bool>(std::invoke(predicate, key, value)) != negate;
}

template <typename K, typename V, typename Pred>
class FilterValueGetter final : public ValueGetter<K, V> {
 public:
  FilterValueGetter(Pred predicate, bool negate, std::unique_ptr<ValueGetter<K, V>> parent)
      : predicate_(std::move(predicate)), negate_(negate), parent_(std::move(parent)) {}
  void init(TaskContext& task, const std::string& processor) override {
    parent_->init(task, processor);
  }
  std::optional<ValueAndTimestamp<V>> get(const K& key) override {
    auto v = parent_->get(key);
    if (v && !filterKeeps(predicate_, negate_, key, v->value)) v.reset();
    return v;
  }

 private:
  Pred predicate_;
  bool negate_;
  std::unique_ptr<ValueGetter<K, V>> parent_;
};

template <typename K, typename V, typename Pred>
ValueGetterSupplier<K, V> FilterTableSpec<K, V, Pred>::valueGetterSupplier() {
  if (queryable_store_) return storeGetterSupplier<K, V>(*queryable_store_);
  ValueGetterSupplier<K, V> parent = parent_->valueGetterSupplier();
  return {[predicate = predicate_, negate = negate_, make = parent.make] {
            return std::make_unique<FilterValueGetter<K, V, Pred>>(predicate, negate, make());
          },
          parent.store_names};
}

// Invokes a mapValues function that takes (value) or (key, value); the value as an rvalue.
template <typename F, typename K, typename V>
decltype(auto) invokeValueMapper(F& f, const K& key, V&& value) {
  if constexpr (std::is_invocable_v<F&, V&&>) {
    return std::invoke(f, std::forward<V>(value));
  } else {
    return std::invoke(f, key, std::forward<V>(value));
  }
}

// KTable::mapValues (Java's KTableMapValues).
template <typename K, typename V, typename VR, typename F>
class MapValuesTableSpec final : public TableSpec<K, VR> {
 public:
  MapValuesTableSpec(TableSpecPtr<K, V> parent, F mapper,
                     std::optional<std::string> queryable_store)
      : parent_(std::move(parent)),
        mapper_(std::move(mapper)),
        queryable_store_(std::move(queryable_store)) {}
  bool enableSendingOldValues(bool force_materialization) override {
    if (queryable_store_) {
      this->send_old_values_ = true;
      return true;
    }
    if (parent_->enableSendingOldValues(force_materialization)) this->send_old_values_ = true;
    return this->send_old_values_;
  }
  ValueGetterSupplier<K, VR> valueGetterSupplier() override;

  const F& mapper() const { return mapper_; }
  const std::optional<std::string>& queryableStore() const { return queryable_store_; }

  std::optional<int64_t> windowCloseGraceMs() const override {
    return parent_->windowCloseGraceMs();
  }

 private:
  TableSpecPtr<K, V> parent_;
  F mapper_;
  std::optional<std::string> queryable_store_;
};

template <typename K, typename V, typename VR, typename F>
class MapValuesValueGetter final : public ValueGetter<K, VR> {
 public:
  MapValuesValueGetter(F mapper, std::unique_ptr<ValueGetter<K, V>> parent)
      : mapper_(std::move(mapper)), parent_(std::move(parent)) {}
  void init(TaskContext& task, const std::string& processor) override {
    parent_->init(task, processor);
  }
  std::optional<ValueAndTimestamp<VR>> get(const K& key) override {
    auto v = parent_->get(key);
    if (!v) return std::nullopt;
    return ValueAndTimestamp<VR>{invokeValueMapper(mapper_, key, std::move(v->value)),
                                 v->timestamp};
  }

 private:
  F mapper_;
  std::unique_ptr<ValueGetter<K, V>> parent_;
};

template <typename K, typename V, typename VR, typename F>
ValueGetterSupplier<K, VR> MapValuesTableSpec<K, V, VR, F>::valueGetterSupplier() {
  if (queryable_store_) return storeGetterSupplier<K, VR>(*queryable_store_);
  ValueGetterSupplier<K, V> parent = parent_->valueGetterSupplier();
  return {[mapper = mapper_, make = parent.make] {
            return std::make_unique<MapValuesValueGetter<K, V, VR, F>>(mapper, make());
          },
          parent.store_names};
}

// ---- Table-table joins ----

enum class JoinKind { kInner, kLeft, kOuter };

// The user's joiner, called uniformly as (optional left, optional right): inner joiners take
// (const V&, const VO&), left joiners (const V&, const std::optional<VO>&), outer joiners
// (const std::optional<V>&, const std::optional<VO>&). Callers only pass what the kind allows
// (both values for inner, a left value for left), as Kafka's processors do.
template <JoinKind kKind, typename J>
struct TableJoiner {
  J joiner;

  template <typename V, typename VO>
  auto operator()(const std::optional<V>& left, const std::optional<VO>& right) const {
    if constexpr (kKind == JoinKind::kInner) {
      return std::invoke(joiner, *left, *right);
    } else if constexpr (kKind == JoinKind::kLeft) {
      return std::invoke(joiner, *left, right);
    } else {
      return std::invoke(joiner, left, right);
    }
  }
};

// One side of a table-table join (Java's KTableKTableAbstractJoin): the spec of the processor
// that receives the changes of `this_table` and looks up `other_table`. kThisIsLeft tells which
// side of the user's joiner this table is.
template <typename K, typename VThis, typename VOther, typename VR, JoinKind kKind,
          bool kThisIsLeft, typename J>
class JoinSideSpec final : public TableSpec<K, VR> {
 public:
  JoinSideSpec(TableSpecPtr<K, VThis> this_table, TableSpecPtr<K, VOther> other_table,
               TableJoiner<kKind, J> joiner)
      : this_table_(std::move(this_table)),
        other_table_(std::move(other_table)),
        this_getter_(this_table_->valueGetterSupplier()),
        other_getter_(other_table_->valueGetterSupplier()),
        joiner_(std::move(joiner)) {}

  bool enableSendingOldValues(bool) override {
    this_table_->enableSendingOldValues(true);
    other_table_->enableSendingOldValues(true);
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<K, VR> valueGetterSupplier() override;

  // joiner(this value, other value), arguments in the user's order.
  VR join(const std::optional<VThis>& mine, const std::optional<VOther>& other) const {
    if constexpr (kThisIsLeft) {
      return joiner_(mine, other);
    } else {
      return joiner_(other, mine);
    }
  }
  const ValueGetterSupplier<K, VThis>& thisGetter() const { return this_getter_; }
  const ValueGetterSupplier<K, VOther>& otherGetter() const { return other_getter_; }

 private:
  TableSpecPtr<K, VThis> this_table_;
  TableSpecPtr<K, VOther> other_table_;
  ValueGetterSupplier<K, VThis> this_getter_;
  ValueGetterSupplier<K, VOther> other_getter_;
  TableJoiner<kKind, J> joiner_;
};

// The value of the join result for a key, computed from both tables (Java's
// KTableKTable{Inner,Left,Outer}JoinValueGetter; only the left side's getter is ever used).
template <typename K, typename V, typename VO, typename VR, JoinKind kKind, typename J>
class JoinValueGetter final : public ValueGetter<K, VR> {
 public:
  JoinValueGetter(TableJoiner<kKind, J> joiner, std::unique_ptr<ValueGetter<K, V>> left,
                  std::unique_ptr<ValueGetter<K, VO>> right)
      : joiner_(std::move(joiner)), left_(std::move(left)), right_(std::move(right)) {}
  void init(TaskContext& task, const std::string& processor) override {
    left_->init(task, processor);
    right_->init(task, processor);
  }
  std::optional<ValueAndTimestamp<VR>> get(const K& key) override {
    std::optional<ValueAndTimestamp<V>> l = left_->get(key);
    if constexpr (kKind == JoinKind::kOuter) {
      std::optional<ValueAndTimestamp<VO>> r = right_->get(key);
      if (!l && !r) return std::nullopt;
      const int64_t ts =
          std::max(l ? l->timestamp : kUnknownTimestamp, r ? r->timestamp : kUnknownTimestamp);
      return ValueAndTimestamp<VR>{joiner_(valueOf(std::move(l)), valueOf(std::move(r))), ts};
    } else {
      if (!l) return std::nullopt;
      std::optional<ValueAndTimestamp<VO>> r = right_->get(key);
      if (kKind == JoinKind::kInner && !r) return std::nullopt;
      const int64_t ts = r ? std::max(l->timestamp, r->timestamp) : l->timestamp;
      return ValueAndTimestamp<VR>{joiner_(valueOf(std::move(l)), valueOf(std::move(r))), ts};
    }
  }

 private:
  template <typename T>
  static std::optional<T> valueOf(std::optional<ValueAndTimestamp<T>>&& v) {
    if (!v) return std::nullopt;
    return std::move(v->value);
  }

  TableJoiner<kKind, J> joiner_;
  std::unique_ptr<ValueGetter<K, V>> left_;
  std::unique_ptr<ValueGetter<K, VO>> right_;
};

template <typename K, typename VThis, typename VOther, typename VR, JoinKind kKind,
          bool kThisIsLeft, typename J>
ValueGetterSupplier<K, VR>
JoinSideSpec<K, VThis, VOther, VR, kKind, kThisIsLeft, J>::valueGetterSupplier() {
  std::vector<std::string> stores = this_getter_.store_names;
  for (const auto& s : other_getter_.store_names) {
    if (std::find(stores.begin(), stores.end(), s) == stores.end()) stores.push_back(s);
  }
  if constexpr (kThisIsLeft) {
    return {[joiner = joiner_, left = this_getter_.make, right = other_getter_.make] {
              return std::make_unique<JoinValueGetter<K, VThis, VOther, VR, kKind, J>>(
                  joiner, left(), right());
            },
            stores};
  } else {
    return {[joiner = joiner_, left = other_getter_.make, right = this_getter_.make] {
              return std::make_unique<JoinValueGetter<K, VOther, VThis, VR, kKind, J>>(
                  joiner, left(), right());
            },
            stores};
  }
}

// The result of a table-table join (Java's KTableKTableJoinMerger).
template <typename K, typename VR>
class MergerTableSpec final : public TableSpec<K, VR> {
 public:
  MergerTableSpec(TableSpecPtr<K, VR> join_this, TableSpecPtr<K, VR> join_other,
                  std::optional<std::string> queryable_store)
      : join_this_(std::move(join_this)),
        join_other_(std::move(join_other)),
        queryable_store_(std::move(queryable_store)) {}
  bool enableSendingOldValues(bool) override {
    join_this_->enableSendingOldValues(true);
    join_other_->enableSendingOldValues(true);
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<K, VR> valueGetterSupplier() override {
    if (queryable_store_) return storeGetterSupplier<K, VR>(*queryable_store_);
    return join_this_->valueGetterSupplier();
  }
  const std::optional<std::string>& queryableStore() const { return queryable_store_; }

 private:
  TableSpecPtr<K, VR> join_this_;
  TableSpecPtr<K, VR> join_other_;
  std::optional<std::string> queryable_store_;
};

// ---- 3. Processor nodes ----

// Java's TimestampedTupleForwarder + TimestampedCacheFlushListener: without a record cache,
// forwards each update as it happens (dropping the old value unless asked for it); with one,
// forwards nothing then and instead what the cache flushes, deduplicated per key, with the
// timestamp of the value (or of the write, for a delete).
template <typename K, typename V>
class TupleForwarder {
 public:
  void init(TimestampedKeyValueStore<K, V>& store, Downstream<K, Change<V>>& out,
            bool send_old_values) {
    out_ = &out;
    send_old_values_ = send_old_values;
    caching_ = store.setCacheFlushListener(
        [this](typename TimestampedKeyValueStore<K, V>::FlushedChange&& c) {
          const int64_t ts = c.value ? c.value->timestamp : c.timestamp;
          Change<V> change;
          if (c.value) change.newValue = std::move(c.value->value);
          if (c.old_value) change.oldValue = std::move(c.old_value->value);
          out_->forward(
              Record<K, Change<V>>(std::move(c.key), std::move(change), ts, std::move(c.headers)));
        },
        send_old_values);
  }
  void maybeForward(Record<K, Change<V>>&& record) {
    if (caching_) return;
    if (!send_old_values_) record.value().oldValue.reset();
    out_->forward(std::move(record));
  }

 private:
  Downstream<K, Change<V>>* out_ = nullptr;
  bool send_old_values_ = false;
  bool caching_ = false;
};

// Base of the stateful DSL nodes: children, the task, and the record context scope.
template <typename KIn, typename VIn, typename KOut, typename VOut>
class StatefulNode : public TypedNode<KIn, VIn> {
 public:
  using TypedNode<KIn, VIn>::TypedNode;
  void addChild(NodeInstance* child) override { out_.add(this, child); }
  void init(TaskContext& task) override { task_ = &task; }

 protected:
  Downstream<KOut, VOut> out_;
  TaskContext* task_ = nullptr;
};

// Writes a table value (nullopt deletes) to a timestamped store.
template <typename K, typename V>
void putTable(TimestampedKeyValueStore<K, V>& store, const K& key, const std::optional<V>& value,
              int64_t timestamp) {
  if (value) {
    store.put(key, ValueAndTimestamp<V>{*value, timestamp});
  } else {
    store.remove(key);
  }
}

// Logs a record that a processor skips for a null key or value, in Kafka's words ("Skipping
// record due to <reason>. topic=[t] partition=[p] offset=[o]").
inline void logSkippedRecord(const TaskContext& task, std::string_view reason) {
  std::string line = "Skipping record due to ";
  line += reason;
  if (const RecordMetadata* m = task.recordMetadata()) {
    line += ". topic=[" + m->topic + "] partition=[" + std::to_string(m->partition) + "] offset=[" +
            std::to_string(m->offset) + "]";
  } else {
    line += ". Topic, partition, and offset not known.";
  }
  logLine(LogLevel::kWarn, line);
}

template <typename T>
std::optional<T> valueOrNull(std::optional<ValueAndTimestamp<T>>&& v) {
  if (!v) return std::nullopt;
  return std::move(v->value);
}

// KGroupedStream::aggregate / count (Java's KStreamAggregate).
template <typename K, typename V, typename VA, typename Init, typename Agg>
class StreamAggregateNode final : public StatefulNode<K, V, K, Change<VA>> {
 public:
  struct Spec {
    std::string store;
    Init initializer;
    Agg aggregator;
    std::shared_ptr<AggregateTableSpec<K, VA>> table;
  };
  StreamAggregateNode(std::string name, const Spec& spec)
      : StatefulNode<K, V, K, Change<VA>>(std::move(name)),
        spec_(spec),
        send_old_values_(spec.table->sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, V, K, Change<VA>>::init(task);
    store_ = &tableStore<K, VA>(task, this->name(), spec_.store);
    forwarder_.init(*store_, this->out_, send_old_values_);
  }

  void process(Record<K, V> record) override {
    if (record.keyIsNull() || record.valueIsNull()) {
      logSkippedRecord(*this->task_, "null key or value");
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    std::optional<ValueAndTimestamp<VA>> old = store_->get(record.key());
    std::optional<VA> old_agg;
    int64_t ts = record.timestamp();
    std::optional<ValueAndTimestamp<VA>> result;
    if (!old) {
      VA initial = std::invoke(spec_.initializer);
      // Java forwards the initial aggregate as the old value of a new key.
      if (send_old_values_) old_agg = initial;
      result.emplace(
          ValueAndTimestamp<VA>{std::invoke(spec_.aggregator, std::as_const(record.key()),
                                            std::as_const(record.value()), std::move(initial)),
                                ts});
    } else {
      ts = std::max(ts, old->timestamp);
      if (send_old_values_) old_agg = old->value;
      result.emplace(
          ValueAndTimestamp<VA>{std::invoke(spec_.aggregator, std::as_const(record.key()),
                                            std::as_const(record.value()), std::move(old->value)),
                                ts});
    }
    store_->put(record.key(), *result);
    forwarder_.maybeForward(Record<K, Change<VA>>(
        std::move(record.key()), Change<VA>{std::move(result->value), std::move(old_agg)}, ts,
        std::move(record.headers())));
  }

 private:
  Spec spec_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, VA>* store_ = nullptr;
  TupleForwarder<K, VA> forwarder_;
};

// KGroupedStream::reduce (Java's KStreamReduce).
template <typename K, typename V, typename Reducer>
class StreamReduceNode final : public StatefulNode<K, V, K, Change<V>> {
 public:
  struct Spec {
    std::string store;
    Reducer reducer;
    std::shared_ptr<AggregateTableSpec<K, V>> table;
  };
  StreamReduceNode(std::string name, const Spec& spec)
      : StatefulNode<K, V, K, Change<V>>(std::move(name)),
        spec_(spec),
        send_old_values_(spec.table->sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, V, K, Change<V>>::init(task);
    store_ = &tableStore<K, V>(task, this->name(), spec_.store);
    forwarder_.init(*store_, this->out_, send_old_values_);
  }

  void process(Record<K, V> record) override {
    if (record.keyIsNull() || record.valueIsNull()) {
      logSkippedRecord(*this->task_, "null key or value");
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    std::optional<ValueAndTimestamp<V>> old = store_->get(record.key());
    std::optional<V> old_agg;
    int64_t ts = record.timestamp();
    std::optional<ValueAndTimestamp<V>> result;
    if (!old) {
      result.emplace(ValueAndTimestamp<V>{std::move(record.value()), ts});
    } else {
      ts = std::max(ts, old->timestamp);
      if (send_old_values_) old_agg = old->value;
      result.emplace(ValueAndTimestamp<V>{
          std::invoke(spec_.reducer, std::move(old->value), std::as_const(record.value())), ts});
    }
    store_->put(record.key(), *result);
    forwarder_.maybeForward(Record<K, Change<V>>(
        std::move(record.key()), Change<V>{std::move(result->value), std::move(old_agg)}, ts,
        std::move(record.headers())));
  }

 private:
  Spec spec_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, V>* store_ = nullptr;
  TupleForwarder<K, V> forwarder_;
};

// The source node of StreamsBuilder::table(): like SourceNode, but a Kafka null value is a
// tombstone (nullopt), and records with a null key are dropped, as Kafka Streams drops them.
template <typename K, typename V>
class TableSourceNode final : public SourceNodeBase {
 public:
  TableSourceNode(std::string name, SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : SourceNodeBase(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  void addChild(NodeInstance* child) override {
    children_.push_back(asTypedChild<K, std::optional<V>>(this, child));
  }
  void init(TaskContext& context) override {
    context_ = &context;
    key_serde_ = resolveSerde(key_serde_, context.defaultKeySerde(), name(), "key");
    value_serde_ = resolveSerde(value_serde_, context.defaultValueSerde(), name(), "value");
  }
  NodeSerdes serdes() const override { return {key_serde_, value_serde_, {}}; }
  void processRaw(const RawRecord& raw) override {
    if (!raw.key) {
      logLine(LogLevel::kWarn, "Skipping record due to null key. topic=[" + std::string(raw.topic) +
                                   "] partition=[" + std::to_string(raw.partition) + "] offset=[" +
                                   std::to_string(raw.offset) + "]");
      return;
    }
    std::optional<Record<K, std::optional<V>>> record;
    try {
      std::optional<V> value;
      if (raw.value) value.emplace(value_serde_->deserialize(raw.topic, raw.value));
      record.emplace(key_serde_->deserialize(raw.topic, raw.key), std::move(value), raw.timestamp,
                     raw.headers);
    } catch (const std::exception& e) {
      context_->onDeserializationError(raw, e.what());
      return;
    }
    const size_t n = children_.size();
    for (size_t i = 0; i + 1 < n; ++i) children_[i]->process(*record);
    if (n > 0) children_[n - 1]->process(std::move(*record));
  }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::vector<TypedNode<K, std::optional<V>>*> children_;
  TaskContext* context_ = nullptr;
};

// KTABLE-SOURCE and KSTREAM-TOTABLE (Java's KTableSource processor). VIn is std::optional<V>
// (nullopt: a delete) or V.
template <typename K, typename V, typename VIn = std::optional<V>>
class KTableSourceNode final : public StatefulNode<K, VIn, K, Change<V>> {
 public:
  KTableSourceNode(std::string name, const SourceTableSpec<K, V>& spec)
      : StatefulNode<K, VIn, K, Change<V>>(std::move(name)),
        store_name_(spec.materialized() ? std::optional<std::string>(spec.storeName())
                                        : std::nullopt),
        send_old_values_(spec.sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, VIn, K, Change<V>>::init(task);
    if (store_name_) {
      store_ = &tableStore<K, V>(task, this->name(), *store_name_);
      forwarder_.init(*store_, this->out_, send_old_values_);
    }
  }

  void process(Record<K, VIn> record) override {
    if (record.keyIsNull()) {
      logSkippedRecord(*this->task_, "null key");
      return;
    }
    const int64_t ts = record.timestamp();
    // A null value (nullopt, or a value marked null) deletes the key.
    std::optional<V> value;
    if (!record.valueIsNull()) value = std::move(record.value());
    if (store_ == nullptr) {
      this->out_.forward(Record<K, Change<V>>(std::move(record.key()),
                                              Change<V>{std::move(value), std::nullopt}, ts,
                                              std::move(record.headers())));
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, ts, &record.headers());
    std::optional<ValueAndTimestamp<V>> old = store_->get(record.key());
    if (old && ts < old->timestamp) {
      logLine(LogLevel::kWarn, "Detected out-of-order KTable update for " + *store_name_ +
                                   ", old timestamp=[" + std::to_string(old->timestamp) +
                                   "] new timestamp=[" + std::to_string(ts) + "]");
    }
    putTable(*store_, record.key(), value, ts);
    forwarder_.maybeForward(Record<K, Change<V>>(
        std::move(record.key()), Change<V>{std::move(value), valueOrNull(std::move(old))}, ts,
        std::move(record.headers())));
  }

 private:
  std::optional<std::string> store_name_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, V>* store_ = nullptr;
  TupleForwarder<K, V> forwarder_;
};

// KTable::filter (Java's KTableFilter processor).
template <typename K, typename V, typename Pred>
class TableFilterNode final : public StatefulNode<K, Change<V>, K, Change<V>> {
 public:
  TableFilterNode(std::string name, const FilterTableSpec<K, V, Pred>& spec)
      : StatefulNode<K, Change<V>, K, Change<V>>(std::move(name)),
        predicate_(spec.predicate()),
        negate_(spec.negate()),
        store_name_(spec.queryableStore()),
        send_old_values_(spec.sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<V>, K, Change<V>>::init(task);
    if (store_name_) {
      store_ = &tableStore<K, V>(task, this->name(), *store_name_);
      forwarder_.init(*store_, this->out_, send_old_values_);
    }
  }

  void process(Record<K, Change<V>> record) override {
    const K& key = record.key();
    Change<V>& change = record.value();
    std::optional<V> new_value;
    if (change.newValue && filterKeeps(predicate_, negate_, key, *change.newValue)) {
      new_value = std::move(change.newValue);
    }
    std::optional<V> old_value;
    if (send_old_values_) {
      if (store_ != nullptr) {
        old_value = valueOrNull(store_->get(key));
      } else if (change.oldValue && filterKeeps(predicate_, negate_, key, *change.oldValue)) {
        old_value = std::move(change.oldValue);
      }
      if (!old_value && !new_value) return;  // nothing to tell downstream
    }
    if (store_ != nullptr) {
      TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
      putTable(*store_, key, new_value, record.timestamp());
      forwarder_.maybeForward(
          std::move(record).withValue(Change<V>{std::move(new_value), std::move(old_value)}));
    } else {
      this->out_.forward(
          std::move(record).withValue(Change<V>{std::move(new_value), std::move(old_value)}));
    }
  }

 private:
  Pred predicate_;
  bool negate_;
  std::optional<std::string> store_name_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, V>* store_ = nullptr;
  TupleForwarder<K, V> forwarder_;
};

// KTable::mapValues (Java's KTableMapValues processor).
template <typename K, typename V, typename VR, typename F>
class TableMapValuesNode final : public StatefulNode<K, Change<V>, K, Change<VR>> {
 public:
  TableMapValuesNode(std::string name, const MapValuesTableSpec<K, V, VR, F>& spec)
      : StatefulNode<K, Change<V>, K, Change<VR>>(std::move(name)),
        mapper_(spec.mapper()),
        store_name_(spec.queryableStore()),
        send_old_values_(spec.sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<V>, K, Change<VR>>::init(task);
    if (store_name_) {
      store_ = &tableStore<K, VR>(task, this->name(), *store_name_);
      forwarder_.init(*store_, this->out_, send_old_values_);
    }
  }

  void process(Record<K, Change<V>> record) override {
    const K& key = record.key();
    Change<V>& change = record.value();
    std::optional<VR> new_value;
    if (change.newValue) new_value = invokeValueMapper(mapper_, key, std::move(*change.newValue));
    std::optional<VR> old_value;
    if (send_old_values_) {
      if (store_ != nullptr) {
        old_value = valueOrNull(store_->get(key));
      } else if (change.oldValue) {
        old_value = invokeValueMapper(mapper_, key, std::move(*change.oldValue));
      }
    }
    if (store_ != nullptr) {
      TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
      putTable(*store_, key, new_value, record.timestamp());
      forwarder_.maybeForward(
          std::move(record).withValue(Change<VR>{std::move(new_value), std::move(old_value)}));
    } else {
      this->out_.forward(
          std::move(record).withValue(Change<VR>{std::move(new_value), std::move(old_value)}));
    }
  }

 private:
  F mapper_;
  std::optional<std::string> store_name_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, VR>* store_ = nullptr;
  TupleForwarder<K, VR> forwarder_;
};

// KTable::toStream (Java maps each change to its new value: nullopt for a delete).
struct ToStreamOp {
  template <typename K, typename V>
  void operator()(Record<K, Change<V>>&& record, Downstream<K, std::optional<V>>& out) {
    out.forward(std::move(record).withValue(std::move(record.value().newValue)));
  }
};

// KTable::groupBy (Java's KTableRepartitionMap): the selector maps the old and the new value to
// their groups; one record with both when the group is the same, else a subtraction for the
// old group and then an addition for the new one.
template <typename K, typename V, typename KR, typename VR, typename F>
struct TableSelectOp {
  F selector;

  void operator()(Record<K, Change<V>>&& record, Downstream<KR, Change<VR>>& out) {
    if (record.keyIsNull()) {
      throw StreamsException("Record key for the grouping KTable should not be null.");
    }
    Change<V>& change = record.value();
    std::optional<KeyValue<KR, VR>> new_pair = select(record.key(), change.newValue);
    std::optional<KeyValue<KR, VR>> old_pair = select(record.key(), change.oldValue);
    const int64_t ts = record.timestamp();
    bool same_key = false;
    if constexpr (std::equality_comparable<KR>) {
      same_key = old_pair && new_pair && old_pair->key == new_pair->key;
    }
    if (same_key) {
      out.forward(
          Record<KR, Change<VR>>(std::move(old_pair->key),
                                 Change<VR>{std::move(new_pair->value), std::move(old_pair->value)},
                                 ts, std::move(record.headers())));
      return;
    }
    if (old_pair) {
      out.forward(Record<KR, Change<VR>>(
          std::move(old_pair->key), Change<VR>{std::nullopt, std::move(old_pair->value)}, ts,
          new_pair ? record.headers() : std::move(record.headers())));
    }
    if (new_pair) {
      out.forward(Record<KR, Change<VR>>(std::move(new_pair->key),
                                         Change<VR>{std::move(new_pair->value), std::nullopt}, ts,
                                         std::move(record.headers())));
    }
  }

 private:
  // The selected pair, or nullopt for no value or when the selected key or value is null (an
  // empty std::optional), which Java skips.
  std::optional<KeyValue<KR, VR>> select(const K& key, const std::optional<V>& value) {
    if (!value) return std::nullopt;
    auto kv = std::invoke(selector, key, *value);
    if (isNullopt(keyOf(kv)) || isNullopt(valueOf(kv))) return std::nullopt;
    return KeyValue<KR, VR>{keyOf(std::move(kv)), valueOf(std::move(kv))};
  }
};

// How a grouped table folds values into its aggregate: KGroupedTable::aggregate / count (Java's
// KTableAggregate) starts from an initializer, KGroupedTable::reduce (KTableReduce) from the
// first value.
template <typename K, typename V, typename VA, typename Init, typename Add, typename Sub>
struct AggregateFold {
  static constexpr std::string_view kOperator = "aggregate";
  Init initializer;
  Add adder;
  Sub subtractor;
  VA subtract(const K& key, const V& value, VA agg) {
    return std::invoke(subtractor, key, value, std::move(agg));
  }
  VA add(const K& key, V& value, std::optional<VA> agg) {
    return std::invoke(adder, key, std::as_const(value),
                       agg ? std::move(*agg) : std::invoke(initializer));
  }
};

template <typename K, typename V, typename Add, typename Sub>
struct ReduceFold {
  static constexpr std::string_view kOperator = "reduce";
  Add adder;
  Sub subtractor;
  V subtract(const K&, const V& value, V agg) {
    return std::invoke(subtractor, std::move(agg), value);
  }
  V add(const K&, V& value, std::optional<V> agg) {
    if (!agg) return std::move(value);
    return std::invoke(adder, std::move(*agg), std::as_const(value));
  }
};

// KGroupedTable::aggregate / count / reduce: subtracts a change's old value from the aggregate
// and adds its new one (Java's KTableAggregate and KTableReduce, which differ only in the Fold).
template <typename K, typename V, typename VA, typename Fold>
class TableFoldNode final : public StatefulNode<K, Change<V>, K, Change<VA>> {
 public:
  struct Spec {
    std::string store;
    Fold fold;
    std::shared_ptr<AggregateTableSpec<K, VA>> table;
  };
  TableFoldNode(std::string name, const Spec& spec)
      : StatefulNode<K, Change<V>, K, Change<VA>>(std::move(name)),
        spec_(spec),
        send_old_values_(spec.table->sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<V>, K, Change<VA>>::init(task);
    store_ = &tableStore<K, VA>(task, this->name(), spec_.store);
    forwarder_.init(*store_, this->out_, send_old_values_);
  }

  void process(Record<K, Change<V>> record) override {
    if (record.keyIsNull()) {
      // The grouping selector's null keys never get here (TableSelectOp skips them).
      throw StreamsException("Record key for KTable " + std::string(Fold::kOperator) +
                             " operator with state " + spec_.store + " should not be null.");
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    const K& key = record.key();
    Change<V>& change = record.value();
    std::optional<ValueAndTimestamp<VA>> old = store_->get(key);
    std::optional<VA> old_agg;
    if (old) old_agg = old->value;
    // A change applied to an existing aggregate is as new as the newer of the two.
    const int64_t ts = old && (change.oldValue || change.newValue)
                           ? std::max(record.timestamp(), old->timestamp)
                           : record.timestamp();
    std::optional<VA> agg;  // the intermediate, then the new aggregate
    if (old) {
      agg = change.oldValue ? spec_.fold.subtract(key, *change.oldValue, std::move(old->value))
                            : std::move(old->value);
    }
    if (change.newValue) agg.emplace(spec_.fold.add(key, *change.newValue, std::move(agg)));
    putTable(*store_, key, agg, ts);
    forwarder_.maybeForward(Record<K, Change<VA>>(
        std::move(record.key()),
        Change<VA>{std::move(agg), send_old_values_ ? std::move(old_agg) : std::nullopt}, ts,
        std::move(record.headers())));
  }

 private:
  Spec spec_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, VA>* store_ = nullptr;
  TupleForwarder<K, VA> forwarder_;
};

// One side of a table-table join (Java's KTableKTable{Inner,Left,Right,Outer}Join processors):
// receives this table's changes, looks up the other table, forwards joined changes to the
// merger.
template <typename K, typename VThis, typename VOther, typename VR, JoinKind kKind,
          bool kThisIsLeft, typename J>
class TableJoinNode final : public StatefulNode<K, Change<VThis>, K, Change<VR>> {
  using Spec = JoinSideSpec<K, VThis, VOther, VR, kKind, kThisIsLeft, J>;

 public:
  TableJoinNode(std::string name, std::shared_ptr<const Spec> spec)
      : StatefulNode<K, Change<VThis>, K, Change<VR>>(std::move(name)),
        spec_(std::move(spec)),
        send_old_values_(spec_->sendOldValues()),
        other_(spec_->otherGetter().make()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<VThis>, K, Change<VR>>::init(task);
    other_->init(task, this->name());
  }

  void process(Record<K, Change<VThis>> record) override {
    if (record.keyIsNull()) {
      logSkippedRecord(*this->task_, "null key");
      return;
    }
    Change<VThis>& change = record.value();
    std::optional<ValueAndTimestamp<VOther>> found = other_->get(record.key());
    std::optional<VOther> other;
    int64_t ts = record.timestamp();
    if (found) {
      ts = std::max(ts, found->timestamp);
      other = std::move(found->value);
    }
    // Which side may be missing: the left one never in a left join, neither in an inner join.
    constexpr bool kThisMayBeMissing =
        kKind == JoinKind::kOuter || (kKind == JoinKind::kLeft && !kThisIsLeft);
    constexpr bool kOtherMayBeMissing =
        kKind == JoinKind::kOuter || (kKind == JoinKind::kLeft && kThisIsLeft);
    if (!other) {
      if (!kOtherMayBeMissing) return;
      if (!change.newValue && !change.oldValue) return;
      if constexpr (kKind == JoinKind::kLeft) {
        ts = std::max<int64_t>(record.timestamp(), kUnknownTimestamp);
      }
    }
    std::optional<VR> new_value, old_value;
    if constexpr (kKind == JoinKind::kLeft && !kThisIsLeft) {
      // Java's KTableKTableRightJoin: the joiner also sees a deleted right value (nullopt).
      new_value = spec_->join(change.newValue, other);
      if (send_old_values_) old_value = spec_->join(change.oldValue, other);
    } else {
      if (change.newValue || (kThisMayBeMissing && other)) {
        new_value = spec_->join(change.newValue, other);
      }
      if (send_old_values_ && (change.oldValue || (kThisMayBeMissing && other))) {
        old_value = spec_->join(change.oldValue, other);
      }
    }
    this->out_.forward(Record<K, Change<VR>>(std::move(record.key()),
                                             Change<VR>{std::move(new_value), std::move(old_value)},
                                             ts, std::move(record.headers())));
  }

 private:
  std::shared_ptr<const Spec> spec_;
  bool send_old_values_;
  std::unique_ptr<ValueGetter<K, VOther>> other_;
};

// KTABLE-MERGE (Java's KTableKTableJoinMerger processor).
template <typename K, typename VR>
class TableMergeNode final : public StatefulNode<K, Change<VR>, K, Change<VR>> {
 public:
  TableMergeNode(std::string name, const MergerTableSpec<K, VR>& spec)
      : StatefulNode<K, Change<VR>, K, Change<VR>>(std::move(name)),
        store_name_(spec.queryableStore()),
        send_old_values_(spec.sendOldValues()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<VR>, K, Change<VR>>::init(task);
    if (store_name_) {
      store_ = &tableStore<K, VR>(task, this->name(), *store_name_);
      forwarder_.init(*store_, this->out_, send_old_values_);
    }
  }

  void process(Record<K, Change<VR>> record) override {
    if (store_ != nullptr) {
      TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
      putTable(*store_, record.key(), record.value().newValue, record.timestamp());
      forwarder_.maybeForward(std::move(record));
      return;
    }
    if (!send_old_values_) record.value().oldValue.reset();
    this->out_.forward(std::move(record));
  }

 private:
  std::optional<std::string> store_name_;
  bool send_old_values_;
  TimestampedKeyValueStore<K, VR>* store_ = nullptr;
  TupleForwarder<K, VR> forwarder_;
};

// KStream::join / leftJoin with a KTable (Java's KStreamKTableJoin): each stream record looks up
// the table's current value; without one, an inner join drops the record and a left join calls
// the joiner with nullopt. The joiner takes (value, table value) or (key, value, table value).
template <typename K, typename V, typename VO, typename VR, bool kLeft, typename J>
class StreamTableJoinNode final : public StatefulNode<K, V, K, VR> {
 public:
  StreamTableJoinNode(std::string name, const J& joiner,
                      const std::function<std::unique_ptr<ValueGetter<K, VO>>()>& make_getter)
      : StatefulNode<K, V, K, VR>(std::move(name)), joiner_(joiner), table_(make_getter()) {}

  void init(TaskContext& task) override {
    StatefulNode<K, V, K, VR>::init(task);
    table_->init(task, this->name());
  }

  void process(Record<K, V> record) override {
    // A null value is an empty message with nothing to join (and, for a left join, would make
    // the joiner's nullopt ambiguous); a null key cannot match a table key, but a left join
    // still joins its non-null value with a missing table value. Java's
    // KStreamKTableJoinProcessor#maybeDropRecord.
    if (record.valueIsNull() || (record.keyIsNull() && !kLeft)) {
      logSkippedRecord(*this->task_, "null join key or value");
      return;
    }
    if constexpr (kLeft) {
      if (record.keyIsNull()) {
        VR joined = call(record, std::optional<VO>());
        this->out_.forward(std::move(record).withValue(std::move(joined)));
        return;
      }
    }
    std::optional<ValueAndTimestamp<VO>> found = table_->get(record.key());
    if constexpr (kLeft) {
      std::optional<VO> other;
      if (found) other = std::move(found->value);
      VR joined = call(record, other);
      this->out_.forward(std::move(record).withValue(std::move(joined)));
    } else {
      if (!found) return;
      VR joined = call(record, found->value);
      this->out_.forward(std::move(record).withValue(std::move(joined)));
    }
  }

 private:
  template <typename T>
  VR call(const Record<K, V>& record, const T& other) {
    if constexpr (std::is_invocable_v<J&, const K&, const V&, const T&>) {
      return std::invoke(joiner_, record.key(), record.value(), other);
    } else {
      return std::invoke(joiner_, record.value(), other);
    }
  }

  J joiner_;
  std::unique_ptr<ValueGetter<K, VO>> table_;
};

// ---- Building ----

// Adds a processor node made by `maker(name)` (a std::unique_ptr<NodeInstance>), with the given
// input and output types.
template <typename KIn, typename VIn, typename KOut, typename VOut, typename Maker>
void addStatefulNode(Topology& topology, const std::string& name, std::vector<std::string> parents,
                     Maker maker, std::set<std::string> stores = {}) {
  NodeDef def;
  def.name = name;
  def.kind = NodeDef::Kind::kProcessor;
  def.parents = std::move(parents);
  def.stores = std::move(stores);
  def.in_key = typeid(KIn);
  def.in_value = typeid(VIn);
  def.out_key = typeid(KOut);
  def.out_value = typeid(VOut);
  def.factory = makeNodeFactory(std::move(maker));
  topology.addNode(std::move(def));
}

// Java's KStreamImpl#createRepartitionedSource + the repartition node it builds: names (three,
// always burnt), the internal topic, a pass-through filter, a sink and a source. With
// `write` false only the names are made (the caller reuses an earlier repartition).
template <typename K, typename V>
InternalStreamsBuilder::RepartitionNames addRepartition(
    InternalStreamsBuilder& builder, const std::string& prefix, const std::string& parent,
    const SerdePtr<K>& key_serde, const SerdePtr<V>& value_serde, bool write = true) {
  auto names = builder.newRepartitionNames(prefix);
  if (write) {
    Topology& topology = builder.topology();
    topology.addInternalTopic(InternalTopicDef{names.topic, -1, {}});
    addDslNode<K, V, K, V>(topology, names.filter, {parent}, PassThroughOp{});
    topology.addSinkNode<K, V>(names.sink, names.topic, /*internal_topic=*/true, {names.filter},
                               key_serde, value_serde);
    addSourceNode<K, V>(topology, names.source, {names.topic}, /*internal_topic=*/true, key_serde,
                        value_serde);
  }
  return names;
}

// Java's NamedInternal#suffixWithOrElseGet: "<name><suffix>" (validated) when named, else a
// generated name; the counter advances either way.
inline std::string suffixWithOrElseGet(InternalStreamsBuilder& builder,
                                       const std::optional<std::string>& name,
                                       std::string_view suffix, std::string_view prefix) {
  std::string generated = builder.newProcessorName(prefix);
  if (!name) return generated;
  std::string suffixed = *name + std::string(suffix);
  validateName(suffixed);
  return suffixed;
}

// ---- Stores of the DSL (Java's MaterializedInternal + KeyValueStoreMaterializer) ----

template <typename K, typename V>
struct MaterializedInternal {
  std::string store_name;
  bool queryable = false;  // named by the user (Materialized::as)
  MaterializedSpec spec;
  SerdePtr<K> key_serde;
  SerdePtr<V> value_serde;
};

// Java's `new MaterializedInternal<>(materialized, builder, prefix)`: a user-given (or
// supplier-given) store name, else — with a prefix — a generated one (which advances the name
// counter).
template <typename K, typename V>
MaterializedInternal<K, V> materializedInternal(InternalStreamsBuilder& builder,
                                                const Materialized<K, V>& m,
                                                std::optional<std::string_view> generated_prefix) {
  MaterializedInternal<K, V> mi;
  mi.spec = m.spec();
  mi.key_serde = m.keySerde();
  mi.value_serde = m.valueSerde();
  if (mi.spec.supplier) {
    mi.store_name = mi.spec.supplier->name();
    mi.queryable = true;
  } else if (mi.spec.store_name) {
    validateName(*mi.spec.store_name);
    mi.store_name = *mi.spec.store_name;
    mi.queryable = true;
  } else if (generated_prefix) {
    mi.store_name = builder.newStoreName(*generated_prefix);
  }
  return mi;
}

// Adds the timestamped store `mi` describes to the topology, connected to `processor`; warns
// when its name was generated.
template <typename K, typename V>
void addDslStore(Topology& topology, const MaterializedInternal<K, V>& mi,
                 const std::string& processor) {
  std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier = mi.spec.supplier;
  if (!supplier) {
    supplier = mi.spec.store_type == StoreType::kInMemory
                   ? Stores::inMemoryKeyValueStore(mi.store_name)
                   : Stores::persistentKeyValueStore(mi.store_name);
  }
  auto builder = Stores::timestampedKeyValueStoreBuilder<K, V>(std::move(supplier), mi.key_serde,
                                                               mi.value_serde);
  if (mi.spec.logging_enabled) {
    builder.withLoggingEnabled(mi.spec.log_config);
  } else {
    builder.withLoggingDisabled();
  }
  if (mi.spec.caching_enabled) {
    builder.withCachingEnabled();
  } else {
    builder.withCachingDisabled();
  }
  topology.addStateStore(builder, {processor});
  if (!mi.queryable) warnGeneratedStoreName(mi.store_name, processor);
}

}  // namespace kstreams::internal
