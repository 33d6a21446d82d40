// File: kstreams/dsl_options.h
//
// The option objects of the DSL, with Kafka Streams' names and meaning: Named (a processor's
// name), Consumed (how a source reads a topic), Produced (how a sink writes one), Branched (one
// branch of KStream::split()), Repartitioned (KStream::repartition()), Printed
// (KStream::print()), and for stateful operations Grouped (groupBy/groupByKey), Materialized (the
// store of an aggregation or KTable) and Joined (KStream-KTable joins). Each is a small immutable
// value: the static factories and the with*() methods return a new object, so options can be
// built once and reused.
//
//   using kstreams::Serdes;
//   auto in = builder.stream("orders", kstreams::Consumed(Serdes::String(), Serdes::Int64())
//                                          .withName("orders-source"));
//   in.filter(isLarge, kstreams::Named::as("large-orders"))
//     .to("large-orders", kstreams::Produced<std::string, int64_t>::as("large-orders-sink"));
//
// A null serde (the default) means "the serde known from upstream, else default.key.serde /
// default.value.serde from the config", exactly as in Kafka Streams; the config default must
// then produce the C++ type the node needs, which is checked when a task starts
// (ConfigException otherwise).
//
// Class template argument deduction spells Java's `Consumed.with(keySerde, valueSerde)`:
// `kstreams::Consumed(Serdes::String(), Serdes::Int64())` is a Consumed<std::string, int64_t>
// (likewise Produced and Repartitioned). Options without serdes need the types spelled out:
// `Consumed<std::string, std::string>::as("source")`.
//
// Grouped, Materialized and Joined also come untyped, for when only a name matters:
// `Materialized<>::as("counts")`, `Grouped<>::as("by-word")` and `Joined<>::as("enrich")` convert
// to the typed option an operator takes (with no serdes: the ones known upstream apply).
//
// Names given through Named, Consumed, Produced, Printed and Repartitioned must be 1 to 249
// ASCII alphanumerics, '.', '_' or '-' and not "." or ".." (Kafka's rule, which keeps them usable
// in topic names); otherwise TopologyException, thrown by Named::as at once and by the others
// when the DSL operator uses them.
//
// Threads: option objects are values; a Printed shares its output stream (guarded by a mutex)
// between the tasks that print through it.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "kstreams/errors.h"
#include "kstreams/serde.h"
#include "kstreams/state/store_builders.h"
#include "kstreams/timestamp_extractor.h"

namespace kstreams {

template <typename K, typename V>
class KStream;

namespace internal {
// Throws TopologyException unless `name` follows Kafka's rule for processor names (above).
void validateName(const std::string& name);
}  // namespace internal

// The name of the processor a DSL operator adds, instead of the generated KSTREAM-…-NNNNNNNNNN.
// The builder's name counter still advances, as in Java, so that naming one operator does not
// rename the ones after it.
class Named {
 public:
  // No name: the operator generates one.
  Named() = default;
  // Throws TopologyException for an illegal name (see the file comment).
  static Named as(std::string name) {
    internal::validateName(name);
    Named n;
    n.name_ = std::move(name);
    return n;
  }
  Named withName(std::string name) const { return as(std::move(name)); }
  const std::optional<std::string>& name() const { return name_; }

 private:
  std::optional<std::string> name_;
};

// How StreamsBuilder::stream() reads its topics: key and value serdes and the source's name.
template <typename K, typename V>
class Consumed {
 public:
  Consumed() = default;
  Consumed(SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  static Consumed with(SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    return Consumed(std::move(key_serde), std::move(value_serde));
  }
  // Names the source processor (Java's Consumed.as).
  static Consumed as(std::string processor_name) { return Consumed().withName(processor_name); }

  Consumed withKeySerde(SerdePtr<K> serde) const {
    Consumed c = *this;
    c.key_serde_ = std::move(serde);
    return c;
  }
  Consumed withValueSerde(SerdePtr<V> serde) const {
    Consumed c = *this;
    c.value_serde_ = std::move(serde);
    return c;
  }
  Consumed withName(std::string processor_name) const {
    Consumed c = *this;
    c.name_ = std::move(processor_name);
    return c;
  }

  // The event time of this source's records (kstreams/timestamp_extractor.h); without one,
  // default.timestamp.extractor applies.
  Consumed withTimestampExtractor(std::shared_ptr<const TimestampExtractor> extractor) const {
    Consumed c = *this;
    c.timestamp_extractor_ = std::move(extractor);
    return c;
  }
  static Consumed with(std::shared_ptr<const TimestampExtractor> extractor) {
    return Consumed().withTimestampExtractor(std::move(extractor));
  }

  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  const std::optional<std::string>& name() const { return name_; }
  const std::shared_ptr<const TimestampExtractor>& timestampExtractor() const {
    return timestamp_extractor_;
  }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::optional<std::string> name_;
  std::shared_ptr<const TimestampExtractor> timestamp_extractor_;
};

// Deduces the types from serdes of derived classes too (std::shared_ptr<MySerde>).
template <typename KS, typename VS>
Consumed(std::shared_ptr<KS>, std::shared_ptr<VS>)
    -> Consumed<typename KS::Type, typename VS::Type>;

// How KStream::to() writes a topic: key and value serdes and the sink's name. Records go to the
// partition the producer's default partitioner picks from the serialized key (murmur2, as in
// Java); a custom StreamPartitioner is not supported yet.
template <typename K, typename V>
class Produced {
 public:
  Produced() = default;
  Produced(SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  static Produced with(SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    return Produced(std::move(key_serde), std::move(value_serde));
  }
  static Produced keySerde(SerdePtr<K> serde) { return Produced(std::move(serde), nullptr); }
  static Produced valueSerde(SerdePtr<V> serde) { return Produced(nullptr, std::move(serde)); }
  // Names the sink processor (Java's Produced.as).
  static Produced as(std::string processor_name) { return Produced().withName(processor_name); }

  Produced withKeySerde(SerdePtr<K> serde) const {
    Produced p = *this;
    p.key_serde_ = std::move(serde);
    return p;
  }
  Produced withValueSerde(SerdePtr<V> serde) const {
    Produced p = *this;
    p.value_serde_ = std::move(serde);
    return p;
  }
  Produced withName(std::string processor_name) const {
    Produced p = *this;
    p.name_ = std::move(processor_name);
    return p;
  }

  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  const std::optional<std::string>& name() const { return name_; }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::optional<std::string> name_;
};

template <typename KS, typename VS>
Produced(std::shared_ptr<KS>, std::shared_ptr<VS>)
    -> Produced<typename KS::Type, typename VS::Type>;

// One branch of KStream::split() (Java's Branched). The branch's processor is named
// "<split name><branch name>", or "<split name><n>" without a name (n counts branches from 1;
// the default branch is 0). The branch appears in the map that defaultBranch()/noDefaultBranch()
// return under that name, unless a chain consumer took it.
//
// A chain function or consumer runs once, while the topology is being built (not per record), on
// the branch's KStream: `Branched<K, V>::withFunction([](auto s) { return s.mapValues(f); })`.
template <typename K, typename V>
class Branched {
 public:
  using ChainFunction = std::function<KStream<K, V>(KStream<K, V>)>;
  using ChainConsumer = std::function<void(KStream<K, V>)>;

  Branched() = default;

  static Branched as(std::string name) {
    Branched b;
    b.name_ = std::move(name);
    return b;
  }
  // The map holds what `chain` returns for this branch.
  static Branched withFunction(ChainFunction chain, std::optional<std::string> name = {}) {
    Branched b;
    b.function_ = std::move(chain);
    b.name_ = std::move(name);
    return b;
  }
  // `chain` consumes the branch; the map does not hold it.
  static Branched withConsumer(ChainConsumer chain, std::optional<std::string> name = {}) {
    Branched b;
    b.consumer_ = std::move(chain);
    b.name_ = std::move(name);
    return b;
  }

  const std::optional<std::string>& name() const { return name_; }
  const ChainFunction& chainFunction() const { return function_; }
  const ChainConsumer& chainConsumer() const { return consumer_; }

 private:
  std::optional<std::string> name_;
  ChainFunction function_;
  ChainConsumer consumer_;
};

// How KStream::repartition() writes and reads its internal topic. The topic is
// "<name>-repartition" (created by the application, prefixed "<application.id>-" at run time);
// without a name the generated KSTREAM-REPARTITION-NNNNNNNNNN is used, which shifts when
// operators are added upstream, so name repartitions of long-lived applications.
template <typename K, typename V>
class Repartitioned {
 public:
  Repartitioned() = default;
  Repartitioned(SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}

  static Repartitioned as(std::string name) { return Repartitioned().withName(std::move(name)); }
  static Repartitioned with(SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    return Repartitioned(std::move(key_serde), std::move(value_serde));
  }
  // Default: as many partitions as the upstream sub-topology reads.
  static Repartitioned numberOfPartitions(int partitions) {
    return Repartitioned().withNumberOfPartitions(partitions);
  }

  Repartitioned withName(std::string name) const {
    Repartitioned r = *this;
    r.name_ = std::move(name);
    return r;
  }
  // Throws TopologyException unless `partitions` is positive.
  Repartitioned withNumberOfPartitions(int partitions) const {
    if (partitions <= 0) {
      throw TopologyException("the number of partitions of a repartition topic must be positive");
    }
    Repartitioned r = *this;
    r.partitions_ = partitions;
    return r;
  }
  Repartitioned withKeySerde(SerdePtr<K> serde) const {
    Repartitioned r = *this;
    r.key_serde_ = std::move(serde);
    return r;
  }
  Repartitioned withValueSerde(SerdePtr<V> serde) const {
    Repartitioned r = *this;
    r.value_serde_ = std::move(serde);
    return r;
  }

  const std::optional<std::string>& name() const { return name_; }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  const std::optional<int>& partitions() const { return partitions_; }

 private:
  std::optional<std::string> name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  std::optional<int> partitions_;
};

template <typename KS, typename VS>
Repartitioned(std::shared_ptr<KS>, std::shared_ptr<VS>)
    -> Repartitioned<typename KS::Type, typename VS::Type>;

namespace internal {

// Where KStream::print() writes: std::cout or a file, shared by every task that prints through
// one Printed; the mutex keeps lines from interleaving.
struct PrintSink {
  std::mutex mu;
  std::ostream* out = nullptr;
  std::unique_ptr<std::ofstream> file;
  bool flush_each_line = true;
};

// "%s" of a key or value for the default print format: operator<< when the type has one,
// "null" for an empty std::optional, otherwise "<unprintable>".
template <typename T>
void printTo(std::ostream& os, const T& value) {
  if constexpr (requires(const T& t) {
                  t.has_value();
                  *t;
                }) {
    if (!value.has_value()) {
      os << "null";
    } else {
      printTo(os, *value);
    }
  } else if constexpr (requires(std::ostream & o, const T& t) { o << t; }) {
    os << value;
  } else {
    os << "<unprintable>";
  }
}

}  // namespace internal

// Where and how KStream::print() writes records (Java's Printed): one line per record,
// "[label]: key, value", or "[label]: " + mapper(key, value). The label defaults to the name of
// the stream's processor. A debugging aid: the mapper is called through std::function and every
// line is flushed.
template <typename K, typename V>
class Printed {
 public:
  using Mapper = std::function<std::string(const K&, const V&)>;

  static Printed toSysOut() {
    Printed p;
    p.sink_ = std::make_shared<internal::PrintSink>();
    p.sink_->out = &std::cout;
    return p;
  }
  // Truncates or creates the file now; throws TopologyException if it cannot be opened.
  static Printed toFile(const std::string& path) {
    Printed p;
    p.sink_ = std::make_shared<internal::PrintSink>();
    p.sink_->file = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc);
    if (!p.sink_->file->is_open()) {
      throw TopologyException("Unable to write stream to file at [" + path + "]");
    }
    p.sink_->out = p.sink_->file.get();
    return p;
  }

  Printed withLabel(std::string label) const {
    Printed p = *this;
    p.label_ = std::move(label);
    return p;
  }
  Printed withName(std::string processor_name) const {
    Printed p = *this;
    p.name_ = std::move(processor_name);
    return p;
  }
  Printed withKeyValueMapper(Mapper mapper) const {
    Printed p = *this;
    p.mapper_ = std::move(mapper);
    return p;
  }

  const std::optional<std::string>& label() const { return label_; }
  const std::optional<std::string>& name() const { return name_; }
  // Null for the default "key, value" format.
  const Mapper& mapper() const { return mapper_; }
  const std::shared_ptr<internal::PrintSink>& sink() const { return sink_; }

 private:
  Printed() = default;

  std::shared_ptr<internal::PrintSink> sink_;
  std::optional<std::string> label_;
  std::optional<std::string> name_;
  Mapper mapper_;
};

// ---- Stateful operations ----

// Which kind of store the DSL makes for a Materialized without a store supplier (Java's
// Materialized.StoreType).
enum class StoreType { kRocksDb, kInMemory };

namespace internal {
// Everything a Materialized says besides its serdes.
struct MaterializedSpec {
  std::optional<std::string> store_name;
  std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier;
  StoreType store_type = StoreType::kRocksDb;
  bool logging_enabled = true;
  std::map<std::string, std::string> log_config;
  bool caching_enabled = true;
  // Windowed aggregations only: how long the window store keeps windows (Java's retention());
  // unset: the aggregation's default.
  std::optional<std::chrono::milliseconds> retention;
};
}  // namespace internal

template <typename K = void, typename V = void>
class Materialized;

namespace internal {
// The factories and with*() calls every Materialized has, typed (Materialized<K, V>) or not
// (Materialized<>). Each returns a new Self.
template <typename Self>
class MaterializedBase {
 public:
  // A store named `store_name` (queryable under that name).
  static Self as(std::string store_name) {
    Self m;
    m.spec_.store_name = std::move(store_name);
    return m;
  }
  // A store made by `supplier` (Stores::persistentKeyValueStore / inMemoryKeyValueStore), named
  // as the supplier is.
  static Self as(std::shared_ptr<const state::KeyValueBytesStoreSupplier> supplier) {
    Self m;
    m.spec_.supplier = std::move(supplier);
    return m;
  }
  static Self as(StoreType type) { return Self().withStoreType(type); }

  // Ignored when a supplier was given (the supplier decides).
  Self withStoreType(StoreType type) const {
    Self m = self();
    m.spec_.store_type = type;
    return m;
  }
  // Logs changes to the changelog topic, created with `topic_config` (plus
  // cleanup.policy=compact).
  Self withLoggingEnabled(std::map<std::string, std::string> topic_config = {}) const {
    Self m = self();
    m.spec_.logging_enabled = true;
    m.spec_.log_config = std::move(topic_config);
    return m;
  }
  Self withLoggingDisabled() const {
    Self m = self();
    m.spec_.logging_enabled = false;
    m.spec_.log_config.clear();
    return m;
  }
  Self withCachingEnabled() const {
    Self m = self();
    m.spec_.caching_enabled = true;
    return m;
  }
  Self withCachingDisabled() const {
    Self m = self();
    m.spec_.caching_enabled = false;
    return m;
  }

  // How long a windowed aggregation's store keeps windows (Java's withRetention). At least the
  // windows' size plus grace (sliding windows: 2 * time difference plus grace), or the
  // aggregation throws std::invalid_argument. Ignored by non-windowed stores.
  // Throws std::invalid_argument for a negative retention.
  Self withRetention(std::chrono::milliseconds retention) const {
    if (retention.count() < 0) throw std::invalid_argument("Retention must not be negative.");
    Self m = self();
    m.spec_.retention = retention;
    return m;
  }

  const MaterializedSpec& spec() const { return spec_; }

 protected:
  MaterializedSpec spec_;

 private:
  const Self& self() const { return static_cast<const Self&>(*this); }
};
}  // namespace internal

// How an aggregation or a KTable keeps its state (Java's Materialized): the store's name (the
// queryable name, and part of its changelog topic "<application.id>-<name>-changelog"), a store
// supplier or kind (RocksDB by default, or in memory), key and value serdes, and whether the
// store is logged (default yes) and cached (default yes: updates reach downstream and the
// changelog deduplicated, on commit; see statestore.cache.max.bytes).
//
//   groups.count(kstreams::Materialized<std::string, int64_t>::as("counts")
//                    .withCachingDisabled());
//   table.filter(pred, kstreams::Materialized<>::as(kstreams::Stores::inMemoryKeyValueStore("f")));
//
// Without a name the store gets a generated one (e.g. KSTREAM-AGGREGATE-STATE-STORE-0000000002)
// that shifts when the topology changes, orphaning the state and its changelog: name the stores
// of long-lived applications (kstreams logs a warning for generated store names).
template <typename K, typename V>
class Materialized : public internal::MaterializedBase<Materialized<K, V>> {
 public:
  Materialized() = default;
  Materialized(SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}
  // The untyped options (Materialized<>::as("name")), without serdes.
  Materialized(const Materialized<>& untyped);  // NOLINT(runtime/explicit): converts on purpose

  static Materialized with(SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    return Materialized(std::move(key_serde), std::move(value_serde));
  }
  Materialized withKeySerde(SerdePtr<K> serde) const {
    Materialized m = *this;
    m.key_serde_ = std::move(serde);
    return m;
  }
  Materialized withValueSerde(SerdePtr<V> serde) const {
    Materialized m = *this;
    m.value_serde_ = std::move(serde);
    return m;
  }

  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }

 private:
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
};

// The untyped Materialized: name, supplier, store type, logging and caching, no serdes.
template <>
class Materialized<void, void> : public internal::MaterializedBase<Materialized<>> {};

template <typename K, typename V>
Materialized<K, V>::Materialized(const Materialized<>& untyped) {
  this->spec_ = untyped.spec();
}

template <typename KS, typename VS>
Materialized(std::shared_ptr<KS>, std::shared_ptr<VS>)
    -> Materialized<typename KS::Type, typename VS::Type>;

template <typename K = void, typename V = void>
class Grouped;

// How groupBy()/groupByKey() re-key a stream or table (Java's Grouped): the name of the
// repartition topic ("<application.id>-<name>-repartition", and of its processors) and the serdes
// written to it. Without a name the topic is named after the aggregation's store (as in Kafka
// Streams), e.g. "KSTREAM-AGGREGATE-STATE-STORE-0000000002-repartition". For a stream, serdes not
// given here are the stream's (Java would take the config defaults when a Grouped is passed);
// for a table, whose groupBy() makes new keys and values, they are the config defaults.
template <typename K, typename V>
class Grouped {
 public:
  Grouped() = default;
  Grouped(SerdePtr<K> key_serde, SerdePtr<V> value_serde)
      : key_serde_(std::move(key_serde)), value_serde_(std::move(value_serde)) {}
  Grouped(const Grouped<>& untyped);  // NOLINT(runtime/explicit): converts on purpose

  static Grouped as(std::string name) { return Grouped().withName(std::move(name)); }
  static Grouped with(SerdePtr<K> key_serde, SerdePtr<V> value_serde) {
    return Grouped(std::move(key_serde), std::move(value_serde));
  }
  static Grouped keySerde(SerdePtr<K> serde) { return Grouped(std::move(serde), nullptr); }
  static Grouped valueSerde(SerdePtr<V> serde) { return Grouped(nullptr, std::move(serde)); }

  Grouped withName(std::string name) const {
    Grouped g = *this;
    g.name_ = std::move(name);
    return g;
  }
  Grouped withKeySerde(SerdePtr<K> serde) const {
    Grouped g = *this;
    g.key_serde_ = std::move(serde);
    return g;
  }
  Grouped withValueSerde(SerdePtr<V> serde) const {
    Grouped g = *this;
    g.value_serde_ = std::move(serde);
    return g;
  }

  const std::optional<std::string>& name() const { return name_; }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }

 private:
  std::optional<std::string> name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
};

// The untyped Grouped: a name only.
template <>
class Grouped<void, void> {
 public:
  Grouped() = default;
  static Grouped as(std::string name) {
    Grouped g;
    g.name_ = std::move(name);
    return g;
  }
  const std::optional<std::string>& name() const { return name_; }

 private:
  std::optional<std::string> name_;
};

template <typename K, typename V>
Grouped<K, V>::Grouped(const Grouped<>& untyped) : name_(untyped.name()) {}

template <typename KS, typename VS>
Grouped(std::shared_ptr<KS>, std::shared_ptr<VS>) -> Grouped<typename KS::Type, typename VS::Type>;

template <typename K = void, typename V = void, typename VO = void>
class Joined;

// Options of a KStream-KTable join (Java's Joined): the join processor's name (also the prefix of
// the repartition topic when the stream must be repartitioned first: "<name>-repartition") and
// the serdes for that repartition (key, stream value; the table's value serde is not used here).
template <typename K, typename V, typename VO>
class Joined {
 public:
  Joined() = default;
  Joined(SerdePtr<K> key_serde, SerdePtr<V> value_serde, SerdePtr<VO> other_value_serde = nullptr)
      : key_serde_(std::move(key_serde)),
        value_serde_(std::move(value_serde)),
        other_value_serde_(std::move(other_value_serde)) {}
  Joined(const Joined<>& untyped);  // NOLINT(runtime/explicit): converts on purpose

  static Joined as(std::string name) { return Joined().withName(std::move(name)); }
  static Joined with(SerdePtr<K> key_serde, SerdePtr<V> value_serde,
                     SerdePtr<VO> other_value_serde = nullptr) {
    return Joined(std::move(key_serde), std::move(value_serde), std::move(other_value_serde));
  }
  Joined withName(std::string name) const {
    Joined j = *this;
    j.name_ = std::move(name);
    return j;
  }
  Joined withKeySerde(SerdePtr<K> serde) const {
    Joined j = *this;
    j.key_serde_ = std::move(serde);
    return j;
  }
  Joined withValueSerde(SerdePtr<V> serde) const {
    Joined j = *this;
    j.value_serde_ = std::move(serde);
    return j;
  }
  Joined withOtherValueSerde(SerdePtr<VO> serde) const {
    Joined j = *this;
    j.other_value_serde_ = std::move(serde);
    return j;
  }

  const std::optional<std::string>& name() const { return name_; }
  const SerdePtr<K>& keySerde() const { return key_serde_; }
  const SerdePtr<V>& valueSerde() const { return value_serde_; }
  const SerdePtr<VO>& otherValueSerde() const { return other_value_serde_; }

 private:
  std::optional<std::string> name_;
  SerdePtr<K> key_serde_;
  SerdePtr<V> value_serde_;
  SerdePtr<VO> other_value_serde_;
};

// The untyped Joined: a name only.
template <>
class Joined<void, void, void> {
 public:
  Joined() = default;
  static Joined as(std::string name) {
    Joined j;
    j.name_ = std::move(name);
    return j;
  }
  const std::optional<std::string>& name() const { return name_; }

 private:
  std::optional<std::string> name_;
};

template <typename K, typename V, typename VO>
Joined<K, V, VO>::Joined(const Joined<>& untyped) : name_(untyped.name()) {}

}  // namespace kstreams
