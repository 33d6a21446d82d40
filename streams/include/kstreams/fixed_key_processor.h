// File: kstreams/fixed_key_processor.h
//
// Processors that may change a record's value, timestamp and headers but never its key (Java's
// FixedKeyProcessor API), plugged into the DSL with KStream::processValues(). Because the key
// cannot change, the stream keeps its key serde and does not need repartitioning before a later
// grouping or join, which is why processValues() exists next to process().
//
//   class Lengths : public kstreams::ContextualFixedKeyProcessor<std::string, std::string, size_t>
//   {
//    public:
//     void process(kstreams::FixedKeyRecord<std::string, std::string> r) override {
//       const size_t n = r.value().size();
//       context().forward(std::move(r).withValue(n));
//     }
//   };
//   KStream<std::string, size_t> lengths =
//       lines.processValues([] { return std::make_unique<Lengths>(); });
//
// Lifecycle and threads: as for kstreams/processor.h — every task makes its own instance from
// the supplier and only that task's stream thread calls it.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include "kstreams/processor.h"
#include "kstreams/record.h"

namespace kstreams {

template <typename K, typename V>
class FixedKeyRecord;

namespace internal {
// Lets the runtime make and unwrap FixedKeyRecords, which user code cannot construct (a new
// record could carry another key).
struct FixedKeyRecordAccess {
  template <typename K, typename V>
  static FixedKeyRecord<K, V> wrap(Record<K, V>&& record) {
    return FixedKeyRecord<K, V>(std::move(record));
  }
  template <typename K, typename V>
  static Record<K, V>&& unwrap(FixedKeyRecord<K, V>&& record) {
    return std::move(record.record_);
  }
};
}  // namespace internal

// A Record whose key is read-only. Only the runtime creates one; a processor derives the records
// it forwards from the one it received, with withValue()/withTimestamp()/withHeaders(), which
// move (on an rvalue) or copy (on an lvalue) the rest of the record.
template <typename K, typename V>
class FixedKeyRecord {
 public:
  const K& key() const { return record_.key(); }
  const V& value() const { return record_.value(); }
  V& value() { return record_.value(); }
  int64_t timestamp() const { return record_.timestamp(); }
  const Headers& headers() const { return record_.headers(); }
  Headers& headers() { return record_.headers(); }
  // Kafka nulls, as Record's (kstreams/record.h): withValue() keeps the key's mark.
  bool keyIsNull() const { return record_.keyIsNull(); }
  bool valueIsNull() const { return record_.valueIsNull(); }
  FixedKeyRecord withNullValue() const& { return FixedKeyRecord(record_.withNullValue()); }
  FixedKeyRecord withNullValue() && { return FixedKeyRecord(std::move(record_).withNullValue()); }

  template <typename NV>
  FixedKeyRecord<K, NV> withValue(NV value) const& {
    return FixedKeyRecord<K, NV>(record_.withValue(std::move(value)));
  }
  template <typename NV>
  FixedKeyRecord<K, NV> withValue(NV value) && {
    return FixedKeyRecord<K, NV>(std::move(record_).withValue(std::move(value)));
  }
  FixedKeyRecord withTimestamp(int64_t timestamp) const& {
    return FixedKeyRecord(record_.withTimestamp(timestamp));
  }
  FixedKeyRecord withTimestamp(int64_t timestamp) && {
    return FixedKeyRecord(std::move(record_).withTimestamp(timestamp));
  }
  FixedKeyRecord withHeaders(Headers headers) const& {
    return FixedKeyRecord(record_.withHeaders(std::move(headers)));
  }
  FixedKeyRecord withHeaders(Headers headers) && {
    return FixedKeyRecord(std::move(record_).withHeaders(std::move(headers)));
  }

  bool operator==(const FixedKeyRecord&) const = default;

 private:
  template <typename, typename>
  friend class FixedKeyRecord;
  friend struct internal::FixedKeyRecordAccess;

  explicit FixedKeyRecord(Record<K, V>&& record) : record_(std::move(record)) {}

  Record<K, V> record_;
};

// The context of a fixed-key processor whose output records are FixedKeyRecord<K, VOut>.
template <typename K, typename VOut>
class FixedKeyProcessorContext : public ProcessorContextBase {
 public:
  // Sends the record to every child, in the order the children were added.
  virtual void forward(FixedKeyRecord<K, VOut> record) = 0;
  // Sends the record to the named child only. Throws StreamsException if there is no such child.
  virtual void forward(FixedKeyRecord<K, VOut> record, std::string_view child_name) = 0;
};

// A processing step that keeps keys. VOut is the value type it forwards (Void: forwards nothing).
template <typename KIn, typename VIn, typename VOut = Void>
class FixedKeyProcessor {
 public:
  using KeyIn = KIn;
  using ValueIn = VIn;
  using ValueOut = VOut;

  virtual ~FixedKeyProcessor() = default;
  // Called once before the first record. `context` stays valid until after close().
  virtual void init(FixedKeyProcessorContext<KIn, VOut>& context) { (void)context; }
  // Called for every record. May throw, with the same consequences as Processor::process.
  virtual void process(FixedKeyRecord<KIn, VIn> record) = 0;
  // Called once when the task is closed.
  virtual void close() {}
};

// A FixedKeyProcessor that keeps its context (Java's ContextualFixedKeyProcessor). Override
// init() only to do more, and then call this init() first.
template <typename KIn, typename VIn, typename VOut = Void>
class ContextualFixedKeyProcessor : public FixedKeyProcessor<KIn, VIn, VOut> {
 public:
  void init(FixedKeyProcessorContext<KIn, VOut>& context) override { context_ = &context; }

 protected:
  FixedKeyProcessorContext<KIn, VOut>& context() { return *context_; }

 private:
  FixedKeyProcessorContext<KIn, VOut>* context_ = nullptr;
};

}  // namespace kstreams
