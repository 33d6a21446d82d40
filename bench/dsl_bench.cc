// Per-record cost of the stateless path source → filter → mapValues → sink, without Kafka.
//
// The work is the same everywhere: keep values that start with "even" (half of them), upper-case
// them, serialize key and value at the sink. Records are 100-byte values with "key-<n>" keys,
// cycling over 1024 pre-built inputs. Items = input records (half of them reach the sink).
//
//   BM_Inline                  the work in a plain loop (copy in, test, upper-case, append to
//                              sink buffers): the floor, no nodes at all
//   BM_StreamTask_SourceSink   StreamTask with source → sink only: the edges (deserialize,
//                              serialize, send) and the task's bookkeeping
//   BM_StreamTask_TwoForwardHops  source → forward → forward → sink (Processor API): minus
//                              SourceSink, the cost of two node hops
//   BM_StreamTask_ProcessorApi StreamTask with source → filter → upper → sink written with the
//                              Processor API
//   BM_StreamTask_Dsl          the same topology built with the DSL
//   BM_TestDriver_ProcessorApi TopologyTestDriver::pipeInput + capture (drained every 1024
//                              records): what a unit test pays per record
//   BM_TestDriver_Dsl          the same, DSL topology
//
// StreamTask is kstreams' internal task (runtime/stream_task.h); it is given a RecordSender that
// only counts, so the figures are the per-record CPU cost of the processing path that a stream
// thread adds on top of its consumer and producer. SourceSink and TwoForwardHops send every
// record, the filter topologies half of them.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/kstream.h"
#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/streams_config.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"
#include "runtime/stream_task.h"

namespace kstreams {
namespace {

constexpr int kValueBytes = 100;
constexpr size_t kDistinct = 1024;  // a power of two
constexpr const char* kIn = "bench-input";
constexpr const char* kOut = "bench-output";

bool isEven(std::string_view value) { return value.substr(0, 4) == "even"; }

// ASCII only (the values are ASCII); a loop the compiler vectorizes.
void toUpperInPlace(std::string& s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
}

struct Inputs {
  std::vector<std::string> keys, values;
};

const Inputs& inputs() {
  static const Inputs in = [] {
    Inputs out;
    for (size_t i = 0; i < kDistinct; ++i) {
      out.keys.push_back("key-" + std::to_string(i * 7919 % 10000));
      std::string v = (i % 2 == 0 ? "even-" : "odd-") + std::to_string(i) + "-";
      while (v.size() < kValueBytes) v.push_back(static_cast<char>('a' + v.size() % 26));
      out.values.push_back(std::move(v));
    }
    return out;
  }();
  return in;
}

// ---- Topologies ----

class FilterEven final
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void process(Record<std::string, std::string> r) override {
    if (isEven(r.value())) context().forward(std::move(r));
  }
};

class Upper final : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void process(Record<std::string, std::string> r) override {
    toUpperInPlace(r.value());  // the record is ours: edit in place
    context().forward(std::move(r));
  }
};

Topology processorApiTopology() {
  Topology t;
  t.addSource<std::string, std::string>("source", {kIn}, Serdes::String(), Serdes::String())
      .addProcessor("filter", [] { return std::make_unique<FilterEven>(); }, {"source"})
      .addProcessor("upper", [] { return std::make_unique<Upper>(); }, {"filter"})
      .addSink<std::string, std::string>("sink", kOut, {"upper"}, Serdes::String(),
                                         Serdes::String());
  return t;
}

// Forwards every record unchanged: two of these measure what a node hop costs.
class Forward final
    : public ContextualProcessor<std::string, std::string, std::string, std::string> {
 public:
  void process(Record<std::string, std::string> r) override { context().forward(std::move(r)); }
};

Topology twoHopsTopology() {
  Topology t;
  t.addSource<std::string, std::string>("source", {kIn}, Serdes::String(), Serdes::String())
      .addProcessor("hop1", [] { return std::make_unique<Forward>(); }, {"source"})
      .addProcessor("hop2", [] { return std::make_unique<Forward>(); }, {"hop1"})
      .addSink<std::string, std::string>("sink", kOut, {"hop2"}, Serdes::String(),
                                         Serdes::String());
  return t;
}

Topology sourceSinkTopology() {
  Topology t;
  t.addSource<std::string, std::string>("source", {kIn}, Serdes::String(), Serdes::String())
      .addSink<std::string, std::string>("sink", kOut, {"source"}, Serdes::String(),
                                         Serdes::String());
  return t;
}

Topology dslTopology() {
  StreamsBuilder builder;
  builder
      .stream<std::string, std::string>(
          kIn, Consumed<std::string, std::string>::with(Serdes::String(), Serdes::String()))
      .filter([](const std::string&, const std::string& value) { return isEven(value); })
      .mapValues([](std::string value) {
        toUpperInPlace(value);
        return value;
      })
      .to(kOut, Produced<std::string, std::string>::with(Serdes::String(), Serdes::String()));
  return builder.build();
}

// ---- The floor: the same work without nodes ----

void BM_Inline(benchmark::State& state) {
  const Inputs& in = inputs();
  std::string key_buf, value_buf;
  int64_t sent = 0;
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ & (kDistinct - 1);
    std::string key(in.keys[n]), value(in.values[n]);  // "deserialize"
    if (isEven(value)) {
      std::string upper = value;
      toUpperInPlace(upper);
      key_buf.clear();
      value_buf.clear();
      key_buf.append(key);  // "serialize"
      value_buf.append(upper);
      benchmark::DoNotOptimize(key_buf.data());
      benchmark::DoNotOptimize(value_buf.data());
      ++sent;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["out_per_in"] =
      static_cast<double>(sent) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Inline);

// ---- StreamTask with a sender that only counts ----

class CountingSender final : public internal::RecordSender {
 public:
  void send(const std::string&, int32_t, std::optional<std::string_view> key,
            std::optional<std::string_view> value, int64_t, const Headers&) override {
    ++sent;
    benchmark::DoNotOptimize(key);
    benchmark::DoNotOptimize(value);
  }
  int64_t sent = 0;
};

void runStreamTask(benchmark::State& state, const Topology& topology) {
  const Inputs& in = inputs();
  const StreamsConfig::Resolved config =
      StreamsConfig{{StreamsConfig::kApplicationId, "dsl-bench"}}.resolve(
          /*require_bootstrap=*/false);
  CountingSender sender;
  internal::TaskEnv env;
  env.config = &config;
  env.sender = &sender;
  env.wall_clock_ms = [] { return int64_t{0}; };
  const auto subs = topology.subtopologies();
  internal::StreamTask task(TaskId{subs.at(0).id, 0}, topology, subs.at(0), env);
  internal::RawRecord raw;
  raw.topic = kIn;
  raw.partition = 0;
  int64_t offset = 0;
  for (auto _ : state) {
    const size_t n = static_cast<size_t>(offset) & (kDistinct - 1);
    raw.offset = offset++;
    raw.timestamp = 1000 + offset;
    raw.key = in.keys[n];
    raw.value = in.values[n];
    task.process(raw);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["out_per_in"] =
      static_cast<double>(sender.sent) / static_cast<double>(state.iterations());
}

void BM_StreamTask_SourceSink(benchmark::State& state) {
  runStreamTask(state, sourceSinkTopology());
}
BENCHMARK(BM_StreamTask_SourceSink);

void BM_StreamTask_TwoForwardHops(benchmark::State& state) {
  runStreamTask(state, twoHopsTopology());
}
BENCHMARK(BM_StreamTask_TwoForwardHops);

void BM_StreamTask_ProcessorApi(benchmark::State& state) {
  runStreamTask(state, processorApiTopology());
}
BENCHMARK(BM_StreamTask_ProcessorApi);

void BM_StreamTask_Dsl(benchmark::State& state) { runStreamTask(state, dslTopology()); }
BENCHMARK(BM_StreamTask_Dsl);

// ---- TopologyTestDriver ----

void runTestDriver(benchmark::State& state, const Topology& topology) {
  const Inputs& in = inputs();
  TopologyTestDriver driver(topology);
  auto input =
      driver.createInputTopic<std::string, std::string>(kIn, Serdes::String(), Serdes::String());
  int64_t out = 0;
  size_t i = 0;
  for (auto _ : state) {
    const size_t n = i++ & (kDistinct - 1);
    input.pipeInput(in.keys[n], in.values[n], static_cast<int64_t>(i));
    if (n == kDistinct - 1) {
      while (driver.readRaw(kOut)) ++out;
    }
  }
  while (driver.readRaw(kOut)) ++out;
  state.SetItemsProcessed(state.iterations());
  state.counters["out_per_in"] = static_cast<double>(out) / static_cast<double>(state.iterations());
}

void BM_TestDriver_ProcessorApi(benchmark::State& state) {
  runTestDriver(state, processorApiTopology());
}
BENCHMARK(BM_TestDriver_ProcessorApi);

void BM_TestDriver_Dsl(benchmark::State& state) { runTestDriver(state, dslTopology()); }
BENCHMARK(BM_TestDriver_Dsl);

}  // namespace
}  // namespace kstreams
