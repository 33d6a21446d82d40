// File: kstreams/time_windowed_kstream.h   (included by kstreams/ktable.h)
//
// Windowed aggregations over fixed-size time windows (Java's TimeWindowedKStream and
// KStreamWindowAggregate), emitting on every window update:
//
//   KTable<Windowed<std::string>, int64_t> per_minute =
//       stream.groupByKey()
//           .windowedBy(kstreams::TimeWindows::ofSizeAndGrace(std::chrono::minutes(1),
//                                                             std::chrono::hours(24)))
//           .count(kstreams::Materialized<std::string, int64_t>::as("per-minute"));
//   per_minute.toStream().to("counts", kstreams::Produced(
//       kstreams::WindowedSerdes::timeWindowedSerdeFrom<std::string>(Serdes::String(), 60'000),
//       Serdes::Int64()));
//
// Per record, as Kafka Streams 4.4: the processor's stream time (the largest timestamp it has
// seen) gives close = stream time - grace; for every window the record falls into whose end >
// close, the window's aggregate is updated in a TimestampedWindowStore<K, VA> (timestamp = the
// latest record of the window) and forwarded downstream as Change(new, old if asked) with that
// timestamp, keyed Windowed<K>; for a window already closed the record is dropped for it (logged
// at debug level and counted in droppedLateRecords()). Records with a null key are skipped (a
// warning). Null values are aggregated as Java does: count counts them; the first null of a
// window in reduce() emits a tombstone; aggregate() and later reduce() steps get the value as
// the record holds it (std::nullopt for an optional V, V{} otherwise — where Java passes null).
//
// Names as Java's: processors KSTREAM-AGGREGATE-/KSTREAM-REDUCE- (or Named), stores
// KSTREAM-AGGREGATE-STATE-STORE-/KSTREAM-REDUCE-STATE-STORE- (or Materialized::as), count()
// burning a store name when unnamed, repartitioning as the non-windowed aggregations. The store:
// a persistent (or, with StoreType::kInMemory, in-memory) timestamped window store with
// retention = size + grace (Java's default), logged unless Materialized disables it. The result
// table's key serde is TimeWindowedSerde(key serde, size).
//
// With the record cache on (Materialized's default and statestore.cache.max.bytes > 0), as in
// Java, updates reach downstream when the cache flushes them (commit or eviction), one per
// window, with the old value read from the store; a tombstone for a window the store never held
// (reduce() over a window's first null value) is not forwarded.
//
// Session windows: kstreams/session_windowed_kstream.h.
//
// emitStrategy(EmitStrategy::onWindowClose()) forwards each window once, when it closes
// (kstreams/emit_strategy.h); KTable::suppress holds back a table's updates
// (kstreams/suppressed.h); with onWindowClose a cache flush only writes the store.
//
// Not yet (issue 9 item 4): Materialized retention and window-store suppliers (a key-value
// supplier throws TopologyException).
//
// Threads: build on one thread, like the rest of the DSL; each task runs its own processor.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/emit_strategy.h"
#include "kstreams/ktable.h"
#include "kstreams/logging.h"
#include "kstreams/stores.h"
#include "kstreams/time_windows.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/windowed.h"

namespace kstreams {

namespace internal {

// The table of a windowed aggregation: its values are in a timestamped window store.
template <typename K, typename VA>
class WindowValueGetter final : public ValueGetter<Windowed<K>, VA> {
 public:
  explicit WindowValueGetter(std::string store) : store_name_(std::move(store)) {}
  void init(TaskContext& task, const std::string& processor) override {
    store_ = dynamic_cast<TimestampedWindowStore<K, VA>*>(&task.stateStore(processor, store_name_));
    if (store_ == nullptr) {
      throw TopologyException("state store " + store_name_ + " of " + processor +
                              " is not a timestamped window store of the table's types");
    }
  }
  std::optional<ValueAndTimestamp<VA>> get(const Windowed<K>& key) override {
    return store_->fetch(key.key(), key.window().start());
  }

 private:
  std::string store_name_;
  TimestampedWindowStore<K, VA>* store_ = nullptr;
};

template <typename K, typename VA>
class WindowAggregateTableSpec final : public TableSpec<Windowed<K>, VA> {
 public:
  WindowAggregateTableSpec(std::string store_name, int64_t grace_ms)
      : store_name_(std::move(store_name)), grace_ms_(grace_ms) {}
  std::optional<int64_t> windowCloseGraceMs() const override { return grace_ms_; }
  bool enableSendingOldValues(bool) override {
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<Windowed<K>, VA> valueGetterSupplier() override {
    return {[store = store_name_] { return std::make_unique<WindowValueGetter<K, VA>>(store); },
            {store_name_}};
  }
  const std::string& storeName() const { return store_name_; }

 private:
  std::string store_name_;
  int64_t grace_ms_;
};

// Records dropped for closed windows, all tasks of the process (Java's dropped-records sensor,
// not per task here).
inline std::atomic<int64_t>& droppedLateRecordsCounter() {
  static std::atomic<int64_t> counter{0};
  return counter;
}

// KStreamWindowAggregate. `Initial` gives the aggregate a window starts from (std::optional<VA>:
// count 0, aggregate initializer(), reduce nullopt); `Step(key, value, value_is_null,
// std::optional<VA> aggregate)` the new aggregate (nullopt: the window's entry is deleted and a
// tombstone forwarded).
template <typename K, typename V, typename VA, typename Initial, typename Step>
class TimeWindowAggregateNode final : public StatefulNode<K, V, Windowed<K>, Change<VA>> {
 public:
  struct Spec {
    std::string store;
    TimeWindows windows;
    Initial initial;
    Step step;
    std::shared_ptr<WindowAggregateTableSpec<K, VA>> table;
    bool emit_on_window_close = false;
    bool caching = false;  // Materialized asks for the record cache
  };
  TimeWindowAggregateNode(std::string name, const Spec& spec)
      : StatefulNode<K, V, Windowed<K>, Change<VA>>(std::move(name)), spec_(spec) {}

  void init(TaskContext& task) override {
    StatefulNode<K, V, Windowed<K>, Change<VA>>::init(task);
    store_ =
        dynamic_cast<TimestampedWindowStore<K, VA>*>(&task.stateStore(this->name(), spec_.store));
    if (store_ == nullptr) {
      throw TopologyException("state store " + spec_.store + " of " + this->name() +
                              " is not a timestamped window store of the aggregation's types");
    }
    send_old_values_ = spec_.table->sendOldValues();
    emit_interval_ms_ = task.windowedAggregationEmitIntervalMs();
    if (!spec_.emit_on_window_close) {
      // With a record cache, updates go downstream when the cache flushes them, one per window
      // (Java's TimestampedCacheFlushListener: the value's timestamp, the write's headers).
      caching_ = store_->setCacheFlushListener(
          [this](typename TimestampedWindowStore<K, VA>::FlushedChange&& c) {
            const int64_t ts = c.value ? c.value->timestamp : c.timestamp;
            Change<VA> change;
            if (c.value) change.newValue = std::move(c.value->value);
            if (c.old_value) change.oldValue = std::move(c.old_value->value);
            this->out_.forward(Record<Windowed<K>, Change<VA>>(std::move(c.key), std::move(change),
                                                               ts, std::move(c.headers)));
          },
          send_old_values_);
    } else {
      // onWindowClose forwards final results itself: a flush only writes the store below.
      cached_ = store_->setCacheFlushListener(
          [](typename TimestampedWindowStore<K, VA>::FlushedChange&&) {}, false);
    }
  }

  void process(Record<K, V> record) override {
    if (record.keyIsNull()) {
      logSkippedRecord(*this->task_, "null key");
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    observed_stream_time_ = std::max(observed_stream_time_, record.timestamp());
    const int64_t close_time = observed_stream_time_ - spec_.windows.gracePeriodMs();
    if (!spec_.emit_on_window_close) {
      updateWindows(record, close_time);
    } else if (cached_) {
      // Java's record cache holds this record's writes until the commit: the closed windows it
      // reads come from the store as it was before them (whose retention has not moved yet).
      // The windows this record updates are open, so none of them is read either way.
      maybeForwardFinalResult(record, close_time);
      updateWindows(record, close_time);
    } else {
      updateWindows(record, close_time);
      maybeForwardFinalResult(record, close_time);
    }
  }

 private:
  // Updates the record's open windows, forwarding each update unless emitting on close.
  void updateWindows(const Record<K, V>& record, int64_t close_time) {
    const int64_t timestamp = record.timestamp();
    for (const auto& [start, window] : spec_.windows.windowsFor(timestamp)) {
      if (window.end() <= close_time) {
        droppedLateRecordsCounter().fetch_add(1);
        logLine(LogLevel::kDebug,
                "Skipping record for expired window. timestamp=[" + std::to_string(timestamp) +
                    "] window=[" + std::to_string(start) + "," + std::to_string(window.end()) +
                    ") expiration=[" + std::to_string(close_time) + "] streamTime=[" +
                    std::to_string(observed_stream_time_) + "]");
        continue;
      }
      std::optional<ValueAndTimestamp<VA>> old = store_->fetch(record.key(), start);
      std::optional<VA> old_agg;
      int64_t new_ts = timestamp;
      if (old) {
        old_agg = std::move(old->value);
        new_ts = std::max(timestamp, old->timestamp);
      } else {
        old_agg = std::invoke(spec_.initial);
      }
      std::optional<VA> new_agg =
          std::invoke(spec_.step, std::as_const(record.key()), std::as_const(record.value()),
                      record.valueIsNull(), std::optional<VA>(old_agg));
      if (new_agg) {
        store_->put(record.key(), ValueAndTimestamp<VA>{*new_agg, new_ts}, start);
      } else {
        store_->put(record.key(), std::nullopt, start);
      }
      if (caching_ || spec_.emit_on_window_close) continue;
      Change<VA> change;
      change.newValue = std::move(new_agg);
      if (send_old_values_) change.oldValue = std::move(old_agg);
      this->out_.forward(Record<Windowed<K>, Change<VA>>(
          Windowed<K>(record.key(), window), std::move(change), new_ts, record.headers()));
    }
  }

  // Java's AbstractKStreamTimeWindowAggregateProcessor#maybeForwardFinalResult for TimeWindows:
  // forwards every window with start in (last emitted close time - size, close time - size],
  // at most once per emit interval, when the close time has moved on.
  void maybeForwardFinalResult(const Record<K, V>& record, int64_t close_time) {
    const int64_t now = this->task_->wallClockMs();
    if (now < next_time_to_emit_) return;
    next_time_to_emit_ = now + emit_interval_ms_;
    if (last_emit_close_time_ != -1 && last_emit_close_time_ >= close_time) return;
    const int64_t size = spec_.windows.size();
    const int64_t upper = close_time - size;
    if (upper < 0) return;  // no window has closed yet
    const int64_t lower =
        last_emit_close_time_ == -1 ? 0 : std::max<int64_t>(0, last_emit_close_time_ - size) + 1;
    if (last_emit_close_time_ != -1 && sameWindows(upper, lower - 1)) return;
    // Java reads a time-ordered store: windows by start, then by serialized key.
    struct Closed {
      int64_t start;
      std::string key_bytes;
      KeyValue<Windowed<K>, ValueAndTimestamp<VA>> kv;
    };
    std::vector<Closed> closed;
    {
      auto it = store_->fetchAll(lower, upper);
      while (it.hasNext()) {
        KeyValue<Windowed<K>, ValueAndTimestamp<VA>> kv = it.next();
        std::string key_bytes;
        store_->keySerde()->serialize(store_->name(), kv.key.key(), key_bytes);
        const int64_t start = kv.key.window().start();
        closed.push_back(Closed{start, std::move(key_bytes), std::move(kv)});
      }
    }
    std::stable_sort(closed.begin(), closed.end(), [](const Closed& a, const Closed& b) {
      return a.start != b.start ? a.start < b.start : a.key_bytes < b.key_bytes;
    });
    for (Closed& c : closed) {
      Change<VA> change;
      const int64_t ts = c.kv.value.timestamp;
      change.newValue = std::move(c.kv.value.value);
      this->out_.forward(Record<Windowed<K>, Change<VA>>(std::move(c.kv.key), std::move(change), ts,
                                                         record.headers()));
    }
    last_emit_close_time_ = close_time;
  }
  // Whether times a and b fall in the same windows (Java's shouldRangeFetch check).
  bool sameWindows(int64_t a, int64_t b) const {
    const auto wa = spec_.windows.windowsFor(a);
    const auto wb = spec_.windows.windowsFor(b);
    if (wa.size() != wb.size()) return false;
    for (auto i = wa.begin(), j = wb.begin(); i != wa.end(); ++i, ++j) {
      if (i->first != j->first) return false;
    }
    return true;
  }

  Spec spec_;
  bool cached_ = false;
  int64_t emit_interval_ms_ = 1000;
  int64_t next_time_to_emit_ = 0;
  // Not kept across restarts (Java keeps it in the committed offsets' metadata): after a
  // restart, windows closed before it may be forwarded again.
  int64_t last_emit_close_time_ = -1;
  bool send_old_values_ = false;
  bool caching_ = false;
  int64_t observed_stream_time_ = -1;
  TimestampedWindowStore<K, VA>* store_ = nullptr;
};

}  // namespace internal

// Records dropped by windowed aggregations of this process because their window had closed.
inline int64_t droppedLateRecords() { return internal::droppedLateRecordsCounter().load(); }

// A grouped stream with fixed-size time windows, ready for an aggregation (Java's
// TimeWindowedKStream). Made by KGroupedStream::windowedBy(TimeWindows). A cheap handle; use on
// the building thread.
template <typename K, typename V>
class TimeWindowedKStream {
 public:
  // Records per key and window (values Serdes::Int64() unless `materialized` says otherwise).
  KTable<Windowed<K>, int64_t> count(const Named& named = Named()) const {
    return doCount(named, Materialized<K, int64_t>(grouped_.keySerde(), Serdes::Int64()));
  }
  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& materialized) const {
    return count(Named(), materialized);
  }
  KTable<Windowed<K>, int64_t> count(const Named& named,
                                     const Materialized<K, int64_t>& materialized) const {
    // Java burns a store name here "for compatibility" when the Materialized has none.
    if (!materialized.spec().store_name && !materialized.spec().supplier) {
      builder().newStoreName("KSTREAM-AGGREGATE-");
    }
    return doCount(named, materialized);
  }

  // Combines the values of a key in a window: the first as is, then reducer(aggregate, value).
  template <typename F>
  requires Reducer<F, V> KTable<Windowed<K>, V> reduce(F reducer, const Named& named = Named())
  const {
    return reduce(std::move(reducer), named,
                  Materialized<K, V>(grouped_.keySerde(), grouped_.valueSerde()));
  }
  template <typename F>
  requires Reducer<F, V> KTable<Windowed<K>, V> reduce(F reducer,
                                                       const Materialized<K, V>& materialized)
  const { return reduce(std::move(reducer), Named(), materialized); }
  template <typename F>
  requires Reducer<F, V> KTable<Windowed<K>, V> reduce(F reducer, const Named& named,
                                                       const Materialized<K, V>& materialized)
  const {
    static_assert(std::is_copy_constructible_v<F>,
                  "DSL functions must be copyable: every task runs its own copy");
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-REDUCE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    if (!mi.value_serde) mi.value_serde = grouped_.valueSerde();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-REDUCE-");
    auto initial = []() -> std::optional<V> { return std::nullopt; };
    auto step = [reducer = std::move(reducer)](
                    const K&, const V& value, bool value_is_null,
                    std::optional<V> aggregate) mutable -> std::optional<V> {
      if (!aggregate) {
        if (value_is_null) return std::nullopt;  // Java: the first value, null
        return value;
      }
      return std::invoke(reducer, std::move(*aggregate), value);
    };
    return build<V>(name, std::move(mi), initial, std::move(step));
  }

  // Folds the values of a key in a window: initializer() for a new window, then
  // aggregator(key, value, aggregate). The aggregate's serde: `materialized`'s or the config
  // default.
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, const Named& named = Named())
  const {
    return aggregate(std::move(initializer), std::move(aggregator), named,
                     Materialized<K, VA>(grouped_.keySerde(), nullptr));
  }
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, const std::type_identity_t<Materialized<K, VA>>& materialized)
  const { return aggregate(std::move(initializer), std::move(aggregator), Named(), materialized); }
  template <typename I, typename A, typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, const Named& named,
      const std::type_identity_t<Materialized<K, VA>>& materialized)
  const {
    static_assert(std::is_copy_constructible_v<I> && std::is_copy_constructible_v<A>,
                  "DSL functions must be copyable: every task runs its own copy");
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-AGGREGATE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
    auto initial = [initializer = std::move(initializer)]() mutable -> std::optional<VA> {
      return std::invoke(initializer);
    };
    auto step = [aggregator = std::move(aggregator)](const K& key, const V& value, bool,
                                                     std::optional<VA> aggregate) mutable {
      return std::optional<VA>(std::invoke(aggregator, key, value, std::move(*aggregate)));
    };
    return build<VA>(name, std::move(mi), std::move(initial), std::move(step));
  }

  // When results are forwarded: on every update (the default) or once per window when it
  // closes (kstreams/emit_strategy.h). Returns a changed copy.
  TimeWindowedKStream emitStrategy(const EmitStrategy& strategy) const {
    TimeWindowedKStream copy = *this;
    copy.emit_strategy_ = strategy;
    return copy;
  }

  const TimeWindows& windows() const { return windows_; }

 private:
  friend class KGroupedStream<K, V>;

  TimeWindowedKStream(KGroupedStream<K, V> grouped, TimeWindows windows)
      : grouped_(std::move(grouped)), windows_(windows) {}

  internal::InternalStreamsBuilder& builder() const { return *grouped_.builder_; }

  KTable<Windowed<K>, int64_t> doCount(const Named& named,
                                       const Materialized<K, int64_t>& materialized) const {
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-AGGREGATE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    if (!mi.value_serde) mi.value_serde = Serdes::Int64();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
    auto initial = []() -> std::optional<int64_t> { return int64_t{0}; };
    auto step = [](const K&, const V&, bool, std::optional<int64_t> count) {
      return std::optional<int64_t>(count.value_or(0) + 1);
    };
    return build<int64_t>(name, std::move(mi), initial, step);
  }

  template <typename VA, typename Initial, typename Step>
  KTable<Windowed<K>, VA> build(const std::string& name, internal::MaterializedInternal<K, VA> mi,
                                Initial initial, Step step) const {
    if (mi.spec.supplier) {
      throw TopologyException("windowed aggregation " + name +
                              ": a key-value store supplier cannot hold windows");
    }
    // The store: retention = size + grace unless Materialized says more (Java's
    // WindowStoreMaterializer, with its message).
    // Checked before any node is added, so a failed call leaves the topology as it was.
    const int64_t needed = windows_.size() + windows_.gracePeriodMs();
    const auto retention = mi.spec.retention.value_or(std::chrono::milliseconds(needed));
    if (needed > retention.count()) {
      throw std::invalid_argument(
          "The retention period of the window store " + mi.store_name +
          " must be no smaller than its window size plus the grace period. Got size=[" +
          std::to_string(windows_.size()) + "], grace=[" +
          std::to_string(windows_.gracePeriodMs()) + "], retention=[" +
          std::to_string(retention.count()) + "]");
    }
    const std::string parent = grouped_.aggregationParent(mi.store_name);
    auto table = std::make_shared<internal::WindowAggregateTableSpec<K, VA>>(
        mi.store_name, windows_.gracePeriodMs());
    using Node = internal::TimeWindowAggregateNode<K, V, VA, Initial, Step>;
    const bool on_close = emit_strategy_.type() == EmitStrategy::Type::kOnWindowClose;
    typename Node::Spec spec{mi.store_name, windows_, std::move(initial),     std::move(step),
                             table,         on_close, mi.spec.caching_enabled};
    internal::addStatefulNode<K, V, Windowed<K>, internal::Change<VA>>(
        builder().topology(), name, {parent},
        [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<Node>(n, spec);
        });
    // For onWindowClose Java uses a time-ordered store, whose reads keep windows starting at
    // (latest start - retention), one millisecond more than kstreams' window store keeps: the
    // last closed window is read there.
    const auto store_retention = retention + std::chrono::milliseconds(on_close ? 1 : 0);
    const auto size = std::chrono::milliseconds(windows_.size());
    auto supplier =
        mi.spec.store_type == StoreType::kInMemory
            ? Stores::inMemoryWindowStore(mi.store_name, store_retention, size, false)
            : Stores::persistentTimestampedWindowStore(mi.store_name, store_retention, size, false);
    auto store = Stores::timestampedWindowStoreBuilder<K, VA>(std::move(supplier), mi.key_serde,
                                                              mi.value_serde);
    if (mi.spec.logging_enabled) {
      store.withLoggingEnabled(mi.spec.log_config);
    } else {
      store.withLoggingDisabled();
    }
    if (mi.spec.caching_enabled) store.withCachingEnabled();
    builder().topology().addStateStore(store, {name});
    if (!mi.queryable) internal::warnGeneratedStoreName(mi.store_name, name);
    SerdePtr<Windowed<K>> key_serde;
    if (mi.key_serde)
      key_serde = WindowedSerdes::timeWindowedSerdeFrom<K>(mi.key_serde, windows_.size());
    return KTable<Windowed<K>, VA>(
        &builder(), name, std::move(key_serde), mi.value_serde, table,
        mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
  }

  KGroupedStream<K, V> grouped_;
  TimeWindows windows_;
  EmitStrategy emit_strategy_ = EmitStrategy::onWindowUpdate();
};

template <typename K, typename V>
TimeWindowedKStream<K, V> KGroupedStream<K, V>::windowedBy(const TimeWindows& windows) const {
  return TimeWindowedKStream<K, V>(*this, windows);
}

}  // namespace kstreams
