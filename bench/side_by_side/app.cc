// kstreams_bench_app — the processing process of the side-by-side benchmark (scripts/bench) for
// the two C++ systems. It follows the Java peer's contract (bench/peers/README.md) so that the
// driver starts, watches and stops all three systems the same way:
//
//   kstreams_bench_app --system kstreams|librdkafka --workload W --bootstrap-servers B
//       --application-id A --input T --output O --threads N [--commit-interval-ms 1000]
//       [--cache-max-bytes 10485760] [--linger-ms 5] [--batch-size 1048576] [--acks 1]
//       [--state-dir /tmp/kstreams-bench-app] [--client-config "k=v;consumer.k=v;producer.k=v"]
//       [--rocksdb-block-cache-bytes 67108864] [--rocksdb-write-buffer-bytes 33554432]
//   kstreams_bench_app --mode describe --system S --workload W [--input T] [--output O]
//
// --client-config adds librdkafka settings (experiments; "consumer."/"producer." address one
// client, for kstreams they are StreamsConfig entries). --mode describe prints the topology
// (kstreams: Topology::describe(), as the Java peer's describe mode) or exits 2 when the
// workload is not implemented.
//
// - stdout: "RUNNING" (once, when processing can start), "STOPPED" (after a clean stop on
//   SIGTERM/SIGINT, exit 0); everything else on stderr, ending with the peak RSS line
//   "kstreams_bench_app: peak_rss_kb=N (VmHWM, M MiB)".
// - Exit codes: 0 ok, 1 failure (no STOPPED), 2 workload not implemented, 64 usage error.
//
// Systems:
//   kstreams    the workload as a kstreams DSL topology run by kstreams::KafkaStreams, with the
//               settings below and kstreams' defaults for everything else.
//   librdkafka  the ceiling: a plain C++ consume→produce loop on librdkafka's C API per thread
//               (consumer group `A`, range assignor, rd_kafka_consume_batch_queue of up to 1000
//               messages, rd_kafka_producev with a copy of each record and the input timestamp),
//               at-least-once like the others: every commit.interval.ms it flushes the producer,
//               then commits the offsets it has processed (synchronously), and never commits
//               when idle. Its librdkafka settings are kstreams' defaults (the prefetch
//               included), with idempotence off. passthrough and stateless only.
//
// Workloads (the Java peer's Topologies.java):
//   passthrough  every record unchanged (bytes in, bytes out)
//   stateless    filter(seq even) → mapValues(upper-case) → to
//   count        groupByKey → count (RocksDB store "counts" + changelog, record cache) →
//                toStream → to (String key, 8-byte big-endian long)
//   windowed-count  groupByKey → windowedBy(tumbling kWindowSizeMs, no grace, event time =
//                the record timestamps the driver sets) → count (window store
//                "windowed-counts" + changelog, record cache off on both sides) → toStream → to
//                (TimeWindowedSerde key: key bytes + 8-byte window start; 8-byte long)
//   avro         Avro in, Avro out through a schema registry (--registry-url, the
//                Confluent-compatible API, e.g. Apicurio's <base>/apis/ccompat/v7): generic
//                records of sbs::kAvroOrderSchema → filter(paid) → mapValues(to
//                sbs::kAvroSummarySchema, customer upper-cased) → to
//   count is built only when the DSL has groupByKey() (HasGroupByKey); until then exit 2.
//
// Settings given to every system (the flags above): num.stream.threads, commit.interval.ms,
// statestore.cache.max.bytes, the RocksDB memory budget (kstreams: state.rocksdb.*; the Java peer
// gives its stores the same through a RocksDBConfigSetter), and the producer's linger.ms,
// batch.size (bytes) and acks.
// Compression: none (every system's default).

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common.h"
#include "kstreams/avro_serde.h"
#include "kstreams/kafka_streams.h"
#include "kstreams/kstream.h"
#if __has_include("kstreams/ktable.h")
#include "kstreams/ktable.h"
#endif
#include "kstreams/schema_registry.h"
#include "kstreams/serdes.h"
#include "kstreams/streams_builder.h"
#include "kstreams/streams_config.h"
#include "kstreams/time_windowed_kstream.h"
#include "kstreams/windowed.h"

namespace {

constexpr const char* kProgram = "kstreams_bench_app";

struct Settings {
  std::string system, workload, bootstrap, application_id, input, output, state_dir;
  // The avro workload's registry (Confluent-compatible API); describe needs none.
  std::string registry_url = "http://registry.invalid/apis/ccompat/v7";
  int threads = 1;
  int64_t commit_interval_ms = 1000;
  int64_t cache_max_bytes = 10 * 1024 * 1024;
  int64_t linger_ms = 5;
  int64_t batch_size = 1'048'576;
  int64_t rocksdb_block_cache_bytes = int64_t{64} << 20;
  int64_t rocksdb_write_buffer_bytes = int64_t{32} << 20;
  std::string acks = "1";
  // Extra librdkafka settings (experiments): "consumer.x" / "producer.x" / "x" (both), given to
  // kstreams as StreamsConfig entries and to the librdkafka loop's clients alike.
  std::map<std::string, std::string> client_config;
};

std::atomic<bool> g_running_printed{false};
std::atomic<bool> g_failed{false};

void printRunning() {
  if (!g_running_printed.exchange(true)) {
    std::fputs("RUNNING\n", stdout);
    std::fflush(stdout);
  }
}

// Waits for SIGTERM/SIGINT (blocked in every thread by main()) or for a failure. True when a
// signal asked to stop.
bool waitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  const timespec tick{0, 100'000'000};
  while (!g_failed.load()) {
    if (sigtimedwait(&set, nullptr, &tick) > 0) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// System kstreams

// Whether the DSL has the stateful operators yet (KGroupedStream/KTable come with issue 3).
template <typename Stream>
concept HasGroupByKey = requires(Stream s) {
  s.groupByKey();
};

// Adds the count workload to `stream`; false while the DSL cannot express it. Java's
//   groupByKey(Grouped.with(String, String))
//       .count(Materialized.as("counts").withKeySerde(String).withValueSerde(Long))
//       .toStream().to(output, Produced.with(String, Long))
template <typename Stream>
bool addCount(Stream stream, const std::string& output) {
  if constexpr (HasGroupByKey<Stream>) {
    namespace Serdes = kstreams::Serdes;
    stream.groupByKey(kstreams::Grouped(Serdes::String(), Serdes::String()))
        .count(kstreams::Materialized<std::string, int64_t>::as("counts")
                   .withKeySerde(Serdes::String())
                   .withValueSerde(Serdes::Int64()))
        .toStream()
        .to(output, kstreams::Produced(Serdes::String(), Serdes::Int64()));
    return true;
  } else {
    (void)stream;
    (void)output;
    return false;
  }
}

// The workload's topology; nullopt (with a message on stderr) when kstreams cannot express it yet.
std::optional<kstreams::Topology> buildTopology(const Settings& s) {
  namespace Serdes = kstreams::Serdes;
  kstreams::StreamsBuilder builder;
  if (s.workload == "passthrough") {
    builder.stream(s.input, kstreams::Consumed(Serdes::Bytes(), Serdes::Bytes()))
        .to(s.output, kstreams::Produced(Serdes::Bytes(), Serdes::Bytes()));
  } else if (s.workload == "stateless") {
    builder.stream(s.input, kstreams::Consumed(Serdes::String(), Serdes::String()))
        .filter([](const std::string&, const std::string& value) { return sbs::evenSeq(value); })
        .mapValues([](std::string value) {  // moved in: upper-cased in place
          sbs::toUpperAscii(value);
          return value;
        })
        .to(s.output, kstreams::Produced(Serdes::String(), Serdes::String()));
  } else if (s.workload == "avro") {
    // Generic records on both sides (Java: Apicurio's AvroSerde with GenericRecord); one
    // registry client shared by both serdes, which cache the schema ids after the first record.
    auto registry = std::make_shared<kstreams::SchemaRegistryClient>(s.registry_url);
    auto in = Serdes::Avro(registry, sbs::kAvroOrderSchema);
    auto out = Serdes::Avro(registry, sbs::kAvroSummarySchema);
    builder.stream(s.input, kstreams::Consumed(Serdes::String(), in))
        .filter([](const std::string&, const nlohmann::json& order) {
          return order.at("paid").get<bool>();
        })
        .mapValues([](const nlohmann::json& order) {
          std::string customer = order.at("customer").get<std::string>();
          sbs::toUpperAscii(customer);
          return nlohmann::json{{"seq", order.at("seq")},
                                {"customer", std::move(customer)},
                                {"cents", order.at("cents")}};
        })
        .to(s.output, kstreams::Produced(Serdes::String(), out));
  } else if (s.workload == "count") {
    if (!addCount(builder.stream(s.input, kstreams::Consumed(Serdes::String(), Serdes::String())),
                  s.output)) {
      std::fprintf(stderr, "%s: workload count: the kstreams DSL has no groupByKey().count() yet\n",
                   kProgram);
      return std::nullopt;
    }
  } else if (s.workload == "windowed-count") {
    // Java's (bench/peers Topologies): groupByKey, tumbling windows of kWindowSizeMs without
    // grace on the records' timestamps, count into "windowed-counts" with the record cache off
    // (both sides emit every update; the workload predates kstreams' window-store cache), the
    // windowed key written by TimeWindowedSerde.
    builder.stream(s.input, kstreams::Consumed(Serdes::String(), Serdes::String()))
        .groupByKey(kstreams::Grouped(Serdes::String(), Serdes::String()))
        .windowedBy(
            kstreams::TimeWindows::ofSizeWithNoGrace(std::chrono::milliseconds(sbs::kWindowSizeMs)))
        .count(kstreams::Materialized<std::string, int64_t>::as("windowed-counts")
                   .withKeySerde(Serdes::String())
                   .withValueSerde(Serdes::Int64())
                   .withCachingDisabled())
        .toStream()
        .to(s.output,
            kstreams::Produced(kstreams::WindowedSerdes::timeWindowedSerdeFrom<std::string>(
                                   Serdes::String(), sbs::kWindowSizeMs),
                               Serdes::Int64()));
  } else {
    std::fprintf(stderr, "%s: workload %s: not implemented on the C++ side yet\n", kProgram,
                 s.workload.c_str());
    return std::nullopt;
  }
  return builder.build();
}

int runKstreams(const Settings& s) {
  std::optional<kstreams::Topology> topology = buildTopology(s);
  if (!topology) return sbs::kExitNotImplemented;

  kstreams::StreamsConfig config{
      {kstreams::StreamsConfig::kApplicationId, s.application_id},
      {kstreams::StreamsConfig::kBootstrapServers, s.bootstrap},
      {kstreams::StreamsConfig::kNumStreamThreads, std::to_string(s.threads)},
      {kstreams::StreamsConfig::kCommitIntervalMs, std::to_string(s.commit_interval_ms)},
      {kstreams::StreamsConfig::kCacheMaxBytes, std::to_string(s.cache_max_bytes)},
      {kstreams::StreamsConfig::kStateDir, s.state_dir},
      {kstreams::StreamsConfig::kRocksDbBlockCacheBytes,
       std::to_string(s.rocksdb_block_cache_bytes)},
      {kstreams::StreamsConfig::kRocksDbWriteBufferBytes,
       std::to_string(s.rocksdb_write_buffer_bytes)},
      {"producer.linger.ms", std::to_string(s.linger_ms)},
      {"producer.batch.size", std::to_string(s.batch_size)},
      {"producer.acks", s.acks},
      // Java's producer turns idempotence off by itself when acks is not "all" (unless it was
      // asked for explicitly); kstreams' default refuses to start instead, so the harness says
      // what Java does.
      {"producer.enable.idempotence", s.acks == "all" ? "true" : "false"},
  };
  for (const auto& [k, v] : s.client_config) config.set(k, v);
  std::fprintf(stderr,
               "%s: system=kstreams workload=%s input=%s output=%s application.id=%s threads=%d "
               "commit.interval.ms=%lld statestore.cache.max.bytes=%lld linger.ms=%lld "
               "batch.size=%lld acks=%s state.dir=%s state.rocksdb.block.cache.bytes=%lld "
               "state.rocksdb.write.buffer.bytes=%lld\n",
               kProgram, s.workload.c_str(), s.input.c_str(), s.output.c_str(),
               s.application_id.c_str(), s.threads, static_cast<long long>(s.commit_interval_ms),
               static_cast<long long>(s.cache_max_bytes), static_cast<long long>(s.linger_ms),
               static_cast<long long>(s.batch_size), s.acks.c_str(), s.state_dir.c_str(),
               static_cast<long long>(s.rocksdb_block_cache_bytes),
               static_cast<long long>(s.rocksdb_write_buffer_bytes));

  kstreams::KafkaStreams streams(std::move(*topology), config);
  streams.setStateListener([](kstreams::KafkaStreams::State now, kstreams::KafkaStreams::State) {
    if (now == kstreams::KafkaStreams::State::kRunning) printRunning();
    if (now == kstreams::KafkaStreams::State::kPendingError ||
        now == kstreams::KafkaStreams::State::kError) {
      g_failed = true;
    }
  });
  streams.setUncaughtExceptionHandler([](const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      std::fprintf(stderr, "%s: stream thread failed: %s\n", kProgram, x.what());
    } catch (...) {
      std::fprintf(stderr, "%s: stream thread failed\n", kProgram);
    }
    g_failed = true;
    return kstreams::StreamThreadExceptionResponse::kShutdownClient;
  });
  if (absl::Status st = streams.start(); !st.ok()) {
    std::fprintf(stderr, "%s: start: %s\n", kProgram, st.ToString().c_str());
    return sbs::kExitFailure;
  }
  const bool stop_requested = waitForStopSignal();
  const bool closed = streams.close(std::chrono::seconds(30));
  if (!closed) std::fprintf(stderr, "%s: KafkaStreams::close did not finish in 30 s\n", kProgram);
  if (g_failed || !closed) return sbs::kExitFailure;
  if (stop_requested) {
    std::fputs("STOPPED\n", stdout);
    std::fflush(stdout);
  }
  return sbs::kExitOk;
}

// ---------------------------------------------------------------------------------------------
// System librdkafka

using Props = std::map<std::string, std::string>;

struct RdDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_topic_t* p) const { rd_kafka_topic_destroy(p); }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
};

std::atomic<int> g_threads_running{0};
std::atomic<bool> g_stop{false};

// One consume→produce loop: its own consumer (in the group) and producer, as a stream thread.
class RawLoop {
 public:
  RawLoop(const Settings& s, int index)
      : s_(s), index_(index), stateless_(s.workload == "stateless") {}

  // Runs until g_stop; false (with a message on stderr) on a failure.
  bool run() {
    if (!createClients() || !subscribe()) return false;
    {
      std::unique_ptr<rd_kafka_queue_t, RdDeleter> queue(
          rd_kafka_queue_get_consumer(consumer_.get()));
      consumeLoop(queue.get());
    }  // the consumer queue goes before the consumer closes
    if (error_.empty()) commit();
    std::fprintf(stderr,
                 "%s: librdkafka loop %d: first record %.1f ms, first delivery %.1f ms after the "
                 "assignment\n",
                 kProgram, index_, static_cast<double>(first_consume_ns_ - assigned_ns_) / 1e6,
                 static_cast<double>(first_delivery_ns_ - assigned_ns_) / 1e6);
    rd_kafka_consumer_close(consumer_.get());
    return error_.empty();
  }

 private:
  static constexpr size_t kBatch = 1000;  // kstreams' stream thread polls as many

  // The two clients' settings: kstreams' defaults (prepareClientProps), the shared settings,
  // then --client-config.
  std::pair<Props, Props> clientProps() const {
    const std::string client = s_.application_id + "-RawLoop-" + std::to_string(index_);
    Props consumer_props = {
        {"bootstrap.servers", s_.bootstrap},
        {"group.id", s_.application_id},
        {"client.id", client + "-consumer"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"partition.assignment.strategy", "range"},
        {"auto.offset.reset", "earliest"},
        {"socket.nagle.disable", "true"},
        // kstreams' prefetch: a queue that a 10 ms fetch backoff keeps refilled. An unbounded
        // queue holds the whole backlog (hundreds of MB of librdkafka ops) and costs the loop
        // memory traffic and page faults, not speed.
        {"queued.min.messages", "50000"},
        {"queued.max.messages.kbytes", "4096"},
        {"fetch.queue.backoff.ms", "10"},
    };
    // Idempotence off (no producer ids, no sequence checks): a ceiling does no work it can skip,
    // and Java's producer turns it off too when acks is not "all".
    Props producer_props = {
        {"bootstrap.servers", s_.bootstrap},
        {"client.id", client + "-producer"},
        {"partitioner", "murmur2_random"},
        {"linger.ms", std::to_string(s_.linger_ms)},
        {"batch.size", std::to_string(s_.batch_size)},
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "100000"},
        {"acks", s_.acks},
        {"enable.idempotence", "false"},
        {"socket.nagle.disable", "true"},
    };
    for (const auto& [k, v] : s_.client_config) {
      if (k.rfind("consumer.", 0) == 0) {
        consumer_props[k.substr(9)] = v;
      } else if (k.rfind("producer.", 0) == 0) {
        producer_props[k.substr(9)] = v;
      } else {
        consumer_props[k] = v;
        producer_props[k] = v;
      }
    }
    return {consumer_props, producer_props};
  }

  bool createClients() {
    const auto [consumer_props, producer_props] = clientProps();
    rd_kafka_conf_t* cconf = makeConf(consumer_props);
    rd_kafka_conf_t* pconf = makeConf(producer_props);
    if (!cconf || !pconf) return false;
    rd_kafka_conf_set_opaque(cconf, this);
    rd_kafka_conf_set_rebalance_cb(cconf, &RawLoop::onRebalance);
    rd_kafka_conf_set_opaque(pconf, this);
    rd_kafka_conf_set_dr_msg_cb(pconf, &RawLoop::onDelivery);
    char err[512];
    producer_.reset(rd_kafka_new(RD_KAFKA_PRODUCER, pconf, err, sizeof(err)));
    if (!producer_) return fail(std::string("producer: ") + err);
    consumer_.reset(rd_kafka_new(RD_KAFKA_CONSUMER, cconf, err, sizeof(err)));
    if (!consumer_) return fail(std::string("consumer: ") + err);
    rd_kafka_poll_set_consumer(consumer_.get());
    out_topic_.reset(rd_kafka_topic_new(producer_.get(), s_.output.c_str(), nullptr));
    return true;
  }

  bool subscribe() {
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter> topics(
        rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(), s_.input.c_str(), RD_KAFKA_PARTITION_UA);
    if (auto e = rd_kafka_subscribe(consumer_.get(), topics.get())) {
      return fail(std::string("subscribe: ") + rd_kafka_err2str(e));
    }
    return true;
  }

  // What is there now; else wait (up to 100 ms) for one record, then take what came with it.
  // (A batch call with a timeout would wait for a full batch when input trickles.) As kstreams'
  // consumeAvailable().
  static ssize_t consumeAvailable(rd_kafka_queue_t* queue, rd_kafka_message_t** msgs) {
    ssize_t n = rd_kafka_consume_batch_queue(queue, 0, msgs, kBatch);
    if (n != 0) return n;
    n = rd_kafka_consume_batch_queue(queue, 100, msgs, 1);
    if (n != 1) return n;
    const ssize_t more = rd_kafka_consume_batch_queue(queue, 0, msgs + 1, kBatch - 1);
    return n + std::max<ssize_t>(0, more);
  }

  void consumeLoop(rd_kafka_queue_t* queue) {
    std::vector<rd_kafka_message_t*> msgs(kBatch);
    const auto interval = std::chrono::milliseconds(s_.commit_interval_ms);
    auto next_commit = std::chrono::steady_clock::now() + interval;
    while (!g_stop.load(std::memory_order_relaxed) && error_.empty()) {
      const ssize_t n = consumeAvailable(queue, msgs.data());
      if (n > 0 && first_consume_ns_ == 0) first_consume_ns_ = sbs::steadyNs();
      // RUNNING as kstreams' stream threads reach it: after the first poll that follows the
      // assignment (with a backlog waiting, about when the first records arrive).
      if (assigned_ && !running_ && ++g_threads_running == s_.threads) printRunning();
      running_ = running_ || assigned_;
      if (n < 0) {
        fail(std::string("consume: ") + rd_kafka_err2str(rd_kafka_last_error()));
        return;
      }
      for (ssize_t i = 0; i < n; ++i) {
        processRecord(msgs[i]);
        rd_kafka_message_destroy(msgs[i]);
      }
      rd_kafka_poll(producer_.get(), 0);
      if (std::chrono::steady_clock::now() >= next_commit) {
        commit();
        next_commit = std::chrono::steady_clock::now() + interval;
      }
    }
  }

  // The workload on one record: passthrough produces it as it is, stateless keeps the even seqs
  // and produces them upper-cased.
  void processRecord(const rd_kafka_message_t* m) {
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        fail(std::string("consume: ") + rd_kafka_message_errstr(m));
      }
      return;
    }
    if (stateless_) {
      std::string_view v(static_cast<const char*>(m->payload), m->len);
      bool keep = false;
      try {
        keep = sbs::evenSeq(v);
      } catch (const std::exception& e) {
        fail(e.what());
      }
      if (keep) {
        value_.assign(v);
        sbs::toUpperAscii(value_);
        produce(m, value_.data(), value_.size());
      }
    } else {
      produce(m, m->payload, m->len);
    }
    noteProcessed(m->partition, m->offset);
  }

  rd_kafka_conf_t* makeConf(const Props& props) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char err[512];
    for (const auto& [k, v] : props) {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof(err)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        fail(k + "=" + v + ": " + err);
        return nullptr;
      }
    }
    return conf;
  }

  bool fail(const std::string& what) {
    if (error_.empty()) {
      error_ = what;
      std::fprintf(stderr, "%s: librdkafka loop %d: %s\n", kProgram, index_, what.c_str());
    }
    g_failed = true;
    return false;
  }

  void produce(const rd_kafka_message_t* m, const void* payload, size_t len) {
    const int64_t ts = rd_kafka_message_timestamp(m, nullptr);
    for (;;) {
      rd_kafka_resp_err_t err = rd_kafka_producev(producer_.get(), RD_KAFKA_V_RKT(out_topic_.get()),
                                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                  RD_KAFKA_V_KEY(m->key, m->key_len),
                                                  RD_KAFKA_V_VALUE(const_cast<void*>(payload), len),
                                                  RD_KAFKA_V_TIMESTAMP(ts), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
      if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
        fail(std::string("produce: ") + rd_kafka_err2str(err));
        return;
      }
      rd_kafka_poll(producer_.get(), 1);
    }
  }

  void noteProcessed(int32_t partition, int64_t offset) {
    const auto p = static_cast<size_t>(partition);
    if (p >= offsets_.size()) offsets_.resize(p + 1, -1);
    offsets_[p] = offset + 1;
    dirty_ = true;
  }

  // At-least-once: everything produced so far acknowledged, then the offsets committed.
  void commit() {
    if (!dirty_) return;
    if (auto err = rd_kafka_flush(producer_.get(), 60'000)) {
      fail(std::string("flush: ") + rd_kafka_err2str(err));
      return;
    }
    if (delivery_failures_ > 0) {
      fail("delivery failed: " + delivery_error_);
      return;
    }
    std::unique_ptr<rd_kafka_topic_partition_list_t, RdDeleter> list(
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets_.size())));
    for (size_t p = 0; p < offsets_.size(); ++p) {
      if (offsets_[p] < 0) continue;
      rd_kafka_topic_partition_list_add(list.get(), s_.input.c_str(), static_cast<int32_t>(p))
          ->offset = offsets_[p];
    }
    if (auto err = rd_kafka_commit(consumer_.get(), list.get(), 0)) {
      fail(std::string("commit: ") + rd_kafka_err2str(err));
      return;
    }
    std::fill(offsets_.begin(), offsets_.end(), -1);
    dirty_ = false;
  }

  static void onRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<RawLoop*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, partitions);
      if (!self->assigned_) {
        self->assigned_ = true;
        self->assigned_ns_ = sbs::steadyNs();
      }
    } else {
      self->commit();  // what was processed before the partitions go
      rd_kafka_assign(rk, nullptr);
    }
  }

  static void onDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<RawLoop*>(opaque);
    if (self->first_delivery_ns_ == 0) self->first_delivery_ns_ = sbs::steadyNs();
    if (m->err && self->delivery_failures_++ == 0) {
      self->delivery_error_ = rd_kafka_err2str(m->err);
    }
  }

  const Settings& s_;
  const int index_;
  const bool stateless_;
  std::unique_ptr<rd_kafka_t, RdDeleter> producer_, consumer_;
  std::unique_ptr<rd_kafka_topic_t, RdDeleter> out_topic_;
  // Next offset to commit per input partition (index), -1 when nothing was processed since the
  // last commit: a flat array, not a map lookup per record.
  std::vector<int64_t> offsets_;
  bool dirty_ = false;
  bool assigned_ = false, running_ = false;
  int64_t assigned_ns_ = 0, first_consume_ns_ = 0, first_delivery_ns_ = 0;
  int64_t delivery_failures_ = 0;
  std::string delivery_error_;
  std::string error_;
  std::string value_;  // stateless: the upper-cased value, its buffer reused
};

int runLibrdkafka(const Settings& s) {
  std::fprintf(stderr,
               "%s: system=librdkafka workload=%s input=%s output=%s group.id=%s threads=%d "
               "commit.interval.ms=%lld linger.ms=%lld batch.size=%lld acks=%s\n",
               kProgram, s.workload.c_str(), s.input.c_str(), s.output.c_str(),
               s.application_id.c_str(), s.threads, static_cast<long long>(s.commit_interval_ms),
               static_cast<long long>(s.linger_ms), static_cast<long long>(s.batch_size),
               s.acks.c_str());
  std::vector<std::unique_ptr<RawLoop>> loops;
  std::vector<std::thread> threads;
  for (int i = 0; i < s.threads; ++i) {
    loops.push_back(std::make_unique<RawLoop>(s, i + 1));
    threads.emplace_back([loop = loops.back().get()] { loop->run(); });
  }
  const bool stop_requested = waitForStopSignal();
  g_stop = true;
  for (auto& t : threads) t.join();
  if (g_failed) return sbs::kExitFailure;
  if (stop_requested) {
    std::fputs("STOPPED\n", stdout);
    std::fflush(stdout);
  }
  return sbs::kExitOk;
}

// ---------------------------------------------------------------------------------------------

constexpr const char* kUsage =
    "usage: kstreams_bench_app [--mode streams] --system kstreams|librdkafka --workload W "
    "--bootstrap-servers B\n"
    "         --application-id A --input T --output O [--threads 1] [--commit-interval-ms 1000]\n"
    "         [--cache-max-bytes 10485760] [--linger-ms 5] [--batch-size 1048576] [--acks 1]\n"
    "         [--state-dir /tmp/kstreams-bench-app] [--client-config \"k=v;producer.k=v\"]\n"
    "         [--rocksdb-block-cache-bytes 67108864] [--rocksdb-write-buffer-bytes 33554432]\n"
    "       kstreams_bench_app --mode describe --system S --workload W [--input T] [--output O]\n"
    "         [--registry-url URL (avro: the Confluent-compatible API)]\n"
    "  W: passthrough|stateless|count|windowed-count|avro (librdkafka: passthrough|stateless)\n";

int run(int argc, char** argv) {
  sbs::Args args(argc, argv);
  args.allowOnly({"mode", "system", "workload", "bootstrap-servers", "application-id", "input",
                  "output", "threads", "commit-interval-ms", "cache-max-bytes", "linger-ms",
                  "batch-size", "acks", "state-dir", "client-config", "rocksdb-block-cache-bytes",
                  "rocksdb-write-buffer-bytes", "registry-url"});
  const std::string mode = args.get("mode", "streams");
  if (mode != "streams" && mode != "describe") throw sbs::UsageError("unknown --mode " + mode);
  const bool describe = mode == "describe";
  Settings s;
  s.system = args.required("system");
  s.workload = args.required("workload");
  if (s.system != "kstreams" && s.system != "librdkafka") {
    throw sbs::UsageError("unknown --system '" + s.system + "'");
  }
  if (s.workload != "passthrough" && s.workload != "stateless" && s.workload != "count" &&
      s.workload != "windowed-count" && s.workload != "avro") {
    throw sbs::UsageError("unknown --workload '" + s.workload + "'");
  }
  if (s.system == "librdkafka" && s.workload != "passthrough" && s.workload != "stateless") {
    throw sbs::UsageError("--system librdkafka runs passthrough and stateless only");
  }
  s.input = describe ? args.get("input", "input") : args.required("input");
  s.output = describe ? args.get("output", "output") : args.required("output");
  s.registry_url = args.get("registry-url", s.registry_url);
  if (!describe && s.workload == "avro" && !args.has("registry-url")) {
    throw sbs::UsageError("--workload avro needs --registry-url");
  }
  if (describe) {
    // Like the Java peer's --mode describe: the topology, or exit 2 when not implemented.
    if (s.system == "librdkafka") {
      std::printf("librdkafka loop: consume %s → %s → produce %s\n", s.input.c_str(),
                  s.workload == "stateless" ? "filter(even seq) → upper-case" : "as is",
                  s.output.c_str());
      return sbs::kExitOk;
    }
    std::optional<kstreams::Topology> topology = buildTopology(s);
    if (!topology) return sbs::kExitNotImplemented;
    std::cout << topology->describe() << std::flush;
    return sbs::kExitOk;
  }
  s.bootstrap = args.required("bootstrap-servers");
  s.application_id = args.required("application-id");
  s.threads = static_cast<int>(args.getInt("threads", 1, 1));
  s.commit_interval_ms = args.getInt("commit-interval-ms", 1000, 0);
  s.cache_max_bytes = args.getInt("cache-max-bytes", 10 * 1024 * 1024, 0);
  s.linger_ms = args.getInt("linger-ms", 5, 0);
  s.batch_size = args.getInt("batch-size", 1'048'576, 1);
  s.rocksdb_block_cache_bytes =
      args.getInt("rocksdb-block-cache-bytes", s.rocksdb_block_cache_bytes, 1);
  s.rocksdb_write_buffer_bytes =
      args.getInt("rocksdb-write-buffer-bytes", s.rocksdb_write_buffer_bytes, 1);
  s.acks = args.get("acks", "1");
  if (s.acks == "-1") s.acks = "all";
  if (s.acks != "0" && s.acks != "1" && s.acks != "all") {
    throw sbs::UsageError("--acks must be 0, 1, all or -1");
  }
  s.state_dir = args.get("state-dir", "/tmp/kstreams-bench-app");
  for (const std::string& kv : sbs::splitList(args.get("client-config", ""), ';')) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos) throw sbs::UsageError("--client-config wants k=v;k=v");
    s.client_config[kv.substr(0, eq)] = kv.substr(eq + 1);
  }

  // Every thread started from here on (stream threads, librdkafka's) inherits the mask, so the
  // stop signals reach sigtimedwait() in waitForStopSignal() only.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  return s.system == "kstreams" ? runKstreams(s) : runLibrdkafka(s);
}

}  // namespace

int main(int argc, char** argv) {
  int code = sbs::kExitFailure;
  try {
    code = run(argc, argv);
  } catch (const sbs::UsageError& e) {
    std::fprintf(stderr, "%s: %s\n%s", kProgram, e.what(), kUsage);
    code = sbs::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", kProgram, e.what());
    code = sbs::kExitFailure;
  }
  sbs::printPeakRss(kProgram);
  return code;
}
