// File: kstreams/internal/node.h — NOT part of the public API; may change at any time.
//
// The runtime shape of a topology inside one task. A task instantiates one node per topology
// node and links parents to children by raw pointer; records then travel typed from node to node
// by one virtual call per hop (TypedNode<K, V>::process), serialized only at sinks. Everything
// here is used by a single stream thread (the task's owner).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "kstreams/error_handlers.h"
#include "kstreams/errors.h"
#include "kstreams/processor.h"
#include "kstreams/record.h"
#include "kstreams/serde.h"
#include "kstreams/serdes.h"
#include "kstreams/task_id.h"

namespace kstreams::internal {

// A record as it comes off Kafka: bytes viewed in the consumer's buffer, valid only during the
// call that receives it.
struct RawRecord {
  std::string_view topic;
  int32_t partition = 0;
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  Headers headers;
};

class NodeInstance;

// The serdes a source reads its topics with, or a sink writes its topic with (resolved after
// init()), for the schema check KafkaStreams runs at construction.
struct NodeSerdes {
  std::shared_ptr<const SerdeBase> key;
  std::shared_ptr<const SerdeBase> value;
  std::string sink_topic;  // a sink's full topic name; empty for sources
};

// What nodes need from the task that runs them. Implemented by StreamTask.
class TaskContext {
 public:
  virtual ~TaskContext() = default;

  // The timestamp and headers of the record being processed (Kafka's record context). The task
  // sets them for each input record, stateful nodes for each record they receive (a
  // RecordContextScope), and a flushing record cache for each entry it flushes. Stores read
  // them: the changelog record's timestamp, the context a cached write remembers. Inline and
  // non-virtual: setting them costs two stores per hop.
  int64_t recordTimestamp() const { return record_timestamp_; }
  const Headers& recordHeaders() const {
    static const Headers kNone;
    return record_headers_ != nullptr ? *record_headers_ : kNone;
  }
  // Sets the record context until destroyed, then restores the previous one. `headers` (null:
  // none) must outlive the scope.
  class RecordContextScope {
   public:
    RecordContextScope(TaskContext& task, int64_t timestamp, const Headers* headers)
        : task_(task), timestamp_(task.record_timestamp_), headers_(task.record_headers_) {
      task.record_timestamp_ = timestamp;
      task.record_headers_ = headers;
    }
    ~RecordContextScope() {
      task_.record_timestamp_ = timestamp_;
      task_.record_headers_ = headers_;
    }
    RecordContextScope(const RecordContextScope&) = delete;
    RecordContextScope& operator=(const RecordContextScope&) = delete;

   private:
    TaskContext& task_;
    int64_t timestamp_;
    const Headers* headers_;
  };

  // The state store `store` of this task as seen by node `processor`. Throws StreamsException
  // (Kafka's wording) when the store is not connected to that processor.
  virtual StateStore& stateStore(const std::string& processor, const std::string& store) = 0;
  virtual const std::string& applicationId() const = 0;
  virtual TaskId taskId() const = 0;
  virtual const RecordMetadata* recordMetadata() const = 0;
  virtual int64_t wallClockMs() const = 0;
  virtual int64_t streamTimeMs() const = 0;
  // How often (wall-clock ms) a stream-stream left/outer join scans for closed windows: Java's
  // internal __emit.interval.ms.kstreams.outer.join.spurious.results.fix__, 1000 by default and
  // 0 in the TopologyTestDriver (as Kafka's).
  virtual int64_t outerJoinEmitIntervalMs() const { return 1000; }
  // How often (wall-clock ms) a windowed aggregation with EmitStrategy::onWindowClose() looks
  // for closed windows: Java's internal __emit.interval.ms.kstreams.windowed.aggregation__, 1000
  // by default and 0 in the TopologyTestDriver (as Kafka's).
  virtual int64_t windowedAggregationEmitIntervalMs() const { return 1000; }
  // Whether stores built with caching get the record cache (statestore.cache.max.bytes > 0).
  virtual bool recordCacheEnabled() const { return false; }
  virtual void requestCommit() = 0;
  // ProcessorContextBase::schedule for the processor of node `node`.
  virtual Cancellable schedule(const std::string& node, std::chrono::milliseconds interval,
                               PunctuationType type, Punctuator callback) = 0;
  // The full topic name: internal topics (repartition, changelog) get "<application.id>-".
  virtual std::string resolveTopic(const std::string& name, bool internal) const = 0;
  virtual std::shared_ptr<const SerdeBase> defaultKeySerde() const = 0;
  virtual std::shared_ptr<const SerdeBase> defaultValueSerde() const = 0;
  // Produces serialized bytes (partition -1: chosen from the key by the producer's partitioner,
  // murmur2 as in Java clients). The bytes are copied before the call returns.
  virtual void send(const std::string& topic, int32_t partition,
                    std::optional<std::string_view> key, std::optional<std::string_view> value,
                    int64_t timestamp, const Headers& headers) = 0;
  // Applies the deserialization exception handler to `raw`: returns to skip the record, throws
  // StreamsException to fail the task.
  virtual void onDeserializationError(const RawRecord& raw, const std::string& reason) = 0;
  // Applies the production exception handler to an output record sink `node` could not
  // serialize (`key`: the key's bytes when only the value failed): returns to drop the record,
  // throws StreamsException to fail the task.
  virtual void onSerializationError(const std::string& node, const std::string& topic,
                                    bool internal_topic, ProductionErrorOrigin origin,
                                    const std::string& error, std::optional<std::string_view> key,
                                    int64_t timestamp) = 0;
  // Applies the processing exception handler to `error`, thrown by the processor of `node`:
  // returns to drop the record at that node, throws StreamsException to fail the task.
  virtual void onProcessingError(const std::string& node, const std::string& error) = 0;

 protected:
  int64_t record_timestamp_ = -1;
  const Headers* record_headers_ = nullptr;
};

class NodeInstance {
 public:
  explicit NodeInstance(std::string name) : name_(std::move(name)) {}
  virtual ~NodeInstance() = default;
  NodeInstance(const NodeInstance&) = delete;
  NodeInstance& operator=(const NodeInstance&) = delete;

  const std::string& name() const { return name_; }
  // Called by the task for each child in topology order, before init().
  virtual void addChild(NodeInstance* child) { (void)child; }
  virtual void init(TaskContext& context) { (void)context; }
  virtual void close() {}
  // Sources and sinks: the serdes they use (after init()); empty for other nodes.
  virtual NodeSerdes serdes() const { return {}; }

 private:
  std::string name_;
};

// A node that accepts Record<K, V>.
template <typename K, typename V>
class TypedNode : public NodeInstance {
 public:
  using NodeInstance::NodeInstance;
  virtual void process(Record<K, V> record) = 0;
};

// Downcasts a child to the input type the parent produces. Topology checks the types when nodes
// are added, so a failure here is a kstreams bug, reported rather than crashing.
template <typename K, typename V>
TypedNode<K, V>* asTypedChild(NodeInstance* parent_or_null, NodeInstance* child) {
  auto* typed = dynamic_cast<TypedNode<K, V>*>(child);
  if (typed == nullptr) {
    throw TopologyException("node " + child->name() + " cannot receive the records of " +
                            (parent_or_null ? parent_or_null->name() : std::string("?")));
  }
  return typed;
}

class SourceNodeBase : public NodeInstance {
 public:
  using NodeInstance::NodeInstance;
  virtual void processRaw(const RawRecord& raw) = 0;
};

// Adapts a configured default serde of another type to Serde<T> where that is meaningful:
// std::optional<U> from a Serde<U> (a Kafka null is nullopt), and Change<U> (change.h) from a
// Serde<U>. Returns null when `fallback` does not fit.
template <typename T>
struct DefaultSerdeAdapter {
  static std::shared_ptr<const Serde<T>> adapt(const std::shared_ptr<const SerdeBase>&) {
    return nullptr;
  }
};
template <typename U>
struct DefaultSerdeAdapter<std::optional<U>> {
  static std::shared_ptr<const Serde<std::optional<U>>> adapt(
      const std::shared_ptr<const SerdeBase>& fallback) {
    auto inner = std::dynamic_pointer_cast<const Serde<U>>(fallback);
    if (!inner) return nullptr;
    return std::make_shared<const serdes_internal::OptionalSerde<U>>(std::move(inner));
  }
};

template <typename Serde>
std::shared_ptr<const Serde> resolveSerde(std::shared_ptr<const Serde> explicit_serde,
                                          std::shared_ptr<const SerdeBase> fallback,
                                          const std::string& node, const char* which) {
  if (explicit_serde) return explicit_serde;
  std::shared_ptr<const Serde> typed = std::dynamic_pointer_cast<const Serde>(fallback);
  if (!typed) typed = DefaultSerdeAdapter<typename Serde::Type>::adapt(fallback);
  if (!typed) {
    throw ConfigException(std::string("default.") + which + ".serde",
                          (fallback ? fallback->name() + " does not produce" : "not set, and") +
                              std::string(" the ") + which + " type node " + node +
                              " needs; give the node a serde or set a matching default");
  }
  return typed;
}

template <typename K, typename V>
class SourceNode final : public SourceNodeBase {
 public:
  SourceNode(std::string name, SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : SourceNodeBase(std::move(name)),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  void addChild(NodeInstance* child) override {
    children_.push_back(asTypedChild<K, V>(this, child));
  }
  void init(TaskContext& context) override {
    context_ = &context;
    key_serde_ = resolveSerde(key_serde_, context.defaultKeySerde(), name(), "key");
    value_serde_ = resolveSerde(value_serde_, context.defaultValueSerde(), name(), "value");
    key_reads_null_ = key_serde_->deserializesNull();
    value_reads_null_ = value_serde_->deserializesNull();
  }
  NodeSerdes serdes() const override { return {key_serde_, value_serde_, {}}; }

  void processRaw(const RawRecord& raw) override {
    std::optional<Record<K, V>> record;
    try {
      if (raw.key && raw.value) [[likely]] {
        record.emplace(key_serde_->deserialize(raw.topic, raw.key),
                       value_serde_->deserialize(raw.topic, raw.value), raw.timestamp, raw.headers);
      } else {
        deserializeWithNulls(raw, record);
      }
    } catch (const std::exception& e) {
      context_->onDeserializationError(raw, e.what());
      return;
    }
    const size_t n = children_.size();
    for (size_t i = 0; i + 1 < n; ++i) children_[i]->process(*record);
    if (n > 0) children_[n - 1]->process(std::move(*record));
  }

 private:
  // A key or value is a Kafka null: off the common path.
  [[gnu::noinline]] void deserializeWithNulls(const RawRecord& raw,
                                              std::optional<Record<K, V>>& record) const {
    bool null_key = false;
    bool null_value = false;
    record.emplace(serdes_internal::deserializeOrNull(*key_serde_, key_reads_null_, raw.topic,
                                                      raw.key, &null_key),
                   serdes_internal::deserializeOrNull(*value_serde_, value_reads_null_, raw.topic,
                                                      raw.value, &null_value),
                   raw.timestamp, raw.headers);
    RecordNulls::markKey(*record, null_key);
    RecordNulls::markValue(*record, null_value);
  }

  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  bool key_reads_null_ = false;
  bool value_reads_null_ = false;
  std::vector<TypedNode<K, V>*> children_;
  TaskContext* context_ = nullptr;
};

template <typename K, typename V>
class SinkNode final : public TypedNode<K, V> {
 public:
  SinkNode(std::string name, std::string topic, bool internal_topic, SerdePtr<K> key_serde,
           SerdePtr<V> value_serde)
      : TypedNode<K, V>(std::move(name)),
        topic_(std::move(topic)),
        internal_topic_(internal_topic),
        key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)) {}

  void init(TaskContext& context) override {
    context_ = &context;
    resolved_topic_ = context.resolveTopic(topic_, internal_topic_);
    key_serde_ = resolveSerde(key_serde_, context.defaultKeySerde(), this->name(), "key");
    value_serde_ = resolveSerde(value_serde_, context.defaultValueSerde(), this->name(), "value");
  }
  NodeSerdes serdes() const override { return {key_serde_, value_serde_, resolved_topic_}; }

  void process(Record<K, V> record) override {
    // Buffers are reused across records: no allocation once they have grown. A key or value
    // marked null is a Kafka null whatever the serde would make of its placeholder; a null key
    // leaves the partition to the producer's partitioner (random for null keys, as in Java).
    key_buf_.clear();
    value_buf_.clear();
    bool has_key = false;
    bool has_value = false;
    try {
      has_key = !RecordNulls::keyMarked(record) &&
                key_serde_->serialize(resolved_topic_, record.key(), key_buf_);
    } catch (const std::exception& e) {
      context_->onSerializationError(this->name(), resolved_topic_, internal_topic_,
                                     ProductionErrorOrigin::kKeySerialization, e.what(),
                                     std::nullopt, record.timestamp());
      return;
    }
    try {
      has_value = !RecordNulls::valueMarked(record) &&
                  value_serde_->serialize(resolved_topic_, record.value(), value_buf_);
    } catch (const std::exception& e) {
      context_->onSerializationError(
          this->name(), resolved_topic_, internal_topic_,
          ProductionErrorOrigin::kValueSerialization, e.what(),
          has_key ? std::optional<std::string_view>(key_buf_) : std::nullopt, record.timestamp());
      return;
    }
    context_->send(resolved_topic_, -1,
                   has_key ? std::optional<std::string_view>(key_buf_) : std::nullopt,
                   has_value ? std::optional<std::string_view>(value_buf_) : std::nullopt,
                   record.timestamp(), record.headers());
  }

 private:
  std::string topic_;
  bool internal_topic_;
  std::string resolved_topic_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  TaskContext* context_ = nullptr;
  std::string key_buf_;
  std::string value_buf_;
};

// Runs a user (or DSL) Processor and is its context.
template <typename KIn, typename VIn, typename KOut, typename VOut>
class ProcessorNode final : public TypedNode<KIn, VIn>, public ProcessorContext<KOut, VOut> {
 public:
  ProcessorNode(std::string name, std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor)
      : TypedNode<KIn, VIn>(std::move(name)), processor_(std::move(processor)) {}

  void addChild(NodeInstance* child) override {
    if constexpr (std::is_same_v<KOut, Void> && std::is_same_v<VOut, Void>) {
      throw TopologyException("node " + this->name() + " forwards nothing and cannot have child " +
                              child->name());
    } else {
      children_.push_back(asTypedChild<KOut, VOut>(this, child));
    }
  }
  void init(TaskContext& context) override {
    task_ = &context;
    processor_->init(*this);
  }
  void close() override { processor_->close(); }
  void process(Record<KIn, VIn> record) override {
    // The processor may write stores, which log with this record's timestamp. (Not its headers:
    // the record is moved into the processor. Only DSL nodes forward what a cache flushes, and
    // they set their headers themselves.)
    TaskContext::RecordContextScope scope(*task_, record.timestamp(), nullptr);
    try {
      processor_->process(std::move(record));
    } catch (const StreamsException&) {
      throw;  // not a processing error (see ProcessingExceptionHandler), or already handled
    } catch (const std::exception& e) {
      task_->onProcessingError(this->name(), e.what());
    }
  }

  // ProcessorContext
  void forward(Record<KOut, VOut> record) override {
    const size_t n = children_.size();
    for (size_t i = 0; i + 1 < n; ++i) children_[i]->process(record);
    if (n > 0) children_[n - 1]->process(std::move(record));
  }
  void forward(Record<KOut, VOut> record, std::string_view child_name) override {
    for (auto* child : children_) {
      if (child->name() == child_name) {
        child->process(std::move(record));
        return;
      }
    }
    throw StreamsException("processor " + this->name() + " has no child named " +
                           std::string(child_name));
  }
  const std::string& applicationId() const override { return task_->applicationId(); }
  TaskId taskId() const override { return task_->taskId(); }
  const RecordMetadata* recordMetadata() const override { return task_->recordMetadata(); }
  int64_t currentSystemTimeMs() const override { return task_->wallClockMs(); }
  int64_t currentStreamTimeMs() const override { return task_->streamTimeMs(); }
  void commit() override { task_->requestCommit(); }
  Cancellable schedule(std::chrono::milliseconds interval, PunctuationType type,
                       Punctuator callback) override {
    return task_->schedule(this->name(), interval, type, std::move(callback));
  }
  StateStore& stateStore(const std::string& name) override {
    return task_->stateStore(this->name(), name);
  }

 private:
  std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> processor_;
  std::vector<TypedNode<KOut, VOut>*> children_;
  TaskContext* task_ = nullptr;
};

// Makes the node instances for one topology node; held by the immutable Topology and called once
// per task, possibly from several stream threads at once (so create() must be thread-safe).
class NodeFactory {
 public:
  virtual ~NodeFactory() = default;
  virtual std::unique_ptr<NodeInstance> create(const std::string& name) const = 0;
};

template <typename F>
class LambdaNodeFactory final : public NodeFactory {
 public:
  explicit LambdaNodeFactory(F f) : f_(std::move(f)) {}
  std::unique_ptr<NodeInstance> create(const std::string& name) const override { return f_(name); }

 private:
  F f_;
};

template <typename F>
std::shared_ptr<const NodeFactory> makeNodeFactory(F f) {
  return std::make_shared<LambdaNodeFactory<F>>(std::move(f));
}

}  // namespace kstreams::internal
