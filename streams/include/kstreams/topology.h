// File: kstreams/topology.h
//
// A Topology is the processor graph an application runs: source nodes read topics, processor
// nodes transform records, sink nodes write topics. Build one with the DSL
// (StreamsBuilder::build()) or by hand with the Processor API:
//
//   kstreams::Topology t;
//   t.addSource<std::string, std::string>("in", {"input"}, Serdes::String(), Serdes::String())
//    .addProcessor("upper", [] { return std::make_unique<Uppercase>(); }, {"in"})
//    .addSink<std::string, std::string>("out", "output", {"upper"});
//   std::cout << t.describe();
//
// Nodes connected to each other form a sub-topology; each sub-topology runs as one task per
// partition of its input topics. Types are checked when a node is added: a child must accept
// exactly the key and value types its parents forward, otherwise TopologyException.
//
// State stores (kstreams/stores.h) are added with addStateStore() and connected to the
// processors that use them; processors sharing a store are in one sub-topology. Every task of
// that sub-topology makes its own store; a logged store writes the compacted changelog topic
// "<application.id>-<store>-changelog", which the topology declares as an internal topic
// (internalTopics()) so that KafkaStreams creates it.
//
// Threads: build a Topology on one thread; once handed to KafkaStreams or TopologyTestDriver it
// is only read (it holds processor *suppliers*; every task makes its own instances), so one
// Topology may back several KafkaStreams instances.
#pragma once

#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <typeindex>
#include <vector>

#include "kstreams/errors.h"
#include "kstreams/internal/node.h"
#include "kstreams/internal/store_def.h"
#include "kstreams/processor.h"
#include "kstreams/serde.h"
#include "kstreams/stores.h"
#include "kstreams/timestamp_extractor.h"

namespace kstreams {

namespace internal {

struct NodeDef {
  enum class Kind { kSource, kProcessor, kSink };
  std::string name;
  Kind kind = Kind::kProcessor;
  std::vector<std::string> parents;
  std::vector<std::string> children;
  // Source: the topics it reads. Sink: exactly one topic.
  std::vector<std::string> topics;
  // Internal topics are named "<application.id>-<topic>" at run time.
  bool internal_topic = false;
  std::set<std::string> stores;
  // Source: its own event-time extractor (null: default.timestamp.extractor).
  std::shared_ptr<const TimestampExtractor> timestamp_extractor;
  std::type_index in_key = typeid(void), in_value = typeid(void);
  std::type_index out_key = typeid(void), out_value = typeid(void);
  std::shared_ptr<const NodeFactory> factory;
};

// A topic the application creates itself: repartition topics, and the changelogs of logged
// stores ("<store>-changelog", compacted).
struct InternalTopicDef {
  std::string name;  // without the application.id prefix
  // Number of partitions; -1 means "as many as the sub-topology that writes it reads".
  int partitions = -1;
  std::map<std::string, std::string> configs;
};

struct SubtopologyDef {
  int id = 0;
  std::vector<std::string> nodes;  // in the order they were added
  // Topics read by the sources of this sub-topology, as declared, and whether each is internal.
  std::vector<std::pair<std::string, bool>> source_topics;
};

}  // namespace internal

// The text and Graphviz forms of a topology. toString() matches Kafka Streams'
// TopologyDescription#toString() for the same graph and names.
class TopologyDescription {
 public:
  explicit TopologyDescription(std::string text, std::string dot)
      : text_(std::move(text)), dot_(std::move(dot)) {}
  const std::string& toString() const { return text_; }
  // A `digraph` with one cluster per sub-topology; topics are drawn as boxes.
  const std::string& toDot() const { return dot_; }
  friend std::ostream& operator<<(std::ostream& os, const TopologyDescription& d) {
    return os << d.text_;
  }

 private:
  std::string text_;
  std::string dot_;
};

class Topology {
 public:
  Topology() = default;
  Topology(Topology&&) = default;
  Topology& operator=(Topology&&) = default;

  // Adds a source reading `topics`. Null serdes mean default.key.serde / default.value.serde
  // from the config, which must then produce K and V (checked when the application starts).
  // `timestamp_extractor` gives the records' event time (kstreams/timestamp_extractor.h; null:
  // default.timestamp.extractor), as Java's addSource(TimestampExtractor, ...).
  template <typename K, typename V>
  Topology& addSource(const std::string& name, std::vector<std::string> topics,
                      SerdePtr<K> key_serde = nullptr, SerdePtr<V> value_serde = nullptr,
                      std::shared_ptr<const TimestampExtractor> timestamp_extractor = nullptr) {
    internal::NodeDef def;
    def.name = name;
    def.kind = internal::NodeDef::Kind::kSource;
    def.topics = std::move(topics);
    def.timestamp_extractor = std::move(timestamp_extractor);
    def.out_key = typeid(K);
    def.out_value = typeid(V);
    def.factory = internal::makeNodeFactory(
        [key_serde, value_serde](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<internal::SourceNode<K, V>>(n, key_serde, value_serde);
        });
    addNode(std::move(def));
    return *this;
  }

  // Adds a processor made by `supplier`, a callable returning std::unique_ptr<P> where P derives
  // from Processor<KIn, VIn, KOut, VOut>. The supplier is called once per task, perhaps from
  // several threads at once. `stores` connects state stores by name (added before or after
  // with addStateStore; a task fails to start if one is missing).
  template <typename Supplier>
  Topology& addProcessor(const std::string& name, Supplier supplier,
                         std::vector<std::string> parents, std::vector<std::string> stores = {}) {
    using P = typename decltype(supplier())::element_type;
    using KIn = typename P::KeyIn;
    using VIn = typename P::ValueIn;
    using KOut = typename P::KeyOut;
    using VOut = typename P::ValueOut;
    internal::NodeDef def;
    def.name = name;
    def.kind = internal::NodeDef::Kind::kProcessor;
    def.parents = std::move(parents);
    def.stores.insert(stores.begin(), stores.end());
    def.in_key = typeid(KIn);
    def.in_value = typeid(VIn);
    def.out_key = typeid(KOut);
    def.out_value = typeid(VOut);
    def.factory = internal::makeNodeFactory(
        [supplier =
             std::move(supplier)](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          std::unique_ptr<Processor<KIn, VIn, KOut, VOut>> p = supplier();
          return std::make_unique<internal::ProcessorNode<KIn, VIn, KOut, VOut>>(n, std::move(p));
        });
    addNode(std::move(def));
    return *this;
  }

  // Adds a sink writing to `topic`. Null serdes mean the configured defaults.
  template <typename K, typename V>
  Topology& addSink(const std::string& name, const std::string& topic,
                    std::vector<std::string> parents, SerdePtr<K> key_serde = nullptr,
                    SerdePtr<V> value_serde = nullptr) {
    addSinkNode<K, V>(name, topic, /*internal_topic=*/false, std::move(parents),
                      std::move(key_serde), std::move(value_serde));
    return *this;
  }

  // Adds a state store (Java's addStateStore) and connects it to the named processors, which
  // may also be added later and connected with connectProcessorAndStateStores(). Throws
  // TopologyException for a store name already added or an unknown processor.
  template <typename S>
  Topology& addStateStore(const StoreBuilder<S>& builder,
                          const std::vector<std::string>& processor_names = {}) {
    addStore(builder.toStoreDef(), processor_names);
    return *this;
  }
  // Gives a processor access to stores added before (Java's connectProcessorAndStateStores).
  // Throws TopologyException for an unknown processor or store.
  Topology& connectProcessorAndStateStores(const std::string& processor_name,
                                           const std::vector<std::string>& store_names);

  TopologyDescription describe() const;

  // ---- For the DSL and the runtime; not for application code. ----
  void addNode(internal::NodeDef def);
  template <typename K, typename V>
  void addSinkNode(const std::string& name, const std::string& topic, bool internal_topic,
                   std::vector<std::string> parents, SerdePtr<K> key_serde,
                   SerdePtr<V> value_serde) {
    internal::NodeDef def;
    def.name = name;
    def.kind = internal::NodeDef::Kind::kSink;
    def.topics = {topic};
    def.internal_topic = internal_topic;
    def.parents = std::move(parents);
    def.in_key = typeid(K);
    def.in_value = typeid(V);
    def.factory = internal::makeNodeFactory(
        [topic, internal_topic, key_serde,
         value_serde](const std::string& n) -> std::unique_ptr<internal::NodeInstance> {
          return std::make_unique<internal::SinkNode<K, V>>(n, topic, internal_topic, key_serde,
                                                            value_serde);
        });
    addNode(std::move(def));
  }
  void addInternalTopic(internal::InternalTopicDef topic);
  // Connects a store by name; the store may be added later (addStore), but must exist when a
  // task starts.
  void connectStore(const std::string& node, const std::string& store);
  void addStore(internal::StoreDef def, const std::vector<std::string>& processor_names);
  bool hasNode(const std::string& name) const { return index_.count(name) > 0; }
  // The store of that name, or nullptr.
  const internal::StoreDef* storeDef(const std::string& name) const;
  const std::map<std::string, internal::StoreDef>& stores() const { return stores_; }

  const std::vector<internal::NodeDef>& nodes() const { return nodes_; }
  const internal::NodeDef& node(const std::string& name) const;
  const std::vector<internal::InternalTopicDef>& internalTopics() const { return internal_topics_; }
  // Sub-topologies in id order; computed from the graph (nodes linked by edges or shared stores).
  std::vector<internal::SubtopologyDef> subtopologies() const;

 private:
  std::vector<internal::NodeDef> nodes_;
  std::map<std::string, size_t> index_;
  std::vector<internal::InternalTopicDef> internal_topics_;
  std::map<std::string, internal::StoreDef> stores_;

  // Declares "<store>-changelog" once the store is both added and connected, with logging.
  void maybeAddChangelog(const std::string& store);
};

}  // namespace kstreams
