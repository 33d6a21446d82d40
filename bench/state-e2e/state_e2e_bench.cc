// kstreams_state_e2e_bench — what state costs, end to end on a Kafka cluster:
//
//   kstreams_state_e2e_bench [--benchmarks count,restore] [--records N] [--keys K]
//                            [--value-bytes B] [--partitions P] [--threads T] [--repeat R]
//                            [--bootstrap-servers HOST:PORT]
//
// count: stateful counting against a stateless topology on the same input.
//   1. N records go into a fresh topic (P partitions) through kstreams::SimpleProducer (lz4);
//      key i is "key-<i mod K>", the value B bytes. The input must be complete (every low
//      watermark 0, N records) before anything is measured.
//   2. Each system reads it from the beginning with a fresh application id and state directory
//      and writes its own output topic:
//        stateless      stream(in).mapValues(size).to(out)                 (one output per input)
//        count          stream(in).groupByKey().count(Materialized "bench-counts")
//                       .toStream().to(out): RocksDB, changelog, record cache (default
//                       statestore.cache.max.bytes 10 MiB)
//        count-nocache  the same with the cache disabled: every update goes to RocksDB, the
//                       changelog and the output
//      Client settings shared by all: producer lz4, consumer queued.min.messages=1000000,
//      commit.interval.ms=1000, num.stream.threads=T.
//   3. The window runs from the first record reaching the topology (a peek at the source) to
//      the first lag check (every 20 ms) that finds every source partition processed and
//      committed (committed only after the output and changelog are acknowledged). rec/s =
//      N / window. The count systems must then hold exactly N in their store, read back through
//      an interactive query (sum of all counts), with K keys.
// restore: rebuilding a store from its changelog.
//   1. N records with distinct keys ("key-<i>") and 8-byte Int64 values go into the changelog
//      topic of a count store (P partitions, compacted on a real broker; lz4), checked complete.
//   2. A KafkaStreams instance running that count topology over an empty input topic starts
//      with an empty state directory and restores the store from the changelog. The window runs
//      from the first onRestoreStart to the last onRestoreEnd of the restore listener: restore
//      rec/s = N / window. The store must then hold N entries (counted through an interactive
//      query).
//   3. Baseline: a plain librdkafka consumer with the restore consumer's settings reading the
//      same changelog partitions from the start to the end (same batch API, no store), timed
//      from its assign() (after it connected and read the watermarks, as the restorer has
//      before its first onRestoreStart): the ceiling of reading alone.
// Ratios are medians over --repeat rounds. Exit status 1 when a check fails.
//
// On the embedded cluster (default) mind its retention (≈5 MiB or 100,000 batches per
// partition): the load and the kstreams producers use lz4, and the input is checked complete.
// Its one thread serves every client, so figures are for this machine and this mock; use
// --bootstrap-servers for a real broker (scripts/kafka start).
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "kstreams/embedded_kafka_cluster.h"
#include "kstreams/kafka_clients.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/kstream.h"
#include "kstreams/query.h"
#include "kstreams/serdes.h"
#include "kstreams/state_restore_listener.h"
#include "kstreams/streams_builder.h"

namespace {

using Clock = std::chrono::steady_clock;
using kstreams::Serdes::Int64;
using kstreams::Serdes::String;

struct Options {
  std::vector<std::string> benchmarks = {"count", "restore"};
  int64_t records = 1'000'000;
  int keys = 10'000;
  int value_bytes = 100;
  int partitions = 4;
  int threads = 1;
  int repeat = 1;
  std::string bootstrap_servers;
};

[[noreturn]] void usage(const std::string& error) {
  std::cerr << "kstreams_state_e2e_bench: " << error << "\n"
            << "usage: kstreams_state_e2e_bench [--benchmarks count,restore] [--records N]\n"
            << "         [--keys K] [--value-bytes B] [--partitions P] [--threads T]\n"
            << "         [--repeat R] [--bootstrap-servers HOST:PORT]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--benchmarks") {
      o.benchmarks.clear();
      std::stringstream ss(value());
      for (std::string b; std::getline(ss, b, ',');) {
        if (b != "count" && b != "restore") usage("unknown benchmark " + b);
        o.benchmarks.push_back(b);
      }
    } else if (arg == "--records") {
      o.records = std::atoll(value().c_str());
    } else if (arg == "--keys") {
      o.keys = std::atoi(value().c_str());
    } else if (arg == "--value-bytes") {
      o.value_bytes = std::atoi(value().c_str());
    } else if (arg == "--partitions") {
      o.partitions = std::atoi(value().c_str());
    } else if (arg == "--threads") {
      o.threads = std::atoi(value().c_str());
    } else if (arg == "--repeat") {
      o.repeat = std::atoi(value().c_str());
    } else if (arg == "--bootstrap-servers") {
      o.bootstrap_servers = value();
    } else {
      usage("unknown flag " + arg);
    }
  }
  if (o.records < 1 || o.keys < 1 || o.partitions < 1 || o.threads < 1 || o.repeat < 1 ||
      o.value_bytes < 0) {
    usage("numbers must be positive");
  }
  return o;
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

bool g_failed = false;
void check(bool ok, const std::string& what) {
  if (ok) return;
  std::cerr << "CHECK FAILED: " << what << "\n";
  g_failed = true;
}
void checkOk(const absl::Status& s, const std::string& what) {
  if (s.ok()) return;
  std::cerr << "ERROR: " << what << ": " << s << "\n";
  std::exit(1);
}

std::string runId() {
  return std::to_string(::getpid()) + "-" +
         std::to_string(std::chrono::system_clock::now().time_since_epoch().count() % 1000000);
}

// Every record of `topic` is there: low watermarks 0, `expected` records in total.
void checkComplete(const std::string& bootstrap, const std::string& topic, int64_t expected) {
  auto ends = kstreams::endOffsets(bootstrap, topic);
  checkOk(ends.status(), "end offsets of " + topic);
  int64_t total = 0;
  for (const auto& [p, end] : *ends) total += end;
  // The low watermarks: readTopic from the end is empty; ask librdkafka directly.
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[256];
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  bool starts_at_zero = true;
  for (const auto& [p, end] : *ends) {
    int64_t lo = 0, hi = 0;
    if (rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, 10000) || lo != 0) {
      starts_at_zero = false;
    }
  }
  rd_kafka_destroy(rk);
  if (total != expected || !starts_at_zero) {
    std::cerr << "ERROR: topic " << topic << " holds " << total << " of " << expected << " records"
              << (starts_at_zero ? "" : " and lost its start (retention)")
              << ": the cluster dropped records; use fewer/larger records\n";
    std::exit(1);
  }
}

kstreams::StreamsConfig baseConfig(const Options& o, const std::string& bootstrap,
                                   const std::string& app, const std::string& state_dir) {
  return kstreams::StreamsConfig{
      {"application.id", app},
      {"bootstrap.servers", bootstrap},
      {"state.dir", state_dir},
      {"num.stream.threads", std::to_string(o.threads)},
      {"commit.interval.ms", "1000"},
      {"poll.ms", "100"},
      {"producer.compression.type", "lz4"},
      {"consumer.queued.min.messages", "1000000"},
  };
}

// ---------------------------------------------------------------------------------------------
// count vs stateless

struct CountResult {
  double rate = 0;
  double window_s = 0;
};

kstreams::Topology countTopology(const std::string& in, const std::string& out, bool cache,
                                 std::atomic<int64_t>* first_ns) {
  kstreams::StreamsBuilder b;
  auto m = kstreams::Materialized<std::string, int64_t>::as("bench-counts");
  if (!cache) m = m.withCachingDisabled();
  b.stream(in, kstreams::Consumed<std::string, std::string>(String(), String()))
      .peek([first_ns](const std::string&, const std::string&) {
        int64_t zero = 0;
        if (first_ns->load(std::memory_order_relaxed) == 0) {
          first_ns->compare_exchange_strong(zero, Clock::now().time_since_epoch().count());
        }
      })
      .groupByKey(kstreams::Grouped<std::string, std::string>::with(String(), String()))
      .count(m)
      .toStream()
      .to(out, kstreams::Produced<std::string, int64_t>(String(), Int64()));
  return b.build();
}

kstreams::Topology statelessTopology(const std::string& in, const std::string& out,
                                     std::atomic<int64_t>* first_ns) {
  kstreams::StreamsBuilder b;
  b.stream(in, kstreams::Consumed<std::string, std::string>(String(), String()))
      .peek([first_ns](const std::string&, const std::string&) {
        int64_t zero = 0;
        if (first_ns->load(std::memory_order_relaxed) == 0) {
          first_ns->compare_exchange_strong(zero, Clock::now().time_since_epoch().count());
        }
      })
      .mapValues([](const std::string& v) { return static_cast<int64_t>(v.size()); })
      .to(out, kstreams::Produced<std::string, int64_t>(String(), Int64()));
  return b.build();
}

CountResult runCountSystem(const Options& o, const std::string& bootstrap, const std::string& in,
                           const std::string& system, const std::string& id) {
  const std::string app = "sbench-" + system + "-" + id;
  const std::string out = app + "-out";
  checkOk(kstreams::createTopics(bootstrap, {{out, o.partitions}}), "creating " + out);
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("sbench-" + id);
  std::filesystem::remove_all(dir);
  std::atomic<int64_t> first_ns{0};
  kstreams::Topology topology = system == "stateless"
                                    ? statelessTopology(in, out, &first_ns)
                                    : countTopology(in, out, system == "count", &first_ns);
  kstreams::KafkaStreams streams(std::move(topology), baseConfig(o, bootstrap, app, dir.string()));
  checkOk(streams.start(), "starting " + system);
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  Clock::time_point end;
  for (;;) {
    if (Clock::now() > deadline || streams.state() == kstreams::KafkaStreams::State::kError) {
      std::cerr << "ERROR: " << system << " did not finish\n";
      std::exit(1);
    }
    if (first_ns.load() != 0) {
      auto lag = streams.sourceLag(std::chrono::seconds(10));
      if (lag.ok() && std::all_of(lag->begin(), lag->end(),
                                  [](const kstreams::PartitionLag& p) { return p.lag == 0; })) {
        end = Clock::now();
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CountResult r;
  r.window_s = seconds(end - Clock::time_point(Clock::duration(first_ns.load())));
  r.rate = static_cast<double>(o.records) / r.window_s;
  if (system != "stateless") {
    auto store = streams.store<std::string, int64_t>("bench-counts");
    int64_t sum = 0, keys = 0;
    if (store.ok()) {
      auto it = store->all();
      if (it.ok()) {
        while (it->hasNext()) {
          sum += it->next().value;
          ++keys;
        }
        if (!it->status().ok()) sum = keys = -1;
      }
    }
    check(sum == o.records && keys == std::min<int64_t>(o.keys, o.records),
          system + ": the store holds " + std::to_string(sum) + " counts over " +
              std::to_string(keys) + " keys");
  }
  streams.close(std::chrono::seconds(60));
  std::filesystem::remove_all(dir);
  return r;
}

void benchCount(const Options& o, const std::string& bootstrap) {
  const std::string id = runId();
  const std::string in = "sbench-in-" + id;
  checkOk(kstreams::createTopics(bootstrap, {{in, o.partitions}}), "creating " + in);
  {
    kstreams::SimpleProducer producer(bootstrap);
    const std::string value(o.value_bytes, 'v');
    for (int64_t i = 0; i < o.records; ++i) {
      producer.send(in, "key-" + std::to_string(i % o.keys), value);
    }
    checkOk(producer.flush(), "loading the input");
  }
  checkComplete(bootstrap, in, o.records);
  const std::vector<std::string> systems = {"stateless", "count", "count-nocache"};
  std::map<std::string, std::vector<double>> rates;
  for (int round = 0; round < o.repeat; ++round) {
    for (const std::string& system : systems) {
      CountResult r = runCountSystem(o, bootstrap, in, system, id + "-" + std::to_string(round));
      rates[system].push_back(r.rate);
      std::printf("count round %d  %-14s %10.0f rec/s  (%.2f s)\n", round + 1, system.c_str(),
                  r.rate, r.window_s);
      std::fflush(stdout);
    }
  }
  const double stateless = median(rates["stateless"]);
  std::printf(
      "\ncount vs stateless: %lld records, %d keys, %d B values, %d partitions, "
      "%d thread(s), medians of %d\n",
      static_cast<long long>(o.records), o.keys, o.value_bytes, o.partitions, o.threads, o.repeat);
  for (const std::string& system : systems) {
    const double m = median(rates[system]);
    std::printf("  %-14s %10.0f rec/s   ratio to stateless %.2f\n", system.c_str(), m,
                m / stateless);
  }
}

// ---------------------------------------------------------------------------------------------
// restore

class RestoreClock : public kstreams::StateRestoreListener {
 public:
  void onRestoreStart(const kstreams::TopicPartition&, const std::string&, int64_t,
                      int64_t) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (first_ == Clock::time_point()) first_ = Clock::now();
    ++started_;
  }
  void onRestoreEnd(const kstreams::TopicPartition&, const std::string&, int64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_ = Clock::now();
    total_ += total;
    ++ended_;
  }
  bool done(int partitions) const {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_ == partitions;
  }
  double window() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seconds(last_ - first_);
  }
  int64_t total() const {
    std::lock_guard<std::mutex> lock(mu_);
    return total_;
  }

 private:
  mutable std::mutex mu_;
  Clock::time_point first_, last_;
  int started_ = 0, ended_ = 0;
  int64_t total_ = 0;
};

// Reads every partition of `topic` from the start to its end with one plain consumer.
double rawReadRate(const std::string& bootstrap, const std::string& topic, int partitions,
                   int64_t records, bool embedded) {
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The restore consumer's settings (the thread's consumer settings of baseConfig()).
  std::map<std::string, std::string> props = {
      {"bootstrap.servers", bootstrap},  {"group.id", "sbench-raw"},
      {"enable.auto.commit", "false"},   {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"}, {"queued.min.messages", "1000000"},
      {"socket.nagle.disable", "true"}};
  if (embedded) props["fetch.wait.max.ms"] = "10";
  for (const auto& [k, v] : props) rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
  // Connected and the partitions' ends known before the clock starts, as the restorer has
  // queried the watermarks before its first onRestoreStart.
  std::vector<int64_t> starts(partitions, 0);
  for (int p = 0; p < partitions; ++p) {
    int64_t hi = 0;
    rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &starts[p], &hi, 10000);
  }
  const Clock::time_point start = Clock::now();
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) {
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = starts[p];
  }
  rd_kafka_assign(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  std::vector<rd_kafka_message_t*> batch(10000);
  int64_t seen = 0;
  while (seen < records) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
    for (ssize_t i = 0; i < n; ++i) {
      if (!batch[i]->err) ++seen;
      rd_kafka_message_destroy(batch[i]);
    }
  }
  const double window = seconds(Clock::now() - start);
  rd_kafka_queue_destroy(queue);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return static_cast<double>(records) / window;
}

void benchRestore(const Options& o, const std::string& bootstrap, bool embedded) {
  const std::string id = runId();
  const std::string app = "sbench-restore-" + id;
  const std::string in = app + "-in", out = app + "-out";
  const std::string changelog = app + "-bench-counts-changelog";
  checkOk(kstreams::createTopics(bootstrap,
                                 {{in, o.partitions},
                                  {out, o.partitions},
                                  {changelog, o.partitions, {{"cleanup.policy", "compact"}}}}),
          "creating topics");
  {
    kstreams::SimpleProducer producer(bootstrap);
    std::string value;
    for (int64_t i = 0; i < o.records; ++i) {
      value.clear();
      Int64()->serialize(changelog, i, value);
      producer.send(changelog, "key-" + std::to_string(i), value);
    }
    checkOk(producer.flush(), "loading the changelog");
  }
  checkComplete(bootstrap, changelog, o.records);
  std::vector<double> restore_rates, raw_rates;
  for (int round = 0; round < o.repeat; ++round) {
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("sbench-restore-" + id);
    std::filesystem::remove_all(dir);
    std::atomic<int64_t> unused{0};
    auto clock = std::make_shared<RestoreClock>();
    {
      kstreams::KafkaStreams streams(countTopology(in, out, true, &unused),
                                     baseConfig(o, bootstrap, app, dir.string()));
      streams.setGlobalStateRestoreListener(clock);
      checkOk(streams.start(), "starting the restore run");
      const auto deadline = Clock::now() + std::chrono::minutes(10);
      while (!clock->done(o.partitions)) {
        if (Clock::now() > deadline) {
          std::cerr << "ERROR: restoration did not finish\n";
          std::exit(1);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      // Restored stores are queryable once the client runs.
      while (streams.state() != kstreams::KafkaStreams::State::kRunning &&
             Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      int64_t entries = -1;
      auto store = streams.store<std::string, int64_t>("bench-counts");
      if (store.ok()) {
        auto it = store->all();
        if (it.ok()) {
          entries = 0;
          while (it->hasNext()) {
            it->next();
            ++entries;
          }
          if (!it->status().ok()) entries = -1;
        }
      }
      check(clock->total() == o.records, "restored " + std::to_string(clock->total()) + " records");
      check(entries == o.records, "the restored store holds " + std::to_string(entries));
      streams.close(std::chrono::seconds(60));
    }
    std::filesystem::remove_all(dir);
    const double rate = static_cast<double>(o.records) / clock->window();
    const double raw = rawReadRate(bootstrap, changelog, o.partitions, o.records, embedded);
    restore_rates.push_back(rate);
    raw_rates.push_back(raw);
    std::printf(
        "restore round %d  kstreams restore %10.0f rec/s (%.2f s)   raw read %10.0f rec/s\n",
        round + 1, rate, clock->window(), raw);
    std::fflush(stdout);
  }
  const double r = median(restore_rates), raw = median(raw_rates);
  std::printf(
      "\nrestore: %lld changelog records (distinct keys, 8 B values), %d partitions, "
      "%d thread(s), medians of %d\n",
      static_cast<long long>(o.records), o.partitions, o.threads, o.repeat);
  std::printf(
      "  kstreams restore  %10.0f rec/s\n  raw read          %10.0f rec/s\n"
      "  ratio restore / raw read %.2f\n",
      r, raw, r / raw);
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::unique_ptr<kstreams::EmbeddedKafkaCluster> cluster;
  std::string bootstrap = o.bootstrap_servers;
  if (bootstrap.empty()) {
    cluster = std::make_unique<kstreams::EmbeddedKafkaCluster>(1);
    bootstrap = cluster->bootstrapServers();
    std::cerr << "embedded cluster at " << bootstrap << "\n";
  }
  for (const std::string& b : o.benchmarks) {
    if (b == "count") benchCount(o, bootstrap);
    if (b == "restore") benchRestore(o, bootstrap, cluster != nullptr);
  }
  return g_failed ? 1 : 0;
}
