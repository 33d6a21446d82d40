// File: kstreams/suppressed.h   (included by kstreams/ktable.h)
//
// KTable::suppress (Java's Suppressed, BufferConfig, KTableSuppressProcessorSupplier and
// InMemoryTimeOrderedKeyValueChangelogBuffer): holds back a table's updates in a buffer keyed by
// the table's key and ordered by a buffer time, and forwards the latest update of a key when
// stream time has moved far enough past that time.
//
//   // One final count per window, once the window has closed (end + grace <= stream time):
//   counts.suppress(kstreams::Suppressed::untilWindowCloses(kstreams::BufferConfig::unbounded()))
//       .toStream()
//       .to("final-counts", ...);
//   // At most one update per key and 10 s of stream time, at most 1000 keys held:
//   table.suppress(kstreams::Suppressed::untilTimeLimit(std::chrono::seconds(10),
//                      kstreams::BufferConfig::maxRecords(1000).emitEarlyWhenFull())
//                      .withName("rate-limit"));
//
// Semantics as Kafka Streams 4.4:
// - Buffer time: untilWindowCloses: the window's end; untilTimeLimit: the timestamp of the
//   record that first buffered the key (a later update of a buffered key keeps its place).
// - The node's stream time is the largest timestamp it has received. After each record, keys are
//   evicted, oldest buffer time first (ties by serialized key), while buffer time <= stream time
//   - (grace of the upstream windowed aggregation (+ inactivity gap for sessions) |
//   time limit); an evicted key is forwarded with the timestamp and headers of its latest
//   update. untilWindowCloses drops evicted deletes (nothing downstream saw the window).
// - When the buffer holds more than maxRecords keys or maxBytes (Java's size estimate), an
//   emitEarlyWhenFull buffer evicts the oldest keys until it fits; a shutDownWhenFull buffer
//   throws StreamsException ("<node> buffer exceeded its max capacity. ..."), failing the task.
// - Names: processor KTABLE-SUPPRESS-<n> (or the withName() name), store
//   KTABLE-SUPPRESS-STATE-STORE-<n> (or "<name>-store"), changelog
//   "<application.id>-<store>-changelog" unless BufferConfig::withLoggingDisabled().
// - The changelog's key is the serialized table key, its value Java's version-3 buffer value
//   (record context, prior, old and new value, buffer time), so either implementation can read
//   the other's records.
//
// Differs from Kafka Streams: Java writes the changelog once per dirty key at commit, with a
// "v"=3 header; kstreams writes through on every buffer change (several records per key between
// commits, no header). Restoring either gives the same buffer. A table read through a value
// getter downstream of suppress (a join) sees the upstream table's value, not the buffer's
// prior value.
//
// Threads: build on one thread, like the rest of the DSL; each task runs its own processor and
// buffer, touched only by the task's stream thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "kstreams/ktable.h"
#include "kstreams/stores.h"
#include "kstreams/windowed.h"

namespace kstreams {

// How much a suppress buffer may hold and what happens when it is full (Java's BufferConfig).
// A value; the with*() calls return a changed copy.
class BufferConfig {
 public:
  enum class FullStrategy { kEmitEarly, kShutDown };

  // No limit (Java's BufferConfig.unbounded(), a strict config: shutDownWhenFull).
  static BufferConfig unbounded() {
    return BufferConfig(kNoLimit, kNoLimit, FullStrategy::kShutDown);
  }
  // At most `n` keys; emits early when full unless shutDownWhenFull() follows.
  static BufferConfig maxRecords(int64_t n) {
    return BufferConfig(n, kNoLimit, FullStrategy::kEmitEarly);
  }
  // At most `n` bytes (Java's estimate of the buffer's size); emits early when full unless
  // shutDownWhenFull() follows.
  static BufferConfig maxBytes(int64_t n) {
    return BufferConfig(kNoLimit, n, FullStrategy::kEmitEarly);
  }

  BufferConfig withMaxRecords(int64_t n) const {
    return with([&](BufferConfig& c) { c.max_records_ = n; });
  }
  BufferConfig withMaxBytes(int64_t n) const {
    return with([&](BufferConfig& c) { c.max_bytes_ = n; });
  }
  BufferConfig withNoBound() const {
    return with([](BufferConfig& c) {
      c.max_records_ = kNoLimit;
      c.max_bytes_ = kNoLimit;
      c.full_strategy_ = FullStrategy::kShutDown;
    });
  }
  // When full, forward the oldest keys early (may break untilWindowCloses' one-result promise,
  // which is why untilWindowCloses refuses it).
  BufferConfig emitEarlyWhenFull() const {
    return with([](BufferConfig& c) { c.full_strategy_ = FullStrategy::kEmitEarly; });
  }
  // When full, fail the task with StreamsException.
  BufferConfig shutDownWhenFull() const {
    return with([](BufferConfig& c) { c.full_strategy_ = FullStrategy::kShutDown; });
  }
  // The buffer's changelog: created with `topic_config` (Default: logging enabled, no configs).
  BufferConfig withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) const {
    return with([&](BufferConfig& c) {
      c.logging_enabled_ = true;
      c.log_config_ = std::move(topic_config);
    });
  }
  BufferConfig withLoggingDisabled() const {
    return with([](BufferConfig& c) { c.logging_enabled_ = false; });
  }

  int64_t maxRecordsLimit() const { return max_records_; }
  int64_t maxBytesLimit() const { return max_bytes_; }
  FullStrategy fullStrategy() const { return full_strategy_; }
  bool loggingEnabled() const { return logging_enabled_; }
  const std::map<std::string, std::string>& logConfig() const { return log_config_; }

  static constexpr int64_t kNoLimit = std::numeric_limits<int64_t>::max();

 private:
  BufferConfig(int64_t records, int64_t bytes, FullStrategy strategy)
      : max_records_(records), max_bytes_(bytes), full_strategy_(strategy) {}
  template <typename F>
  BufferConfig with(F f) const {
    BufferConfig copy = *this;
    f(copy);
    return copy;
  }

  int64_t max_records_;
  int64_t max_bytes_;
  FullStrategy full_strategy_;
  bool logging_enabled_ = true;
  std::map<std::string, std::string> log_config_;
};

// What KTable::suppress holds back, and for how long (Java's Suppressed). A value.
class Suppressed {
 public:
  // Final results of a windowed table: one update per window, once the window has closed.
  // `buffer` must be strict (unbounded(), or shutDownWhenFull()); an emit-early buffer throws
  // TopologyException. The table must come from a windowed aggregation (TopologyException in
  // suppress() otherwise).
  static Suppressed untilWindowCloses(const BufferConfig& buffer) {
    if (buffer.fullStrategy() == BufferConfig::FullStrategy::kEmitEarly) {
      throw TopologyException(
          "Suppressed.untilWindowCloses needs a strict buffer config (unbounded() or "
          "shutDownWhenFull()): emitting early would break its one-result-per-window promise");
    }
    return Suppressed(true, 0, buffer);
  }
  // The latest update of a key once `time_to_wait` of stream time has passed since the key was
  // first buffered.
  static Suppressed untilTimeLimit(std::chrono::milliseconds time_to_wait,
                                   const BufferConfig& buffer) {
    return Suppressed(false, time_to_wait.count(), buffer);
  }
  // Names the processor (and the store "<name>-store").
  Suppressed withName(std::string name) const {
    Suppressed copy = *this;
    copy.name_ = std::move(name);
    return copy;
  }

  bool untilWindowClose() const { return until_window_closes_; }
  int64_t timeToWaitMs() const { return time_to_wait_ms_; }
  const BufferConfig& bufferConfig() const { return buffer_; }
  const std::optional<std::string>& name() const { return name_; }

 private:
  Suppressed(bool until_window_closes, int64_t wait_ms, BufferConfig buffer)
      : until_window_closes_(until_window_closes),
        time_to_wait_ms_(wait_ms),
        buffer_(std::move(buffer)) {}

  bool until_window_closes_;
  int64_t time_to_wait_ms_;
  BufferConfig buffer_;
  std::optional<std::string> name_;
};

namespace internal {

// The record context a buffered update remembers (Java's ProcessorRecordContext).
struct BufferedContext {
  int64_t timestamp = -1;
  int64_t offset = -1;
  std::string topic;
  int32_t partition = -1;
  Headers headers;
};

// Big-endian helpers for Java's ByteBuffer layout.
inline void putInt64(std::string& out, int64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((static_cast<uint64_t>(v) >> shift) & 0xFF));
  }
}
inline void putInt32(std::string& out, int32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((static_cast<uint32_t>(v) >> shift) & 0xFF));
  }
}
inline void putSized(std::string& out, const std::optional<std::string>& bytes) {
  if (!bytes) {
    putInt32(out, -1);
    return;
  }
  putInt32(out, static_cast<int32_t>(bytes->size()));
  out += *bytes;
}

// Reads Java's ByteBuffer layout; throws StreamsException on truncated input.
class BufferReader {
 public:
  explicit BufferReader(std::string_view in) : in_(in) {}
  int64_t int64() { return static_cast<int64_t>(unsignedBytes(8)); }
  int32_t int32() { return static_cast<int32_t>(static_cast<uint32_t>(unsignedBytes(4))); }
  std::string bytes(size_t n) {
    need(n);
    std::string out(in_.substr(0, n));
    in_.remove_prefix(n);
    return out;
  }
  std::optional<std::string> sized() { return sizedWith(int32()); }
  std::optional<std::string> sizedWith(int32_t n) {
    if (n < 0) return std::nullopt;
    return bytes(static_cast<size_t>(n));
  }

 private:
  uint64_t unsignedBytes(size_t n) {
    need(n);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(in_[i]);
    in_.remove_prefix(n);
    return v;
  }
  void need(size_t n) const {
    if (in_.size() < n) throw StreamsException("truncated suppress buffer value");
  }
  std::string_view in_;
};

// One buffered key (Java's BufferValue): values as their serialized bytes, null as nullopt.
struct BufferEntry {
  std::optional<std::string> prior;   // the value downstream last saw for the key
  std::optional<std::string> old;     // the latest update's old value
  std::optional<std::string> latest;  // the latest update's new value
  BufferedContext context;

  bool oldDuplicatesPrior() const { return old && prior == old; }

  // Java's ProcessorRecordContext + BufferValue residentMemorySizeEstimate.
  int64_t sizeEstimate() const {
    int64_t size = 8 + 8 + static_cast<int64_t>(context.topic.size()) + 4;
    for (const Header& h : context.headers) {
      size += static_cast<int64_t>(h.key.size());
      if (h.value) size += static_cast<int64_t>(h.value->size());
    }
    if (prior) size += static_cast<int64_t>(prior->size());
    if (old && !oldDuplicatesPrior()) size += static_cast<int64_t>(old->size());
    if (latest) size += static_cast<int64_t>(latest->size());
    return size;
  }

  // Java's changelog value, version 3: context, prior, old (-2: same as prior), new, time.
  std::string serialize(int64_t buffer_time) const {
    std::string out;
    putInt64(out, context.timestamp);
    putInt64(out, context.offset);
    putInt32(out, static_cast<int32_t>(context.topic.size()));
    out += context.topic;
    putInt32(out, context.partition);
    putInt32(out, static_cast<int32_t>(context.headers.size()));
    for (const Header& h : context.headers) {
      putInt32(out, static_cast<int32_t>(h.key.size()));
      out += h.key;
      putSized(out, h.value);
    }
    putSized(out, prior);
    if (!old) {
      putInt32(out, -1);
    } else if (oldDuplicatesPrior()) {
      putInt32(out, -2);
    } else {
      putSized(out, old);
    }
    putSized(out, latest);
    putInt64(out, buffer_time);
    return out;
  }
  // Reads serialize()'s bytes; returns the buffer time.
  static int64_t deserialize(std::string_view bytes, BufferEntry& entry) {
    BufferReader r(bytes);
    entry.context.timestamp = r.int64();
    entry.context.offset = r.int64();
    entry.context.topic = r.sized().value_or("");
    entry.context.partition = r.int32();
    const int32_t headers = r.int32();
    entry.context.headers = Headers();
    for (int32_t i = 0; i < headers; ++i) {
      std::string key = r.sized().value_or("");
      entry.context.headers.add(std::move(key), r.sized());
    }
    entry.prior = r.sized();
    const int32_t old_size = r.int32();
    entry.old = old_size == -2 ? entry.prior : r.sizedWith(old_size);
    entry.latest = r.sized();
    return r.int64();
  }
};

// The suppress buffer of one task (Java's InMemoryTimeOrderedKeyValueChangelogBuffer): keys in
// buffer-time order, each write mirrored to an in-memory byte store whose change-logging layer
// feeds the changelog (and which a restore fills). The index is rebuilt from that store on
// first use, after any restore. Owned by the task; its stream thread only.
template <typename K, typename V>
class SuppressBuffer final : public StateStore {
 public:
  SuppressBuffer(state::KeyValueStore& store, SerdePtr<K> key_serde, SerdePtr<V> value_serde,
                 std::string topic)
      : store_(store),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        topic_(std::move(topic)) {}

  // StateStore
  const std::string& name() const override { return store_.name(); }
  bool persistent() const override { return false; }
  bool isOpen() const override { return store_.isOpen(); }

  struct Eviction {
    K key;
    Change<V> value;
    BufferedContext context;
  };

  // Buffers `change` for `key` at `time` (or, if the key is buffered, in its existing place).
  void put(int64_t time, const K& key, const Change<V>& change, BufferedContext context) {
    load();
    std::string key_bytes;
    if (!key_serde_->serialize(topic_, key, key_bytes)) {
      throw StreamsException("suppress buffer " + name() + ": the key serializes to null");
    }
    BufferEntry entry;
    entry.old = serializeValue(change.oldValue);
    entry.latest = serializeValue(change.newValue);
    entry.context = std::move(context);
    auto found = index_.find(key_bytes);
    if (found == index_.end()) {
      entry.prior = entry.old;
      size_ += 8 + static_cast<int64_t>(key_bytes.size()) + entry.sizeEstimate();
      index_.emplace(key_bytes, time);
      min_timestamp_ = std::min(min_timestamp_, time);
      write(key_bytes, time, sorted_[{time, key_bytes}] = std::move(entry));
    } else {
      BufferEntry& existing = sorted_.at({found->second, key_bytes});
      entry.prior = existing.prior;
      size_ += entry.sizeEstimate() - existing.sizeEstimate();
      existing = std::move(entry);
      write(key_bytes, found->second, existing);
    }
  }

  // Evicts the oldest keys, one at a time, while `predicate()` holds, handing each to
  // `callback` before removing it.
  template <typename P, typename C>
  void evictWhile(P predicate, C callback) {
    load();
    while (!sorted_.empty() && predicate()) {
      auto it = sorted_.begin();
      const std::string key_bytes = it->first.second;
      BufferEntry entry = std::move(it->second);
      Eviction eviction{key_serde_->deserialize(topic_, std::string_view(key_bytes)),
                        Change<V>{deserializeValue(entry.latest), deserializeValue(entry.old)},
                        entry.context};
      sorted_.erase(it);
      index_.erase(key_bytes);
      size_ -= 8 + static_cast<int64_t>(key_bytes.size()) + entry.sizeEstimate();
      min_timestamp_ = sorted_.empty() ? kNone : sorted_.begin()->first.first;
      if (absl::Status s = store_.remove(key_bytes).status(); !s.ok()) {
        throwStoreError(name(), "remove", s);
      }
      callback(std::move(eviction));
    }
  }

  // The smallest buffer time, or INT64_MAX when empty.
  int64_t minTimestamp() {
    load();
    return min_timestamp_;
  }
  int64_t numRecords() {
    load();
    return static_cast<int64_t>(index_.size());
  }
  // Java's estimate of the buffer's memory.
  int64_t bufferSize() {
    load();
    return size_;
  }

 private:
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

  void load() {
    if (loaded_) return;
    loaded_ = true;
    auto it = store_.all();
    if (!it.ok()) throwStoreError(name(), "all", it.status());
    while ((*it)->hasNext()) {
      state::KeyValue kv = (*it)->next();
      BufferEntry entry;
      const int64_t time = BufferEntry::deserialize(kv.value, entry);
      size_ += 8 + static_cast<int64_t>(kv.key.size()) + entry.sizeEstimate();
      index_.emplace(kv.key, time);
      min_timestamp_ = std::min(min_timestamp_, time);
      sorted_.emplace(std::make_pair(time, std::move(kv.key)), std::move(entry));
    }
  }
  void write(const std::string& key_bytes, int64_t time, const BufferEntry& entry) {
    if (absl::Status s = store_.put(key_bytes, entry.serialize(time)); !s.ok()) {
      throwStoreError(name(), "put", s);
    }
  }
  std::optional<std::string> serializeValue(const std::optional<V>& value) const {
    if (!value) return std::nullopt;
    std::string out;
    if (!value_serde_->serialize(topic_, *value, out)) return std::nullopt;
    return out;
  }
  std::optional<V> deserializeValue(const std::optional<std::string>& bytes) const {
    if (!bytes) return std::nullopt;
    return value_serde_->deserialize(topic_, std::string_view(*bytes));
  }

  state::KeyValueStore& store_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::string topic_;
  bool loaded_ = false;
  // Serialized key → buffer time, and (buffer time, serialized key) → entry: Java's index and
  // sortedMap (BufferKey orders by time, then by key bytes, unsigned — as std::string does).
  std::map<std::string, int64_t> index_;
  std::map<std::pair<int64_t, std::string>, BufferEntry> sorted_;
  int64_t min_timestamp_ = kNone;
  int64_t size_ = 0;
};

template <typename T>
inline constexpr bool kIsWindowed = false;
template <typename T>
inline constexpr bool kIsWindowed<Windowed<T>> = true;

// Java's KTableSuppressProcessor.
template <typename K, typename V>
class TableSuppressNode final : public StatefulNode<K, Change<V>, K, Change<V>> {
 public:
  struct Spec {
    std::string store;
    bool window_end_time = false;  // buffer time: window end (else the record's timestamp)
    int64_t suppress_ms = 0;
    int64_t max_records = BufferConfig::kNoLimit;
    int64_t max_bytes = BufferConfig::kNoLimit;
    bool shut_down_when_full = true;
    bool safe_to_drop_tombstones = false;
  };
  TableSuppressNode(std::string name, Spec spec)
      : StatefulNode<K, Change<V>, K, Change<V>>(std::move(name)), spec_(std::move(spec)) {}

  void init(TaskContext& task) override {
    StatefulNode<K, Change<V>, K, Change<V>>::init(task);
    buffer_ = dynamic_cast<SuppressBuffer<K, V>*>(&task.stateStore(this->name(), spec_.store));
    if (buffer_ == nullptr) {
      throw TopologyException("state store " + spec_.store + " of " + this->name() +
                              " is not a suppress buffer of the table's types");
    }
  }

  void process(Record<K, Change<V>> record) override {
    TaskContext::RecordContextScope scope(*this->task_, record.timestamp(), &record.headers());
    observed_stream_time_ = std::max(observed_stream_time_, record.timestamp());
    int64_t buffer_time = record.timestamp();
    if constexpr (kIsWindowed<K>) {
      if (spec_.window_end_time) buffer_time = record.key().window().end();
    }
    BufferedContext context;
    context.timestamp = record.timestamp();
    context.headers = record.headers();
    if (const RecordMetadata* m = this->task_->recordMetadata()) {
      context.topic = m->topic;
      context.partition = m->partition;
      context.offset = m->offset;
    }
    buffer_->put(buffer_time, record.key(), record.value(), std::move(context));
    enforceConstraints();
  }

 private:
  void enforceConstraints() {
    const int64_t expiry = observed_stream_time_ - spec_.suppress_ms;
    auto emit = [this](typename SuppressBuffer<K, V>::Eviction e) { forward(std::move(e)); };
    buffer_->evictWhile([&] { return buffer_->minTimestamp() <= expiry; }, emit);
    if (!overCapacity()) return;
    if (!spec_.shut_down_when_full) {
      buffer_->evictWhile([&] { return overCapacity(); }, emit);
      return;
    }
    throw StreamsException(this->name() + " buffer exceeded its max capacity. Currently [" +
                           std::to_string(buffer_->numRecords()) + "/" +
                           std::to_string(spec_.max_records) + "] records and [" +
                           std::to_string(buffer_->bufferSize()) + "/" +
                           std::to_string(spec_.max_bytes) + "] bytes.");
  }
  bool overCapacity() {
    return buffer_->numRecords() > spec_.max_records || buffer_->bufferSize() > spec_.max_bytes;
  }
  void forward(typename SuppressBuffer<K, V>::Eviction e) {
    if (!e.value.newValue && spec_.safe_to_drop_tombstones) return;
    TaskContext::RecordContextScope scope(*this->task_, e.context.timestamp, &e.context.headers);
    this->out_.forward(Record<K, Change<V>>(std::move(e.key), std::move(e.value),
                                            e.context.timestamp, e.context.headers));
  }

  Spec spec_;
  SuppressBuffer<K, V>* buffer_ = nullptr;
  int64_t observed_stream_time_ = -1;
};

// The suppressed table: old values come from the parent; values read downstream are the
// parent's (see the file comment).
template <typename K, typename V>
class SuppressTableSpec final : public TableSpec<K, V> {
 public:
  explicit SuppressTableSpec(TableSpecPtr<K, V> parent) : parent_(std::move(parent)) {}
  bool enableSendingOldValues(bool force_materialization) override {
    if (!parent_->enableSendingOldValues(force_materialization)) return false;
    this->send_old_values_ = true;
    return true;
  }
  ValueGetterSupplier<K, V> valueGetterSupplier() override {
    return parent_->valueGetterSupplier();
  }
  std::optional<int64_t> windowCloseGraceMs() const override {
    return parent_->windowCloseGraceMs();
  }

 private:
  TableSpecPtr<K, V> parent_;
};

}  // namespace internal

template <typename K, typename V>
KTable<K, V> KTable<K, V>::suppress(const Suppressed& suppressed) const {
  internal::InternalStreamsBuilder& b = builder();
  const std::string name = b.nameOrGenerate(suppressed.name(), "KTABLE-SUPPRESS-");
  using Node = internal::TableSuppressNode<K, V>;
  typename Node::Spec spec;
  if (suppressed.untilWindowClose()) {
    const std::optional<int64_t> grace = spec_->windowCloseGraceMs();
    if (!internal::kIsWindowed<K> || !grace) {
      throw TopologyException("Window close time is only defined for windowed computations. Got [" +
                              name_ + "].");
    }
    spec.window_end_time = true;
    spec.suppress_ms = *grace;
    spec.safe_to_drop_tombstones = true;
  } else {
    spec.suppress_ms = suppressed.timeToWaitMs();
  }
  const BufferConfig& config = suppressed.bufferConfig();
  spec.max_records = config.maxRecordsLimit();
  spec.max_bytes = config.maxBytesLimit();
  spec.shut_down_when_full = config.fullStrategy() == BufferConfig::FullStrategy::kShutDown;
  spec.store =
      suppressed.name() ? *suppressed.name() + "-store" : b.newStoreName("KTABLE-SUPPRESS-");
  // The buffer keeps the prior value downstream saw: the parent must send old values.
  spec_->enableSendingOldValues(true);
  internal::addStatefulNode<K, internal::Change<V>, K, internal::Change<V>>(
      b.topology(), name, {name_},
      [spec](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
        return std::make_unique<Node>(n, spec);
      });

  state::KeyValueStoreBuilder bytes(Stores::inMemoryKeyValueStore(spec.store));
  if (config.loggingEnabled()) {
    bytes.withLoggingEnabled(config.logConfig());
  } else {
    bytes.withLoggingDisabled();
  }
  internal::StoreDef def{
      std::move(bytes), false,
      [key_serde = key_serde_, value_serde = value_serde_](
          state::KeyValueStore& store, const internal::TaskContext& task,
          internal::CacheFlushHook*) -> std::unique_ptr<StateStore> {
        const std::string& store_name = store.name();
        return std::make_unique<internal::SuppressBuffer<K, V>>(
            store,
            internal::resolveSerde<Serde<K>>(key_serde, task.defaultKeySerde(),
                                             "store " + store_name, "key"),
            internal::resolveSerde<Serde<V>>(value_serde, task.defaultValueSerde(),
                                             "store " + store_name, "value"),
            task.resolveTopic(store_name + "-changelog", /*internal=*/true));
      }};
  b.topology().addStore(std::move(def), {name});
  auto table = std::make_shared<internal::SuppressTableSpec<K, V>>(spec_);
  return KTable<K, V>(builder_, name, key_serde_, value_serde_, std::move(table), std::nullopt);
}

}  // namespace kstreams
