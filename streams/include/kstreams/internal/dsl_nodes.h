// File: kstreams/internal/dsl_nodes.h — NOT part of the public API; may change at any time.
//
// The nodes the stateless DSL operators put into a Topology (Java's KStreamFilter, KStreamMap,
// KStreamBranch, PassThrough, … in kstream/internals). Each DSL operator becomes one
// DslNode<KIn, VIn, KOut, VOut, Op>: a TypedNode whose process() calls the operator's small
// function object `Op` with the record and the node's children. Op is a template parameter, so
// the user's lambda is called directly (inlined where the compiler can) and a record costs one
// virtual call per hop, as between Processor API nodes, without a Processor object or a
// std::function in between. Only split()'s predicates are type-erased (std::function: several
// lambdas of different types in one node), at one indirect call per predicate tried.
//
// Every node instance belongs to one task and is used by that task's stream thread only; Ops are
// copied from the topology's factory for each task, so a stateful (mutable) lambda has one state
// per task, never shared between threads.
#pragma once

#include <algorithm>
#include <functional>
#include <memory>
#include <mutex>
#include <ranges>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#include "kstreams/dsl_options.h"
#include "kstreams/errors.h"
#include "kstreams/fixed_key_processor.h"
#include "kstreams/internal/node.h"
#include "kstreams/record.h"
#include "kstreams/topology.h"

namespace kstreams::internal {

// The children of a node that forwards Record<K, V>: copies to all but the last, moves to the
// last (the ProcessorNode convention). Void/Void means the node forwards nothing.
template <typename K, typename V>
class Downstream {
 public:
  static constexpr bool kTerminal = std::is_same_v<K, Void> && std::is_same_v<V, Void>;

  void add(NodeInstance* parent, NodeInstance* child) {
    if constexpr (kTerminal) {
      throw TopologyException("node " + parent->name() +
                              " forwards nothing and cannot have child " + child->name());
    } else {
      children_.push_back(asTypedChild<K, V>(parent, child));
    }
  }

  void forward(Record<K, V>&& record) {
    const size_t n = children_.size();
    for (size_t i = 0; i + 1 < n; ++i) children_[i]->process(record);
    if (n > 0) children_[n - 1]->process(std::move(record));
  }

  // Throws StreamsException when `parent` has no child of that name.
  void forwardTo(const NodeInstance& parent, std::string_view child_name, Record<K, V>&& record) {
    for (auto* child : children_) {
      if (child->name() == child_name) {
        child->process(std::move(record));
        return;
      }
    }
    throw StreamsException("processor " + parent.name() + " has no child named " +
                           std::string(child_name));
  }

 private:
  std::vector<TypedNode<K, V>*> children_;
};

template <typename KIn, typename VIn, typename KOut, typename VOut, typename Op>
class DslNode final : public TypedNode<KIn, VIn> {
 public:
  DslNode(std::string name, const Op& op) : TypedNode<KIn, VIn>(std::move(name)), op_(op) {}

  void addChild(NodeInstance* child) override { out_.add(this, child); }
  void process(Record<KIn, VIn> record) override { op_(std::move(record), out_); }

 private:
  Op op_;
  Downstream<KOut, VOut> out_;
};

// Adds a DslNode to `topology`. Op must be copyable: every task gets its own copy.
template <typename KIn, typename VIn, typename KOut, typename VOut, typename Op>
void addDslNode(Topology& topology, const std::string& name, std::vector<std::string> parents,
                Op op) {
  NodeDef def;
  def.name = name;
  def.kind = NodeDef::Kind::kProcessor;
  def.parents = std::move(parents);
  def.in_key = typeid(KIn);
  def.in_value = typeid(VIn);
  def.out_key = typeid(KOut);
  def.out_value = typeid(VOut);
  def.factory =
      makeNodeFactory([op = std::move(op)](const std::string& n) -> std::unique_ptr<NodeInstance> {
        return std::make_unique<DslNode<KIn, VIn, KOut, VOut, Op>>(n, op);
      });
  topology.addNode(std::move(def));
}

// Topology::addSource, plus the flag that marks the topic internal (a repartition topic, named
// "<application.id>-<topic>" at run time).
template <typename K, typename V>
void addSourceNode(Topology& topology, const std::string& name, std::vector<std::string> topics,
                   bool internal_topic, SerdePtr<K> key_serde, SerdePtr<V> value_serde,
                   std::shared_ptr<const TimestampExtractor> timestamp_extractor = nullptr) {
  NodeDef def;
  def.name = name;
  def.kind = NodeDef::Kind::kSource;
  def.topics = std::move(topics);
  def.timestamp_extractor = std::move(timestamp_extractor);
  def.internal_topic = internal_topic;
  def.out_key = typeid(K);
  def.out_value = typeid(V);
  def.factory = makeNodeFactory(
      [key_serde, value_serde](const std::string& n) -> std::unique_ptr<NodeInstance> {
        return std::make_unique<SourceNode<K, V>>(n, key_serde, value_serde);
      });
  topology.addNode(std::move(def));
}

// ---- Key-value results of map() and flatMap(): kstreams::KeyValue or std::pair. ----

template <typename T>
struct KeyValueTraits {
  static constexpr bool kIsKeyValue = false;
};
template <typename K, typename V>
struct KeyValueTraits<KeyValue<K, V>> {
  static constexpr bool kIsKeyValue = true;
  using Key = K;
  using Value = V;
};
template <typename K, typename V>
struct KeyValueTraits<std::pair<K, V>> {
  static constexpr bool kIsKeyValue = true;
  using Key = K;
  using Value = V;
};

// The key and value of a KeyValue or pair, moved out when `kv` is an rvalue.
template <typename KV>
decltype(auto) keyOf(KV&& kv) {
  if constexpr (requires { kv.first; }) {
    return (std::forward<KV>(kv).first);
  } else {
    return (std::forward<KV>(kv).key);
  }
}
template <typename KV>
decltype(auto) valueOf(KV&& kv) {
  if constexpr (requires { kv.second; }) {
    return (std::forward<KV>(kv).second);
  } else {
    return (std::forward<KV>(kv).value);
  }
}

// Whether the elements of a range that a user function returned as `R` may be moved out: yes
// for a container returned by value (nothing else owns it), no for a reference or a view (whose
// elements belong to someone else).
template <typename R>
inline constexpr bool kOwnsElements =
    !std::is_reference_v<R> && !std::ranges::view<std::remove_cv_t<R>>;

// Calls emit(element, is_last) for each element of `range`; `is_last` (known for forward ranges
// only) lets the caller move its own key and headers into the last output instead of copying.
template <bool kMove, typename Range, typename Emit>
void emitEach(Range& range, Emit&& emit) {
  auto pass = [&](auto&& element, bool last) {
    if constexpr (kMove) {
      emit(std::move(element), last);
    } else {
      emit(std::as_const(element), last);
    }
  };
  if constexpr (std::ranges::forward_range<Range>) {
    auto it = std::ranges::begin(range);
    const auto end = std::ranges::end(range);
    while (it != end) {
      auto current = it;
      ++it;
      auto&& element = *current;
      pass(element, it == end);
    }
  } else {
    for (auto&& element : range) pass(element, false);
  }
}

// ---- The operators. Each is called as op(record, downstream). ----

struct PassThroughOp {
  template <typename K, typename V>
  void operator()(Record<K, V>&& record, Downstream<K, V>& out) {
    out.forward(std::move(record));
  }
};

// filter / filterNot (Java's KStreamFilter).
template <typename Pred>
struct FilterOp {
  Pred predicate;
  bool negate;

  template <typename K, typename V>
  void operator()(Record<K, V>&& record, Downstream<K, V>& out) {
    if (static_cast<bool>(std::invoke(predicate, std::as_const(record.key()),
                                      std::as_const(record.value()))) != negate) {
      out.forward(std::move(record));
    }
  }
};

// mapValues (Java's KStreamMapValues). The old value is handed to the mapper as an rvalue: it is
// not needed afterwards, so a mapper taking its argument by value gets it without a copy.
template <typename Fn, bool kWithKey>
struct MapValuesOp {
  Fn mapper;

  template <typename K, typename V, typename VR>
  void operator()(Record<K, V>&& record, Downstream<K, VR>& out) {
    if constexpr (kWithKey) {
      VR value = std::invoke(mapper, std::as_const(record.key()), std::move(record.value()));
      out.forward(std::move(record).withValue(std::move(value)));
    } else {
      VR value = std::invoke(mapper, std::move(record.value()));
      out.forward(std::move(record).withValue(std::move(value)));
    }
  }
};

// selectKey (Java builds it from KStreamMap).
template <typename Fn>
struct SelectKeyOp {
  Fn mapper;

  template <typename K, typename V, typename KR>
  void operator()(Record<K, V>&& record, Downstream<KR, V>& out) {
    KR key = std::invoke(mapper, std::as_const(record.key()), std::as_const(record.value()));
    out.forward(std::move(record).withKey(std::move(key)));
  }
};

// map (Java's KStreamMap): both old key and value go to the mapper as rvalues.
template <typename Fn>
struct MapOp {
  Fn mapper;

  template <typename K, typename V, typename KR, typename VR>
  void operator()(Record<K, V>&& record, Downstream<KR, VR>& out) {
    auto kv = std::invoke(mapper, std::move(record.key()), std::move(record.value()));
    out.forward(Record<KR, VR>(keyOf(std::move(kv)), valueOf(std::move(kv)), record.timestamp(),
                               std::move(record.headers())));
  }
};

// flatMap (Java's KStreamFlatMap): zero or more records, each with the input's timestamp and
// headers.
template <typename Fn>
struct FlatMapOp {
  Fn mapper;

  template <typename K, typename V, typename KR, typename VR>
  void operator()(Record<K, V>&& record, Downstream<KR, VR>& out) {
    using R = decltype(std::invoke(mapper, std::move(record.key()), std::move(record.value())));
    decltype(auto) result = std::invoke(mapper, std::move(record.key()), std::move(record.value()));
    const int64_t ts = record.timestamp();
    emitEach<kOwnsElements<R>>(result, [&](auto&& kv, bool last) {
      using KV = decltype(kv);
      out.forward(Record<KR, VR>(keyOf(std::forward<KV>(kv)), valueOf(std::forward<KV>(kv)), ts,
                                 last ? std::move(record.headers()) : record.headers()));
    });
  }
};

// flatMapValues (Java's KStreamFlatMapValues).
template <typename Fn, bool kWithKey>
struct FlatMapValuesOp {
  Fn mapper;

  template <typename K, typename V, typename VR>
  void operator()(Record<K, V>&& record, Downstream<K, VR>& out) {
    if constexpr (kWithKey) {
      using R =
          decltype(std::invoke(mapper, std::as_const(record.key()), std::move(record.value())));
      decltype(auto) result =
          std::invoke(mapper, std::as_const(record.key()), std::move(record.value()));
      emit<kOwnsElements<R>, K, VR>(result, record, out);
    } else {
      using R = decltype(std::invoke(mapper, std::move(record.value())));
      decltype(auto) result = std::invoke(mapper, std::move(record.value()));
      emit<kOwnsElements<R>, K, VR>(result, record, out);
    }
  }

 private:
  template <bool kMove, typename K, typename VR, typename Range, typename V>
  static void emit(Range& result, Record<K, V>& record, Downstream<K, VR>& out) {
    const bool null_key = RecordNulls::keyMarked(record);
    emitEach<kMove>(result, [&](auto&& value, bool last) {
      Record<K, VR> next =
          last ? Record<K, VR>(std::move(record.key()), std::forward<decltype(value)>(value),
                               record.timestamp(), std::move(record.headers()))
               : Record<K, VR>(record.key(), std::forward<decltype(value)>(value),
                               record.timestamp(), record.headers());
      RecordNulls::markKey(next, null_key);  // the key goes on unchanged, null or not
      out.forward(std::move(next));
    });
  }
};

// peek (Java's KStreamPeek).
template <typename Fn>
struct PeekOp {
  Fn action;

  template <typename K, typename V>
  void operator()(Record<K, V>&& record, Downstream<K, V>& out) {
    std::invoke(action, std::as_const(record.key()), std::as_const(record.value()));
    out.forward(std::move(record));
  }
};

// foreach (Java's ForeachProcessor): terminal.
template <typename Fn>
struct ForeachOp {
  Fn action;

  template <typename K, typename V>
  void operator()(Record<K, V>&& record, Downstream<Void, Void>&) {
    std::invoke(action, std::as_const(record.key()), std::as_const(record.value()));
  }
};

// print (Java's KStreamPrint + PrintForeachAction): "[label]: key, value" per line.
template <typename K, typename V>
struct PrintOp {
  std::shared_ptr<PrintSink> sink;
  std::string label;
  std::function<std::string(const K&, const V&)> mapper;

  void operator()(Record<K, V>&& record, Downstream<Void, Void>&) {
    std::ostringstream line;
    line << '[' << label << "]: ";
    if (mapper) {
      line << mapper(record.key(), record.value());
    } else {
      // Java's "%s" of a null key or value.
      if (record.keyIsNull()) {
        line << "null";
      } else {
        printTo(line, record.key());
      }
      line << ", ";
      if (record.valueIsNull()) {
        line << "null";
      } else {
        printTo(line, record.value());
      }
    }
    line << '\n';
    std::lock_guard<std::mutex> lock(sink->mu);
    *sink->out << line.str();
    if (sink->flush_each_line) sink->out->flush();
  }
};

// ---- split() (Java's KStreamBranch) ----

// Filled while the user adds branches; read (copied) by each task's BranchNode once the topology
// is built.
template <typename K, typename V>
struct BranchSpec {
  std::vector<std::function<bool(const K&, const V&)>> predicates;
  // The processor of branch i is child_names[i]; a default branch comes last, without predicate.
  std::vector<std::string> child_names;
  bool has_default = false;
};

// Sends each record to the first branch whose predicate matches, else to the default branch if
// there is one, else drops it.
template <typename K, typename V>
class BranchNode final : public TypedNode<K, V> {
 public:
  BranchNode(std::string name, const BranchSpec<K, V>& spec)
      : TypedNode<K, V>(std::move(name)),
        predicates_(spec.predicates),
        child_names_(spec.child_names),
        children_(spec.child_names.size(), nullptr) {}

  void addChild(NodeInstance* child) override {
    auto it = std::find(child_names_.begin(), child_names_.end(), child->name());
    if (it == child_names_.end()) {
      throw TopologyException("split processor " + this->name() + " has no branch named " +
                              child->name());
    }
    children_[static_cast<size_t>(it - child_names_.begin())] = asTypedChild<K, V>(this, child);
  }

  void process(Record<K, V> record) override {
    const size_t n = predicates_.size();
    for (size_t i = 0; i < n; ++i) {
      if (predicates_[i](std::as_const(record.key()), std::as_const(record.value()))) {
        send(i, std::move(record));
        return;
      }
    }
    if (children_.size() > n) send(n, std::move(record));
  }

 private:
  void send(size_t i, Record<K, V>&& record) {
    if (children_[i] != nullptr) children_[i]->process(std::move(record));
  }

  std::vector<std::function<bool(const K&, const V&)>> predicates_;
  std::vector<std::string> child_names_;
  std::vector<TypedNode<K, V>*> children_;
};

// ---- processValues() ----

// Runs a FixedKeyProcessor and is its context (the fixed-key twin of ProcessorNode).
template <typename K, typename VIn, typename VOut>
class FixedKeyProcessorNode final : public TypedNode<K, VIn>,
                                    public FixedKeyProcessorContext<K, VOut> {
 public:
  FixedKeyProcessorNode(std::string name,
                        std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> processor)
      : TypedNode<K, VIn>(std::move(name)), processor_(std::move(processor)) {}

  void addChild(NodeInstance* child) override { out_.add(this, child); }
  void init(TaskContext& context) override {
    task_ = &context;
    processor_->init(*this);
  }
  void close() override { processor_->close(); }
  void process(Record<K, VIn> record) override {
    TaskContext::RecordContextScope scope(*task_, record.timestamp(), nullptr);
    processor_->process(FixedKeyRecordAccess::wrap(std::move(record)));
  }

  // FixedKeyProcessorContext
  void forward(FixedKeyRecord<K, VOut> record) override {
    if constexpr (!Downstream<K, VOut>::kTerminal) {
      out_.forward(FixedKeyRecordAccess::unwrap(std::move(record)));
    }
  }
  void forward(FixedKeyRecord<K, VOut> record, std::string_view child_name) override {
    if constexpr (Downstream<K, VOut>::kTerminal) {
      throw StreamsException("processor " + this->name() + " has no child named " +
                             std::string(child_name));
    } else {
      out_.forwardTo(*this, child_name, FixedKeyRecordAccess::unwrap(std::move(record)));
    }
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
  std::unique_ptr<FixedKeyProcessor<K, VIn, VOut>> processor_;
  Downstream<K, VOut> out_;
  TaskContext* task_ = nullptr;
};

}  // namespace kstreams::internal
