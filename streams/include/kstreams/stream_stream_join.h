// File: kstreams/stream_stream_join.h   (included by kstreams/kstream.h)
//
// Windowed stream-stream joins (Java's KStreamImplJoin, KStreamJoinWindow, KStreamKStreamJoin
// and its left/right sides), as Kafka Streams 4.4 runs them:
//
//   KStream<K, VR> joined = left.join(right, joiner, JoinWindows::ofTimeDifferenceAndGrace(...),
//                                     StreamJoined<K, V, VO>::with(...));      // also leftJoin,
//                                                                             // outerJoin
//
// Topology: each side goes through a KSTREAM-WINDOWED- processor, which forwards the record and
// then puts it (when key and value are not null) into its side's window store (retaining
// duplicates, window size before + after, retention size + grace); then into the join processor
// of its side (KSTREAM-JOINTHIS-/-JOINOTHER-, or KSTREAM-OUTERTHIS- for the this side of an outer
// join and KSTREAM-OUTEROTHER- for the other side of a left or outer join — Java's names), which
// looks the record up in the other side's store over [t - before, t + after] (mirrored for the
// other side) and forwards joiner(...) for every match, with the larger of the two timestamps and
// the arriving record's headers; both join processors feed a KSTREAM-MERGE- pass-through, the
// resulting stream. Stores: KSTREAM-JOINTHIS-NNNNNNNNNN-store and -JOINOTHER- (the names of the
// join processors + "-store"), or "<storeName>-this-join-store" etc. with withStoreName().
//
// Left and outer joins (no spurious results, Java's current semantics): a record that finds no
// partner is not joined with null at once; it waits in the shared store
// KSTREAM-OUTERSHARED-NNNNNNNNNN-store (a key-value store of (timestamp, side, key) -> the list of
// values, Java's leftOrOuterJoinStore) until a partner arrives (then it is removed) or stream time
// (the larger timestamp seen by either side in the task) passes its window end + grace; then it
// is forwarded as joiner(value, nullopt) with its own timestamp, in (timestamp, side, key) order,
// when a record whose timestamp is the stream time arrives. As in Java the scan runs at most once
// per second of wall-clock time (Java's internal emit interval,
// StreamsConfig::kOuterJoinEmitIntervalMs; 0 in the TopologyTestDriver, as in Kafka's, so there
// every such record scans).
// A record whose window has already closed when it arrives (t + after < stream time) is joined
// with null at once. A left or outer join forwards a record with a null key (and a value) at once
// as joiner(value, nullopt) — Java's KIP-962.
//
// Nulls: records with a null value (and, on a side that does not outer-join, a null key) are
// dropped (a warning, counted in droppedJoinRecords()). Joiners: join:
// VR(const V&, const VO&); leftJoin: VR(const V&, const std::optional<VO>&); outerJoin:
// VR(const std::optional<V>&, const std::optional<VO>&); each may take the key first (Java's
// ValueJoinerWithKey; a null key is passed as K{}).
//
// Repartitioning: a side whose key changed is written to "<name or its processor>-left" /
// "-right" repartition topics first (Java's repartitionForJoin).
//
// The shared store's keys and values are Java's bytes (TimestampedKeyAndJoinSide keys, lists of
// LeftOrRightValue), so its changelog restores in either. Differs from Kafka Streams: the window
// stores keep no record headers (only the arriving record's headers are forwarded, as in Java).
//
// Threads: build on one thread; each task runs its own processors.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "kstreams/join_windows.h"
#include "kstreams/ktable.h"
#include "kstreams/logging.h"
#include "kstreams/stores.h"
#include "kstreams/typed_key_value_store.h"
#include "kstreams/typed_window_store.h"

namespace kstreams {

namespace internal {

// Records the stream-stream joins of this process dropped for a null key or value.
inline std::atomic<int64_t>& droppedJoinRecordsCounter() {
  static std::atomic<int64_t> counter{0};
  return counter;
}

// Java's KStreamImplJoin.TimeTracker: shared by the two join processors of one task.
struct JoinTimeTracker {
  int64_t emit_interval_ms = 1000;
  int64_t stream_time = -1;
  int64_t min_time = std::numeric_limits<int64_t>::max();
  int64_t next_time_to_emit = 0;
};

// Java's TimeTrackerSupplier: one tracker per task (keyed by the task's context), shared by the
// join's two processors, created by the first to start and dropped when one closes.
class JoinTimeTrackers {
 public:
  std::shared_ptr<JoinTimeTracker> get(const TaskContext* task) {
    std::lock_guard<std::mutex> lock(mu_);
    auto& slot = trackers_[task];
    if (!slot) slot = std::make_shared<JoinTimeTracker>();
    return slot;
  }
  void remove(const TaskContext* task) {
    std::lock_guard<std::mutex> lock(mu_);
    trackers_.erase(task);
  }

 private:
  std::mutex mu_;
  std::map<const TaskContext*, std::shared_ptr<JoinTimeTracker>> trackers_;
};

// The shared store's key: 8-byte big-endian timestamp, 1 byte side (1 = left), key bytes — the
// layout of Java's TimestampedKeyAndJoinSideSerializer, so entries iterate by time, then side,
// then key.
inline std::string sharedJoinKey(int64_t timestamp, bool left, std::string_view key) {
  std::string out;
  out.reserve(9 + key.size());
  const auto u = static_cast<uint64_t>(timestamp);
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(u >> shift));
  out.push_back(left ? '\1' : '\0');
  out.append(key);
  return out;
}
// The shared store's values in Java's bytes, so its changelog restores in either: a
// ListValueStore list (Serdes.ListSerde of byte arrays, VARIABLE_SIZE: strategy byte 1, 4-byte
// big-endian count, then each entry as a 4-byte length and its bytes) whose entries are
// LeftOrRightValue bytes (1 for a left value or 0 for a right one, then the value's bytes).
inline void putBigEndian32(std::string& out, size_t at, uint32_t n) {
  for (int i = 0; i < 4; ++i) out[at + i] = static_cast<char>(n >> (24 - 8 * i));
}
inline uint32_t getBigEndian32(std::string_view in, size_t at) {
  uint32_t n = 0;
  for (size_t i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(in[at + i]);
  return n;
}
inline void appendListValue(std::string& list, bool left, std::string_view value) {
  if (list.size() < 5) list.assign({'\x01', '\0', '\0', '\0', '\0'});
  putBigEndian32(list, 1, getBigEndian32(list, 1) + 1);
  const size_t at = list.size();
  list.resize(at + 4);
  putBigEndian32(list, at, static_cast<uint32_t>(value.size() + 1));
  list.push_back(left ? '\x01' : '\0');
  list.append(value);
}
// Calls fn(value bytes) for each entry of a list made by appendListValue.
template <typename Fn>
void forEachListValue(std::string_view list, Fn&& fn) {
  if (list.size() < 5) return;
  const uint32_t count = getBigEndian32(list, 1);
  size_t pos = 5;
  for (uint32_t i = 0; i < count && pos + 4 <= list.size(); ++i) {
    const uint32_t n = getBigEndian32(list, pos);
    pos += 4;
    if (n == 0xFFFFFFFFu || n == 0 || pos + n > list.size()) continue;  // null or malformed
    if (!fn(list.substr(pos + 1, n - 1))) return;
    pos += n;
  }
}

template <typename K, typename VL, typename VR, typename Out, typename Joiner>
struct StreamStreamJoinSpec {
  std::string other_store;
  std::optional<std::string> shared_store;
  int64_t join_before_ms = 0;  // this side's look-back (mirrored for the right side)
  int64_t join_after_ms = 0;
  int64_t windows_before_ms = 0;  // the JoinWindows' own bounds
  int64_t windows_after_ms = 0;
  int64_t grace_ms = 0;
  bool outer = false;
  Joiner joiner;  // Out(const K&, const std::optional<VL>&, const std::optional<VR>&)
  SerdePtr<K> key_serde;
  SerdePtr<VL> left_serde;
  SerdePtr<VR> right_serde;
  std::shared_ptr<JoinTimeTrackers> trackers;
};

// KStreamJoinWindow: forwards, then remembers the record in its side's window store.
template <typename K, typename V>
class JoinWindowNode final : public StatefulNode<K, V, K, V> {
 public:
  JoinWindowNode(std::string name, std::string store)
      : StatefulNode<K, V, K, V>(std::move(name)), store_name_(std::move(store)) {}
  void init(TaskContext& task) override {
    StatefulNode<K, V, K, V>::init(task);
    store_ = dynamic_cast<WindowStore<K, V>*>(&task.stateStore(this->name(), store_name_));
    if (store_ == nullptr) {
      throw TopologyException("state store " + store_name_ + " of " + this->name() +
                              " is not a window store of the stream's types");
    }
  }
  void process(Record<K, V> record) override {
    const bool keep = !record.keyIsNull() && !record.valueIsNull();
    std::optional<K> key;
    std::optional<V> value;
    const int64_t ts = record.timestamp();
    if (keep) {
      key = record.key();
      value = record.value();
    }
    TaskContext::RecordContextScope scope(*this->task_, ts, &record.headers());
    this->out_.forward(std::move(record));
    // A null value in a store that retains duplicates is a no-op in Java.
    if (keep) store_->put(*key, value, ts);
  }

 private:
  std::string store_name_;
  WindowStore<K, V>* store_ = nullptr;
};

// KStreamKStreamJoin, for the left (kLeft) or the right side. VThis/VOther are this side's and
// the other side's value types.
template <typename K, typename VL, typename VR, typename Out, typename Joiner, bool kLeft>
class StreamStreamJoinNode final
    : public StatefulNode<K, std::conditional_t<kLeft, VL, VR>, K, Out> {
  using VThis = std::conditional_t<kLeft, VL, VR>;
  using VOther = std::conditional_t<kLeft, VR, VL>;
  using Base = StatefulNode<K, VThis, K, Out>;

 public:
  using Spec = StreamStreamJoinSpec<K, VL, VR, Out, Joiner>;
  StreamStreamJoinNode(std::string name, const Spec& spec) : Base(std::move(name)), spec_(spec) {}

  void init(TaskContext& task) override {
    Base::init(task);
    other_ =
        dynamic_cast<WindowStore<K, VOther>*>(&task.stateStore(this->name(), spec_.other_store));
    if (other_ == nullptr) {
      throw TopologyException("state store " + spec_.other_store + " of " + this->name() +
                              " is not a window store of the joined stream's types");
    }
    tracker_ = spec_.trackers->get(&task);
    tracker_->emit_interval_ms = task.outerJoinEmitIntervalMs();
    if (spec_.shared_store) {
      shared_ = dynamic_cast<KeyValueStore<std::string, std::string>*>(
          &task.stateStore(this->name(), *spec_.shared_store));
      if (shared_ == nullptr) {
        throw TopologyException("state store " + *spec_.shared_store + " of " + this->name() +
                                " is not the join's shared store");
      }
      key_serde_ = resolveSerde(spec_.key_serde, task.defaultKeySerde(), this->name(), "key");
      left_serde_ = resolveSerde(spec_.left_serde, task.defaultValueSerde(), this->name(), "value");
      right_serde_ =
          resolveSerde(spec_.right_serde, task.defaultValueSerde(), this->name(), "value");
    }
  }

  void close() override {
    if (this->task_ != nullptr) spec_.trackers->remove(this->task_);
  }

  void process(Record<K, VThis> record) override {
    JoinTimeTracker& tt = *tracker_;
    const int64_t ts = record.timestamp();
    tt.stream_time = std::max(tt.stream_time, ts);
    TaskContext::RecordContextScope scope(*this->task_, ts, &record.headers());
    if (spec_.outer && record.keyIsNull() && !record.valueIsNull()) {
      Out v = callJoiner(record.key(), std::optional<VThis>(record.value()), std::nullopt);
      this->out_.forward(
          Record<K, Out>(record.key(), std::move(v), ts, record.headers()).withNullKey());
      return;
    }
    if (record.keyIsNull() || record.valueIsNull()) {
      droppedJoinRecordsCounter().fetch_add(1);
      logSkippedRecord(*this->task_, "null key or value");
      return;
    }
    if (ts == tt.stream_time && shared_ != nullptr) emitNonJoined(record);

    const int64_t time_from = std::max<int64_t>(0, ts - spec_.join_before_ms);
    const int64_t time_to = std::max<int64_t>(0, ts + spec_.join_after_ms);
    auto it = other_->fetch(record.key(), time_from, time_to);
    const bool need_outer = spec_.outer && !it.hasNext();
    while (it.hasNext()) {
      KeyValue<int64_t, VOther> other = it.next();
      if (shared_ != nullptr) {
        // Java: putIfAbsent(otherKey, null) on the list store deletes the waiting entry.
        const std::string k = sharedKey(record.key(), other.key, !kLeft);
        if (shared_->get(k)) shared_->remove(k);
      }
      Out v = callJoiner(record.key(), std::optional<VThis>(record.value()),
                         std::optional<VOther>(std::move(other.value)));
      this->out_.forward(
          Record<K, Out>(record.key(), std::move(v), std::max(ts, other.key), record.headers()));
    }
    if (need_outer) {
      if (shared_ == nullptr || time_to < tt.stream_time) {
        Out v = callJoiner(record.key(), std::optional<VThis>(record.value()), std::nullopt);
        this->out_.forward(Record<K, Out>(record.key(), std::move(v), ts, record.headers()));
      } else {
        tt.min_time = std::min(tt.min_time, ts);
        const std::string k = sharedKey(record.key(), ts, kLeft);
        std::string list = shared_->get(k).value_or(std::string());
        buf_.clear();
        if constexpr (kLeft) {
          left_serde_->serialize(spec_.shared_store.value(), record.value(), buf_);
        } else {
          right_serde_->serialize(spec_.shared_store.value(), record.value(), buf_);
        }
        appendListValue(list, kLeft, buf_);
        shared_->put(k, list);
      }
    }
  }

 private:
  Out callJoiner(const K& key, std::optional<VThis> self, std::optional<VOther> other) {
    if constexpr (kLeft) {
      return std::invoke(spec_.joiner, key, self, other);
    } else {
      return std::invoke(spec_.joiner, key, other, self);
    }
  }

  std::string sharedKey(const K& key, int64_t ts, bool left) {
    key_buf_.clear();
    key_serde_->serialize(spec_.shared_store.value(), key, key_buf_);
    return sharedJoinKey(ts, left, key_buf_);
  }

  static int64_t wrappingAdd(int64_t a, int64_t b) {
    return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  }

  void emitNonJoined(const Record<K, VThis>& record) {
    JoinTimeTracker& tt = *tracker_;
    // Java's long arithmetic wraps: with no waiting record (min_time = Long.MAX_VALUE) the sum
    // is negative, so the scan runs (and uses up the interval) anyway.
    if (wrappingAdd(tt.min_time, spec_.join_after_ms + spec_.grace_ms) >= tt.stream_time) return;
    const int64_t now = this->task_->wallClockMs();
    if (now < tt.next_time_to_emit) return;
    tt.next_time_to_emit = now + tt.emit_interval_ms;
    tt.min_time = std::numeric_limits<int64_t>::max();

    // Collect first: the store is changed while the entries are forwarded.
    struct Entry {
      std::string key;
      std::string list;
    };
    std::vector<Entry> entries;
    {
      auto it = shared_->all();
      while (it.hasNext()) {
        KeyValue<std::string, std::string> kv = it.next();
        entries.push_back(Entry{std::move(kv.key), std::move(kv.value)});
      }
    }
    const std::string& topic = spec_.shared_store.value();
    bool left_open = false;
    bool right_open = false;
    std::optional<std::string> prev;
    for (const Entry& e : entries) {
      if (e.key.size() < 9) continue;
      uint64_t u = 0;
      for (size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(e.key[i]);
      const auto ts = static_cast<int64_t>(u);
      const bool is_left = e.key[8] != '\0';
      // Java iterates list entries one by one; the checks below only depend on the key.
      bool stop = false;
      forEachListValue(e.list, [&](std::string_view bytes) {
        tt.min_time = ts;
        if (left_open && right_open) {
          stop = true;
          return false;
        }
        const int64_t look_back = is_left ? spec_.windows_after_ms : spec_.windows_before_ms;
        if (wrappingAdd(tt.min_time, look_back + spec_.grace_ms) >= tt.stream_time) {
          (is_left ? left_open : right_open) = true;
          return true;
        }
        const K key = key_serde_->deserialize(topic, std::string_view(e.key).substr(9));
        Out v = is_left ? std::invoke(spec_.joiner, key,
                                      std::optional<VL>(left_serde_->deserialize(topic, bytes)),
                                      std::optional<VR>())
                        : std::invoke(spec_.joiner, key, std::optional<VL>(),
                                      std::optional<VR>(right_serde_->deserialize(topic, bytes)));
        this->out_.forward(Record<K, Out>(key, std::move(v), ts, record.headers()));
        if (prev && *prev != e.key) shared_->remove(*prev);
        prev = e.key;
        return true;
      });
      if (stop) break;
    }
    if (prev) shared_->remove(*prev);
  }

  Spec spec_;
  WindowStore<K, VOther>* other_ = nullptr;
  KeyValueStore<std::string, std::string>* shared_ = nullptr;
  std::shared_ptr<JoinTimeTracker> tracker_;
  SerdePtr<K> key_serde_;
  SerdePtr<VL> left_serde_;
  SerdePtr<VR> right_serde_;
  std::string key_buf_;
  std::string buf_;
};

// The uniform joiner of the nodes: (key, optional left, optional right) -> Out.
template <typename F, typename K, typename V, typename VO, int kKind>  // 0 inner, 1 left, 2 outer
struct UniformJoiner {
  F f;
  auto operator()(const K& key, const std::optional<V>& l, const std::optional<VO>& r) {
    if constexpr (kKind == 0) {
      if constexpr (std::is_invocable_v<F&, const K&, const V&, const VO&>) {
        return std::invoke(f, key, *l, *r);
      } else {
        return std::invoke(f, *l, *r);
      }
    } else if constexpr (kKind == 1) {
      if constexpr (std::is_invocable_v<F&, const K&, const V&, const std::optional<VO>&>) {
        return std::invoke(f, key, *l, r);
      } else {
        return std::invoke(f, *l, r);
      }
    } else {
      if constexpr (std::is_invocable_v<F&, const K&, const std::optional<V>&,
                                        const std::optional<VO>&>) {
        return std::invoke(f, key, l, r);
      } else {
        return std::invoke(f, l, r);
      }
    }
  }
};

}  // namespace internal

// Stream-stream join records dropped (null key or value) by this process.
inline int64_t droppedJoinRecords() { return internal::droppedJoinRecordsCounter().load(); }

template <typename K, typename V>
template <int kKind, typename VO, typename VR, typename F>
KStream<K, VR> KStream<K, V>::doStreamJoin(const KStream<K, VO>& other_stream, F joiner,
                                           const JoinWindows& windows,
                                           const StreamJoined<K, V, VO>& joined) const {
  if (other_stream.builder_ != builder_) {
    throw TopologyException("cannot join streams of two different StreamsBuilders");
  }
  requireCopyable<F>();
  internal::InternalStreamsBuilder& b = builder();
  const bool left_outer = kKind != 0;
  const bool right_outer = kKind == 2;
  const std::optional<std::string>& user = joined.name();

  KStream<K, V> self = *this;
  KStream<K, VO> other = other_stream;
  if (self.repartition_required_) {
    self = self.repartitionForJoin(user ? *user + "-left" : self.name_, joined.keySerde(),
                                   joined.valueSerde());
  }
  if (other.repartition_required_) {
    other = other.repartitionForJoin(user ? *user + "-right" : other.name_, joined.keySerde(),
                                     joined.otherValueSerde());
  }
  SerdePtr<K> key_serde = joined.keySerde() ? joined.keySerde() : self.key_serde_;
  if (!key_serde) key_serde = other.key_serde_;
  SerdePtr<V> this_serde = joined.valueSerde() ? joined.valueSerde() : self.value_serde_;
  SerdePtr<VO> other_serde =
      joined.otherValueSerde() ? joined.otherValueSerde() : other.value_serde_;

  const std::string this_suffix = right_outer ? "-outer-this-join" : "-this-join";
  const std::string other_suffix = left_outer ? "-outer-other-join" : "-other-join";
  const std::string this_windowed =
      user ? *user + "-this-windowed" : b.newProcessorName("KSTREAM-WINDOWED-");
  const std::string other_windowed =
      user ? *user + "-other-windowed" : b.newProcessorName("KSTREAM-WINDOWED-");
  const std::string this_prefix = right_outer ? "KSTREAM-OUTERTHIS-" : "KSTREAM-JOINTHIS-";
  const std::string this_generated = b.newProcessorName(this_prefix);
  const std::string other_generated =
      b.newProcessorName(left_outer ? "KSTREAM-OUTEROTHER-" : "KSTREAM-JOINOTHER-");
  const std::string this_join = user ? *user + this_suffix : this_generated;
  const std::string other_join = user ? *user + other_suffix : other_generated;
  const std::string merge = user ? *user + "-merge" : b.newProcessorName("KSTREAM-MERGE-");

  const std::optional<std::string>& base = joined.storeName();
  const std::string this_store = (base ? *base + this_suffix : this_generated) + "-store";
  const std::string other_store = (base ? *base + other_suffix : other_generated) + "-store";
  std::optional<std::string> shared_store;
  if (left_outer) {
    shared_store = (base ? *base + "-outer-shared-join"
                         : "KSTREAM-OUTERSHARED-" + this_generated.substr(this_prefix.size())) +
                   "-store";
  }

  auto trackers = std::make_shared<internal::JoinTimeTrackers>();
  using Uniform = internal::UniformJoiner<F, K, V, VO, kKind>;
  using Spec = internal::StreamStreamJoinSpec<K, V, VO, VR, Uniform>;
  Spec this_spec{other_store,
                 shared_store,
                 windows.beforeMs(),
                 windows.afterMs(),
                 windows.beforeMs(),
                 windows.afterMs(),
                 windows.gracePeriodMs(),
                 left_outer,
                 Uniform{joiner},
                 key_serde,
                 this_serde,
                 other_serde,
                 trackers};
  Spec other_spec = this_spec;
  other_spec.other_store = this_store;
  other_spec.join_before_ms = windows.afterMs();
  other_spec.join_after_ms = windows.beforeMs();
  other_spec.outer = right_outer;

  Topology& topology = b.topology();
  internal::addStatefulNode<K, V, K, V>(
      topology, this_windowed, {self.name_},
      [store = this_store](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::JoinWindowNode<K, V>>(n, store);
      });
  internal::addStatefulNode<K, VO, K, VO>(
      topology, other_windowed, {other.name_},
      [store = other_store](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::JoinWindowNode<K, VO>>(n, store);
      });
  internal::addStatefulNode<K, V, K, VR>(
      topology, this_join, {this_windowed},
      [this_spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::StreamStreamJoinNode<K, V, VO, VR, Uniform, true>>(
            n, this_spec);
      });
  internal::addStatefulNode<K, VO, K, VR>(
      topology, other_join, {other_windowed},
      [other_spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<internal::StreamStreamJoinNode<K, V, VO, VR, Uniform, false>>(
            n, other_spec);
      });
  internal::addDslNode<K, VR, K, VR>(topology, merge, {this_join, other_join},
                                     internal::PassThroughOp{});

  const auto retention = std::chrono::milliseconds(windows.size() + windows.gracePeriodMs());
  const auto size = std::chrono::milliseconds(windows.size());
  auto window_supplier = [&](const std::string& name) {
    return joined.inMemory() ? Stores::inMemoryWindowStore(name, retention, size, true)
                             : Stores::persistentWindowStore(name, retention, size, true);
  };
  auto this_builder =
      Stores::windowStoreBuilder<K, V>(window_supplier(this_store), key_serde, this_serde);
  auto other_builder =
      Stores::windowStoreBuilder<K, VO>(window_supplier(other_store), key_serde, other_serde);
  if (joined.loggingEnabled()) {
    this_builder.withLoggingEnabled(joined.logConfig());
    other_builder.withLoggingEnabled(joined.logConfig());
  } else {
    this_builder.withLoggingDisabled();
    other_builder.withLoggingDisabled();
  }
  topology.addStateStore(this_builder, {this_windowed, other_join});
  topology.addStateStore(other_builder, {other_windowed, this_join});
  if (shared_store) {
    auto supplier = joined.inMemory() ? Stores::inMemoryKeyValueStore(*shared_store)
                                      : Stores::persistentKeyValueStore(*shared_store);
    auto shared_builder = Stores::keyValueStoreBuilder<std::string, std::string>(
        supplier, Serdes::String(), Serdes::String());
    if (joined.loggingEnabled()) {
      shared_builder.withLoggingEnabled(joined.logConfig());
    } else {
      shared_builder.withLoggingDisabled();
    }
    topology.addStateStore(shared_builder, {this_join, other_join});
  }
  return KStream<K, VR>(builder_, merge, joined.keySerde() ? joined.keySerde() : self.key_serde_,
                        nullptr, false);
}

}  // namespace kstreams
