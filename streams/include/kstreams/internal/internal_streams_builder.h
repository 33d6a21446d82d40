// File: kstreams/internal/internal_streams_builder.h — NOT part of the public API.
//
// The state behind a StreamsBuilder and every KStream handle made from it (Java's
// InternalStreamsBuilder): the Topology being built, the counter behind generated names, and the
// sources created so far. DSL operators write their nodes into the Topology at once, in the order
// Java's buildAndOptimizeTopology() would (the order the operators were called), so names,
// sub-topology numbers and describe() match Kafka Streams.
//
// Used from the thread that builds the topology only.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <typeindex>
#include <vector>

#include "kstreams/serde.h"
#include "kstreams/topology.h"

namespace kstreams::internal {

class InternalStreamsBuilder {
 public:
  // The Topology under construction. Throws TopologyException once build() has been called.
  Topology& topology();

  // Moves the Topology out. A builder builds once: later calls and later operators on its
  // streams throw TopologyException.
  Topology build();

  // Java's InternalNameProvider#newProcessorName: `prefix` followed by the counter as %010d; the
  // counter is shared by every generated name of this builder.
  std::string newProcessorName(std::string_view prefix);

  // Java's NamedInternal#orElseGenerateWithPrefix: the validated user name if there is one, else
  // a generated name. The counter advances either way, so that naming an operator does not
  // rename the operators built after it.
  std::string nameOrGenerate(const std::optional<std::string>& name, std::string_view prefix);

  // The nodes of one repartition (Java's KStreamImpl#createRepartitionedSource for a topic
  // prefix such as "KSTREAM-REPARTITION-0000000003" or a user name "by-user").
  struct RepartitionNames {
    std::string topic;   // <prefix>-repartition (without the application.id)
    std::string filter;  // KSTREAM-FILTER-… or <topic>-filter
    std::string sink;    // KSTREAM-SINK-… or <topic>-sink
    std::string source;  // KSTREAM-SOURCE-… or <topic>-source
  };
  // Advances the counter three times (sink, filter, source), as Java does even for user names.
  RepartitionNames newRepartitionNames(const std::string& prefix);

  // Java's InternalNameProvider#newStoreName: `prefix` + "STATE-STORE-" + the counter as %010d
  // (the same counter as processor names).
  std::string newStoreName(std::string_view prefix);

  // Java's KStreamImpl keeps the repartition node it made for an unnamed join and reuses it for
  // the stream's next unnamed join: the repartitioned source made for the key-changed node
  // `node`, if any.
  std::optional<std::string> joinRepartitionSource(const std::string& node) const;
  void setJoinRepartitionSource(const std::string& node, const std::string& source);

  // Java merges two stream() calls on the same topics into one source node
  // (InternalStreamsBuilder#mergeDuplicateSourceNodes). Returns the existing source's name when
  // one reads exactly `topics` (in any order) with the same key/value types and serde objects;
  // nullopt when none reads any of them. Throws TopologyException when one reads an overlapping
  // but different set, or the same set with other types or serdes (a C++ source is typed, so
  // the two cannot share one node).
  std::optional<std::string> findSameSource(const std::vector<std::string>& topics,
                                            std::type_index key_type, std::type_index value_type,
                                            const SerdeBase* key_serde,
                                            const SerdeBase* value_serde) const;
  void recordSource(const std::string& name, const std::vector<std::string>& topics,
                    std::type_index key_type, std::type_index value_type,
                    const SerdeBase* key_serde, const SerdeBase* value_serde);

 private:
  struct StreamSource {
    std::string name;
    std::vector<std::string> sorted_topics;
    std::type_index key_type;
    std::type_index value_type;
    const SerdeBase* key_serde;
    const SerdeBase* value_serde;
  };

  Topology topology_;
  int32_t index_ = 0;
  bool built_ = false;
  std::vector<StreamSource> sources_;
  std::map<std::string, std::string> join_repartition_sources_;
};

// Logs a warning that a stateful operation's store has a generated name (which shifts when the
// topology changes, orphaning the store and its changelog).
void warnGeneratedStoreName(const std::string& store, const std::string& processor);

}  // namespace kstreams::internal
