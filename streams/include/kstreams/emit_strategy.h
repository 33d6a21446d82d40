// File: kstreams/emit_strategy.h
//
// When a windowed aggregation forwards its results (Java's kstream.EmitStrategy):
//
//   stream.groupByKey()
//       .windowedBy(kstreams::TimeWindows::ofSizeAndGrace(std::chrono::minutes(1),
//                                                         std::chrono::seconds(10)))
//       .emitStrategy(kstreams::EmitStrategy::onWindowClose())
//       .count();   // one record per key and window, once the window has closed
//
// onWindowUpdate() (the default): every update of a window is forwarded at once.
// onWindowClose(): nothing is forwarded while a window is open; once stream time - grace passes a
// window's end, the window's final aggregate is forwarded (timestamp: the window's latest
// record; headers: those of the record that closed it), windows in start order, then by
// serialized key. Session windows (SessionWindowedKStream::emitStrategy) close once their end <
// stream time - gap - grace and are forwarded by end, then start, then key, with their end as
// timestamp. The check runs at most once per windowed-aggregation emit interval of wall clock
// (1 s by default, StreamsConfig::kWindowedAggregationEmitIntervalMs; every record in the
// TopologyTestDriver), as in Kafka Streams.
//
// Immutable value; any thread.
#pragma once

namespace kstreams {

class EmitStrategy {
 public:
  enum class Type { kOnWindowUpdate, kOnWindowClose };

  static EmitStrategy onWindowUpdate() { return EmitStrategy(Type::kOnWindowUpdate); }
  static EmitStrategy onWindowClose() { return EmitStrategy(Type::kOnWindowClose); }

  Type type() const { return type_; }
  bool operator==(const EmitStrategy&) const = default;

 private:
  explicit EmitStrategy(Type type) : type_(type) {}
  Type type_;
};

}  // namespace kstreams
