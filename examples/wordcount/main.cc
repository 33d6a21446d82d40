// The word-count example: Kafka's WordCountDemo on kstreams, with its state read back through an
// interactive query.
//
//   wordcount [--input FILE] [--bootstrap-servers HOST:PORT] [--state-dir DIR]
//             [--application-id ID] [--threads N] [--input-topic T] [--output-topic T]
//
//   1. Once kstreams runs (its stream threads have their partitions), every line of FILE
//      (default: the bundled sample.txt) is produced to `wordcount-input`.
//   2. The topology lower-cases each line, splits it on every character outside [a-z0-9_],
//      drops empty words, groups by word (through the repartition topic
//      "<id>-counts-repartition") and counts into the RocksDB store "counts", whose changes go
//      to the compacted changelog "<id>-counts-changelog"; the counts also go to
//      `wordcount-output` (String word → Long count).
//   3. When all input is processed, it prints "word count" lines, sorted by word, read from the
//      store through an interactive query, and exits.
// Without --bootstrap-servers it runs on an in-process embedded cluster with a temporary state
// directory. Against a real broker, run it twice with the same --application-id and
// --state-dir: the second run counts the file again on top of the first (its stores are reused
// from the state directory, checkpointed); delete the state directory and the counts are
// rebuilt from the changelog.
#include <cstdlib>
#include <iostream>
#include <string>

#include "wordcount.h"

namespace {

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "wordcount: " << error << "\n"
            << "usage: wordcount [--input FILE] [--bootstrap-servers HOST:PORT] [--state-dir DIR]\n"
            << "                 [--application-id ID] [--threads N] [--input-topic T]\n"
            << "                 [--output-topic T]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  wordcount::Options o;
  o.input_file = KSTREAMS_WORDCOUNT_SAMPLE;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--input") {
      o.input_file = value();
    } else if (arg == "--bootstrap-servers") {
      o.bootstrap_servers = value();
    } else if (arg == "--state-dir") {
      o.state_dir = value();
    } else if (arg == "--application-id") {
      o.application_id = value();
    } else if (arg == "--threads") {
      o.threads = std::atoi(value().c_str());
      if (o.threads < 1) usage("--threads must be at least 1");
    } else if (arg == "--input-topic") {
      o.input_topic = value();
    } else if (arg == "--output-topic") {
      o.output_topic = value();
    } else if (arg == "--help" || arg == "-h") {
      usage("help");
    } else {
      usage("unknown flag " + arg);
    }
  }
  return wordcount::run(o, std::cout, std::cerr);
}
