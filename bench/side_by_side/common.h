// Shared pieces of the side-by-side benchmark binaries (kstreams_bench_app, kstreams_bench_driver):
// command-line flags, the record format of the benchmark input, and /proc readers.
//
// The input format is the Java peer's (bench/peers/README.md, `--mode load`): record `seq`
// (0..N-1) has the key "key-<seq mod keys>" and the ASCII value "<seq>|xxx…" padded with 'x' to
// exactly `value_bytes` bytes. The stateless workload keeps the even seqs and upper-cases the
// value (so the padding becomes 'X').
#pragma once

#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sbs {

// Exit codes shared with the Java peer (bench/peers/README.md).
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitNotImplemented = 2;
constexpr int kExitUsage = 64;

// A usage error: the message goes to stderr and the program exits kExitUsage.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `--name value` / `--name=value` flags (and bare `--name` for the ones listed as switches).
class Args {
 public:
  Args(int argc, char** argv, const std::set<std::string>& switches = {});

  // Throws UsageError for any flag outside `allowed` (the switches are always allowed).
  void allowOnly(const std::set<std::string>& allowed) const;

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  int64_t getInt(const std::string& name, int64_t fallback, int64_t min) const;
  double getDouble(const std::string& name, double fallback, double min) const;
  bool flag(const std::string& name) const { return has(name); }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
};

// ---- The benchmark records.

// windowed-count: the input's event time. Record seq carries the timestamp
// base + seq / kEventRecordsPerMs, base being a multiple of kWindowSizeMs the driver picks per
// run (its wall clock at load, so the broker's timestamp limits and retention never bite), and
// the systems count per key in tumbling windows of kWindowSizeMs with no grace. So window j
// holds seqs [j·P, (j+1)·P), P = kWindowSizeMs · kEventRecordsPerMs = 100,000: with 10,000 keys,
// 10 records per key and window. The Java peer's Topologies.WINDOW_MS must equal kWindowSizeMs.
inline constexpr int64_t kWindowSizeMs = 10'000;
inline constexpr int64_t kEventRecordsPerMs = 10;
inline constexpr int64_t kRecordsPerWindow = kWindowSizeMs * kEventRecordsPerMs;

// The avro workload (scripts/bench --workloads avro): input values are Avro records of
// kAvroOrderSchema with the Confluent framing (magic 0, 4-byte schema id registered under
// `<input>-value`): seq = the record's seq, customer "customer-<seq mod keys>", cents = seq,
// weight = seq / 1000.0, paid = seq even. Topology: filter(paid) → mapValues(to
// kAvroSummarySchema: seq, customer upper-cased, cents) → to (registered under `<output>-value`).
// The Java peer's Topologies must use the same two schemas, character for character, so that
// both sides register (and reuse) the same ids.
inline constexpr const char* kAvroOrderSchema =
    R"({"type":"record","name":"BenchOrder","namespace":"kstreams.bench","fields":[)"
    R"({"name":"seq","type":"long"},{"name":"customer","type":"string"},)"
    R"({"name":"cents","type":"long"},{"name":"weight","type":"double"},)"
    R"({"name":"paid","type":"boolean"}]})";
inline constexpr const char* kAvroSummarySchema =
    R"({"type":"record","name":"BenchOrderSummary","namespace":"kstreams.bench","fields":[)"
    R"({"name":"seq","type":"long"},{"name":"customer","type":"string"},)"
    R"({"name":"cents","type":"long"}]})";
inline int64_t eventTimeOf(int64_t seq, int64_t base_ms) {
  return base_ms + seq / kEventRecordsPerMs;
}

inline std::string keyOf(int64_t seq, int64_t keys) { return "key-" + std::to_string(seq % keys); }

// "<seq>|" then 'x' up to value_bytes (longer only when the number and '|' do not fit).
std::string valueOf(int64_t seq, int value_bytes);

// The seq of a value "<digits>|…": the decimal digits before the first '|'. nullopt when the
// value does not start that way (the Java peer's Topologies.seq() fails the same values).
inline std::optional<int64_t> seqOf(std::string_view value) {
  const size_t bar = value.find('|');
  if (bar == 0 || bar == std::string_view::npos || bar > 18) return std::nullopt;
  int64_t seq = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + bar, seq);
  if (ec != std::errc() || end != value.data() + bar) return std::nullopt;
  return seq;
}

// The stateless workload's predicate: an even seq. Throws std::invalid_argument for a malformed
// value, which fails the stream thread, as the Java peer does.
bool evenSeq(std::string_view value);

// ASCII upper-casing in place (the values are ASCII; Java's toUpperCase(Locale.ROOT) agrees).
inline void toUpperAscii(std::string& s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
}

// ---- Clocks and /proc.

int64_t steadyNs();

// Peak resident set size (VmHWM) of process `pid` (0: this process) in KiB; -1 if unreadable.
int64_t peakRssKb(int pid = 0);

// CPU seconds (user + system, all threads, exited ones included) of process `pid`; -1 if
// unreadable.
double processCpuSeconds(int pid);

// Busy CPU seconds of the whole machine (every core, all processes), from /proc/stat.
double machineBusyCpuSeconds();

// Prints "<program>: peak_rss_kb=N (VmHWM, M MiB)" on stderr, as the Java peer does.
void printPeakRss(const char* program);

std::vector<std::string> splitList(const std::string& text, char sep = ',');

}  // namespace sbs
