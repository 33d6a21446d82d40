// File: kstreams/sliding_windowed_kstream.h   (included by kstreams/ktable.h)
//
// Windowed aggregations over sliding windows (Java's SlidingWindowedKStream and
// KStreamSlidingWindowAggregate), emitting on every window update:
//
//   KTable<Windowed<std::string>, int64_t> last_five_minutes =
//       stream.groupByKey()
//           .windowedBy(kstreams::SlidingWindows::ofTimeDifferenceWithNoGrace(
//               std::chrono::minutes(5)))
//           .count(kstreams::Materialized<std::string, int64_t>::as("last-five"));
//
// Per record, as Kafka Streams 4.4: a record with a null key or a null value is skipped (a
// warning, counted in droppedLateRecords() as Java's dropped-records sensor counts it). Stream
// time gives close = stream time - grace; a record whose right window would end before close is
// dropped. Otherwise the windows of its key from t - 2 * timeDifference to t + 1 are read
// backwards from the window store: every existing window containing t is updated, the record's
// left window [t - timeDifference, t] is created (starting from the aggregate of the window
// before it when the previous record is within timeDifference), its right window [t + 1, t + 1 +
// timeDifference] is created from the aggregate of the records after it (out-of-order records),
// and the previous record's right window is created if it now holds this record. Records before
// timeDifference (t < timeDifference) share the window [0, timeDifference], as Java's
// processEarly. Each window update is forwarded as Change(new, old if asked) keyed Windowed<K>
// with window [start, start + timeDifference] and the window's latest record timestamp.
//
// Names as Java's: processors KSTREAM-AGGREGATE-/KSTREAM-REDUCE- (or Named), stores
// KSTREAM-AGGREGATE-STATE-STORE-/KSTREAM-REDUCE-STATE-STORE- (or Materialized::as); unlike
// TimeWindowedKStream::count, count() burns no store name (as Java). The store: a timestamped
// window store of window size timeDifference and retention 2 * timeDifference + grace (Java's
// default), persistent unless Materialized says kInMemory, logged unless disabled. The result
// table's key serde is TimeWindowedSerde(key serde, timeDifference).
//
// Materialized::withRetention sets the store's retention; less than 2 * timeDifference + grace
// throws std::invalid_argument with Java's message (Java's IllegalArgumentException), from the
// count()/reduce()/aggregate() call.
//
// Not yet: window-store suppliers in Materialized, emitStrategy, the record cache.
//
// Threads: build on one thread, like the rest of the DSL; each task runs its own processor.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "kstreams/ktable.h"
#include "kstreams/logging.h"
#include "kstreams/sliding_windows.h"
#include "kstreams/stores.h"
#include "kstreams/time_windowed_kstream.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/windowed.h"

namespace kstreams {

namespace internal {

// KStreamSlidingWindowAggregate (its reverse-iterator path: kstreams' window stores all iterate
// backwards). `Initial()` gives the aggregate a new window starts from (std::optional<VA>:
// count 0, aggregate initializer(), reduce nullopt as Java's null); `Step(key, value,
// std::optional<VA> aggregate)` the new aggregate.
template <typename K, typename V, typename VA, typename Initial, typename Step>
class SlidingWindowAggregateNode final : public StatefulNode<K, V, Windowed<K>, Change<VA>> {
 public:
  struct Spec {
    std::string store;
    SlidingWindows windows;
    Initial initial;
    Step step;
    std::shared_ptr<WindowAggregateTableSpec<K, VA>> table;
  };
  SlidingWindowAggregateNode(std::string name, const Spec& spec)
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
  }

  void process(Record<K, V> record) override {
    if (record.keyIsNull() || record.valueIsNull()) {
      logSkippedRecord(*this->task_, "null key or value");
      droppedLateRecordsCounter().fetch_add(1);
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    const int64_t t = record.timestamp();
    observed_stream_time_ = std::max(observed_stream_time_, t);
    // The latest window this record can be in is its right window, ending at t + diff.
    if (t + diff() < closeTime()) {
      skipExpired(t, t, t + diff());
      return;
    }
    if (t < diff()) {
      processEarly(record);
    } else {
      processReverse(record);
    }
  }

 private:
  // A window's aggregate and latest record timestamp; value nullopt is Java's null aggregate.
  struct Agg {
    std::optional<VA> value;
    int64_t timestamp = 0;
  };

  int64_t diff() const { return spec_.windows.timeDifferenceMs(); }
  int64_t closeTime() const { return observed_stream_time_ - spec_.windows.gracePeriodMs(); }

  void skipExpired(int64_t timestamp, int64_t start, int64_t end) {
    droppedLateRecordsCounter().fetch_add(1);
    logLine(LogLevel::kWarn, "Skipping record for expired window. timestamp=[" +
                                 std::to_string(timestamp) + "] window=[" + std::to_string(start) +
                                 "," + std::to_string(end) + "] expiration=[" +
                                 std::to_string(closeTime()) + "] streamTime=[" +
                                 std::to_string(observed_stream_time_) + "]");
  }

  void processReverse(const Record<K, V>& record) {
    const int64_t t = record.timestamp();
    std::set<int64_t> starts;
    std::optional<Agg> left_agg;
    std::optional<Agg> right_agg;
    bool left_created = false;
    bool right_created = false;
    std::optional<int64_t> previous;
    {
      auto it = store_->backwardFetch(record.key(), std::max<int64_t>(0, t - 2 * diff()), t + 1);
      while (it.hasNext()) {
        auto kv = it.next();
        const int64_t start = kv.key;
        starts.insert(start);
        const int64_t end = start + diff();
        Agg agg{std::move(kv.value.value), kv.value.timestamp};
        if (start == t + 1) {
          right_created = true;
        } else if (end > t) {
          if (!right_agg) right_agg = agg;
          updateWindowAndForward(start, agg, record);
        } else if (end == t) {
          left_created = true;
          updateWindowAndForward(start, agg, record);
          if (agg.timestamp < t) {
            previous = agg.timestamp;
          } else {
            return;
          }
        } else {
          left_agg = agg;
          previous = agg.timestamp;
          break;
        }
      }
    }
    createWindows(record, starts, right_agg, left_agg, left_created, right_created, previous);
  }

  // Records before timeDifference: they share the window [0, timeDifference].
  void processEarly(const Record<K, V>& record) {
    const int64_t t = record.timestamp();
    std::optional<Agg> combined;
    std::optional<Agg> right_agg;
    bool right_created = false;
    std::set<int64_t> starts;
    std::optional<int64_t> previous;
    {
      auto it = store_->fetch(record.key(), 0, t + 1);
      while (it.hasNext()) {
        auto kv = it.next();
        const int64_t start = kv.key;
        starts.insert(start);
        Agg agg{std::move(kv.value.value), kv.value.timestamp};
        if (start == 0) {
          combined = agg;
          // The previous record's right window exists already when the combined window holds
          // a record at or after this one.
          if (agg.timestamp < t) previous = agg.timestamp;
        } else if (start <= t) {
          right_agg = agg;
          updateWindowAndForward(start, agg, record);
        } else if (start == t + 1) {
          right_created = true;
        } else {
          throw std::logic_error("Unexpected window found when processing sliding windows");
        }
      }
    }
    // Without a right window found, the combined window holds only records after this one (if
    // any after it at all), so its aggregate is this record's right window's.
    if (!right_agg && combined && combined->timestamp > t) right_agg = combined;
    if (!right_created && rightWindowIsNotEmpty(right_agg, t)) {
      createCurrentRecordRightWindow(t, *right_agg, record);
    }
    if (previous && !starts.contains(*previous + 1)) {
      createPreviousRecordRightWindow(*previous + 1, record);
    }
    if (!combined) {
      updateWindowAndForward(0, Agg{std::invoke(spec_.initial), t}, record);
    } else {
      updateWindowAndForward(0, *combined, record);
    }
  }

  void createWindows(const Record<K, V>& record, const std::set<int64_t>& starts,
                     const std::optional<Agg>& right_agg, const std::optional<Agg>& left_agg,
                     bool left_created, bool right_created, std::optional<int64_t> previous) {
    const int64_t t = record.timestamp();
    if (previous) {
      const int64_t previous_right_start = *previous + 1;
      if (!starts.contains(previous_right_start) && previous_right_start + diff() >= t) {
        createPreviousRecordRightWindow(previous_right_start, record);
      }
    }
    if (!left_created) {
      Agg agg;
      if (previous && t - diff() <= *previous) {
        agg = Agg{left_agg->value, t};
      } else {
        agg = Agg{std::invoke(spec_.initial), t};
      }
      updateWindowAndForward(t - diff(), agg, record);
    }
    if (!right_created && rightWindowIsNotEmpty(right_agg, t)) {
      createCurrentRecordRightWindow(t, *right_agg, record);
    }
  }

  static bool rightWindowIsNotEmpty(const std::optional<Agg>& right_agg, int64_t t) {
    return right_agg && right_agg->timestamp > t;
  }

  void createCurrentRecordRightWindow(int64_t t, const Agg& right_agg, const Record<K, V>& record) {
    const int64_t start = t + 1;
    put(record.key(), right_agg, start);
    forward(record, start, right_agg.value, std::nullopt, right_agg.timestamp);
  }

  void createPreviousRecordRightWindow(int64_t start, const Record<K, V>& record) {
    updateWindowAndForward(start, Agg{std::invoke(spec_.initial), record.timestamp()}, record);
  }

  void updateWindowAndForward(int64_t start, const Agg& agg, const Record<K, V>& record) {
    const int64_t end = start + diff();
    if (end < closeTime()) {
      skipExpired(record.timestamp(), start, end);
      return;
    }
    std::optional<VA> old_agg = agg.value;
    VA new_agg = std::invoke(spec_.step, std::as_const(record.key()), std::as_const(record.value()),
                             std::optional<VA>(old_agg));
    const int64_t new_ts =
        old_agg ? std::max(record.timestamp(), agg.timestamp) : record.timestamp();
    put(record.key(), Agg{new_agg, new_ts}, start);
    forward(record, start, std::optional<VA>(std::move(new_agg)),
            send_old_values_ ? std::move(old_agg) : std::nullopt, new_ts);
  }

  // Java's ValueAndTimestamp.make(null, ts) is null: a null aggregate deletes the window.
  void put(const K& key, const Agg& agg, int64_t start) {
    if (agg.value) {
      store_->put(key, ValueAndTimestamp<VA>{*agg.value, agg.timestamp}, start);
    } else {
      store_->put(key, std::nullopt, start);
    }
  }

  void forward(const Record<K, V>& record, int64_t start, std::optional<VA> new_value,
               std::optional<VA> old_value, int64_t timestamp) {
    if (caching_) return;  // the cache flush forwards it
    Change<VA> change;
    change.newValue = std::move(new_value);
    change.oldValue = std::move(old_value);
    this->out_.forward(Record<Windowed<K>, Change<VA>>(
        Windowed<K>(record.key(), TimeWindow(start, start + diff())), std::move(change), timestamp,
        record.headers()));
  }

  Spec spec_;
  bool send_old_values_ = false;
  bool caching_ = false;
  int64_t observed_stream_time_ = -1;
  TimestampedWindowStore<K, VA>* store_ = nullptr;
};

}  // namespace internal

// A grouped stream with sliding windows, ready for an aggregation (Java's
// SlidingWindowedKStream). Made by KGroupedStream::windowedBy(SlidingWindows). A cheap handle;
// use on the building thread.
template <typename K, typename V>
class SlidingWindowedKStream {
 public:
  // Records per key and window (values Serdes::Int64() unless `materialized` says otherwise).
  KTable<Windowed<K>, int64_t> count(const Named& named = Named()) const {
    return count(named, Materialized<K, int64_t>(grouped_.keySerde(), Serdes::Int64()));
  }
  KTable<Windowed<K>, int64_t> count(const Materialized<K, int64_t>& materialized) const {
    return count(Named(), materialized);
  }
  KTable<Windowed<K>, int64_t> count(const Named& named,
                                     const Materialized<K, int64_t>& materialized) const {
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-AGGREGATE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    if (!mi.value_serde) mi.value_serde = Serdes::Int64();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
    auto initial = []() -> std::optional<int64_t> { return int64_t{0}; };
    auto step = [](const K&, const V&, std::optional<int64_t> count) -> int64_t {
      return count.value_or(0) + 1;
    };
    return build<int64_t>(name, std::move(mi), initial, step);
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
    auto step = [reducer = std::move(reducer)](const K&, const V& value,
                                               std::optional<V> aggregate) mutable -> V {
      if (!aggregate) return value;
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
    auto step = [aggregator = std::move(aggregator)](const K& key, const V& value,
                                                     std::optional<VA> aggregate) mutable -> VA {
      return std::invoke(aggregator, key, value, std::move(*aggregate));
    };
    return build<VA>(name, std::move(mi), std::move(initial), std::move(step));
  }

  const SlidingWindows& windows() const { return windows_; }

 private:
  friend class KGroupedStream<K, V>;

  SlidingWindowedKStream(KGroupedStream<K, V> grouped, SlidingWindows windows)
      : grouped_(std::move(grouped)), windows_(windows) {}

  internal::InternalStreamsBuilder& builder() const { return *grouped_.builder_; }

  template <typename VA, typename Initial, typename Step>
  KTable<Windowed<K>, VA> build(const std::string& name, internal::MaterializedInternal<K, VA> mi,
                                Initial initial, Step step) const {
    if (mi.spec.supplier) {
      throw TopologyException("windowed aggregation " + name +
                              ": a key-value store supplier cannot hold windows");
    }
    // Java's default retention: every window a new right window may need to be built from
    // starts at or after t - 2 * timeDifference.
    // Checked before any node is added, so a failed call leaves the topology as it was.
    const int64_t needed = 2 * windows_.timeDifferenceMs() + windows_.gracePeriodMs();
    const auto retention = mi.spec.retention.value_or(std::chrono::milliseconds(needed));
    if (needed > retention.count()) {
      throw std::invalid_argument(
          "The retention period of the window store " + mi.store_name +
          " must be no smaller than 2 * time difference plus the grace period. Got time "
          "difference=[" +
          std::to_string(windows_.timeDifferenceMs()) + "], grace=[" +
          std::to_string(windows_.gracePeriodMs()) + "], retention=[" +
          std::to_string(retention.count()) + "]");
    }
    const std::string parent = grouped_.aggregationParent(mi.store_name);
    auto table = std::make_shared<internal::WindowAggregateTableSpec<K, VA>>(
        mi.store_name, windows_.gracePeriodMs());
    using Node = internal::SlidingWindowAggregateNode<K, V, VA, Initial, Step>;
    typename Node::Spec spec{mi.store_name, windows_, std::move(initial), std::move(step), table};
    internal::addStatefulNode<K, V, Windowed<K>, internal::Change<VA>>(
        builder().topology(), name, {parent},
        [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<Node>(n, spec);
        });
    const auto size = std::chrono::milliseconds(windows_.timeDifferenceMs());
    auto supplier =
        mi.spec.store_type == StoreType::kInMemory
            ? Stores::inMemoryWindowStore(mi.store_name, retention, size, false)
            : Stores::persistentTimestampedWindowStore(mi.store_name, retention, size, false);
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
    if (mi.key_serde) {
      key_serde =
          WindowedSerdes::timeWindowedSerdeFrom<K>(mi.key_serde, windows_.timeDifferenceMs());
    }
    return KTable<Windowed<K>, VA>(
        &builder(), name, std::move(key_serde), mi.value_serde, table,
        mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
  }

  KGroupedStream<K, V> grouped_;
  SlidingWindows windows_;
};

template <typename K, typename V>
SlidingWindowedKStream<K, V> KGroupedStream<K, V>::windowedBy(const SlidingWindows& windows) const {
  return SlidingWindowedKStream<K, V>(*this, windows);
}

}  // namespace kstreams
