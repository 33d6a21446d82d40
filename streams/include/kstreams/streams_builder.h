// File: kstreams/streams_builder.h
//
// StreamsBuilder: the entry point of the DSL (Java's org.apache.kafka.streams.StreamsBuilder).
// It makes KStreams and KTables (kstreams/ktable.h) from topics; operators on them add
// processors and state stores; build() hands the finished Topology to KafkaStreams or
// TopologyTestDriver.
//
//   kstreams::StreamsBuilder builder;
//   builder.stream("orders", kstreams::Consumed(Serdes::String(), Serdes::Int64()))
//       .filter([](const std::string&, int64_t cents) { return cents > 100'00; })
//       .to("large-orders");
//   kstreams::Topology topology = builder.build();
//   std::cout << topology.describe();
//   //  Topologies:
//   //     Sub-topology: 0
//   //      Source: KSTREAM-SOURCE-0000000000 (topics: [orders])
//   //        --> KSTREAM-FILTER-0000000001
//   //      Processor: KSTREAM-FILTER-0000000001 (stores: [])
//   //        --> KSTREAM-SINK-0000000002
//   //        <-- KSTREAM-SOURCE-0000000000
//   //      Sink: KSTREAM-SINK-0000000002 (topic: large-orders)
//   //        <-- KSTREAM-FILTER-0000000001
//
// Processor names, the repartition topics' names and describe() are those Kafka Streams
// generates for the same DSL calls, so Java tooling and habits (naming, reset tool, topic
// ACLs) carry over.
//
// Errors: construction mistakes throw TopologyException at the call that makes them (a
// duplicate name, a topic read by two different sources, an illegal name, use after build()).
//
// Threads: build on one thread. The builder owns the state its KStream handles point to: keep it
// alive while using them; it may be moved (handles stay valid; the moved-from builder may only be
// destroyed or assigned to).
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "kstreams/dsl_options.h"
#include "kstreams/internal/dsl_nodes.h"
#include "kstreams/internal/internal_streams_builder.h"
#include "kstreams/kstream.h"
#include "kstreams/ktable.h"
#include "kstreams/topology.h"

namespace kstreams {

class StreamsBuilder {
 public:
  StreamsBuilder();
  ~StreamsBuilder();
  StreamsBuilder(StreamsBuilder&&) noexcept;
  StreamsBuilder& operator=(StreamsBuilder&&) noexcept;
  StreamsBuilder(const StreamsBuilder&) = delete;
  StreamsBuilder& operator=(const StreamsBuilder&) = delete;

  // A stream of the records of `topic` (KSTREAM-SOURCE-, or consumed.withName). K and V come
  // from `consumed` — `stream("in", Consumed(Serdes::String(), Serdes::Int64()))` — or are
  // spelled out: `stream<std::string, std::string>("in")` reads with the config's default serdes.
  // Reading the same topics again returns a stream of the same source node, as Java merges them;
  // that needs the same K, V and serde objects (TopologyException otherwise), as does reading a
  // topic that another stream() call reads together with other topics.
  template <typename K, typename V>
  KStream<K, V> stream(const std::string& topic,
                       const Consumed<K, V>& consumed = Consumed<K, V>()) {
    return stream(std::vector<std::string>{topic}, consumed);
  }
  // A stream of the records of all `topics` (in the order they arrive).
  template <typename K, typename V>
  KStream<K, V> stream(const std::vector<std::string>& topics,
                       const Consumed<K, V>& consumed = Consumed<K, V>()) {
    internal::InternalStreamsBuilder& b = *impl_;
    Topology& topology = b.topology();
    const std::string name = b.nameOrGenerate(consumed.name(), "KSTREAM-SOURCE-");
    if (auto existing = b.findSameSource(topics, typeid(K), typeid(V), consumed.keySerde().get(),
                                         consumed.valueSerde().get())) {
      return KStream<K, V>(&b, *existing, consumed.keySerde(), consumed.valueSerde(), false);
    }
    internal::addSourceNode<K, V>(topology, name, topics, /*internal_topic=*/false,
                                  consumed.keySerde(), consumed.valueSerde(),
                                  consumed.timestampExtractor());
    b.recordSource(name, topics, typeid(K), typeid(V), consumed.keySerde().get(),
                   consumed.valueSerde().get());
    return KStream<K, V>(&b, name, consumed.keySerde(), consumed.valueSerde(), false);
  }
  // Lets `stream({"a", "b"}, consumed)` pick this overload rather than std::string's
  // iterator-pair constructor.
  template <typename K, typename V>
  KStream<K, V> stream(std::initializer_list<std::string> topics,
                       const Consumed<K, V>& consumed = Consumed<K, V>()) {
    return stream(std::vector<std::string>(topics), consumed);
  }

  // A table of the records of `topic` (Java's StreamsBuilder#table): the latest value per key;
  // a record with a null value deletes its key, a record with a null key is dropped. Adds a
  // source (KSTREAM-SOURCE-, or "<consumed name>-source") and a KTABLE-SOURCE- processor (or
  // the consumed name). The table gets a store — `materialized`'s name, else
  // "<topic>-STATE-STORE-NNNNNNNNNN" — when it is queryable (a named Materialized) or when a
  // later operation needs its values (a join, groupBy); the store is logged to
  // "<application.id>-<store>-changelog" unless `materialized` disables logging. Serdes:
  // `consumed`'s, else `materialized`'s, else the defaults.
  template <typename K, typename V>
  KTable<K, V> table(
      const std::string& topic, const Consumed<K, V>& consumed = Consumed<K, V>(),
      const std::type_identity_t<Materialized<K, V>>& materialized = Materialized<K, V>()) {
    return KTable<K, V>::fromTopic(*impl_, topic, consumed, materialized);
  }
  template <typename K, typename V>
  KTable<K, V> table(const std::string& topic, const Materialized<K, V>& materialized) {
    return KTable<K, V>::fromTopic(
        *impl_, topic, Consumed<K, V>(materialized.keySerde(), materialized.valueSerde()),
        materialized);
  }

  // The topology built so far, moved out. Call once: afterwards this builder and its streams
  // throw TopologyException.
  Topology build();

 private:
  std::unique_ptr<internal::InternalStreamsBuilder> impl_;
};

}  // namespace kstreams
