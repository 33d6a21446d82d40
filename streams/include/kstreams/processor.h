// File: kstreams/processor.h
//
// The Processor API (Java's org.apache.kafka.streams.processor.api): the low-level way to write
// a processing step, and the layer the DSL is built on. A processor receives typed records from
// its parents and forwards typed records to its children through its context:
//
//   class Uppercase : public kstreams::ContextualProcessor<std::string, std::string,
//                                                          std::string, std::string> {
//    public:
//     void process(kstreams::Record<std::string, std::string> r) override {
//       std::string v = r.value();
//       for (char& c : v) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
//       context().forward(std::move(r).withValue(std::move(v)));
//     }
//   };
//   topology.addProcessor("upper", [] { return std::make_unique<Uppercase>(); }, {"source"});
//
// Lifecycle and threads: the topology holds a supplier; every task calls it to make its own
// processor instance, so an instance is only ever used by the one stream thread that runs its
// task and needs no locking. init() runs once before the first record, close() once after the
// last; the context outlives the processor.
//
// State: a processor reaches the state stores connected to it (Topology::addStateStore) through
// its context, typed — see kstreams/typed_key_value_store.h:
//
//   void init(kstreams::ProcessorContext<std::string, int64_t>& context) override {
//     ContextualProcessor::init(context);
//     counts_ = &context.getStateStore<kstreams::KeyValueStore<std::string, int64_t>>("counts");
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "kstreams/errors.h"
#include "kstreams/record.h"
#include "kstreams/task_id.h"

namespace kstreams {

// What every typed state store is (Java's org.apache.kafka.streams.processor.StateStore): the
// base of KeyValueStore<K, V> (kstreams/typed_key_value_store.h). Stores belong to a task, which
// creates them from the topology's store builders, opens them before the processors' init() and
// closes them after the processors' close(); a processor only borrows them. Used by the task's
// stream thread only.
class StateStore {
 public:
  virtual ~StateStore() = default;
  // The store's name, unique in the topology.
  virtual const std::string& name() const = 0;
  // True for stores that survive a restart on disk (RocksDB), false for in-memory ones.
  virtual bool persistent() const = 0;
  virtual bool isOpen() const = 0;
};

// Punctuation (Java's org.apache.kafka.streams.processor.PunctuationType / Punctuator /
// Cancellable): a processor asks its task to call it back periodically.
//
//   STREAM_TIME: the callback fires when the task's stream time (the largest record timestamp it
//     has processed) reaches the next multiple of the interval, aligned to 0 as in Java: the first
//     fire comes with the first record processed after schedule(), later ones each time stream
//     time passes the next boundary. Intervals without records are not made up: a record that
//     moves stream time across several boundaries fires once. The callback receives the stream
//     time. (Interval 10, records at 0, 3, 12, 35: fires at 0, 12 and 35.)
//   WALL_CLOCK_TIME: the first fire comes once the wall clock passes the time of schedule() plus
//     the interval, then every interval (missed ones are not made up either); the callback
//     receives the wall-clock time. KafkaStreams checks wall-clock punctuation on every turn of
//     the stream thread's loop (it never blocks in poll past the next one); TopologyTestDriver
//     fires it in advanceWallClockTime().
// While a punctuator runs, the record context is the punctuation's: record timestamp = the time
// the callback receives, no topic, partition or offset (recordMetadata() is null), no headers.
// What it forwards goes to the children of the processor that scheduled it and carries that
// timestamp if it was built with it. An exception thrown by a punctuator goes to the processing
// exception handler (node = the scheduling processor, no record coordinates); kFail stops the
// task.
enum class PunctuationType { STREAM_TIME, WALL_CLOCK_TIME };

// The callback; `timestamp` is the stream time or the wall-clock time of the punctuation.
using Punctuator = std::function<void(int64_t timestamp)>;

// Handle of a scheduled punctuation (Java's Cancellable). Copies share the schedule. cancel()
// stops it for good (also from within its own callback) and is idempotent. Use it on the task's
// stream thread only, like the processor that made it.
class Cancellable {
 public:
  Cancellable() = default;
  void cancel() {
    if (cancelled_) *cancelled_ = true;
  }
  bool isCancelled() const { return cancelled_ && *cancelled_; }

  // For kstreams' tasks: the flag the task checks before each fire.
  explicit Cancellable(std::shared_ptr<bool> cancelled) : cancelled_(std::move(cancelled)) {}

 private:
  std::shared_ptr<bool> cancelled_;
};

// What every processor may ask of its task, whatever it forwards.
class ProcessorContextBase {
 public:
  virtual ~ProcessorContextBase() = default;

  virtual const std::string& applicationId() const = 0;
  virtual TaskId taskId() const = 0;
  // Topic, partition and offset of the input record being processed; nullptr when the current
  // record did not come from a topic.
  virtual const RecordMetadata* recordMetadata() const = 0;
  // Wall-clock time as the task sees it (the test driver's mock clock in tests).
  virtual int64_t currentSystemTimeMs() const = 0;
  // The largest timestamp the task has seen so far (Kafka Streams' stream time).
  virtual int64_t currentStreamTimeMs() const = 0;
  // Asks the stream thread to commit soon (after the current record), like Java's commit().
  virtual void commit() = 0;
  // Schedules `callback` every `interval` (≥ 1 ms; StreamsException otherwise) of stream time or
  // wall-clock time (see PunctuationType above). Call it from init() or process(); the schedule
  // belongs to the task and ends with it (or with cancel()). The callback runs on the task's
  // stream thread, between records.
  virtual Cancellable schedule(std::chrono::milliseconds interval, PunctuationType type,
                               Punctuator callback) = 0;

  // The state store `name` as the typed store S, e.g. KeyValueStore<std::string, int64_t>. The
  // task owns it; the reference stays valid until after close(). As in Kafka Streams, only
  // stores connected to this processor are reachable (Topology::addStateStore with the
  // processor's name, Topology::connectProcessorAndStateStores, or the store names given to the
  // DSL's process()); others throw StreamsException, as does asking for other key/value types
  // than the store's builder has.
  template <typename S>
  S& getStateStore(const std::string& name) {
    StateStore& store = stateStore(name);
    if (auto* typed = dynamic_cast<S*>(&store)) return *typed;
    throw StreamsException("state store " + name +
                           " has other key or value types than the ones asked for");
  }
  // The store `name`, untyped. Throws StreamsException when it is not connected to this
  // processor.
  virtual StateStore& stateStore(const std::string& name) = 0;
};

// The context of a processor whose output records are Record<KOut, VOut>.
template <typename KOut, typename VOut>
class ProcessorContext : public ProcessorContextBase {
 public:
  // Sends the record to every child, in the order the children were added. The last child gets
  // the record moved, earlier ones get copies.
  virtual void forward(Record<KOut, VOut> record) = 0;
  // Sends the record to the named child only. Throws StreamsException if there is no such child.
  virtual void forward(Record<KOut, VOut> record, std::string_view child_name) = 0;
};

// A processing step. KOut/VOut are the types it forwards; use kstreams::Void for a terminal
// processor that forwards nothing.
template <typename KIn, typename VIn, typename KOut = Void, typename VOut = Void>
class Processor {
 public:
  using KeyIn = KIn;
  using ValueIn = VIn;
  using KeyOut = KOut;
  using ValueOut = VOut;

  virtual ~Processor() = default;
  // Called once before the first record. `context` stays valid until after close().
  virtual void init(ProcessorContext<KOut, VOut>& context) { (void)context; }
  // Called for every record from any parent. May throw: the exception stops the task and goes to
  // the uncaught-exception handler with the record's topic, partition and offset.
  virtual void process(Record<KIn, VIn> record) = 0;
  // Called once when the task is closed (shutdown or partition revocation).
  virtual void close() {}
};

// A Processor that keeps its context, the usual base for user processors (Java's
// ContextualProcessor). Override init() only to do more, and then call this init() first.
template <typename KIn, typename VIn, typename KOut = Void, typename VOut = Void>
class ContextualProcessor : public Processor<KIn, VIn, KOut, VOut> {
 public:
  void init(ProcessorContext<KOut, VOut>& context) override { context_ = &context; }

 protected:
  ProcessorContext<KOut, VOut>& context() { return *context_; }

 private:
  ProcessorContext<KOut, VOut>* context_ = nullptr;
};

}  // namespace kstreams
