// File: kstreams/session_windowed_kstream.h   (included by kstreams/ktable.h)
//
// Session-windowed aggregations (Java's SessionWindowedKStream and
// KStreamSessionWindowAggregate), emitting on every update:
//
//   KTable<Windowed<std::string>, int64_t> sessions =
//       stream.groupByKey()
//           .windowedBy(kstreams::SessionWindows::ofInactivityGapAndGrace(
//               std::chrono::minutes(5), std::chrono::hours(24)))
//           .count(kstreams::Materialized<std::string, int64_t>::as("sessions"));
//
// Per record, as Kafka Streams 4.4: stream time (the processor's largest timestamp) gives
// close = stream time - grace - gap; the sessions of the key that end at or after t - gap and start
// at or before t + gap are merged with the new session [t, t] (aggregates combined with the merger,
// from the initializer's value); if the merged session ends before close the record is dropped
// (logged at debug level, counted in droppedLateRecords()); otherwise each merged session is
// removed and a tombstone forwarded for it (timestamp: its end) — unless the merged session is just
// [t, t] — and then the new aggregate is stored and forwarded with the merged session's end as
// timestamp. The forwarded records carry no headers (Java makes new records). Sessions older than
// stream time - retention (gap + grace) are no longer found, so a record does not merge with them.
// Null keys are skipped; null values are aggregated (see time_windowed_kstream.h for what functions
// see).
//
// Names as Java's (KSTREAM-AGGREGATE-/KSTREAM-REDUCE- and their store names). The store: a
// persistent (or in-memory) session store with retention = gap + grace, logged unless
// Materialized disables it. The table's key serde is SessionWindowedSerde(key serde).
//
// With the record cache on (Materialized's default and statestore.cache.max.bytes > 0), as in
// Java, updates reach downstream when the cache flushes them (commit or eviction), one per
// session, with the session's end as timestamp and the writing record's headers: a session
// merged away within one commit that the store never held is not forwarded at all.
//
// Threads: build on one thread, like the rest of the DSL; each task runs its own processor.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kstreams/emit_strategy.h"
#include "kstreams/ktable.h"
#include "kstreams/logging.h"
#include "kstreams/session_windows.h"
#include "kstreams/stores.h"
#include "kstreams/time_windowed_kstream.h"
#include "kstreams/typed_window_store.h"
#include "kstreams/windowed.h"

namespace kstreams {

namespace internal {

template <typename K, typename VA>
class SessionValueGetter final : public ValueGetter<Windowed<K>, VA> {
 public:
  explicit SessionValueGetter(std::string store) : store_name_(std::move(store)) {}
  void init(TaskContext& task, const std::string& processor) override {
    store_ = dynamic_cast<SessionStore<K, VA>*>(&task.stateStore(processor, store_name_));
    if (store_ == nullptr) {
      throw TopologyException("state store " + store_name_ + " of " + processor +
                              " is not a session store of the table's types");
    }
  }
  std::optional<ValueAndTimestamp<VA>> get(const Windowed<K>& key) override {
    std::optional<VA> v = store_->fetchSession(key.key(), key.window().start(), key.window().end());
    if (!v) return std::nullopt;
    return ValueAndTimestamp<VA>{std::move(*v), key.window().end()};
  }

 private:
  std::string store_name_;
  SessionStore<K, VA>* store_ = nullptr;
};

template <typename K, typename VA>
class SessionAggregateTableSpec final : public TableSpec<Windowed<K>, VA> {
 public:
  SessionAggregateTableSpec(std::string store_name, int64_t close_grace_ms)
      : store_name_(std::move(store_name)), close_grace_ms_(close_grace_ms) {}
  // Grace plus inactivity gap, as Java's GraphGraceSearchUtil.
  std::optional<int64_t> windowCloseGraceMs() const override { return close_grace_ms_; }
  bool enableSendingOldValues(bool) override {
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<Windowed<K>, VA> valueGetterSupplier() override {
    return {[store = store_name_] { return std::make_unique<SessionValueGetter<K, VA>>(store); },
            {store_name_}};
  }

 private:
  std::string store_name_;
  int64_t close_grace_ms_;
};

// KStreamSessionWindowAggregate over uniform functions: initial() -> std::optional<VA>,
// merge(key, std::optional<VA> aggregate, const VA& session) -> std::optional<VA>,
// step(key, value, value_is_null, std::optional<VA> aggregate) -> std::optional<VA>.
template <typename K, typename V, typename VA, typename Initial, typename Merge, typename Step>
class SessionWindowAggregateNode final : public StatefulNode<K, V, Windowed<K>, Change<VA>> {
 public:
  struct Spec {
    std::string store;
    SessionWindows windows;
    Initial initial;
    Merge merge;
    Step step;
    std::shared_ptr<SessionAggregateTableSpec<K, VA>> table;
    bool emit_on_window_close = false;
  };
  SessionWindowAggregateNode(std::string name, const Spec& spec)
      : StatefulNode<K, V, Windowed<K>, Change<VA>>(std::move(name)), spec_(spec) {}

  void init(TaskContext& task) override {
    StatefulNode<K, V, Windowed<K>, Change<VA>>::init(task);
    store_ = dynamic_cast<SessionStore<K, VA>*>(&task.stateStore(this->name(), spec_.store));
    if (store_ == nullptr) {
      throw TopologyException("state store " + spec_.store + " of " + this->name() +
                              " is not a session store of the aggregation's types");
    }
    send_old_values_ = spec_.table->sendOldValues();
    emit_interval_ms_ = task.windowedAggregationEmitIntervalMs();
    if (!spec_.emit_on_window_close) {
      // With a record cache, updates go downstream when the cache flushes them, one per session
      // (Java's SessionCacheFlushListener: timestamp = the session's end).
      caching_ = store_->setCacheFlushListener(
          [this](typename SessionStore<K, VA>::FlushedChange&& c) {
            Change<VA> change;
            change.newValue = std::move(c.value);
            change.oldValue = std::move(c.old_value);
            const int64_t ts = c.key.window().end();
            this->out_.forward(Record<Windowed<K>, Change<VA>>(std::move(c.key), std::move(change),
                                                               ts, std::move(c.headers)));
          },
          send_old_values_);
    } else {
      // onWindowClose forwards final results itself: a flush only writes the store below.
      store_->setCacheFlushListener([](typename SessionStore<K, VA>::FlushedChange&&) {}, false);
    }
  }

  void process(Record<K, V> record) override {
    if (record.keyIsNull()) {
      logSkippedRecord(*this->task_, "null key");
      return;
    }
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    const int64_t close_time = updateSessions(record);
    if (spec_.emit_on_window_close) maybeForwardFinalResult(record, close_time);
  }

 private:
  // Merges the record into its session (forwarding the changes unless emitting on close);
  // returns the session close time.
  int64_t updateSessions(const Record<K, V>& record) {
    const int64_t timestamp = record.timestamp();
    observed_stream_time_ = std::max(observed_stream_time_, timestamp);
    const int64_t gap = spec_.windows.inactivityGap();
    // Java 4.4: a session closes gap + grace after stream time passes its end.
    const int64_t close_time = observed_stream_time_ - spec_.windows.gracePeriodMs() - gap;

    std::vector<KeyValue<Windowed<K>, VA>> merged;
    int64_t start = timestamp;
    int64_t end = timestamp;
    std::optional<VA> agg = std::invoke(spec_.initial);
    {
      auto it = store_->findSessions(record.key(), timestamp - gap, timestamp + gap);
      // With onWindowClose the store keeps sessions longer (see build()); hide the ones Java's
      // store hides from this read: ending before (latest end written - retention + 1).
      const int64_t visible_from =
          max_end_written_ - spec_.windows.inactivityGap() - spec_.windows.gracePeriodMs() + 1;
      while (it.hasNext()) {
        KeyValue<Windowed<K>, VA> next = it.next();
        if (spec_.emit_on_window_close && next.key.window().end() < visible_from) continue;
        agg = std::invoke(spec_.merge, std::as_const(record.key()), std::move(agg),
                          std::as_const(next.value));
        start = std::min(start, next.key.window().start());
        end = std::max(end, next.key.window().end());
        merged.push_back(std::move(next));
      }
    }
    if (end < close_time) {
      droppedLateRecordsCounter().fetch_add(1);
      logLine(LogLevel::kDebug, "Skipping record for expired window. timestamp=[" +
                                    std::to_string(timestamp) + "] window=[" +
                                    std::to_string(start) + "," + std::to_string(end) +
                                    "] expiration=[" + std::to_string(close_time) +
                                    "] streamTime=[" + std::to_string(observed_stream_time_) + "]");
      return close_time;
    }
    if (start != timestamp || end != timestamp) {
      for (auto& session : merged) {
        store_->remove(session.key);
        if (caching_ || spec_.emit_on_window_close) continue;
        Change<VA> change;
        if (send_old_values_) change.oldValue = std::move(session.value);
        const int64_t ts = session.key.window().end();
        // A new record: no headers (Java's `new Record<>(key, change, end)`).
        this->out_.forward(
            Record<Windowed<K>, Change<VA>>(std::move(session.key), std::move(change), ts));
      }
    }
    agg = std::invoke(spec_.step, std::as_const(record.key()), std::as_const(record.value()),
                      record.valueIsNull(), std::move(agg));
    Windowed<K> session_key(record.key(), SessionWindow(start, end));
    if (agg) {
      store_->put(session_key, *agg);
      max_end_written_ = std::max(max_end_written_, end);
    } else {
      store_->remove(session_key);
      max_end_written_ = std::max(max_end_written_, end);
    }
    if (caching_ || spec_.emit_on_window_close) return close_time;
    Change<VA> change;
    change.newValue = std::move(agg);
    this->out_.forward(
        Record<Windowed<K>, Change<VA>>(std::move(session_key), std::move(change), end));
    return close_time;
  }

  // Java's KStreamSessionWindowAggregate#maybeForwardFinalResult: forwards every session with
  // end in [last emitted close time, close time - 1] (timestamp: its end; headers: this
  // record's), at most once per emit interval, when the close time has moved on. Java reads a
  // time-ordered store: sessions by end, then start, then serialized key.
  void maybeForwardFinalResult(const Record<K, V>& record, int64_t close_time) {
    const int64_t now = this->task_->wallClockMs();
    if (now < next_time_to_emit_) return;
    next_time_to_emit_ = now + emit_interval_ms_;
    if (last_emit_close_time_ != -1 && last_emit_close_time_ >= close_time) return;
    const int64_t upper = close_time - 1;
    if (upper < 0) return;
    const int64_t lower = std::max<int64_t>(0, last_emit_close_time_);
    if (upper < lower) return;
    struct Closed {
      int64_t end;
      std::string key_bytes;
      int64_t start;
      KeyValue<Windowed<K>, VA> kv;
    };
    std::vector<Closed> closed;
    {
      auto it = store_->findAllSessions(lower, std::numeric_limits<int64_t>::max());
      while (it.hasNext()) {
        KeyValue<Windowed<K>, VA> kv = it.next();
        const int64_t end = kv.key.window().end();
        if (end > upper) continue;
        std::string key_bytes;
        store_->keySerde()->serialize(store_->name(), kv.key.key(), key_bytes);
        const int64_t start = kv.key.window().start();
        closed.push_back(Closed{end, std::move(key_bytes), start, std::move(kv)});
      }
    }
    std::stable_sort(closed.begin(), closed.end(), [](const Closed& a, const Closed& b) {
      if (a.end != b.end) return a.end < b.end;
      if (a.start != b.start) return a.start < b.start;
      return a.key_bytes < b.key_bytes;
    });
    for (Closed& c : closed) {
      Change<VA> change;
      change.newValue = std::move(c.kv.value);
      this->out_.forward(Record<Windowed<K>, Change<VA>>(std::move(c.kv.key), std::move(change),
                                                         c.end, record.headers()));
    }
    last_emit_close_time_ = close_time;
  }

  Spec spec_;
  int64_t emit_interval_ms_ = 1000;
  int64_t next_time_to_emit_ = 0;
  // The latest session end written (the store's observed stream time in Java).
  int64_t max_end_written_ = -1;
  // Not kept across restarts (Java keeps it in the committed offsets' metadata).
  int64_t last_emit_close_time_ = -1;
  bool send_old_values_ = false;
  bool caching_ = false;
  int64_t observed_stream_time_ = -1;
  SessionStore<K, VA>* store_ = nullptr;
};

}  // namespace internal

// A grouped stream with session windows, ready for an aggregation (Java's
// SessionWindowedKStream). Made by KGroupedStream::windowedBy(SessionWindows). A cheap handle;
// use on the building thread.
template <typename K, typename V>
class SessionWindowedKStream {
 public:
  // Records per key and session (values Serdes::Int64() unless `materialized` says otherwise).
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

  // Combines the values of a session: the first as is, then reducer(aggregate, value); merged
  // sessions with reducer(older aggregate, other aggregate).
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
    auto merge = [reducer](const K&, std::optional<V> agg,
                           const V& session) mutable -> std::optional<V> {
      if (!agg) return session;
      return std::invoke(reducer, std::move(*agg), session);
    };
    auto step = [reducer](const K&, const V& value, bool value_is_null,
                          std::optional<V> agg) mutable -> std::optional<V> {
      if (!agg) {
        if (value_is_null) return std::nullopt;
        return value;
      }
      return std::invoke(reducer, std::move(*agg), value);
    };
    return build<V>(name, std::move(mi), std::move(initial), std::move(merge), std::move(step));
  }

  // Folds the values of a session: initializer() for a new session, aggregator(key, value,
  // aggregate) per record, merger(key, aggregate, other aggregate) when sessions merge.
  template <typename I, typename A, typename M,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, M merger, const Named& named = Named())
  const {
    return aggregate(std::move(initializer), std::move(aggregator), std::move(merger), named,
                     Materialized<K, VA>(grouped_.keySerde(), nullptr));
  }
  template <typename I, typename A, typename M,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, M merger,
      const std::type_identity_t<Materialized<K, VA>>& materialized)
  const {
    return aggregate(std::move(initializer), std::move(aggregator), std::move(merger), Named(),
                     materialized);
  }
  template <typename I, typename A, typename M,
            typename VA = std::remove_cvref_t<std::invoke_result_t<I&>>>
  requires Initializer<I> && Aggregator<A, K, V, VA> KTable<Windowed<K>, VA> aggregate(
      I initializer, A aggregator, M merger, const Named& named,
      const std::type_identity_t<Materialized<K, VA>>& materialized)
  const {
    static_assert(std::is_invocable_r_v<VA, M&, const K&, VA&&, const VA&>,
                  "a session merger is VA(const K&, VA aggregate, const VA& other)");
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-AGGREGATE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
    auto initial = [initializer = std::move(initializer)]() mutable -> std::optional<VA> {
      return std::invoke(initializer);
    };
    auto merge = [merger = std::move(merger)](const K& key, std::optional<VA> agg,
                                              const VA& session) mutable {
      return std::optional<VA>(std::invoke(merger, key, std::move(*agg), session));
    };
    auto step = [aggregator = std::move(aggregator)](const K& key, const V& value, bool,
                                                     std::optional<VA> agg) mutable {
      return std::optional<VA>(std::invoke(aggregator, key, value, std::move(*agg)));
    };
    return build<VA>(name, std::move(mi), std::move(initial), std::move(merge), std::move(step));
  }

  // When results are forwarded: on every update (the default) or once per session when it
  // closes (end < stream time - gap - grace; kstreams/emit_strategy.h). Returns a changed copy.
  SessionWindowedKStream emitStrategy(const EmitStrategy& strategy) const {
    SessionWindowedKStream copy = *this;
    copy.emit_strategy_ = strategy;
    return copy;
  }

  const SessionWindows& windows() const { return windows_; }

 private:
  friend class KGroupedStream<K, V>;

  SessionWindowedKStream(KGroupedStream<K, V> grouped, SessionWindows windows)
      : grouped_(std::move(grouped)), windows_(windows) {}

  internal::InternalStreamsBuilder& builder() const { return *grouped_.builder_; }

  KTable<Windowed<K>, int64_t> doCount(const Named& named,
                                       const Materialized<K, int64_t>& materialized) const {
    auto mi = internal::materializedInternal(builder(), materialized, "KSTREAM-AGGREGATE-");
    if (!mi.key_serde) mi.key_serde = grouped_.keySerde();
    if (!mi.value_serde) mi.value_serde = Serdes::Int64();
    const std::string name = builder().nameOrGenerate(named.name(), "KSTREAM-AGGREGATE-");
    auto initial = []() -> std::optional<int64_t> { return int64_t{0}; };
    auto merge = [](const K&, std::optional<int64_t> agg, const int64_t& session) {
      return std::optional<int64_t>(agg.value_or(0) + session);
    };
    auto step = [](const K&, const V&, bool, std::optional<int64_t> count) {
      return std::optional<int64_t>(count.value_or(0) + 1);
    };
    return build<int64_t>(name, std::move(mi), initial, merge, step);
  }

  template <typename VA, typename Initial, typename Merge, typename Step>
  KTable<Windowed<K>, VA> build(const std::string& name, internal::MaterializedInternal<K, VA> mi,
                                Initial initial, Merge merge, Step step) const {
    if (mi.spec.supplier) {
      throw TopologyException("session-windowed aggregation " + name +
                              ": a key-value store supplier cannot hold sessions");
    }
    const std::string parent = grouped_.aggregationParent(mi.store_name);
    auto table = std::make_shared<internal::SessionAggregateTableSpec<K, VA>>(
        mi.store_name, windows_.gracePeriodMs() + windows_.inactivityGap());
    using Node = internal::SessionWindowAggregateNode<K, V, VA, Initial, Merge, Step>;
    const bool on_close = emit_strategy_.type() == EmitStrategy::Type::kOnWindowClose;
    typename Node::Spec spec{mi.store_name,    windows_,        std::move(initial),
                             std::move(merge), std::move(step), table,
                             on_close};
    internal::addStatefulNode<K, V, Windowed<K>, internal::Change<VA>>(
        builder().topology(), name, {parent},
        [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<Node>(n, spec);
        });
    // The store: retention = gap + grace, as Java's default. For onWindowClose Java reads a
    // time-ordered store whose range read filters nothing by retention: a closed session stays
    // readable until its segment (max(retention / 2, 60 s)) is dropped. kstreams' session store
    // hides sessions past the retention at once, so it is given one segment interval more.
    const int64_t java_retention = windows_.inactivityGap() + windows_.gracePeriodMs();
    const auto retention = std::chrono::milliseconds(
        java_retention + (on_close ? std::max<int64_t>(java_retention / 2, 60'000) : 0));
    auto supplier = mi.spec.store_type == StoreType::kInMemory
                        ? Stores::inMemorySessionStore(mi.store_name, retention)
                        : Stores::persistentSessionStore(mi.store_name, retention);
    auto store =
        Stores::sessionStoreBuilder<K, VA>(std::move(supplier), mi.key_serde, mi.value_serde);
    if (mi.spec.logging_enabled) {
      store.withLoggingEnabled(mi.spec.log_config);
    } else {
      store.withLoggingDisabled();
    }
    if (mi.spec.caching_enabled) store.withCachingEnabled();
    builder().topology().addStateStore(store, {name});
    if (!mi.queryable) internal::warnGeneratedStoreName(mi.store_name, name);
    SerdePtr<Windowed<K>> key_serde;
    if (mi.key_serde) key_serde = WindowedSerdes::sessionWindowedSerdeFrom<K>(mi.key_serde);
    return KTable<Windowed<K>, VA>(
        &builder(), name, std::move(key_serde), mi.value_serde, table,
        mi.queryable ? std::optional<std::string>(mi.store_name) : std::nullopt);
  }

  KGroupedStream<K, V> grouped_;
  SessionWindows windows_;
  EmitStrategy emit_strategy_ = EmitStrategy::onWindowUpdate();
};

template <typename K, typename V>
SessionWindowedKStream<K, V> KGroupedStream<K, V>::windowedBy(const SessionWindows& windows) const {
  return SessionWindowedKStream<K, V>(*this, windows);
}

}  // namespace kstreams
