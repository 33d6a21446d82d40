// kstreams_bench_driver — measures one system on one workload (`--mode run`) and summarizes many
// such runs (`--mode report`, report.cc) for scripts/bench; `--mode selftest` checks the window
// rules (steadyWindow) on made-up timelines.
//
//   kstreams_bench_driver --mode run --system librdkafka|kstreams|kafka-streams
//       --workload W --bootstrap-servers B --app-bin PATH --peer-jar PATH --results FILE
//       [--records 4000000] [--warmup-records 1000000] [--threads 1] [--partitions 8]
//       [--keys 10000] [--value-bytes 100] [--commit-interval-ms 1000]
//       [--cache-max-bytes 10485760] [--linger-ms 5] [--batch-size 1048576] [--acks 1]
//       [--rocksdb-block-cache-bytes 67108864] [--rocksdb-write-buffer-bytes 33554432]
//       [--latency-rate 10000] [--latency-seconds 3] [--java java]
//       [--java-opts "-Xms256m -Xmx1g"] [--broker-pid PID] [--log-dir DIR] [--run-id ID]
//       [--round R] [--attempt A] [--noisy-cores 0.3] [--keep-topics]
//       [--client-config "consumer.k=v;producer.k=v"]   (C++ systems only: experiments)
//
// Method of one run (every system the same way; the system runs as its own process; Run below
// has one method per step):
//   0. The system's describe mode says whether it implements the workload (exit 2: the run is
//      recorded as pending and skipped).
//   1. Fresh topics <prefix>-in and <prefix>-out (P partitions each).
//   2. A verifier (a consumer in this process, assigned to every output partition, no group)
//      starts reading the empty output topic and checks every record as it arrives, noting its
//      progress (outputs, or the sum of the latest counts) after every batch.
//   3. The input is loaded BEFORE the system starts: W warm-up then N measured records in the
//      Java peer's format (common.h), acks as configured, linger.ms=5, no compression, murmur2
//      partitioning (Java's), so every system faces the same backlog.
//   4. The system starts (kstreams_bench_app or the Java peer, same flags); its CPU time, the
//      broker's, this driver's and the machine's are sampled every 10 ms from then on.
//      Steady-state throughput: the window opens when the output of the first W input records
//      is in (so start-up, JIT compilation and the first fetches fall before it) and closes when
//      the output of all W + N is in; records_per_sec = input records in the window / window,
//      cpu_us_per_record = the system's user+sys CPU time over the window / those records. For
//      count, whose output comes only when the record cache flushes on commit, both ends are
//      the end of a commit's output burst and the window closes at the last burst BEFORE the
//      input ran out (the final burst waits for the commit timer, or for an idle commit that not
//      every system makes); the progress at those bursts counts exactly the inputs processed.
//      A run whose output has no point between the warm-up's and the end's (count in a short
//      run) falls back to the cold window, marked "steady": false. Also recorded, from the
//      moment the broker reports the system's consumer group Stable (the assignment is out):
//      records_per_sec_cold and cpu_us_per_record_cold over the whole backlog.
//   5. Latency phase, with the system caught up: M = rate × seconds more records (seq W+N…)
//      are produced at a fixed rate (linger.ms=1, partition leaders looked up beforehand), and
//      this process notes each send time (steady clock). Latency of an output record = the
//      verifier's receipt time − the send time of the input record it came from: the seq in the
//      value (passthrough, stateless), or for count the input that made the count c of key k,
//      seq = k + (c−1)·keys (one partition per key, so counts follow seq order). p50/p99 over
//      those outputs. This is the latency at a light, fixed load, not at saturation (where it
//      would only measure the backlog). It includes the two extra hops (this process → broker →
//      system, system → broker → this process) and, for count, the record cache's wait for the
//      next commit (commit.interval.ms), as in Kafka Streams.
//   6. Peak RSS: VmHWM of the system's process, read from /proc just before SIGTERM. Then the
//      system must stop cleanly (STOPPED, exit 0), and the verifier reads the output to its end:
//      passthrough/stateless need every expected seq EXACTLY once (no loss, no duplicate) with
//      the right key and value; count needs the latest count of every key to equal that key's
//      number of input records (so they sum to W + N + M). Anything else fails the run.
//   CPU over the window is also split into the broker's (with --broker-pid), this driver's
//   (mostly the verifier) and `others` = the rest of the machine; others above --noisy-cores
//   marks the run noisy (scripts/bench runs it again). The run is appended as one JSON object
//   (one line) to --results; topics are deleted afterwards unless --keep-topics.

#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "kstreams/avro_serde.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/schema_registry.h"
#include "nlohmann/json.hpp"

namespace sbs {
int reportMain(const Args& args);  // report.cc
}

namespace {

using sbs::steadyNs;
constexpr const char* kProgram = "kstreams_bench_driver";

double secondsOf(int64_t ns) { return static_cast<double>(ns) / 1e9; }

struct RdDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
};

struct RunOptions {
  std::string system, workload, bootstrap;
  int64_t records = 4'000'000;         // measured, after the warm-up
  int64_t warmup_records = 1'000'000;  // processed first, outside the window
  int64_t keys = 10'000;
  int value_bytes = 100;
  int partitions = 8;
  int threads = 1;
  int64_t commit_interval_ms = 1000;
  int64_t cache_max_bytes = 10 * 1024 * 1024;
  int64_t linger_ms = 5;
  int64_t batch_size = 1'048'576;
  int64_t rocksdb_block_cache_bytes = int64_t{64} << 20;
  int64_t rocksdb_write_buffer_bytes = int64_t{32} << 20;
  std::string acks = "1";
  double latency_rate = 10'000;
  double latency_seconds = 3;
  std::string app_bin, peer_jar, java = "java", java_opts = "-Xms256m -Xmx1g";
  int broker_pid = 0;
  std::string log_dir = "/tmp";
  std::string results;
  std::string run_id;
  int round = 1, attempt = 1;
  double noisy_cores = 0.3;
  bool keep_topics = false;
  std::string client_config;  // passed to the C++ systems only (experiments)
  std::string registry_url;   // avro: the registry's Confluent-compatible API (…/ccompat/v7)
  // windowed-count: the event time of seq 0 (a multiple of sbs::kWindowSizeMs; set by Run).
  int64_t event_base_ms = 0;

  // The backlog loaded before the system starts: warm-up, then the measured records.
  int64_t loadRecords() const { return warmup_records + records; }
  // Workloads whose output is counts (progress = the sum of the latest counts).
  bool counts() const { return workload == "count" || workload == "windowed-count"; }
  bool windowed() const { return workload == "windowed-count"; }
  bool avro() const { return workload == "avro"; }
  // Workloads that keep the even seqs only.
  bool evenOnly() const { return workload == "stateless" || workload == "avro"; }
  // The record timestamp the loaders give seq: event time for windowed-count, else 0 (the
  // producer's clock).
  int64_t timestampOf(int64_t seq) const {
    return windowed() ? sbs::eventTimeOf(seq, event_base_ms) : 0;
  }
};

// ---------------------------------------------------------------------------------------------
// The system's process

class Child {
 public:
  ~Child() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (reader_.joinable()) reader_.join();
    if (out_fd_ >= 0) close(out_fd_);
  }

  // Starts argv[0] (searched in PATH) with stdout to a pipe read here and stderr to `log_path`.
  bool spawn(const std::vector<std::string>& argv, const std::string& log_path,
             std::string* error) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      *error = std::string("pipe: ") + std::strerror(errno);
      return false;
    }
    const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (log_fd < 0 || null_fd < 0) {
      *error = "cannot open " + log_path + " or /dev/null";
      return false;
    }
    std::vector<char*> cargv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) {
      *error = std::string("fork: ") + std::strerror(errno);
      return false;
    }
    if (pid_ == 0) {
      // Only async-signal-safe calls from here to exec.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      dup2(null_fd, 0);
      dup2(pipe_fds[1], 1);
      dup2(log_fd, 2);
      execvp(cargv[0], cargv.data());
      _exit(127);
    }
    close(pipe_fds[1]);
    close(log_fd);
    close(null_fd);
    out_fd_ = pipe_fds[0];
    spawn_ns_ = steadyNs();
    reader_ = std::thread([this] { readLines(); });
    return true;
  }

  int pid() const { return pid_; }
  int64_t spawnNs() const { return spawn_ns_; }
  int64_t runningNs() const { return running_ns_.load(); }
  bool stopped() const { return stopped_.load(); }
  bool exited() const { return exited_; }
  int exitCode() const { return exit_code_; }

  // Reaps the process if it has exited; true when it has.
  bool poll() {
    if (exited_) return true;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return exited_;
  }

  // SIGTERM, then waits up to `timeout` for the exit (SIGKILL after it). True when it exited
  // by itself.
  bool terminate(std::chrono::milliseconds timeout) {
    if (poll()) return true;
    ::kill(pid_, SIGTERM);
    const int64_t deadline = steadyNs() + timeout.count() * 1'000'000;
    while (steadyNs() < deadline) {
      if (poll()) {
        if (reader_.joinable()) reader_.join();
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    exited_ = true;
    exit_code_ = 128 + SIGKILL;
    return false;
  }

 private:
  void readLines() {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      const ssize_t n = read(out_fd_, chunk, sizeof(chunk));
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return;
      }
      const int64_t now = steadyNs();
      buffer.append(chunk, static_cast<size_t>(n));
      for (size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
        const std::string line = buffer.substr(0, nl);
        buffer.erase(0, nl + 1);
        if (line == "RUNNING" && running_ns_.load() == 0) running_ns_ = now;
        if (line == "STOPPED") stopped_ = true;
      }
    }
  }

  pid_t pid_ = -1;
  int out_fd_ = -1;
  int64_t spawn_ns_ = 0;
  std::thread reader_;
  std::atomic<int64_t> running_ns_{0};
  std::atomic<bool> stopped_{false};
  bool exited_ = false;
  int exit_code_ = -1;
};

// Runs argv to completion with stdout and stderr to `log_path`; the exit code (-1: not started).
int runCommand(const std::vector<std::string>& argv, const std::string& log_path) {
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return -1;
  std::vector<char*> cargv;
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    execvp(cargv[0], cargv.data());
    _exit(127);
  }
  close(log_fd);
  if (pid < 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The last lines of a log file (without the peak RSS line), for error messages.
std::string tail(const std::string& path, size_t lines) {
  std::ifstream f(path);
  std::vector<std::string> all;
  for (std::string line; std::getline(f, line);) {
    if (line.find("peak_rss_kb=") == std::string::npos && !line.empty()) all.push_back(line);
  }
  std::string out;
  for (size_t i = all.size() > lines ? all.size() - lines : 0; i < all.size(); ++i) {
    out += all[i];
    if (i + 1 < all.size()) out += " | ";
  }
  return out;
}

// The "peak_rss_kb=N" the process printed on stderr at exit; -1 if none.
int64_t reportedPeakRssKb(const std::string& log_path) {
  std::ifstream f(log_path);
  int64_t kb = -1;
  for (std::string line; std::getline(f, line);) {
    if (auto at = line.find("peak_rss_kb="); at != std::string::npos) {
      kb = std::strtoll(line.c_str() + at + 12, nullptr, 10);
    }
  }
  return kb;
}

// ---------------------------------------------------------------------------------------------
// The input values

// The input value of a seq: the text value (sbs::valueOf), or for avro the record of
// sbs::kAvroOrderSchema with the Confluent framing, encoded by kstreams' Avro serde (which
// registers the schema under `<input>-value` on first use). One per loading thread.
class InputValues {
 public:
  InputValues(const RunOptions& o, std::string topic) : o_(o), topic_(std::move(topic)) {
    if (o.avro()) {
      serde_ = kstreams::Serdes::Avro(
          std::make_shared<kstreams::SchemaRegistryClient>(o.registry_url), sbs::kAvroOrderSchema);
    }
  }
  std::string of(int64_t seq) const {
    if (!serde_) return sbs::valueOf(seq, o_.value_bytes);
    const nlohmann::json order = {{"seq", seq},
                                  {"customer", "customer-" + std::to_string(seq % o_.keys)},
                                  {"cents", seq},
                                  {"weight", static_cast<double>(seq) / 1000.0},
                                  {"paid", seq % 2 == 0}};
    std::string out;
    serde_->serialize(topic_, order, out);
    return out;
  }

 private:
  const RunOptions& o_;
  std::string topic_;
  kstreams::SerdePtr<nlohmann::json> serde_;
};

// ---------------------------------------------------------------------------------------------
// The verifier

// The verifier's progress (output records, or the sum of the latest counts) at a moment.
struct ProgressSample {
  int64_t ns = 0;
  int64_t progress = 0;
};

class Verifier {
 public:
  Verifier(const RunOptions& o, std::string topic)
      : o_(o),
        topic_(std::move(topic)),
        loaded_(o.loadRecords()),
        total_(o.loadRecords() + latencyRecords(o)),
        send_ns_(new std::atomic<int64_t>[std::max<int64_t>(1, latencyRecords(o))]),
        positions_(new std::atomic<int64_t>[o.partitions]) {
    for (int64_t i = 0; i < latencyRecords(o); ++i) send_ns_[i] = 0;
    for (int p = 0; p < o.partitions; ++p) positions_[p] = 0;
    if (o.windowed()) {
      windows_ = (total_ + sbs::kRecordsPerWindow - 1) / sbs::kRecordsPerWindow;
      latest_.assign(static_cast<size_t>(o.keys * windows_), 0);
    } else if (o.workload == "count") {
      latest_.assign(o.keys, 0);
    } else {
      seen_.assign(total_, 0);
    }
    if (o.avro()) {
      // Reads records as their writer wrote them: the schema comes by the id in each record.
      avro_reader_ = kstreams::Serdes::AvroReader(
          std::make_shared<kstreams::SchemaRegistryClient>(o.registry_url));
    }
    expected_phase1_ = expectedOutputs(loaded_);
    expected_total_ = expectedOutputs(total_);
  }
  ~Verifier() { stop(); }

  static int64_t latencyRecords(const RunOptions& o) {
    return std::llround(o.latency_rate * o.latency_seconds);
  }

  // Output records (passthrough, stateless) or the sum of the latest counts (count) that the
  // first `inputs` input records give.
  int64_t expectedOutputs(int64_t inputs) const {
    return o_.evenOnly() ? (inputs + 1) / 2 : inputs;
  }
  int64_t expectedPhase1() const { return expected_phase1_; }
  // The input records behind `progress` (the inverse of expectedOutputs, to one record).
  int64_t inputsFor(int64_t progress) const {
    if (progress >= expected_phase1_) return loaded_;
    return o_.evenOnly() ? 2 * progress : progress;
  }
  // Progress after each batch the verifier received until the backlog's output was complete.
  std::vector<ProgressSample> timeline() const {
    std::lock_guard<std::mutex> lock(mu_);
    return timeline_;
  }
  int64_t expectedTotal() const { return expected_total_; }

  absl::Status start() {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    const std::map<std::string, std::string> props = {
        {"bootstrap.servers", o_.bootstrap}, {"group.id", "sbs-verifier-" + o_.run_id},
        {"client.id", "sbs-verifier"},       {"enable.auto.commit", "false"},
        {"enable.partition.eof", "false"},   {"socket.nagle.disable", "true"},
        {"fetch.wait.max.ms", "100"},
    };
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return absl::InvalidArgumentError(err);
      }
    }
    rk_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof(err)));
    if (!rk_) return absl::InvalidArgumentError(err);
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter> list(
        rd_kafka_topic_partition_list_new(o_.partitions));
    for (int p = 0; p < o_.partitions; ++p) {
      rd_kafka_topic_partition_list_add(list.get(), topic_.c_str(), p)->offset =
          RD_KAFKA_OFFSET_BEGINNING;
    }
    if (auto e = rd_kafka_assign(rk_.get(), list.get())) {
      return absl::UnavailableError(std::string("verifier assign: ") + rd_kafka_err2str(e));
    }
    thread_ = std::thread([this] { loop(); });
    return absl::OkStatus();
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (rk_) {
      rd_kafka_consumer_close(rk_.get());
      rk_.reset();
    }
  }

  void noteSend(int64_t index, int64_t ns) { send_ns_[index].store(ns, std::memory_order_release); }

  int64_t progress() const { return progress_.load(); }  // outputs / count sum so far
  int64_t lastChangeNs() const { return last_change_ns_.load(); }
  int64_t firstOutputNs() const { return first_output_ns_.load(); }
  int64_t phase1DoneNs() const { return phase1_done_ns_.load(); }
  int64_t outputsAtPhase1() const { return outputs_at_phase1_.load(); }
  bool complete() const { return complete_ns_.load() != 0; }
  bool caughtUpTo(const std::map<int32_t, int64_t>& end) const {
    for (const auto& [p, off] : end) {
      if (p < o_.partitions && positions_[p].load() < off) return false;
    }
    return true;
  }

  // After stop(): the verdict. Empty when the output is right.
  std::string verdict() const {
    if (!first_bad_.empty()) {
      return std::to_string(bad_) + " bad output record(s), first: " + first_bad_;
    }
    if (o_.windowed()) {
      int64_t wrong = 0, first = -1;
      for (int64_t i = 0; i < o_.keys * windows_; ++i) {
        if (latest_[i] != expectedWindowCount(i % o_.keys, i / o_.keys) && wrong++ == 0) first = i;
      }
      if (wrong > 0) {
        return std::to_string(wrong) + " (key, window)s with a wrong final count, first key-" +
               std::to_string(first % o_.keys) + " window " + std::to_string(first / o_.keys) +
               ": " + std::to_string(latest_[first]) + ", expected " +
               std::to_string(expectedWindowCount(first % o_.keys, first / o_.keys));
      }
      return "";
    }
    if (o_.workload == "count") {
      int64_t wrong = 0, first_key = -1;
      for (int64_t k = 0; k < o_.keys; ++k) {
        if (latest_[k] != expectedCount(k)) {
          if (wrong++ == 0) first_key = k;
        }
      }
      if (wrong > 0) {
        return std::to_string(wrong) + " key(s) with a wrong final count, first key-" +
               std::to_string(first_key) + ": " + std::to_string(latest_[first_key]) +
               ", expected " + std::to_string(expectedCount(first_key));
      }
      return "";
    }
    if (duplicates_ > 0) return std::to_string(duplicates_) + " duplicate record(s)";
    if (distinct_ != expected_total_) {
      return "lost records: " + std::to_string(expected_total_ - distinct_) + " of " +
             std::to_string(expected_total_) + " expected never arrived";
    }
    return "";
  }

  int64_t outputRecords() const { return outputs_; }
  int64_t duplicates() const { return duplicates_; }
  int64_t badRecords() const { return bad_; }
  std::vector<int64_t> latenciesNs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return latencies_;
  }

 private:
  int64_t expectedCount(int64_t k) const { return seqsOfKeyBelow(k, total_); }
  // Seqs s < n with s mod keys = k.
  int64_t seqsOfKeyBelow(int64_t k, int64_t n) const {
    return n / o_.keys + (k < n % o_.keys ? 1 : 0);
  }
  // windowed-count: input records of key k in window j (seqs [j·P, (j+1)·P) ∩ [0, total)).
  int64_t expectedWindowCount(int64_t k, int64_t j) const {
    const int64_t lo = j * sbs::kRecordsPerWindow;
    const int64_t hi = std::min(total_, lo + sbs::kRecordsPerWindow);
    return seqsOfKeyBelow(k, hi) - seqsOfKeyBelow(k, lo);
  }

  void bad(const std::string& what) {
    if (bad_++ == 0) first_bad_ = what;
  }

  void loop() {
    std::unique_ptr<rd_kafka_queue_t, RdDeleter> queue(rd_kafka_queue_get_consumer(rk_.get()));
    std::vector<rd_kafka_message_t*> msgs(1000);
    const size_t max = msgs.size();
    while (!stop_.load()) {
      // What is there now; else wait for one record (a batch call with a timeout would wait
      // for a full batch, adding up to its timeout to the latency), then what came with it.
      ssize_t n = rd_kafka_consume_batch_queue(queue.get(), 0, msgs.data(), max);
      if (n == 0) {
        n = rd_kafka_consume_batch_queue(queue.get(), 50, msgs.data(), 1);
        if (n == 1)
          n += std::max<ssize_t>(
              0, rd_kafka_consume_batch_queue(queue.get(), 0, msgs.data() + 1, max - 1));
      }
      if (n <= 0) continue;
      const int64_t now = steadyNs();  // one receipt time for the batch: it arrived together
      for (ssize_t i = 0; i < n; ++i) {
        rd_kafka_message_t* m = msgs[i];
        if (m->err) {
          if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            bad(std::string("consume error: ") + rd_kafka_message_errstr(m));
          }
        } else {
          check(m, now);
          if (m->partition >= 0 && m->partition < o_.partitions) {
            positions_[m->partition].store(m->offset + 1);
          }
        }
        rd_kafka_message_destroy(m);
      }
      progress_.store(o_.counts() ? count_sum_ : distinct_);
      if (phase1_done_ns_.load() == 0) {
        std::lock_guard<std::mutex> lock(mu_);
        timeline_.push_back({now, progress_.load()});
      }
      last_change_ns_.store(now);
      if (first_output_ns_.load() == 0) first_output_ns_.store(now);
      if (phase1_done_ns_.load() == 0 && progress_.load() >= expected_phase1_) {
        outputs_at_phase1_.store(outputs_);
        phase1_done_ns_.store(now);
      }
      if (complete_ns_.load() == 0 && progress_.load() >= expected_total_) complete_ns_.store(now);
    }
  }

  void latency(int64_t seq, int64_t now) {
    if (seq < loaded_ || seq >= total_) return;
    const int64_t sent = send_ns_[seq - loaded_].load(std::memory_order_acquire);
    if (sent == 0) {
      bad("output for seq " + std::to_string(seq) + " before it was sent");
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    latencies_.push_back(now - sent);
  }

  void check(const rd_kafka_message_t* m, int64_t now) {
    ++outputs_;
    std::string_view key(static_cast<const char*>(m->key), m->key ? m->key_len : 0);
    std::string_view value(static_cast<const char*>(m->payload), m->payload ? m->len : 0);
    if (o_.windowed()) {
      checkWindowed(key, value, now);
      return;
    }
    if (o_.avro()) {
      checkAvro(key, value, now);
      return;
    }
    if (o_.workload == "count") {
      int64_t k = -1;
      if (key.rfind("key-", 0) == 0) {
        auto [end, ec] = std::from_chars(key.data() + 4, key.data() + key.size(), k);
        if (ec != std::errc() || end != key.data() + key.size()) k = -1;
      }
      if (k < 0 || k >= o_.keys || value.size() != 8) {
        bad("count record key '" + std::string(key) + "' with " + std::to_string(value.size()) +
            " value bytes");
        return;
      }
      uint64_t c = 0;
      for (unsigned char b : value) c = (c << 8) | b;
      const auto count = static_cast<int64_t>(c);
      if (count < 1 || count > expectedCount(k)) {
        bad("key-" + std::to_string(k) + " count " + std::to_string(count) + " out of range");
        return;
      }
      count_sum_ += count - latest_[k];
      latest_[k] = count;
      latency(k + (count - 1) * o_.keys, now);
      return;
    }
    const std::optional<int64_t> seq = sbs::seqOf(value);
    if (!seq || *seq < 0 || *seq >= total_) {
      bad("value '" + std::string(value.substr(0, 40)) + "'");
      return;
    }
    const bool stateless = o_.workload == "stateless";
    const char pad = stateless ? 'X' : 'x';
    const size_t bar = value.find('|');
    bool ok = value.size() == static_cast<size_t>(o_.value_bytes) &&
              key == sbs::keyOf(*seq, o_.keys) && (!stateless || *seq % 2 == 0);
    for (size_t i = bar + 1; ok && i < value.size(); ++i) ok = value[i] == pad;
    if (!ok) {
      bad("seq " + std::to_string(*seq) + ": key '" + std::string(key) + "' value '" +
          std::string(value.substr(0, 40)) + "…'");
      return;
    }
    countSeq(*seq, now);
  }

  void countSeq(int64_t seq, int64_t now) {
    uint8_t& seen = seen_[seq];
    if (seen == 0) {
      ++distinct_;
      latency(seq, now);
    } else {
      ++duplicates_;
    }
    if (seen < 255) ++seen;
  }

  // avro: a record of sbs::kAvroSummarySchema (decoded with the writer's schema, fetched by the
  // id in the framing) for an even seq, with the input's key, customer upper-cased, cents = seq.
  void checkAvro(std::string_view key, std::string_view value, int64_t now) {
    nlohmann::json summary;
    try {
      summary = avro_reader_->deserialize(topic_, value);
    } catch (const std::exception& e) {
      bad(std::string("avro value: ") + e.what());
      return;
    }
    if (!summary.is_object() || !summary.contains("seq") || !summary["seq"].is_number_integer()) {
      bad("avro value without a seq: " + summary.dump().substr(0, 80));
      return;
    }
    const auto seq = summary["seq"].get<int64_t>();
    const bool ok = seq >= 0 && seq < total_ && seq % 2 == 0 && summary.size() == 3 &&
                    key == sbs::keyOf(seq, o_.keys) &&
                    summary.value("customer", "") == "CUSTOMER-" + std::to_string(seq % o_.keys) &&
                    summary.value("cents", int64_t{-1}) == seq;
    if (!ok) {
      bad("avro seq " + std::to_string(seq) + ": key '" + std::string(key) + "' value " +
          summary.dump().substr(0, 80));
      return;
    }
    countSeq(seq, now);
  }

  // windowed-count: the key is TimeWindowedSerde's (key bytes + 8-byte big-endian window start),
  // the value an 8-byte count; the c-th count of key k in window j came from the c-th seq of k
  // in that window.
  void checkWindowed(std::string_view key, std::string_view value, int64_t now) {
    int64_t k = -1, j = -1;
    if (key.size() > 8 && key.rfind("key-", 0) == 0) {
      const char* digits_end = key.data() + key.size() - 8;
      auto [end, ec] = std::from_chars(key.data() + 4, digits_end, k);
      if (ec != std::errc() || end != digits_end) k = -1;
      uint64_t start = 0;
      for (unsigned char b : key.substr(key.size() - 8)) start = (start << 8) | b;
      const int64_t offset = static_cast<int64_t>(start) - o_.event_base_ms;
      if (offset >= 0 && offset % sbs::kWindowSizeMs == 0) j = offset / sbs::kWindowSizeMs;
    }
    if (k < 0 || k >= o_.keys || j < 0 || j >= windows_ || value.size() != 8) {
      bad("windowed count record with a " + std::to_string(key.size()) + "-byte key '" +
          std::string(key.substr(0, std::min<size_t>(key.size(), 12))) + "…' and " +
          std::to_string(value.size()) + " value bytes");
      return;
    }
    uint64_t c = 0;
    for (unsigned char b : value) c = (c << 8) | b;
    const auto count = static_cast<int64_t>(c);
    if (count < 1 || count > expectedWindowCount(k, j)) {
      bad("key-" + std::to_string(k) + " window " + std::to_string(j) + " count " +
          std::to_string(count) + " out of range");
      return;
    }
    int64_t& latest = latest_[j * o_.keys + k];
    count_sum_ += count - latest;
    latest = count;
    const int64_t lo = j * sbs::kRecordsPerWindow;
    const int64_t first = lo + ((k - lo % o_.keys) % o_.keys + o_.keys) % o_.keys;
    latency(first + (count - 1) * o_.keys, now);
  }

  const RunOptions& o_;
  const std::string topic_;
  const int64_t loaded_;  // input records before the latency phase: W + N
  const int64_t total_;   // input records in all: W + N + M
  int64_t expected_phase1_ = 0, expected_total_ = 0;
  std::unique_ptr<std::atomic<int64_t>[]> send_ns_;
  std::unique_ptr<std::atomic<int64_t>[]> positions_;
  std::unique_ptr<rd_kafka_t, RdDeleter> rk_;
  std::thread thread_;
  std::atomic<bool> stop_{false};

  // Verifier thread only (read by others after stop()).
  std::vector<uint8_t> seen_;  // passthrough, stateless: times each seq was seen (up to 255)
  kstreams::SerdePtr<nlohmann::json> avro_reader_;  // avro
  std::vector<int64_t> latest_;  // count: latest count per key; windowed-count: per (window, key)
  int64_t windows_ = 0;          // windowed-count: windows the input spans
  int64_t count_sum_ = 0, distinct_ = 0, duplicates_ = 0, outputs_ = 0, bad_ = 0;
  std::string first_bad_;

  mutable std::mutex mu_;
  std::vector<int64_t> latencies_;        // guarded by mu_
  std::vector<ProgressSample> timeline_;  // guarded by mu_

  std::atomic<int64_t> progress_{0}, last_change_ns_{0}, first_output_ns_{0}, phase1_done_ns_{0},
      outputs_at_phase1_{0}, complete_ns_{0};
};

// ---------------------------------------------------------------------------------------------
// CPU accounting over the throughput window

struct CpuSnap {
  int64_t ns = 0;
  double machine = 0, system = 0, broker = 0, self = 0;
};

CpuSnap cpuSnap(int system_pid, int broker_pid) {
  CpuSnap s;
  s.ns = steadyNs();
  s.machine = sbs::machineBusyCpuSeconds();
  s.system = sbs::processCpuSeconds(system_pid);
  s.broker = broker_pid > 0 ? std::max(0.0, sbs::processCpuSeconds(broker_pid)) : 0;
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  s.self = static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  return s;
}

// Samples cpuSnap() every 10 ms on its own thread, so that the CPU over a window known only
// afterwards (the steady window below) can be read off: at(ns) interpolates between the samples
// around ns. /proc counts in clock ticks (10 ms), so a window of a few seconds is exact to ~1%.
class CpuSampler {
 public:
  ~CpuSampler() { stop(); }

  void start(int system_pid, int broker_pid) {
    thread_ = std::thread([this, system_pid, broker_pid] {
      while (!stop_.load()) {
        const CpuSnap snap = cpuSnap(system_pid, broker_pid);
        {
          std::lock_guard<std::mutex> lock(mu_);
          samples_.push_back(snap);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  // The counters at `ns`; nullopt before the first sample or after the last.
  std::optional<CpuSnap> at(int64_t ns) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto after = std::lower_bound(samples_.begin(), samples_.end(), ns,
                                  [](const CpuSnap& s, int64_t t) { return s.ns < t; });
    if (after == samples_.end() || (after == samples_.begin() && after->ns != ns)) {
      return std::nullopt;
    }
    if (after->ns == ns) return *after;
    const CpuSnap& a = *(after - 1);
    const CpuSnap& b = *after;
    const double f = static_cast<double>(ns - a.ns) / static_cast<double>(b.ns - a.ns);
    auto mix = [f](double x, double y) { return x + (y - x) * f; };
    return CpuSnap{ns, mix(a.machine, b.machine), mix(a.system, b.system), mix(a.broker, b.broker),
                   mix(a.self, b.self)};
  }

 private:
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<CpuSnap> samples_;  // guarded by mu_, in time order
};

// ---------------------------------------------------------------------------------------------
// The steady-state window

// Where the measured window starts and ends on the verifier's progress timeline.
struct SteadyWindow {
  ProgressSample start, end;
  bool at_commits = false;      // both ends are commits' output (count)
  bool ends_at_output = false;  // the end is the output of the last input record
};

// The last sample of each burst of output: samples closer than `gap_ns` belong to one burst.
// A cached aggregation emits only when it commits (flushing its record cache), so a burst ends
// once a commit's output is in, and its progress then counts every input processed before it.
std::vector<ProgressSample> burstEnds(const std::vector<ProgressSample>& timeline, int64_t gap_ns) {
  std::vector<ProgressSample> ends;
  for (size_t i = 0; i < timeline.size(); ++i) {
    if (i + 1 == timeline.size() || timeline[i + 1].ns - timeline[i].ns > gap_ns) {
      ends.push_back(timeline[i]);
    }
  }
  return ends;
}

// The window from the first moment the output of the warm-up (`warm` progress) is in to the
// moment the output of the whole backlog (`done`) is in. When the output comes in commit bursts
// (`bursts`), both ends are burst ends and the window ends at the last burst BEFORE the backlog
// was done: the last burst waits for a commit after the input ran out, which measures the
// commit timer, not the system. nullopt when no output falls between the two.
std::optional<SteadyWindow> steadyWindow(const std::vector<ProgressSample>& timeline, int64_t warm,
                                         int64_t done, bool bursts, int64_t gap_ns) {
  const std::vector<ProgressSample> points = bursts ? burstEnds(timeline, gap_ns) : timeline;
  auto start = std::find_if(points.begin(), points.end(),
                            [warm](const ProgressSample& p) { return p.progress >= warm; });
  if (start == points.end() || start->progress >= done) return std::nullopt;
  SteadyWindow w;
  w.start = *start;
  w.at_commits = bursts;
  auto finished = std::find_if(start, points.end(),
                               [done](const ProgressSample& p) { return p.progress >= done; });
  if (finished == points.end()) return std::nullopt;
  if (bursts && finished - start >= 2) {
    w.end = *(finished - 1);
  } else {
    w.end = *finished;
    w.ends_at_output = true;
  }
  return w;
}

// The producer of the latency phase: acks as configured, linger.ms=1, no compression, murmur2
// partitioning, and the topic's metadata fetched at open() rather than at the first send.
class LatencyProducer {
 public:
  absl::Status open(const RunOptions& o, const std::string& topic) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    const std::map<std::string, std::string> props = {{"bootstrap.servers", o.bootstrap},
                                                      {"client.id", "sbs-latency"},
                                                      {"linger.ms", "1"},
                                                      {"acks", o.acks},
                                                      {"compression.type", "none"},
                                                      {"partitioner", "murmur2_random"},
                                                      {"socket.nagle.disable", "true"},
                                                      {"enable.idempotence", "false"}};
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        return absl::InvalidArgumentError(err);
      }
    }
    rd_kafka_conf_set_opaque(conf, this);
    rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
      auto* self = static_cast<LatencyProducer*>(opaque);
      if (m->err && self->failures_++ == 0) self->error_ = rd_kafka_err2str(m->err);
    });
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)));
    if (!rk_) return absl::InvalidArgumentError(err);
    rkt_ = rd_kafka_topic_new(rk_.get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    if (auto e = rd_kafka_metadata(rk_.get(), 0, rkt_, &md, 10'000)) {
      return absl::UnavailableError(std::string("metadata: ") + rd_kafka_err2str(e));
    }
    rd_kafka_metadata_destroy(md);
    return absl::OkStatus();
  }
  ~LatencyProducer() {
    if (rkt_) rd_kafka_topic_destroy(rkt_);
  }

  // timestamp_ms 0: the producer's clock.
  void send(const std::string& key, const std::string& value, int64_t timestamp_ms) {
    for (;;) {
      auto err = rd_kafka_producev(rk_.get(), RD_KAFKA_V_RKT(rkt_),
                                   RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                   RD_KAFKA_V_KEY(key.data(), key.size()),
                                   RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                   RD_KAFKA_V_TIMESTAMP(timestamp_ms), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        if (failures_++ == 0) error_ = rd_kafka_err2str(err);
        break;
      }
      rd_kafka_poll(rk_.get(), 1);
    }
    rd_kafka_poll(rk_.get(), 0);
  }

  absl::Status flush() {
    if (auto err = rd_kafka_flush(rk_.get(), 60'000)) {
      return absl::UnavailableError(std::string("flush: ") + rd_kafka_err2str(err));
    }
    if (failures_ > 0) return absl::UnavailableError("delivery: " + error_);
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<rd_kafka_t, RdDeleter> rk_;
  rd_kafka_topic_t* rkt_ = nullptr;
  int64_t failures_ = 0;
  std::string error_;
};

// Watches the system's consumer group from the broker's side (DescribeConsumerGroups every
// 5 ms) and notes when it first becomes Stable with members: the moment the assignment is
// handed out. The cold figures start there for every system alike (a system's own "RUNNING"
// comes at different points: Kafka Streams may have processed records by then).
class GroupWatcher {
 public:
  ~GroupWatcher() { stop(); }

  absl::Status start(const std::string& bootstrap, const std::string& group) {
    group_ = group;
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(err);
    }
    rk_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)));
    if (!rk_) return absl::InvalidArgumentError(err);
    thread_ = std::thread([this] { loop(); });
    return absl::OkStatus();
  }

  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

  int64_t stableNs() const { return stable_ns_.load(); }
  std::string lastState() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_state_;
  }

 private:
  void loop() {
    std::unique_ptr<rd_kafka_queue_t, RdDeleter> q(rd_kafka_queue_new(rk_.get()));
    const char* groups[] = {group_.c_str()};
    while (!stop_.load() && stable_ns_.load() == 0) {
      const int64_t asked = steadyNs();
      rd_kafka_DescribeConsumerGroups(rk_.get(), groups, 1, nullptr, q.get());
      rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), 5'000);
      const int64_t answered = steadyNs();
      std::string state = "no answer";
      if (ev != nullptr) {
        const auto* result = rd_kafka_event_DescribeConsumerGroups_result(ev);
        size_t n = 0;
        const rd_kafka_ConsumerGroupDescription_t** descs =
            result ? rd_kafka_DescribeConsumerGroups_result_groups(result, &n) : nullptr;
        if (rd_kafka_event_error(ev)) {
          state = rd_kafka_event_error_string(ev);
        } else if (n == 1) {
          if (const rd_kafka_error_t* e = rd_kafka_ConsumerGroupDescription_error(descs[0])) {
            state = rd_kafka_error_string(e);
          } else {
            const auto st = rd_kafka_ConsumerGroupDescription_state(descs[0]);
            state = rd_kafka_consumer_group_state_name(st);
            if (st == RD_KAFKA_CONSUMER_GROUP_STATE_STABLE &&
                rd_kafka_ConsumerGroupDescription_member_count(descs[0]) > 0) {
              // Between our request and its answer: take the middle.
              stable_ns_.store(asked + (answered - asked) / 2);
            }
          }
        }
        rd_kafka_event_destroy(ev);
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_state_ = state;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  std::string group_;
  std::unique_ptr<rd_kafka_t, RdDeleter> rk_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> stable_ns_{0};
  mutable std::mutex mu_;
  std::string last_state_;  // guarded by mu_
};

// ---------------------------------------------------------------------------------------------
// Topics

absl::Status deleteTopicsWithPrefix(const std::string& bootstrap, const std::string& prefix) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof(err));
  std::unique_ptr<rd_kafka_t, RdDeleter> rk(
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err)));
  if (!rk) return absl::InvalidArgumentError(err);
  const rd_kafka_metadata_t* md = nullptr;
  if (auto e = rd_kafka_metadata(rk.get(), 1, nullptr, &md, 10'000)) {
    return absl::UnavailableError(std::string("metadata: ") + rd_kafka_err2str(e));
  }
  std::vector<rd_kafka_DeleteTopic_t*> topics;
  for (int i = 0; i < md->topic_cnt; ++i) {
    if (std::string_view(md->topics[i].topic).rfind(prefix, 0) == 0) {
      topics.push_back(rd_kafka_DeleteTopic_new(md->topics[i].topic));
    }
  }
  rd_kafka_metadata_destroy(md);
  if (topics.empty()) return absl::OkStatus();
  std::unique_ptr<rd_kafka_queue_t, RdDeleter> q(rd_kafka_queue_new(rk.get()));
  rd_kafka_DeleteTopics(rk.get(), topics.data(), topics.size(), nullptr, q.get());
  rd_kafka_DeleteTopic_destroy_array(topics.data(), topics.size());
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q.get(), 30'000);
  absl::Status status = absl::OkStatus();
  if (ev == nullptr) {
    status = absl::DeadlineExceededError("DeleteTopics timed out");
  } else {
    if (rd_kafka_event_error(ev)) {
      status = absl::UnavailableError(rd_kafka_event_error_string(ev));
    }
    rd_kafka_event_destroy(ev);
  }
  return status;
}

// ---------------------------------------------------------------------------------------------
// One run

double percentileMs(std::vector<int64_t>& v, double p) {
  if (v.empty()) return NAN;
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<ptrdiff_t>(i), v.end());
  return static_cast<double>(v[i]) / 1e6;
}

nlohmann::json numberOrNull(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

// The system's command line: the same flags for every system (the Java peer's contract).
std::vector<std::string> systemCommand(const RunOptions& o, const std::string& app_id,
                                       const std::string& in, const std::string& out,
                                       const std::string& state_dir) {
  std::vector<std::string> argv;
  if (o.system == "kafka-streams") {
    argv.push_back(o.java);
    for (const auto& opt : sbs::splitList(o.java_opts, ' ')) argv.push_back(opt);
    argv.insert(argv.end(), {"-jar", o.peer_jar});
  } else {
    argv.insert(argv.end(),
                {o.app_bin, "--system", o.system == "librdkafka" ? "librdkafka" : "kstreams"});
  }
  const std::vector<std::pair<std::string, std::string>> flags = {
      {"bootstrap-servers", o.bootstrap},
      {"application-id", app_id},
      {"input", in},
      {"output", out},
      {"workload", o.workload},
      {"threads", std::to_string(o.threads)},
      {"commit-interval-ms", std::to_string(o.commit_interval_ms)},
      {"cache-max-bytes", std::to_string(o.cache_max_bytes)},
      {"linger-ms", std::to_string(o.linger_ms)},
      {"batch-size", std::to_string(o.batch_size)},
      {"acks", o.acks},
      {"state-dir", state_dir},
      {"rocksdb-block-cache-bytes", std::to_string(o.rocksdb_block_cache_bytes)},
      {"rocksdb-write-buffer-bytes", std::to_string(o.rocksdb_write_buffer_bytes)},
  };
  for (const auto& [name, value] : flags) argv.insert(argv.end(), {"--" + name, value});
  if (o.avro()) argv.insert(argv.end(), {"--registry-url", o.registry_url});
  if (!o.client_config.empty() && o.system != "kafka-streams") {
    argv.insert(argv.end(), {"--client-config", o.client_config});
  }
  return argv;
}

// The command of the system's describe mode (exit 2: workload not implemented).
std::vector<std::string> describeCommand(const RunOptions& o, const std::string& in,
                                         const std::string& out) {
  std::vector<std::string> argv;
  if (o.system == "kafka-streams") {
    argv.push_back(o.java);
    for (const auto& opt : sbs::splitList(o.java_opts, ' ')) argv.push_back(opt);
    argv.insert(argv.end(), {"-jar", o.peer_jar, "--mode", "describe"});
  } else {
    argv.insert(argv.end(), {o.app_bin, "--mode", "describe", "--system",
                             o.system == "librdkafka" ? "librdkafka" : "kstreams"});
  }
  argv.insert(argv.end(), {"--workload", o.workload, "--input", in, "--output", out});
  return argv;
}

RunOptions parseRunOptions(const sbs::Args& args) {
  args.allowOnly({"mode",
                  "system",
                  "workload",
                  "bootstrap-servers",
                  "records",
                  "warmup-records",
                  "keys",
                  "value-bytes",
                  "partitions",
                  "threads",
                  "commit-interval-ms",
                  "cache-max-bytes",
                  "linger-ms",
                  "batch-size",
                  "acks",
                  "rocksdb-block-cache-bytes",
                  "rocksdb-write-buffer-bytes",
                  "latency-rate",
                  "latency-seconds",
                  "app-bin",
                  "peer-jar",
                  "java",
                  "java-opts",
                  "registry-url",
                  "broker-pid",
                  "log-dir",
                  "results",
                  "run-id",
                  "round",
                  "attempt",
                  "noisy-cores",
                  "client-config"});
  RunOptions o;
  o.system = args.required("system");
  o.workload = args.required("workload");
  o.bootstrap = args.required("bootstrap-servers");
  o.records = args.getInt("records", o.records, 1);
  o.warmup_records = args.getInt("warmup-records", o.warmup_records, 0);
  o.keys = args.getInt("keys", o.keys, 1);
  o.value_bytes = static_cast<int>(args.getInt("value-bytes", o.value_bytes, 24));
  o.partitions = static_cast<int>(args.getInt("partitions", o.partitions, 1));
  o.threads = static_cast<int>(args.getInt("threads", o.threads, 1));
  o.commit_interval_ms = args.getInt("commit-interval-ms", o.commit_interval_ms, 0);
  o.cache_max_bytes = args.getInt("cache-max-bytes", o.cache_max_bytes, 0);
  o.linger_ms = args.getInt("linger-ms", o.linger_ms, 0);
  o.batch_size = args.getInt("batch-size", o.batch_size, 1);
  o.acks = args.get("acks", o.acks);
  o.rocksdb_block_cache_bytes =
      args.getInt("rocksdb-block-cache-bytes", o.rocksdb_block_cache_bytes, 1);
  o.rocksdb_write_buffer_bytes =
      args.getInt("rocksdb-write-buffer-bytes", o.rocksdb_write_buffer_bytes, 1);
  o.latency_rate = args.getDouble("latency-rate", o.latency_rate, 0);
  o.latency_seconds = args.getDouble("latency-seconds", o.latency_seconds, 0);
  o.app_bin = args.get("app-bin", "");
  o.peer_jar = args.get("peer-jar", "");
  o.java = args.get("java", o.java);
  o.java_opts = args.get("java-opts", o.java_opts);
  o.broker_pid = static_cast<int>(args.getInt("broker-pid", 0, 0));
  o.log_dir = args.get("log-dir", o.log_dir);
  o.results = args.required("results");
  o.run_id = args.get("run-id", std::to_string(getpid()));
  o.round = static_cast<int>(args.getInt("round", 1, 1));
  o.attempt = static_cast<int>(args.getInt("attempt", 1, 1));
  o.noisy_cores = args.getDouble("noisy-cores", o.noisy_cores, 0);
  o.keep_topics = args.flag("keep-topics");
  o.client_config = args.get("client-config", "");
  o.registry_url = args.get("registry-url", "");
  if (o.avro() && o.registry_url.empty()) throw sbs::UsageError("--workload avro: --registry-url");
  if (o.system != "librdkafka" && o.system != "kstreams" && o.system != "kafka-streams") {
    throw sbs::UsageError("unknown --system " + o.system);
  }
  if (o.system == "kafka-streams" && o.peer_jar.empty()) throw sbs::UsageError("--peer-jar");
  if (o.system != "kafka-streams" && o.app_bin.empty()) throw sbs::UsageError("--app-bin");
  return o;
}

// One run of one system on one workload: the steps of the file comment, in order. Each step
// fills the run's JSON record and returns false (with error_, or status_ "pending") when the
// run cannot go on; finish() then writes the record and cleans up.
class Run {
  // windowed-count's event time starts at the window boundary before now (the broker takes
  // timestamps up to an hour ahead and keeps them for a week).
  static RunOptions withEventBase(RunOptions o) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    o.event_base_ms = now_ms / sbs::kWindowSizeMs * sbs::kWindowSizeMs;
    return o;
  }

 public:
  explicit Run(RunOptions o)
      : o_(withEventBase(std::move(o))),
        prefix_("sbs-" + o_.run_id + "-r" + std::to_string(o_.round) + "a" +
                std::to_string(o_.attempt) + "-" + o_.system + "-t" + std::to_string(o_.threads) +
                "-" + o_.workload),
        in_(prefix_ + "-in"),
        out_(prefix_ + "-out"),
        state_dir_("/tmp/kstreams-sbs-state/" + prefix_),
        log_path_(o_.log_dir + "/" + prefix_ + ".log") {
    r_ = {{"system", o_.system},
          {"workload", o_.workload},
          {"records", o_.records},
          {"warmup_records", o_.warmup_records},
          {"threads", o_.threads},
          {"round", o_.round},
          {"attempt", o_.attempt},
          {"run_id", o_.run_id},
          {"records_per_sec", nullptr},
          {"p50_ms", nullptr},
          {"p99_ms", nullptr},
          {"rss_mb", nullptr},
          {"cpu_us_per_record", nullptr},
          {"latency_rate", o_.latency_rate},
          {"latency_records", Verifier::latencyRecords(o_)},
          {"log", log_path_}};
    if (!o_.client_config.empty()) r_["client_config"] = o_.client_config;
    if (o_.windowed()) r_["event_base_ms"] = o_.event_base_ms;
  }

  // Runs every step; the process exit code (0: ok or pending).
  int execute() {
    const bool measured = probeWorkload() && createTopics() && startVerifier() && loadInput() &&
                          startSystem() && waitForAssignment() && measureThroughput() &&
                          measureLatency();
    if (measured) {
      stopAndVerify();
    } else if (child_.pid() > 0) {
      child_.terminate(std::chrono::seconds(30));
    }
    return finish();
  }

 private:
  static constexpr int64_t kStallNs = 120'000'000'000;

  // 0. Does the system implement the workload? (its describe mode exits 2 when not)
  bool probeWorkload() {
    const std::string describe_log = o_.log_dir + "/" + prefix_ + ".describe.txt";
    const int code = runCommand(describeCommand(o_, in_, out_), describe_log);
    if (code == sbs::kExitNotImplemented) {
      status_ = "pending";
      error_ = tail(describe_log, 1);
      return false;
    }
    if (code != 0) {
      error_ = "describe exited with " + std::to_string(code) + ": " + tail(describe_log, 3);
      return false;
    }
    return true;
  }

  // 1. Fresh topics.
  bool createTopics() {
    if (auto st =
            kstreams::createTopics(o_.bootstrap, {{in_, o_.partitions}, {out_, o_.partitions}});
        !st.ok()) {
      error_ = "create topics: " + st.ToString();
      return false;
    }
    return true;
  }

  // 2. The verifier, already reading the (empty) output topic.
  bool startVerifier() {
    verifier_ = std::make_unique<Verifier>(o_, out_);
    if (auto st = verifier_->start(); !st.ok()) {
      error_ = st.ToString();
      return false;
    }
    verifier_start_ns_ = steadyNs();
    r_["expected_output"] = verifier_->expectedTotal();
    return true;
  }

  // 3. The backlog: warm-up and measured records, in seq order, before the system starts.
  bool loadInput() {
    const std::map<std::string, std::string> load_config = {
        {"linger.ms", "5"},
        {"batch.size", "1048576"},
        {"compression.type", "none"},
        {"acks", o_.acks},
        {"queue.buffering.max.messages", "100000"},
        {"client.id", "sbs-load"}};
    const int64_t t0 = steadyNs();
    {
      kstreams::SimpleProducer loader(o_.bootstrap, load_config);
      const InputValues values(o_, in_);
      for (int64_t seq = 0; seq < o_.loadRecords(); ++seq) {
        loader.send(in_, sbs::keyOf(seq, o_.keys), values.of(seq), o_.timestampOf(seq));
      }
      if (auto st = loader.flush(); !st.ok()) {
        error_ = "load: " + st.ToString();
        return false;
      }
    }
    r_["load_records_per_sec"] = static_cast<double>(o_.loadRecords()) / secondsOf(steadyNs() - t0);
    auto ends = kstreams::endOffsets(o_.bootstrap, in_);
    int64_t loaded = 0;
    if (ends.ok()) {
      for (const auto& [p, off] : *ends) loaded += off;
    }
    if (!ends.ok() || loaded != o_.loadRecords()) {
      error_ = "input holds " + std::to_string(loaded) + " records, expected " +
               std::to_string(o_.loadRecords());
      return false;
    }
    return true;
  }

  // 4. The system, once the verifier has had time to settle (a consumer assigned to a topic just
  // created needs a few hundred ms for metadata and offsets before it fetches). CPU sampling
  // starts with it.
  bool startSystem() {
    if (int64_t wait = verifier_start_ns_ + 2'000'000'000 - steadyNs(); wait > 0) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(wait));
    }
    const std::vector<std::string> argv = systemCommand(o_, prefix_, in_, out_, state_dir_);
    std::string command;
    for (const auto& a : argv) command += (command.empty() ? "" : " ") + a;
    r_["command"] = command;
    if (!child_.spawn(argv, log_path_, &error_)) return false;
    cpu_.start(child_.pid(), o_.broker_pid);
    return true;
  }

  // Waits until `done` or a failure (the system exited, or no output for kStallNs).
  bool waitFor(const std::function<bool()>& done, const std::string& what) {
    while (!done()) {
      if (child_.poll()) {
        if (child_.exitCode() == sbs::kExitNotImplemented) {
          status_ = "pending";
          error_ = tail(log_path_, 1);
        } else {
          error_ = o_.system + " exited with " + std::to_string(child_.exitCode()) + " while " +
                   what + ": " + tail(log_path_, 3);
        }
        return false;
      }
      const int64_t since =
          std::max(verifier_->lastChangeNs(),
                   child_.runningNs() > 0 ? child_.runningNs() : child_.spawnNs());
      if (steadyNs() - since > kStallNs) {
        error_ = "stalled while " + what + " (output " + std::to_string(verifier_->progress()) +
                 " of " + std::to_string(verifier_->expectedTotal()) + ")";
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
  }

  // The moment the broker hands out the assignment (GroupWatcher): the start of the cold
  // figures, which include start-up and warm-up.
  bool waitForAssignment() {
    GroupWatcher group;
    if (auto st = group.start(o_.bootstrap, prefix_); !st.ok()) {
      error_ = "group watcher: " + st.ToString();
      return false;
    }
    if (!waitFor([&] { return child_.runningNs() != 0; }, "starting")) return false;
    const int64_t t_running = child_.runningNs();
    r_["startup_s"] = secondsOf(t_running - child_.spawnNs());
    const int64_t deadline = steadyNs() + 10'000'000'000;
    while (group.stableNs() == 0 && steadyNs() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    group.stop();
    if (group.stableNs() != 0) {
      assigned_ns_ = group.stableNs();
      r_["running_after_stable_s"] = secondsOf(t_running - assigned_ns_);
    } else {
      assigned_ns_ = t_running;
      r_["cold_window_start"] = "RUNNING (group not seen Stable: " + group.lastState() + ")";
    }
    return true;
  }

  // CPU figures over [a, b] for `records` input records, under the names given by `suffix`.
  void recordCpu(const CpuSnap& a, const CpuSnap& b, double records, const std::string& suffix) {
    const double span = secondsOf(b.ns - a.ns);
    const double system_cpu = b.system - a.system, broker_cpu = b.broker - a.broker,
                 self_cpu = b.self - a.self;
    const double others =
        std::max(0.0, (b.machine - a.machine) - system_cpu - broker_cpu - self_cpu);
    r_["cpu_us_per_record" + suffix] = system_cpu * 1e6 / records;
    r_["system_cores" + suffix] = system_cpu / span;
    if (!suffix.empty()) return;
    r_["broker_cores"] = o_.broker_pid > 0 ? nlohmann::json(broker_cpu / span) : nullptr;
    r_["driver_cores"] = self_cpu / span;
    r_["others_cores"] = others / span;
    r_["noisy"] = others / span > o_.noisy_cores;
  }

  // The whole backlog from the assignment on: start-up and warm-up included.
  void recordCold(int64_t done_ns) {
    const double loaded = static_cast<double>(o_.loadRecords());
    r_["cold_window_s"] = secondsOf(done_ns - assigned_ns_);
    r_["records_per_sec_cold"] = loaded / secondsOf(done_ns - assigned_ns_);
    r_["first_output_s"] = secondsOf(verifier_->firstOutputNs() - assigned_ns_);
    const auto a = cpu_.at(assigned_ns_), b = cpu_.at(done_ns);
    if (a && b) recordCpu(*a, *b, loaded, "_cold");
  }

  // The steady window (see steadyWindow); without one (no output between the warm-up's and the
  // end's, e.g. a run too short for count's commits) the cold window stands in, marked so.
  void recordSteady(int64_t done_ns) {
    const bool bursts = o_.workload == "count";
    const int64_t gap_ns =
        std::min<int64_t>(200, std::max<int64_t>(1, o_.commit_interval_ms / 4)) * 1'000'000;
    std::optional<SteadyWindow> w;
    if (o_.warmup_records > 0) {
      w = steadyWindow(verifier_->timeline(), verifier_->expectedOutputs(o_.warmup_records),
                       verifier_->expectedPhase1(), bursts, gap_ns);
    }
    int64_t start_ns = assigned_ns_, end_ns = done_ns;
    int64_t records = o_.loadRecords();
    if (w) {
      start_ns = w->start.ns;
      end_ns = w->end.ns;
      records = verifier_->inputsFor(w->end.progress) - verifier_->inputsFor(w->start.progress);
      r_["window_start"] = bursts ? "the first commit's output after the warm-up's"
                                  : "the output of the warm-up records";
      r_["window_end"] = !w->ends_at_output ? "the last commit's output before the end"
                         : bursts           ? "the last commit's output (waits for that commit)"
                                            : "the output of the last record";
    } else {
      r_["window_start"] = "assignment (cold: no output between the warm-up's and the end's)";
      r_["window_end"] = "the output of the last record";
    }
    r_["window_s"] = secondsOf(end_ns - start_ns);
    r_["window_records"] = records;
    r_["steady"] = w.has_value();
    r_["records_per_sec"] = static_cast<double>(records) / secondsOf(end_ns - start_ns);
    const auto a = cpu_.at(start_ns), b = cpu_.at(end_ns);
    if (a && b) recordCpu(*a, *b, static_cast<double>(records), "");
  }

  bool measureThroughput() {
    if (!waitFor([&] { return verifier_->phase1DoneNs() != 0; }, "processing the input")) {
      return false;
    }
    // One more sample after the end, for the interpolation at it.
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    cpu_.stop();
    const int64_t done_ns = verifier_->phase1DoneNs();
    r_["output_records_phase1"] = verifier_->outputsAtPhase1();
    recordCold(done_ns);
    recordSteady(done_ns);
    return true;
  }

  // 5. Latency at a fixed light load. The producer learns the input's partition leaders before
  // the first send (otherwise the first records wait for that metadata, up to a second).
  bool measureLatency() {
    LatencyProducer producer;
    if (auto st = producer.open(o_, in_); !st.ok()) {
      error_ = "latency producer: " + st.ToString();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const int64_t start = steadyNs();
    const double interval_ns = 1e9 / std::max(1.0, o_.latency_rate);
    const InputValues values(o_, in_);
    for (int64_t i = 0; i < Verifier::latencyRecords(o_); ++i) {
      const auto target = start + static_cast<int64_t>(static_cast<double>(i) * interval_ns);
      if (int64_t ahead = target - steadyNs(); ahead > 0) {
        std::this_thread::sleep_for(std::chrono::nanoseconds(ahead));
      }
      const int64_t seq = o_.loadRecords() + i;
      verifier_->noteSend(i, steadyNs());
      producer.send(sbs::keyOf(seq, o_.keys), values.of(seq), o_.timestampOf(seq));
    }
    if (auto st = producer.flush(); !st.ok()) {
      error_ = "latency load: " + st.ToString();
      return false;
    }
    r_["latency_send_s"] = secondsOf(steadyNs() - start);
    return waitFor([&] { return verifier_->complete(); }, "processing the latency phase");
  }

  void recordLatencies() {
    std::vector<int64_t> lat = verifier_->latenciesNs();
    r_["latency_samples"] = lat.size();
    r_["p50_ms"] = numberOrNull(percentileMs(lat, 0.50));
    r_["p90_ms"] = numberOrNull(percentileMs(lat, 0.90));
    r_["p99_ms"] = numberOrNull(percentileMs(lat, 0.99));
    r_["max_ms"] = numberOrNull(percentileMs(lat, 1.0));
  }

  // 6. Memory, a clean stop, the full output.
  void stopAndVerify() {
    r_["rss_mb"] = static_cast<double>(sbs::peakRssKb(child_.pid())) / 1024.0;
    const bool exited = child_.terminate(std::chrono::seconds(60));
    r_["exit_code"] = child_.exitCode();
    if (const int64_t kb = reportedPeakRssKb(log_path_); kb > 0) {
      r_["rss_mb_at_exit"] = static_cast<double>(kb) / 1024.0;
    }
    auto out_ends = kstreams::endOffsets(o_.bootstrap, out_);
    if (out_ends.ok()) {
      const int64_t deadline = steadyNs() + 60'000'000'000;
      while (!verifier_->caughtUpTo(*out_ends) && steadyNs() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    verifier_->stop();
    r_["output_records"] = verifier_->outputRecords();
    r_["duplicates"] = verifier_->duplicates();
    r_["bad_records"] = verifier_->badRecords();
    recordLatencies();
    r_["check"] = o_.windowed() ? "latest count of every (key, window) = its input records"
                  : o_.workload == "count"
                      ? "latest count of every key = its input records (sum W+N+M)"
                      : "every expected seq exactly once, key and value as expected";
    if (!out_ends.ok()) {
      error_ = "output end offsets: " + out_ends.status().ToString();
    } else if (std::string v = verifier_->verdict(); !v.empty()) {
      error_ = "wrong output: " + v;
    } else if (!exited || child_.exitCode() != 0 || !child_.stopped()) {
      error_ = o_.system + " did not stop cleanly on SIGTERM (exit " +
               std::to_string(child_.exitCode()) + (child_.stopped() ? "" : ", no STOPPED") +
               "): " + tail(log_path_, 3);
    } else if (r_["latency_samples"].get<size_t>() == 0) {
      error_ = "no latency samples";
    } else {
      status_ = "ok";
    }
  }

  void printSummary() const {
    std::printf("  %-14s %-13s t%-2d %s", o_.workload.c_str(), o_.system.c_str(), o_.threads,
                status_.c_str());
    if (status_ == "ok") {
      auto num = [&](const char* k) {
        return r_[k].is_number() ? r_[k].get<double>() : std::nan("");
      };
      std::printf(
          "  %.0f rec/s  p50 %.1f ms  p99 %.1f ms  rss %.0f MB  cpu %.2f us/rec  others "
          "%.2f%s%s",
          num("records_per_sec"), num("p50_ms"), num("p99_ms"), num("rss_mb"),
          num("cpu_us_per_record"), num("others_cores"), r_.value("noisy", false) ? "  NOISY" : "",
          r_.value("steady", false) ? "" : "  (cold window)");
    } else {
      std::printf("  %s", error_.c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
  }

  // Appends the record to --results, prints a line, removes the topics and the state.
  int finish() {
    r_["status"] = status_;
    r_["ok"] = status_ == "ok";
    r_["error"] = error_;
    {
      std::ofstream f(o_.results, std::ios::app);
      f << r_.dump() << "\n";
    }
    printSummary();
    if (verifier_) verifier_->stop();
    if (!o_.keep_topics) {
      if (auto st = deleteTopicsWithPrefix(o_.bootstrap, prefix_); !st.ok()) {
        std::fprintf(stderr, "%s: deleting topics %s*: %s\n", kProgram, prefix_.c_str(),
                     st.ToString().c_str());
      }
    }
    std::error_code ec;
    std::filesystem::remove_all(state_dir_, ec);
    return status_ == "ok" || status_ == "pending" ? 0 : 1;
  }

  const RunOptions o_;
  const std::string prefix_, in_, out_, state_dir_, log_path_;
  nlohmann::json r_;
  std::string status_ = "failed";
  std::string error_;
  std::unique_ptr<Verifier> verifier_;
  int64_t verifier_start_ns_ = 0;
  int64_t assigned_ns_ = 0;
  CpuSampler cpu_;
  Child child_;  // last: destroyed (killed if still running) first
};

int runMain(const sbs::Args& args) { return Run(parseRunOptions(args)).execute(); }

// `--mode selftest`: the window rules on made-up timelines (no broker). Exit 1 on a mismatch.
int selfTestMain() {
  int failures = 0;
  auto expect = [&](bool ok, const char* what) {
    if (!ok) {
      std::fprintf(stderr, "%s: selftest: %s\n", kProgram, what);
      ++failures;
    }
  };
  constexpr int64_t kMs = 1'000'000;
  // Streaming output: from the first sample at or past the warm-up's to the first at the end.
  {
    const std::vector<ProgressSample> t = {
        {10 * kMs, 50}, {20 * kMs, 99}, {30 * kMs, 120}, {40 * kMs, 300}, {50 * kMs, 400}};
    const auto w = steadyWindow(t, 100, 400, false, 200 * kMs);
    expect(w && w->start.ns == 30 * kMs && w->start.progress == 120,
           "streaming: starts at the first sample past the warm-up");
    expect(w && w->end.ns == 50 * kMs && w->ends_at_output, "streaming: ends at the last output");
  }
  // Commit bursts (count): bursts end at 110, 1120, 2110 and 2600 ms; warm-up 1000, end 4000.
  {
    const std::vector<ProgressSample> t = {
        {100 * kMs, 500},   {110 * kMs, 900},   {1100 * kMs, 1500}, {1120 * kMs, 2000},
        {2100 * kMs, 2900}, {2110 * kMs, 3200}, {2600 * kMs, 4000}};
    const auto w = steadyWindow(t, 1000, 4000, true, 200 * kMs);
    expect(w && w->start.ns == 1120 * kMs && w->start.progress == 2000,
           "bursts: starts at the end of the first burst past the warm-up");
    expect(w && w->end.ns == 2110 * kMs && w->end.progress == 3200 && !w->ends_at_output,
           "bursts: ends at the last burst before the end, not at the final one");
    const auto whole = burstEnds(t, 200 * kMs);
    expect(whole.size() == 4, "bursts: four bursts");
  }
  // Only the final burst after the warm-up's: it must serve as the end.
  {
    const std::vector<ProgressSample> t = {{100 * kMs, 1200}, {900 * kMs, 4000}};
    const auto w = steadyWindow(t, 1000, 4000, true, 200 * kMs);
    expect(w && w->start.ns == 100 * kMs && w->end.ns == 900 * kMs && w->ends_at_output,
           "bursts: a single burst after the start ends the window at the final one");
  }
  // No output between the warm-up's and the end's: no steady window.
  {
    const std::vector<ProgressSample> t = {{100 * kMs, 500}, {900 * kMs, 4000}};
    expect(!steadyWindow(t, 1000, 4000, true, 200 * kMs), "bursts: none between: no window");
    expect(!steadyWindow(t, 1000, 4000, false, 200 * kMs), "streaming: none between: no window");
  }
  std::printf("selftest: %s\n", failures == 0 ? "ok" : "FAILED");
  return failures == 0 ? sbs::kExitOk : sbs::kExitFailure;
}

constexpr const char* kUsage =
    "usage: kstreams_bench_driver --mode run --system S --workload W --bootstrap-servers B\n"
    "         --results FILE (--app-bin PATH | --peer-jar PATH) [options; see driver.cc]\n"
    "       kstreams_bench_driver --mode report --results FILE --json OUT [--png OUT]\n"
    "         [--title T] [options; see report.cc]\n"
    "       kstreams_bench_driver --mode selftest   (the window rules, no broker)\n";

}  // namespace

int main(int argc, char** argv) {
  try {
    sbs::Args args(argc, argv, {"keep-topics"});
    const std::string mode = args.required("mode");
    if (mode == "run") return runMain(args);
    if (mode == "report") return sbs::reportMain(args);
    if (mode == "selftest") return selfTestMain();
    throw sbs::UsageError("unknown --mode " + mode);
  } catch (const sbs::UsageError& e) {
    std::fprintf(stderr, "%s: %s\n%s", kProgram, e.what(), kUsage);
    return sbs::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    return sbs::kExitFailure;
  }
}
