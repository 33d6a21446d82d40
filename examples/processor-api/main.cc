// The Processor API in a few lines: a hand-wired topology with a stateful-looking processor (a
// per-task running total kept in a member), run through the TopologyTestDriver so it needs no
// Kafka at all.
//
//   ./scripts/demo processor-api
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "kstreams/processor.h"
#include "kstreams/serdes.h"
#include "kstreams/topology.h"
#include "kstreams/topology_test_driver.h"

namespace {

using kstreams::Record;

// Emits "<item>: <running total>" for every order; forwards nothing for negative amounts, and
// tags each output with the offset of the input it came from.
class RunningTotal
    : public kstreams::ContextualProcessor<std::string, int64_t, std::string, std::string> {
 public:
  void process(Record<std::string, int64_t> order) override {
    if (order.value() < 0) return;
    total_ += order.value();
    std::string line = order.key() + ": " + std::to_string(total_);
    auto out = std::move(order).withValue(std::move(line));
    if (const auto* meta = context().recordMetadata()) {
      out.headers().add("source-offset", std::to_string(meta->offset));
    }
    context().forward(std::move(out));
  }

 private:
  int64_t total_ = 0;
};

}  // namespace

int main() {
  using kstreams::Serdes::Int64;
  using kstreams::Serdes::String;

  kstreams::Topology topology;
  topology.addSource<std::string, int64_t>("orders", {"orders"}, String(), Int64())
      .addProcessor("running-total", [] { return std::make_unique<RunningTotal>(); }, {"orders"})
      .addSink<std::string, std::string>("totals", "totals", {"running-total"}, String(), String());
  std::cout << topology.describe() << std::flush;

  kstreams::TopologyTestDriver driver(topology);
  auto in = driver.createInputTopic<std::string, int64_t>("orders", String(), Int64());
  auto out = driver.createOutputTopic<std::string, std::string>("totals", String(), String());
  in.pipeInput("apple", 3, 1000);
  in.pipeInput("pear", -1, 1001);
  in.pipeInput("plum", 4, 1002);
  for (const auto& r : out.readRecordsToList()) {
    const auto* offset = r.headers.lastHeader("source-offset");
    std::cout << r.value << " (ts " << r.timestamp << ", from offset "
              << (offset && offset->value ? *offset->value : "?") << ")\n";
  }
  return 0;
}
