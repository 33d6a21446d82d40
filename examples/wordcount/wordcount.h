// The word-count example as a library, so that tests run exactly what the binary runs.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "kstreams/topology.h"

namespace wordcount {

// Lower-cases `line` (ASCII) and splits it on every character outside [a-z0-9_]; empty words
// are dropped. "It's 2 o'clock!" → {"it", "s", "2", "o", "clock"}.
std::vector<std::string> splitWords(std::string_view line);

// source(input_topic: lines) → flatMapValues(splitWords) → groupBy(word) → count into the
// store "counts" → toStream → sink(output_topic: String word → Long count).
kstreams::Topology buildTopology(const std::string& input_topic, const std::string& output_topic);

struct Options {
  std::string input_file;         // lines to produce
  std::string bootstrap_servers;  // empty: an embedded cluster for this run
  std::string state_dir;          // empty: a temporary directory (embedded) or
                                  // /tmp/kstreams-wordcount (a real broker)
  std::string application_id = "wordcount";
  std::string input_topic = "wordcount-input";
  std::string output_topic = "wordcount-output";
  int threads = 2;
};

// Starts the topology, produces every line of the input file to the input topic once the
// client runs, waits until all input is processed, prints "word count" lines (sorted by word)
// read from the store "counts" through an interactive query to `out`, progress to `err`, and
// closes. Returns the process exit code.
int run(const Options& options, std::ostream& out, std::ostream& err);

}  // namespace wordcount
