// kstreams_e2e_bench — end-to-end throughput of a stateless kstreams topology against raw
// librdkafka loops on the same cluster and the same input, in one run.
//
//   kstreams_e2e_bench [--quick] [--records N] [--value-bytes B] [--keys K] [--partitions P]
//                      [--threads T] [--bootstrap-servers HOST:PORT] [--brokers N]
//                      [--systems librdkafka,kstreams] [--repeat R] [--json FILE]
//
// Method
//   1. Load: N records go into a fresh topic `bench-input-<run id>` (P partitions) through
//      kstreams::SimpleProducer (lz4, large batches: the embedded mock keeps at most ~5 MiB or
//      100,000 batches per partition). Key i is "key-<i mod K>"; value i is B bytes starting
//      with "even" for even i and "odd" for odd i, so the filter passes ceil(N/2) records. The
//      records present (sum of high − low watermarks, and every low watermark 0) are checked
//      before anything is measured: a cluster that dropped input fails the run.
//   2. Each system reads that same input from the beginning and writes its own fresh output
//      topic (P partitions):
//        librdkafka-passthrough  plain C loop: rd_kafka_consume_batch_queue → rd_kafka_producev,
//                                every record as is (the ceiling of this cluster and client);
//        librdkafka-stateless    the same loop with the topology's work inline: keep values
//                                starting with "even", upper-case them, produce;
//        kstreams                stream(input).filter(even).mapValues(upper).to(output), run by
//                                kstreams::KafkaStreams (consumer group, murmur2 partitioner);
//        kstreams-defaults       the same without the client settings below (kstreams' own
//                                defaults): not in the default list.
//      The three default systems use the same client settings (consumer:
//      queued.min.messages=1000000; producer: linger.ms=5, batch.num.messages=10000, lz4,
//      murmur2_random, queue.buffering.max.messages=100000; fetch.wait.max.ms=10 on the mock).
//      With --threads T the raw loops run T consumer/producer pairs, each assigned (no group)
//      partitions p with p mod T == t; kstreams runs num.stream.threads=T in one group.
//   3. Measurement (the same for every system): the benchmark samples the output topic's
//      high watermarks (one ListOffsets request per broker) every 2 ms. The processing window
//      runs from the first input record handed to the processing code (the raw loop's first
//      batch; the kstreams filter's first call) to the first sample in which the output holds
//      every expected record, i.e. all of them produced and acknowledged by the broker. This is
//      the processing side's clock at the start and the broker's view at the end, both read on
//      this machine's steady clock.
//        in rec/s  = input records / processing window   (the headline figure)
//        out rec/s = output records between the first sample with output and the completing
//                    sample / the time between those samples (first → last output record)
//      Start-up (consumer start, group join: ~3 s on the mock) is reported apart and is not in
//      the window. The end includes the producer's linger and one round trip (~10 ms): use
//      the default 1M records rather than --quick for figures.
//      Correctness: after completion the output is watched until the raw loops have flushed, or
//      for 500 ms more and then after KafkaStreams::close() (kstreams); the final output count
//      must equal the expected count exactly — fewer (loss) or more (duplicates) fails the run,
//      and a failed run gives no figure. The raw loops must have consumed every input record;
//      kstreams must have committed all of them (consumer-group lag 0 after close()) and not
//      gone to ERROR.
//      CPU, over the window (from the first sample after the first input record to the
//      completing sample): this process without the mock's thread (cpu_us/rec = CPU per input
//      record), the mock's thread (mock_busy, in cores), and the rest of the machine (others,
//      in cores: other processes competing for the cores; figures taken while others is well
//      above 0 are not comparable).
//   4. Ratios are taken between systems of the same run (medians over --repeat R rounds; the
//      systems alternate within each round). Exit status 1 when any run failed.
//
// Caveats: the embedded cluster is librdkafka's mock, served by ONE thread for all brokers, in
// this process; mock_busy shows whether it limits a run (with lz4 batches it stores and serves
// compressed batches as they are and stays far from busy: the client side is the limit). The
// load generator, the clients and the mock share this machine's cores, so a figure is for this
// machine; a real broker (scripts/kafka start, then --bootstrap-servers) runs in a JVM on the
// same cores.

#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/kstream.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/streams_config.h"
#include "nlohmann/json.hpp"

namespace {

using Props = std::map<std::string, std::string>;

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  int64_t records = 1'000'000;
  bool records_given = false;
  bool quick = false;
  int value_bytes = 100;
  int keys = 10'000;
  int partitions = 8;
  int threads = 1;
  int brokers = 1;  // embedded cluster only
  int repeat = 1;
  std::string bootstrap_servers;  // empty: embedded cluster
  std::vector<std::string> systems = {"librdkafka-passthrough", "librdkafka-stateless", "kstreams"};
  std::string json_file;
};

constexpr const char* kUsage =
    "usage: kstreams_e2e_bench [--quick] [--records N] [--value-bytes B] [--keys K]\n"
    "         [--partitions P] [--threads T] [--bootstrap-servers HOST:PORT] [--brokers N]\n"
    "         [--systems librdkafka,kstreams] [--repeat R] [--json FILE]\n"
    "  --records N            input records [1000000; --quick: 200000]\n"
    "  --value-bytes B        value size [100]\n"
    "  --keys K               distinct keys [10000]\n"
    "  --partitions P         partitions of the input and output topics [8]\n"
    "  --threads T            raw loops / kstreams stream threads [1]\n"
    "  --bootstrap-servers    an existing cluster [default: embedded mock cluster]\n"
    "  --brokers N            brokers of the embedded cluster [1]\n"
    "  --systems LIST         of librdkafka (= librdkafka-passthrough + librdkafka-stateless),\n"
    "                         librdkafka-passthrough, librdkafka-stateless, kstreams,\n"
    "                         kstreams-defaults (kstreams without the raw loops' client\n"
    "                         settings) [librdkafka,kstreams]\n"
    "  --repeat R             rounds over the systems; figures are medians [1]\n"
    "  --json FILE            append one JSON object per run and a summary (JSON Lines)\n";

[[noreturn]] void usageError(const std::string& message) {
  std::cerr << "kstreams_e2e_bench: " << message << "\n" << kUsage;
  std::exit(2);
}

int64_t parseInt(const std::string& flag, const std::string& text, int64_t min) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0' || v < min) {
    usageError(flag + " needs an integer >= " + std::to_string(min) + ", got '" + text + "'");
  }
  return v;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

Options parseArgs(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (flag != "--quick" && flag != "--help" && flag != "-h") {
      if (flag.rfind("--", 0) != 0) usageError("unexpected argument " + flag);
      if (i + 1 >= argc) usageError(flag + " needs a value");
      value = argv[++i];
    }
    if (flag == "--help" || flag == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (flag == "--quick") {
      o.quick = true;
    } else if (flag == "--records") {
      o.records = parseInt(flag, value, 1);
      o.records_given = true;
    } else if (flag == "--value-bytes") {
      o.value_bytes = static_cast<int>(parseInt(flag, value, 16));
    } else if (flag == "--keys") {
      o.keys = static_cast<int>(parseInt(flag, value, 1));
    } else if (flag == "--partitions") {
      o.partitions = static_cast<int>(parseInt(flag, value, 1));
    } else if (flag == "--threads") {
      o.threads = static_cast<int>(parseInt(flag, value, 1));
    } else if (flag == "--brokers") {
      o.brokers = static_cast<int>(parseInt(flag, value, 1));
    } else if (flag == "--repeat") {
      o.repeat = static_cast<int>(parseInt(flag, value, 1));
    } else if (flag == "--bootstrap-servers") {
      o.bootstrap_servers = value;
    } else if (flag == "--json") {
      o.json_file = value;
    } else if (flag == "--systems") {
      o.systems.clear();
      for (const auto& s : splitList(value)) {
        if (s == "librdkafka") {
          o.systems.push_back("librdkafka-passthrough");
          o.systems.push_back("librdkafka-stateless");
        } else if (s == "librdkafka-passthrough" || s == "librdkafka-stateless" ||
                   s == "kstreams" || s == "kstreams-defaults") {
          o.systems.push_back(s);
        } else {
          usageError("unknown system '" + s + "'");
        }
      }
      if (o.systems.empty()) usageError("--systems is empty");
    } else {
      usageError("unknown flag " + flag);
    }
  }
  if (o.quick && !o.records_given) o.records = 200'000;
  return o;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double seconds(int64_t ns) { return static_cast<double>(ns) / 1e9; }

// The work of the topology, shared by the raw stateless loop and the kstreams lambdas.
bool isEven(std::string_view value) { return value.substr(0, 4) == "even"; }

// ASCII only (the values are ASCII); a loop the compiler vectorizes.
void toUpperInPlace(std::string& s) {
  for (char& c : s) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c);
}

struct RdDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_topic_t* p) const { rd_kafka_topic_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
};
using RdPtr = std::unique_ptr<rd_kafka_t, RdDeleter>;
using RdTopicPtr = std::unique_ptr<rd_kafka_topic_t, RdDeleter>;
using RdQueuePtr = std::unique_ptr<rd_kafka_queue_t, RdDeleter>;
using RdListPtr = std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter>;

absl::Status rdStatus(rd_kafka_resp_err_t err, const std::string& what) {
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
  return absl::UnavailableError(what + ": " + rd_kafka_err2str(err));
}

// `configure` runs on the conf before the handle is made (callbacks, opaque).
absl::StatusOr<RdPtr> makeClient(rd_kafka_type_t type, const Props& props,
                                 const std::function<void(rd_kafka_conf_t*)>& configure = {}) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(k + "=" + v + ": " + err);
    }
  }
  if (configure) configure(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, err, sizeof(err));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(err);
  }
  return RdPtr(rk);
}

// CPU seconds of the whole process (including threads that have exited).
double processCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// CPU seconds of this process's live threads whose name starts with `prefix` (e.g. "rdk:mock",
// the thread librdkafka's mock cluster runs on), from /proc/self/task/*/stat.
double threadCpuSeconds(std::string_view prefix) {
  double total = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::string base = std::string("/proc/self/task/") + e->d_name;
    std::string comm;
    std::getline(std::ifstream(base + "/comm") >> std::ws, comm);
    if (comm.rfind(prefix, 0) != 0) continue;
    std::string stat;
    std::getline(std::ifstream(base + "/stat"), stat);
    auto paren = stat.rfind(')');
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    std::string field;
    // After "pid (comm)": state is field 3; utime and stime are fields 14 and 15.
    int64_t utime = 0, stime = 0;
    for (int n = 3; n <= 15 && fields >> field; ++n) {
      if (n == 14) utime = std::strtoll(field.c_str(), nullptr, 10);
      if (n == 15) stime = std::strtoll(field.c_str(), nullptr, 10);
    }
    total += static_cast<double>(utime + stime) / ticks;
  }
  closedir(dir);
  return total;
}

// Busy CPU seconds of the whole machine (all processes), from /proc/stat.
double machineBusyCpuSeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  int64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0;
  f >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal;
  return static_cast<double>(user + nice + system + irq + softirq + steal) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Measures, over one system's run, this process's CPU (without the mock's thread), the mock's
// thread and the rest of the machine (other processes: a busy neighbour skews the figures).
struct CpuMeter {
  double process0 = 0, mock0 = 0, machine0 = 0;
  double client = 0, mock = 0, others = 0;  // CPU seconds between start() and stop()

  void start() {
    process0 = processCpuSeconds();
    mock0 = threadCpuSeconds("rdk:mock");
    machine0 = machineBusyCpuSeconds();
  }
  void stop() {
    const double process = processCpuSeconds() - process0;
    mock = threadCpuSeconds("rdk:mock") - mock0;
    client = process - mock;
    others = std::max(0.0, machineBusyCpuSeconds() - machine0 - process);
  }
};

// ---------------------------------------------------------------------------------------------
// Offsets of a topic

// Reads the low or high watermarks of every partition of one topic with a single ListOffsets
// request per leader (rd_kafka_offsets_for_times with the logical offsets BEGINNING/END), cheap
// enough to sample every few milliseconds. Used from one thread at a time.
class TopicOffsets {
 public:
  static absl::StatusOr<std::unique_ptr<TopicOffsets>> create(const Props& client_props,
                                                              std::string topic, int partitions) {
    auto rk = makeClient(RD_KAFKA_CONSUMER, client_props);
    if (!rk.ok()) return rk.status();
    return std::unique_ptr<TopicOffsets>(
        new TopicOffsets(std::move(*rk), std::move(topic), partitions));
  }

  absl::StatusOr<std::vector<int64_t>> low() { return query(RD_KAFKA_OFFSET_BEGINNING); }
  absl::StatusOr<std::vector<int64_t>> high() { return query(RD_KAFKA_OFFSET_END); }
  absl::StatusOr<int64_t> highSum() {
    auto h = high();
    if (!h.ok()) return h.status();
    int64_t sum = 0;
    for (int64_t v : *h) sum += v;
    return sum;
  }
  // Retries highSum() while the topic's leaders are not known yet (a topic just created): the
  // first answers can be NOT_LEADER / UNKNOWN_TOPIC_OR_PART until metadata settles.
  absl::StatusOr<int64_t> highSumRetrying(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto sum = highSum();
      if (sum.ok() || std::chrono::steady_clock::now() > deadline) return sum;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

 private:
  TopicOffsets(RdPtr rk, std::string topic, int partitions)
      : rk_(std::move(rk)), topic_(std::move(topic)), partitions_(partitions) {}

  absl::StatusOr<std::vector<int64_t>> query(int64_t logical) {
    RdListPtr list(rd_kafka_topic_partition_list_new(partitions_));
    for (int p = 0; p < partitions_; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset = logical;
    }
    if (auto err = rd_kafka_offsets_for_times(rk_.get(), list.get(), 5000)) {
      return rdStatus(err, "offsets of " + topic_);
    }
    std::vector<int64_t> out(partitions_, 0);
    for (int i = 0; i < list->cnt; ++i) {
      const auto& tp = list->elems[i];
      if (tp.err) return rdStatus(tp.err, "offsets of " + topic_);
      out[tp.partition] = tp.offset;
    }
    return out;
  }

  RdPtr rk_;
  std::string topic_;
  int partitions_;
};

// ---------------------------------------------------------------------------------------------
// Shared run context

struct Cluster {
  std::string bootstrap;
  bool embedded = false;
  // Client settings every system gets (the mock needs fetch.wait.max.ms=10 on consumers).
  Props common, consumer, producer;
};

Cluster makeClusterSettings(std::string bootstrap, bool embedded) {
  Cluster c;
  c.bootstrap = std::move(bootstrap);
  c.embedded = embedded;
  c.common = {{"bootstrap.servers", c.bootstrap}, {"socket.nagle.disable", "true"}};
  c.consumer = {{"queued.min.messages", "1000000"},
                {"auto.offset.reset", "earliest"},
                {"enable.partition.eof", "false"}};
  if (embedded) c.consumer["fetch.wait.max.ms"] = "10";
  c.producer = {{"linger.ms", "5"},
                {"batch.num.messages", "10000"},
                {"compression.type", "lz4"},
                {"queue.buffering.max.messages", "100000"},
                {"partitioner", "murmur2_random"}};
  return c;
}

Props merged(const Props& a, const Props& b) {
  Props out = a;
  for (const auto& [k, v] : b) out[k] = v;
  return out;
}

struct Input {
  std::string topic;
  int partitions = 0;
  int64_t records = 0;
  int64_t expected_filtered = 0;
  std::vector<int64_t> end_offsets;  // per partition, all low watermarks being 0
  double load_seconds = 0;
};

// Value i: "even-<i>-" or "odd-<i>-", then a filler up to `bytes` (compressible, as the mock's
// retention needs; the same bytes for every system).
std::string makeValue(int64_t i, int bytes) {
  std::string v = (i % 2 == 0 ? "even-" : "odd-") + std::to_string(i) + "-";
  while (static_cast<int>(v.size()) < bytes) v.push_back(static_cast<char>('a' + v.size() % 26));
  v.resize(bytes);
  return v;
}

absl::StatusOr<Input> loadInput(const Options& o, const Cluster& c, const std::string& run_id) {
  Input in;
  in.topic = "bench-input-" + run_id;
  in.partitions = o.partitions;
  in.records = o.records;
  in.expected_filtered = (o.records + 1) / 2;
  if (auto s = kstreams::createTopics(c.bootstrap, {{in.topic, o.partitions}}); !s.ok()) return s;
  const int64_t t0 = nowNs();
  {
    // Large compressed batches: the mock keeps at most ~5 MiB / 100,000 batches per partition.
    kstreams::SimpleProducer producer(
        c.bootstrap, {{"linger.ms", "50"}, {"batch.size", "4000000"}, {"compression.type", "lz4"}});
    std::string key;
    for (int64_t i = 0; i < o.records; ++i) {
      key = "key-" + std::to_string(i % o.keys);
      producer.send(in.topic, key, makeValue(i, o.value_bytes));
    }
    if (auto s = producer.flush(); !s.ok()) return s;
  }
  in.load_seconds = seconds(nowNs() - t0);
  auto offsets = TopicOffsets::create(c.common, in.topic, o.partitions);
  if (!offsets.ok()) return offsets.status();
  if (auto s = (*offsets)->highSumRetrying(std::chrono::seconds(30)); !s.ok()) return s.status();
  auto lo = (*offsets)->low();
  if (!lo.ok()) return lo.status();
  auto hi = (*offsets)->high();
  if (!hi.ok()) return hi.status();
  int64_t present = 0, written = 0;
  for (int p = 0; p < o.partitions; ++p) {
    present += (*hi)[p] - (*lo)[p];
    written += (*hi)[p];
  }
  if (written != o.records || present != o.records) {
    return absl::DataLossError(
        "input topic " + in.topic + ": " + std::to_string(written) + " records written, " +
        std::to_string(present) + " still present of " + std::to_string(o.records) +
        (c.embedded ? " (the mock cluster drops batches beyond ~5 MiB / 100,000 per partition: "
                      "use fewer --records, smaller --value-bytes or more --partitions)"
                    : ""));
  }
  in.end_offsets = *hi;
  return in;
}

// Creates an (empty) output topic and returns its sampler once its leaders answer.
absl::StatusOr<std::unique_ptr<TopicOffsets>> createOutputTopic(const Cluster& c,
                                                                const std::string& topic,
                                                                int partitions) {
  if (auto s = kstreams::createTopics(c.bootstrap, {{topic, partitions}}); !s.ok()) return s;
  auto out = TopicOffsets::create(c.common, topic, partitions);
  if (!out.ok()) return out.status();
  auto sum = (*out)->highSumRetrying(std::chrono::seconds(30));
  if (!sum.ok()) return sum.status();
  if (*sum != 0) return absl::FailedPreconditionError("output topic " + topic + " is not empty");
  return out;
}

// ---------------------------------------------------------------------------------------------
// Observation of one system's run (the same for every system)

// Set by the processing code.
struct Progress {
  std::atomic<int64_t> first_input_ns{0};
  std::atomic<bool> finished{false};  // raw loops: every worker flushed (or failed)

  void markInput() {
    if (first_input_ns.load(std::memory_order_relaxed) == 0) {
      int64_t expected = 0;
      first_input_ns.compare_exchange_strong(expected, nowNs());
    }
  }
};

struct Observation {
  int64_t start_ns = 0;      // system started
  int64_t first_out_ns = 0;  // first sample with output
  int64_t first_out_count = 0;
  int64_t complete_ns = 0;  // first sample with every expected output record
  int64_t final_out = -1;
  int64_t end_ns = 0;  // observation ended
  // CPU from the first sample after the first input record to the completing sample.
  CpuMeter cpu;
  int64_t cpu_start_ns = 0, cpu_stop_ns = 0;
  std::string error;
};

constexpr int64_t kSampleNs = 2'000'000;
constexpr int64_t kSettleNs = 500'000'000;
constexpr int64_t kStallNs = 60'000'000'000;

// Samples the output until it is complete and settled (or the system reports it finished), or
// until nothing happens for a minute.
void observe(TopicOffsets& out, int64_t expected, const Progress& progress, Observation& obs) {
  int64_t last_count = 0, last_change_ns = obs.start_ns;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::nanoseconds(kSampleNs));
    const bool finished = progress.finished.load();  // before the sample: it then sees the end
    auto sum = out.highSum();
    const int64_t t = nowNs();
    if (!sum.ok()) {
      // Transient (e.g. a leader change): skip this sample, give up after kStallNs.
      if (t - last_change_ns > kStallNs) {
        obs.error = std::string(sum.status().message());
        return;
      }
      continue;
    }
    if (*sum != last_count) {
      last_count = *sum;
      last_change_ns = t;
    }
    if (*sum > 0 && obs.first_out_ns == 0) {
      obs.first_out_ns = t;
      obs.first_out_count = *sum;
    }
    if (obs.cpu_start_ns == 0 && progress.first_input_ns.load() != 0) {
      obs.cpu.start();
      obs.cpu_start_ns = nowNs();
    }
    if (*sum >= expected && obs.complete_ns == 0) {
      obs.complete_ns = t;
      if (obs.cpu_start_ns != 0) {
        obs.cpu.stop();
        obs.cpu_stop_ns = nowNs();
      }
    }
    obs.final_out = *sum;
    obs.end_ns = t;
    if (finished) return;
    if (obs.complete_ns != 0 && t - obs.complete_ns >= kSettleNs) return;
    if (t - last_change_ns > kStallNs) {
      obs.error = "stalled: " + std::to_string(*sum) + " of " + std::to_string(expected) +
                  " output records after " + std::to_string((t - obs.start_ns) / 1'000'000'000) +
                  " s";
      return;
    }
  }
}

struct RunResult {
  std::string system;
  int round = 0;
  std::string output_topic;
  int64_t records_in = 0;
  int64_t records_out = 0;
  int64_t expected = 0;
  bool ok = false;
  std::string error;
  double startup_s = 0;  // start → first input record processed
  double window_s = 0;   // first input record → all expected output acknowledged
  double in_rate = 0;    // input records / window
  double out_rate = 0;   // first → last output record (watermark samples)
  // CPU during the window, in cores (CPU seconds per second):
  double cpu_cores = 0;          // this process without the mock cluster's thread
  double cpu_us_per_record = 0;  // cpu_cores × window / input records
  double mock_busy = 0;          // the mock's thread (embedded only): near 1 = it is the limit
  double others_cores = 0;       // other processes on this machine (should be ~0)
};

void finish(RunResult& r, const Progress& progress, const Observation& obs) {
  r.records_out = obs.final_out;
  r.error = obs.error;
  if (r.error.empty() && r.records_out != r.expected) {
    r.error = "output has " + std::to_string(r.records_out) + " records, expected " +
              std::to_string(r.expected) +
              (r.records_out > r.expected ? " (duplicates)" : " (records lost)");
  }
  r.ok = r.error.empty();
  const int64_t first_in = progress.first_input_ns.load();
  if (first_in != 0) r.startup_s = seconds(first_in - obs.start_ns);
  if (r.ok && obs.complete_ns > first_in) {
    r.window_s = seconds(obs.complete_ns - first_in);
    r.in_rate = static_cast<double>(r.records_in) / r.window_s;
    if (obs.complete_ns > obs.first_out_ns) {
      r.out_rate = static_cast<double>(r.expected - obs.first_out_count) /
                   seconds(obs.complete_ns - obs.first_out_ns);
    }
  }
  if (r.ok && obs.cpu_stop_ns > obs.cpu_start_ns) {
    // The CPU span starts at the first sample after the first input record, so it is up to one
    // sample shorter than the window: use rates.
    const double span = seconds(obs.cpu_stop_ns - obs.cpu_start_ns);
    r.cpu_cores = obs.cpu.client / span;
    r.cpu_us_per_record = r.cpu_cores * r.window_s * 1e6 / static_cast<double>(r.records_in);
    r.mock_busy = obs.cpu.mock / span;
    r.others_cores = obs.cpu.others / span;
  }
}

// ---------------------------------------------------------------------------------------------
// System: raw librdkafka loops

struct RawWorker {
  int64_t consumed = 0;
  int64_t produced = 0;
  int64_t delivered = 0;
  int64_t failed = 0;
  std::string error;
};

void deliveryReport(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* w = static_cast<RawWorker*>(opaque);
  if (m->err) {
    if (w->failed++ == 0) w->error = std::string("delivery: ") + rd_kafka_err2str(m->err);
  } else {
    ++w->delivered;
  }
}

// One consumer → producer loop over `partitions` of the input, until each partition's end
// offset; then flushes. Runs on its own thread; `w` is only touched by it until joined.
void rawLoop(const Cluster& c, const Input& in, const std::string& group,
             const std::string& out_topic, const std::vector<int32_t>& partitions, bool stateless,
             Progress& progress, RawWorker& w) {
  auto consumer =
      makeClient(RD_KAFKA_CONSUMER, merged(merged(c.common, c.consumer), {{"group.id", group}}));
  if (!consumer.ok()) {
    w.error = std::string(consumer.status().message());
    return;
  }
  auto producer =
      makeClient(RD_KAFKA_PRODUCER, merged(c.common, c.producer), [&w](rd_kafka_conf_t* conf) {
        rd_kafka_conf_set_dr_msg_cb(conf, &deliveryReport);
        rd_kafka_conf_set_opaque(conf, &w);
      });
  if (!producer.ok()) {
    w.error = std::string(producer.status().message());
    return;
  }
  RdTopicPtr rkt(rd_kafka_topic_new(producer->get(), out_topic.c_str(), nullptr));
  RdListPtr assignment(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  std::vector<int64_t> end(in.partitions, 0);
  size_t remaining = 0;
  for (int32_t p : partitions) {
    end[p] = in.end_offsets[p];
    if (end[p] == 0) continue;
    rd_kafka_topic_partition_list_add(assignment.get(), in.topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
    ++remaining;
  }
  if (auto err = rd_kafka_assign(consumer->get(), assignment.get())) {
    w.error = rdStatus(err, "assign").ToString();
    return;
  }
  {
    RdQueuePtr queue(rd_kafka_queue_get_consumer(consumer->get()));
    constexpr size_t kBatch = 1000;
    std::vector<rd_kafka_message_t*> msgs(kBatch);
    std::string value;
    while (remaining > 0 && w.error.empty()) {
      ssize_t n = rd_kafka_consume_batch_queue(queue.get(), 100, msgs.data(), kBatch);
      if (n < 0) {
        w.error = rdStatus(rd_kafka_last_error(), "consume").ToString();
        break;
      }
      if (n > 0) progress.markInput();
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = msgs[i];
        if (m->err) {
          if (w.error.empty()) w.error = rdStatus(m->err, "consume").ToString();
          rd_kafka_message_destroy(m);
          continue;
        }
        ++w.consumed;
        const void* payload = m->payload;
        size_t len = m->len;
        bool keep = true;
        if (stateless) {
          keep = isEven(std::string_view(static_cast<const char*>(m->payload), m->len));
          if (keep) {
            value.assign(static_cast<const char*>(m->payload), m->len);
            toUpperInPlace(value);
            payload = value.data();
            len = value.size();
          }
        }
        if (keep) {
          const int64_t ts = rd_kafka_message_timestamp(m, nullptr);
          for (;;) {
            rd_kafka_resp_err_t err = rd_kafka_producev(
                producer->get(), RD_KAFKA_V_RKT(rkt.get()),
                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(m->key, m->key_len),
                RD_KAFKA_V_VALUE(const_cast<void*>(payload), len), RD_KAFKA_V_TIMESTAMP(ts),
                RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
              ++w.produced;
              break;
            }
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
              if (w.error.empty()) w.error = rdStatus(err, "produce").ToString();
              break;
            }
            rd_kafka_poll(producer->get(), 1);
          }
        }
        if (m->offset + 1 == end[m->partition]) --remaining;
        rd_kafka_message_destroy(m);
      }
      rd_kafka_poll(producer->get(), 0);
    }
  }  // the consumer queue must be released before the consumer closes
  if (auto err = rd_kafka_flush(producer->get(), 60000); err && w.error.empty()) {
    w.error = rdStatus(err, "flush").ToString();
  }
  if (w.failed > 0 && w.error.empty()) w.error = "delivery failures";
  rd_kafka_consumer_close(consumer->get());
}

RunResult runRaw(const Cluster& c, const Input& in, const Options& o, bool stateless,
                 const std::string& run_id, int round) {
  RunResult r;
  r.system = stateless ? "librdkafka-stateless" : "librdkafka-passthrough";
  r.round = round;
  r.output_topic = "bench-output-" + run_id + "-" + r.system + "-" + std::to_string(round);
  r.expected = stateless ? in.expected_filtered : in.records;
  auto out = createOutputTopic(c, r.output_topic, in.partitions);
  if (!out.ok()) {
    r.error = out.status().ToString();
    return r;
  }
  const std::string group = "bench-raw-" + run_id + "-" + std::to_string(round);
  Progress progress;
  Observation obs;
  obs.start_ns = nowNs();
  std::vector<RawWorker> workers(o.threads);
  std::vector<std::thread> threads;
  std::atomic<int> running{o.threads};
  for (int t = 0; t < o.threads; ++t) {
    std::vector<int32_t> parts;
    for (int p = t; p < in.partitions; p += o.threads) parts.push_back(p);
    threads.emplace_back([&, t, parts] {
      rawLoop(c, in, group, r.output_topic, parts, stateless, progress, workers[t]);
      if (--running == 0) progress.finished = true;
    });
  }
  observe(**out, r.expected, progress, obs);
  for (auto& th : threads) th.join();
  // The loops have flushed: one more sample gives the exact final count.
  if (auto sum = (*out)->highSum(); sum.ok()) obs.final_out = *sum;
  for (const auto& w : workers) {
    r.records_in += w.consumed;
    if (!w.error.empty() && obs.error.empty()) obs.error = w.error;
  }
  if (obs.error.empty() && r.records_in != in.records) {
    obs.error = "consumed " + std::to_string(r.records_in) + " of " + std::to_string(in.records) +
                " input records";
  }
  finish(r, progress, obs);
  return r;
}

// ---------------------------------------------------------------------------------------------
// System: kstreams

// `tuned`: the client settings the raw loops get (see makeClusterSettings); otherwise kstreams'
// own defaults (system "kstreams-defaults").
RunResult runKstreams(const Cluster& c, const Input& in, const Options& o, bool tuned,
                      const std::string& run_id, int round) {
  RunResult r;
  r.system = tuned ? "kstreams" : "kstreams-defaults";
  r.round = round;
  r.output_topic = "bench-output-" + run_id + "-" + r.system + "-" + std::to_string(round);
  r.expected = in.expected_filtered;
  r.records_in = in.records;  // checked below: the group's lag on the input must be 0
  auto out = createOutputTopic(c, r.output_topic, in.partitions);
  if (!out.ok()) {
    r.error = out.status().ToString();
    return r;
  }
  Progress progress;
  Observation obs;

  kstreams::StreamsConfig config{
      {kstreams::StreamsConfig::kApplicationId,
       "bench-e2e-" + run_id + "-" + r.system + "-" + std::to_string(round)},
      {kstreams::StreamsConfig::kBootstrapServers, c.bootstrap},
      {kstreams::StreamsConfig::kNumStreamThreads, std::to_string(o.threads)},
      {kstreams::StreamsConfig::kStateDir, "/tmp/kstreams-e2e-bench-" + run_id},
  };
  if (tuned) {
    for (const auto& [k, v] : c.common) config.set(k, v);
    for (const auto& [k, v] : c.consumer) config.set("consumer." + k, v);
    for (const auto& [k, v] : c.producer) config.set("producer." + k, v);
  }
  // KafkaStreams itself applies the settings the embedded mock needs (fetch.wait.max.ms,
  // session timeouts), as for any application.

  kstreams::StreamsBuilder builder;
  builder
      .stream<std::string, std::string>(
          in.topic, kstreams::Consumed<std::string, std::string>::with(kstreams::Serdes::String(),
                                                                       kstreams::Serdes::String()))
      .filter([&progress](const std::string&, const std::string& value) {
        progress.markInput();
        return isEven(value);
      })
      .mapValues([](std::string value) {  // the value is moved in: edit it in place
        toUpperInPlace(value);
        return value;
      })
      .to(r.output_topic, kstreams::Produced<std::string, std::string>::with(
                              kstreams::Serdes::String(), kstreams::Serdes::String()));
  kstreams::Topology topology = builder.build();

  obs.start_ns = nowNs();
  kstreams::KafkaStreams streams(topology, config);
  std::atomic<bool> failed{false};
  streams.setStateListener([&](kstreams::KafkaStreams::State now, kstreams::KafkaStreams::State) {
    if (now == kstreams::KafkaStreams::State::kPendingError ||
        now == kstreams::KafkaStreams::State::kError) {
      failed = true;
      progress.finished = true;  // stop observing
    }
  });
  if (auto s = streams.start(); !s.ok()) {
    r.error = "start: " + s.ToString();
    return r;
  }
  observe(**out, r.expected, progress, obs);
  const bool closed = streams.close(std::chrono::seconds(60));
  // Anything produced after the settle period (e.g. re-delivery on close) still counts.
  if (auto sum = (*out)->highSum(); sum.ok()) obs.final_out = *sum;
  if (obs.error.empty() && failed) obs.error = "KafkaStreams went to ERROR";
  if (obs.error.empty() && !closed) obs.error = "KafkaStreams::close() timed out";
  if (obs.error.empty()) {
    // Every input record processed and committed (close() commits).
    auto lag = kstreams::consumerGroupLag(
        c.bootstrap, *config.get(kstreams::StreamsConfig::kApplicationId), in.topic);
    if (!lag.ok()) {
      obs.error = "input lag: " + lag.status().ToString();
    } else if (*lag != 0) {
      obs.error = "input not fully processed and committed: lag " + std::to_string(*lag);
    }
  }
  finish(r, progress, obs);
  return r;
}

// ---------------------------------------------------------------------------------------------
// Reporting

std::string human(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof(buf), "%.3fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof(buf), "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  }
  return buf;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

nlohmann::json toJson(const RunResult& r) {
  return {{"system", r.system},
          {"round", r.round},
          {"ok", r.ok},
          {"error", r.error},
          {"records_in", r.records_in},
          {"records_out", r.records_out},
          {"expected_out", r.expected},
          {"startup_s", r.startup_s},
          {"window_s", r.window_s},
          {"in_records_per_s", r.in_rate},
          {"out_records_per_s", r.out_rate},
          {"cpu_cores", r.cpu_cores},
          {"cpu_us_per_record", r.cpu_us_per_record},
          {"mock_busy", r.mock_busy},
          {"others_cores", r.others_cores}};
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parseArgs(argc, argv);
  const std::string run_id = std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));

  std::unique_ptr<kstreams::EmbeddedKafkaCluster> embedded;
  std::string bootstrap = o.bootstrap_servers;
  if (bootstrap.empty()) {
    embedded = std::make_unique<kstreams::EmbeddedKafkaCluster>(o.brokers);
    bootstrap = embedded->bootstrapServers();
  }
  const Cluster cluster = makeClusterSettings(bootstrap, embedded != nullptr);
  const std::string where =
      embedded ? "embedded mock cluster (" + std::to_string(o.brokers) + " broker(s), one thread)"
               : "cluster " + bootstrap;
  std::printf("e2e: %" PRId64 " records x %d B values, %d keys, %d partitions, %d thread(s), %s\n",
              o.records, o.value_bytes, o.keys, o.partitions, o.threads, where.c_str());
  std::fflush(stdout);

  auto input = loadInput(o, cluster, run_id);
  if (!input.ok()) {
    std::fprintf(stderr, "kstreams_e2e_bench: loading the input failed: %s\n",
                 input.status().ToString().c_str());
    return 1;
  }
  std::printf("load: %" PRId64
              " records into %s in %.2f s (%s rec/s), all present; "
              "expected filtered output: %" PRId64 "\n",
              input->records, input->topic.c_str(), input->load_seconds,
              human(static_cast<double>(input->records) / input->load_seconds).c_str(),
              input->expected_filtered);
  std::fflush(stdout);

  std::vector<RunResult> results;
  for (int round = 0; round < o.repeat; ++round) {
    for (const auto& system : o.systems) {
      RunResult r;
      try {
        if (system == "kstreams" || system == "kstreams-defaults") {
          r = runKstreams(cluster, *input, o, system == "kstreams", run_id, round);
        } else {
          r = runRaw(cluster, *input, o, system == "librdkafka-stateless", run_id, round);
        }
      } catch (const std::exception& e) {
        r.system = system;
        r.round = round;
        r.error = std::string("exception: ") + e.what();
      }
      std::printf("  round %d %-23s %s in %" PRId64 " out %" PRId64 "/%" PRId64
                  " startup %.2fs window %.3fs %s in/s %s out/s %.2f cores %.2f us/rec "
                  "others %.2f%s%s\n",
                  round, r.system.c_str(), r.ok ? "ok  " : "FAIL", r.records_in, r.records_out,
                  r.expected, r.startup_s, r.window_s, human(r.in_rate).c_str(),
                  human(r.out_rate).c_str(), r.cpu_cores, r.cpu_us_per_record, r.others_cores,
                  r.ok ? "" : "  error: ", r.error.c_str());
      std::fflush(stdout);
      results.push_back(std::move(r));
    }
  }

  // Medians per system over the rounds that succeeded.
  struct Summary {
    int ok_runs = 0, runs = 0;
    double in_rate = 0, out_rate = 0, window_s = 0, startup_s = 0, cpu_us = 0, mock_busy = 0;
    double others = 0;
  };
  std::map<std::string, Summary> summary;
  std::vector<std::string> order;
  for (const auto& system : o.systems) {
    if (summary.count(system)) continue;
    order.push_back(system);
    std::vector<double> in_rate, out_rate, window, startup, cpu_us, mock_busy, others;
    Summary s;
    for (const auto& r : results) {
      if (r.system != system) continue;
      ++s.runs;
      if (!r.ok) continue;
      ++s.ok_runs;
      in_rate.push_back(r.in_rate);
      out_rate.push_back(r.out_rate);
      window.push_back(r.window_s);
      startup.push_back(r.startup_s);
      cpu_us.push_back(r.cpu_us_per_record);
      mock_busy.push_back(r.mock_busy);
      others.push_back(r.others_cores);
    }
    s.in_rate = median(in_rate);
    s.out_rate = median(out_rate);
    s.window_s = median(window);
    s.startup_s = median(startup);
    s.cpu_us = median(cpu_us);
    s.mock_busy = median(mock_busy);
    s.others = median(others);
    summary[system] = s;
  }
  auto ratio = [&](const std::string& a, const std::string& b) -> std::optional<double> {
    auto ia = summary.find(a), ib = summary.find(b);
    if (ia == summary.end() || ib == summary.end() || ia->second.ok_runs == 0 ||
        ib->second.ok_runs == 0 || ib->second.in_rate == 0) {
      return std::nullopt;
    }
    return ia->second.in_rate / ib->second.in_rate;
  };

  std::printf("\n%-24s %7s %9s %9s %9s %9s %10s %9s %7s %11s\n", "system", "ok", "startup_s",
              "window_s", "in_rec/s", "out_rec/s", "cpu_us/rec", "mock_busy", "others",
              "vs_passthru");
  for (const auto& system : order) {
    const Summary& s = summary[system];
    auto vs = ratio(system, "librdkafka-passthrough");
    char vs_text[32] = "-";
    if (vs) std::snprintf(vs_text, sizeof(vs_text), "%.3f", *vs);
    char busy_text[32] = "-";
    if (embedded) std::snprintf(busy_text, sizeof(busy_text), "%.2f", s.mock_busy);
    std::printf("%-24s %3d/%-3d %9.2f %9.3f %9s %9s %10.2f %9s %7.2f %11s\n", system.c_str(),
                s.ok_runs, s.runs, s.startup_s, s.window_s, human(s.in_rate).c_str(),
                human(s.out_rate).c_str(), s.cpu_us, busy_text, s.others, vs_text);
  }
  const auto ks_vs_stateless = ratio("kstreams", "librdkafka-stateless");
  const auto ks_vs_passthrough = ratio("kstreams", "librdkafka-passthrough");
  const auto stateless_vs_passthrough = ratio("librdkafka-stateless", "librdkafka-passthrough");
  std::printf("\nratios (in rec/s, medians of this run):\n");
  auto printRatio = [](const char* name, const std::optional<double>& v) {
    if (v) {
      std::printf("  %-46s %.3f\n", name, *v);
    } else {
      std::printf("  %-46s n/a\n", name);
    }
  };
  printRatio("kstreams / librdkafka-stateless", ks_vs_stateless);
  printRatio("kstreams / librdkafka-passthrough", ks_vs_passthrough);
  printRatio("librdkafka-stateless / librdkafka-passthrough", stateless_vs_passthrough);
  if (embedded) {
    std::printf(
        "note: the embedded mock serves every broker from one thread of this process; "
        "mock_busy is that\n      thread's CPU share over the run (near 1: the mock, "
        "not the client, is the limit).\n      cpu_us/rec is this process's CPU per "
        "input record without the mock's thread.\n");
  }
  std::printf(
      "others: cores used by other processes during the windows (%u cores here)%s; well above 0 "
      "means a\n        busy neighbour, and the figures are not comparable.\n",
      std::thread::hardware_concurrency(),
      embedded ? "" : ",\n        including the broker if it runs on this machine");

  bool all_ok = std::all_of(results.begin(), results.end(), [](const auto& r) { return r.ok; });
  if (!o.json_file.empty()) {
    std::ofstream f(o.json_file, std::ios::app);
    nlohmann::json common = {{"bench", "e2e"},
                             {"run_id", run_id},
                             {"unix_time", static_cast<int64_t>(std::time(nullptr))},
                             {"cluster", embedded ? "embedded" : bootstrap},
                             {"records", o.records},
                             {"value_bytes", o.value_bytes},
                             {"keys", o.keys},
                             {"partitions", o.partitions},
                             {"threads", o.threads}};
    for (const auto& r : results) {
      nlohmann::json j = common;
      j.update(toJson(r));
      f << j.dump() << "\n";
    }
    nlohmann::json s = common;
    s["summary"] = true;
    s["ok"] = all_ok;
    for (const auto& system : order) {
      const Summary& m = summary[system];
      s["systems"][system] = {{"ok_runs", m.ok_runs},          {"runs", m.runs},
                              {"in_records_per_s", m.in_rate}, {"out_records_per_s", m.out_rate},
                              {"window_s", m.window_s},        {"startup_s", m.startup_s},
                              {"cpu_us_per_record", m.cpu_us}, {"mock_busy", m.mock_busy},
                              {"others_cores", m.others}};
    }
    auto put = [&s](const char* key, const std::optional<double>& v) {
      s["ratios"][key] = v ? nlohmann::json(*v) : nlohmann::json(nullptr);
    };
    put("kstreams/librdkafka-stateless", ks_vs_stateless);
    put("kstreams/librdkafka-passthrough", ks_vs_passthrough);
    put("librdkafka-stateless/librdkafka-passthrough", stateless_vs_passthrough);
    f << s.dump() << "\n";
  }

  // Clients before the cluster (see embedded_kafka_cluster.h).
  embedded.reset();
  return all_ok ? 0 : 1;
}
