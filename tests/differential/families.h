// File: tests/differential/families.h
//
// The topologies of the differential suite ("families"): one entry per DSL operator or
// combination, each built exactly like its twin in java/src/main/java/dev/kstreams/differential/
// Families.java (same operators in the same order, same store and repartition names, same
// serdes). Adding an operator to kstreams means adding one entry here and one there.
//
// Everything here is used from the suite's one thread.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "kstreams/streams_builder.h"

namespace kstreams::differential {

// How to show a topic's values in a report (the comparison itself is on bytes).
enum class Encoding { kString, kLong, kBytes };

// A topic, or kPrintFile: the lines print() writes to printPath(), each compared as a value.
inline constexpr const char* kPrintFile = "@print";

struct OutputTopic {
  std::string name;
  Encoding encoding = Encoding::kString;
};

struct Family {
  std::string name;
  // Input topics, all String/String; a scenario spreads its records over them at random.
  std::vector<std::string> inputs;
  // Read after every input record, in this order: sinks, and the changelog and repartition
  // topics ("diff-<name>-changelog" / "-repartition", application.id "diff") whose bytes Java
  // and kstreams must agree on too.
  std::vector<OutputTopic> outputs;
  std::function<void(StreamsBuilder&)> build;
};

// Every family, in a fixed order.
const std::vector<Family>& families();

// The file the print() families write to; the suite sets it before building each scenario.
std::string& printPath();

}  // namespace kstreams::differential
